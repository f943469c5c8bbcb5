"""Tables of TMF666 accounts, bill formats, billing cycles and presentation media."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class PartyAccountRow(ResourceRow, Base):
    __tablename__ = "party_account"


class BillingAccountRow(ResourceRow, Base):
    __tablename__ = "billing_account"

    currency: Mapped[str | None] = mapped_column(String(3))
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    bill_cycle_id: Mapped[str | None] = mapped_column(String(64), index=True)
    billed: Mapped[bool] = mapped_column(Boolean, default=False)


class SettlementAccountRow(ResourceRow, Base):
    __tablename__ = "settlement_account"


class FinancialAccountRow(ResourceRow, Base):
    __tablename__ = "financial_account"


class BillFormatRow(ResourceRow, Base):
    __tablename__ = "bill_format"


class BillingCycleSpecificationRow(ResourceRow, Base):
    __tablename__ = "billing_cycle_specification"


class BillPresentationMediaRow(ResourceRow, Base):
    __tablename__ = "bill_presentation_media"
