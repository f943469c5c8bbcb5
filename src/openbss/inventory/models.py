"""Tables of the TMF637 product inventory.

* :class:`ProductRow` - the Product resource (engine columns and document) with
  typed, indexed columns for what the system looks products up by: the
  customer, the billing account, the product offering and the bundle parent.
* :class:`ProductHistory` - one row per change of a product: what changed, the
  status before and after, the order item or reason behind it and who made it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class ProductRow(ResourceRow, Base):
    __tablename__ = "product"

    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    billing_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    offering_id: Mapped[str | None] = mapped_column(String(64), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(64), index=True)


class ProductHistory(Base):
    """The product's trail: every change, in order."""

    __tablename__ = "product_history"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(20))  # create, modify, status, merge, delete
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    changed: Mapped[list[Any]] = mapped_column(JSON)  # top-level attributes that changed
    order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    order_item_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(1000))
    actor: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_product_history_product", "product_id", "seq"),)
