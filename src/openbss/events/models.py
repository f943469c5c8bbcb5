"""Outbox tables: events written with the change, and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base


class OutboxEvent(Base):
    """A TMF event, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_event"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    # no indexes on api, event_type, resource_id: no query looks events up by them (migration 0011)
    api: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(120))
    resource_kind: Mapped[str] = mapped_column(String(60))
    resource_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False)

    # only the events still to fan out are indexed: a new event goes to the end of the index (migration 0014)
    __table_args__ = (
        Index(
            "ix_outbox_event_unfanned",
            "seq",
            sqlite_where=text("fanned_out = 0"),
            postgresql_where=text("fanned_out = false"),
        ),
    )


class EventDelivery(Base):
    """One event to one hub subscriber; attempts are recorded so nothing is lost or sent twice."""

    __tablename__ = "event_delivery"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("outbox_event.seq", ondelete="CASCADE"))
    subscription_id: Mapped[str] = mapped_column(String(64), index=True)
    callback: Mapped[str] = mapped_column(String(1000))
    # pending -> sending -> delivered | pending (retry) | failed; cancelled when the subscription is removed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("event_seq", "subscription_id"),
        Index("ix_event_delivery_due", "status", "next_attempt_at"),
    )


class DeliveryAttempt(Base):
    """The log of every HTTP attempt made for a delivery."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("event_delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
