"""The inbox of TMF641 events received from the OSS (see :mod:`openbss.oss.inbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base


class OssEventRow(Base):
    """One event as the listener received it; ``id`` is the arrival order."""

    __tablename__ = "oss_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # the OSS's eventId (unique: a second delivery of the same event is not stored); None without one
    event_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    event_name: Mapped[str] = mapped_column(String(80))
    # the service order the event is about: events of one service order are applied in arrival order
    service_order_id: Mapped[str] = mapped_column(String(120))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending applied failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries so far
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_oss_event_pending", "service_order_id", "status", "id"),)
