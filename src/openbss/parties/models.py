"""Tables of TMF632 parties and TMF669 party roles."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class IndividualRow(ResourceRow, Base):
    __tablename__ = "individual"

    family_name: Mapped[str | None] = mapped_column(String(255), index=True)
    birth_date: Mapped[str | None] = mapped_column(String(10))


class OrganizationRow(ResourceRow, Base):
    __tablename__ = "organization"

    trading_name: Mapped[str | None] = mapped_column(String(255), index=True)


class PartyRoleRow(ResourceRow, Base):
    __tablename__ = "party_role"

    engaged_party_id: Mapped[str | None] = mapped_column(String(64), index=True)
