"""Tables of TMF629 customers."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class CustomerRow(ResourceRow, Base):
    __tablename__ = "customer"

    customer_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    engaged_party_id: Mapped[str | None] = mapped_column(String(64), index=True)
