"""Tables of TMF663 shopping carts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import UtcDateTime
from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class ShoppingCartRow(ResourceRow, Base):
    """A cart; ``order_id`` is the product order it was checked out into (then it no longer changes)."""

    __tablename__ = "shopping_cart"

    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
