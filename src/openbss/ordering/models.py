"""Tables of TMF622 product orders and of the order-handling processes around them.

* :class:`ProductOrderRow` - the TMF622 ProductOrder resource; typed columns for
  what order handling queries (customer, channel, dates, jeopardy level), so
  that the jeopardy sweep and the reports run in SQL without reading documents.
* :class:`OrderItemRow` - one row per order item (offering, action, state,
  dates), for the per-offering reports.
* :class:`CancelProductOrderRow` - the TMF622 cancelProductOrder task.
* :class:`SouthboundOrderRow` - each TMF641 service order sent to the network
  OSS for an order item, with its state and failure.
* :class:`OrderFalloutRow` - fallout: identified, investigated, resolved, escalated.
* :class:`OrderPolicyRow` - every version of the order policy (the newest applies).
* :class:`OrderPaymentRow` - up-front payments recorded against an order.
* :class:`OssSubscriptionRow` - our listener's registration at the OSS's hub.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class ProductOrderRow(ResourceRow, Base):
    __tablename__ = "product_order"

    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    billing_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), index=True)
    order_date: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    committed_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completion_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    jeopardy_level: Mapped[int] = mapped_column(Integer, default=0)
    jeopardy_max: Mapped[int] = mapped_column(Integer, default=0)
    had_fallout: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_required: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    needs_validation: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_product_order_sweep", "status", "committed_date"),)


class OrderItemRow(Base):
    __tablename__ = "product_order_item"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_item_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    offering_id: Mapped[str | None] = mapped_column(String(64), index=True)
    product_id: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    expected_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CancelProductOrderRow(ResourceRow, Base):
    __tablename__ = "cancel_product_order"

    product_order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    previous_state: Mapped[str | None] = mapped_column(String(40))


class SouthboundOrderRow(Base):
    """One TMF641 service order realising one product order item (one attempt)."""

    __tablename__ = "southbound_order"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # our id, sent as externalId
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    # toSend -> sent -> acknowledged | inProgress | ... | completed | failed | rejected | cancelled
    status: Mapped[str] = mapped_column(String(40), index=True)
    current: Mapped[bool] = mapped_column(Boolean, default=True)  # False once retried or resolved by hand
    service_order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    services: Mapped[list[Any] | None] = mapped_column(JSON)  # services the OSS reported as realising the item
    failure_kind: Mapped[str | None] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)  # no final answer by then: a timeout
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_southbound_order_open", "current", "status"),)


class OrderFalloutRow(Base):
    __tablename__ = "order_fallout"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[str | None] = mapped_column(String(64))
    southbound_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # rejected | failed | timeout | unreachable | server
    reason: Mapped[str] = mapped_column(Text)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), index=True)  # open | resolved
    resolution: Mapped[str | None] = mapped_column(String(30))  # retried | completedManually | cancelled
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class OrderPolicyRow(Base):
    __tablename__ = "order_policy"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)


class OrderPaymentRow(Base):
    __tablename__ = "order_payment"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    payment_ref: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))


class OssSubscriptionRow(Base):
    __tablename__ = "oss_subscription"

    oss_url: Mapped[str] = mapped_column(String(500), primary_key=True)
    callback: Mapped[str] = mapped_column(String(500))
    subscription_id: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
