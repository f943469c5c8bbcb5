"""Durable job state: queued jobs and periodic schedules.

Claims are conditional UPDATEs (``... WHERE status='queued'`` or an expired
lease), so two workers never run the same job; a worker that dies leaves a
lease that expires and the job is picked up again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base

LIMIT_FROM_WORKER = 0
"""``max_attempts`` of a job queued without a limit: the worker that claims it first writes its task's limit."""


class Job(Base):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), index=True)  # registered task name
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued running done failed
    run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=LIMIT_FROM_WORKER)  # see LIMIT_FROM_WORKER
    locked_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # checkpoint for resumable jobs
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_job_due", "status", "run_at"),)


class PeriodicSchedule(Base):
    __tablename__ = "periodic_schedule"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
