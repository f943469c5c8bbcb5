"""Periodic schedules: one ``periodic_schedule`` row per task registered with ``every()``.

A worker claims a due schedule with a conditional UPDATE (due, and not leased
by a live worker), runs the task, then moves ``next_run_at`` one interval on.
So each periodic task runs on one worker at a time across the whole fleet,
and a worker that dies mid-run leaves a lease that expires.

The interval that counts is the one registered in code (it may come from the
settings and be fractional); the ``interval_seconds`` column shows it rounded
up to whole seconds, for operators.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.jobs.models import PeriodicSchedule
from openbss.jobs.sql import insert_if_absent, rows_affected


def ensure_schedules(session: Session, intervals: Mapping[str, float]) -> None:
    """Create the missing schedule rows (due at once) and refresh the shown intervals."""
    if not intervals:
        return
    now = clock.now()
    shown = {name: max(1, math.ceil(seconds)) for name, seconds in intervals.items()}
    insert_if_absent(
        session,
        PeriodicSchedule,
        [{"name": name, "interval_seconds": seconds, "next_run_at": now} for name, seconds in shown.items()],
    )
    for name, seconds in shown.items():
        session.execute(
            update(PeriodicSchedule)
            .where(PeriodicSchedule.name == name, PeriodicSchedule.interval_seconds != seconds)
            .values(interval_seconds=seconds),
            execution_options={"synchronize_session": False},
        )


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(PeriodicSchedule.lease_until.is_(None), PeriodicSchedule.lease_until < now)


def due_schedules(session: Session, names: list[str]) -> list[str]:
    """Names among ``names`` whose next run is due and that no live worker holds, most overdue first."""
    now = clock.now()
    rows = session.execute(
        select(PeriodicSchedule.name)
        .where(PeriodicSchedule.name.in_(names), PeriodicSchedule.next_run_at <= now, _free(now))
        .order_by(PeriodicSchedule.next_run_at)
    ).scalars()
    return list(rows)


@dataclass
class ScheduleClaim:
    """A periodic schedule this worker holds for one run."""

    name: str
    worker: str
    lease: timedelta
    started_at: datetime

    def _fence(self) -> ColumnElement[bool]:
        return and_(PeriodicSchedule.name == self.name, PeriodicSchedule.locked_by == self.worker)

    def renew(self, session: Session) -> bool:
        statement = update(PeriodicSchedule).where(self._fence()).values(lease_until=clock.now() + self.lease)
        return rows_affected(session, statement) == 1

    def save_progress(self, session: Session, progress: dict[str, Any]) -> bool:
        """Periodic runs keep no checkpoint; this only checks that the lease still holds."""
        return self.renew(session)

    def finish(self, session: Session, interval: timedelta) -> bool:
        """Release the schedule; the next run is one interval after this one started (or now, if overdue)."""
        statement = (
            update(PeriodicSchedule)
            .where(self._fence())
            .values(
                next_run_at=self.started_at + interval,
                last_run_at=self.started_at,
                locked_by=None,
                lease_until=None,
            )
        )
        return rows_affected(session, statement) == 1


def claim_schedule(session: Session, name: str, worker: str, lease: timedelta) -> ScheduleClaim | None:
    now = clock.now()
    statement = (
        update(PeriodicSchedule)
        .where(PeriodicSchedule.name == name, PeriodicSchedule.next_run_at <= now, _free(now))
        .values(locked_by=worker, lease_until=now + lease)
    )
    if rows_affected(session, statement) != 1:
        return None
    return ScheduleClaim(name=name, worker=worker, lease=lease, started_at=now)
