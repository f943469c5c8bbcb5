"""The job queue: enqueue, claim, and record the outcome of one-off jobs.

Every state change after the claim is *fenced*: it only applies while the row
is still ``running`` under this worker's name and attempt number. A worker
whose lease expired (and whose job another worker re-claimed) therefore
cannot overwrite the newer run's outcome.

The attempt limit. ``enqueue`` does not look the task up: the enqueuing
process need not have loaded the task modules (``openbss serve --no-worker``
does not). Unless the caller gives ``max_attempts``, the row stores
:data:`LIMIT_FROM_WORKER` (0), and the worker that first claims the job
writes its own task registry's ``max_attempts`` into the row with the claim.
From then on the row holds the limit, so the worker's last-attempt decision,
:func:`fail_abandoned_jobs` and the re-claim of an expired lease all read the
same number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.core.driver_sql import statement_row
from openbss.jobs.models import LIMIT_FROM_WORKER, Job
from openbss.jobs.registry import DEFAULT_MAX_ATTEMPTS, get_task
from openbss.jobs.sql import rows_affected

ERROR_TEXT_LIMIT = 4000


def enqueue(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    *,
    max_attempts: int | None = None,
) -> int:
    """Queue the task ``name`` with ``payload`` to run at ``run_at`` (default: now); returns the job id.

    The job exists only if the caller's transaction commits. The task need not
    be registered in this process (the worker resolves it by name), and without
    ``max_attempts`` the task's own limit applies, as the claiming worker's
    registry declares it.
    """
    if max_attempts is not None and max_attempts < 1:
        raise ValueError(f"job {name!r}: max_attempts must be at least 1, got {max_attempts}")
    now = clock.now()
    values = {
        "name": name,
        "payload": payload or {},
        "status": "queued",
        "run_at": run_at or now,
        "attempts": 0,
        "max_attempts": max_attempts if max_attempts is not None else LIMIT_FROM_WORKER,
        "created_at": now,
    }
    session.flush()  # what the caller changed so far is written first, as the ORM's flush of the job did
    # the job itself in one statement on the driver: the ORM's unit of work for it costs several times
    # the INSERT, and Core's execution still about twice
    row = statement_row(session.connection(), _INSERT_JOB, values)
    assert row is not None  # INSERT ... RETURNING answers with the new row's id
    return int(row[0])


_JOB_KEYS = ("name", "payload", "status", "run_at", "attempts", "max_attempts", "created_at")
_INSERT_JOB = insert(Job).values({key: bindparam(key) for key in _JOB_KEYS}).returning(Job.id)


@dataclass
class JobClaim:
    """A job this worker holds, for attempt number ``attempts``."""

    job_id: int
    name: str
    worker: str
    attempts: int
    max_attempts: int
    lease: timedelta
    payload: dict[str, Any]
    progress: dict[str, Any] | None

    @property
    def last_attempt(self) -> bool:
        """Whether a failure of this attempt fails the job for good."""
        return self.attempts >= self.max_attempts

    def _fence(self) -> ColumnElement[bool]:
        return and_(
            Job.id == self.job_id,
            Job.status == "running",
            Job.locked_by == self.worker,
            Job.attempts == self.attempts,
        )

    def renew(self, session: Session) -> bool:
        statement = update(Job).where(self._fence()).values(lease_until=clock.now() + self.lease)
        return rows_affected(session, statement) == 1

    def save_progress(self, session: Session, progress: dict[str, Any]) -> bool:
        statement = update(Job).where(self._fence()).values(progress=progress, lease_until=clock.now() + self.lease)
        return rows_affected(session, statement) == 1

    def finish(self, session: Session) -> bool:
        now = clock.now()
        statement = (
            update(Job)
            .where(self._fence())
            .values(status="done", finished_at=now, locked_by=None, lease_until=None, last_error=None)
        )
        return rows_affected(session, statement) == 1

    def retry_later(self, session: Session, error: str, run_at: datetime) -> bool:
        statement = (
            update(Job)
            .where(self._fence())
            .values(
                status="queued",
                run_at=run_at,
                locked_by=None,
                lease_until=None,
                last_error=error[:ERROR_TEXT_LIMIT],
            )
        )
        return rows_affected(session, statement) == 1

    def fail(self, session: Session, error: str) -> bool:
        statement = (
            update(Job)
            .where(self._fence())
            .values(
                status="failed",
                finished_at=clock.now(),
                locked_by=None,
                lease_until=None,
                last_error=error[:ERROR_TEXT_LIMIT],
            )
        )
        return rows_affected(session, statement) == 1

    def defer(self, session: Session, run_at: datetime, reason: str) -> bool:
        """Give the job back without counting this attempt."""
        statement = (
            update(Job)
            .where(self._fence())
            .values(
                status="queued",
                run_at=run_at,
                attempts=Job.attempts - 1,
                locked_by=None,
                lease_until=None,
                last_error=reason[:ERROR_TEXT_LIMIT],
            )
        )
        return rows_affected(session, statement) == 1


def _claimable(now: datetime) -> ColumnElement[bool]:
    queued = and_(Job.status == "queued", Job.run_at <= now)
    abandoned = and_(Job.status == "running", Job.lease_until < now, Job.attempts < Job.max_attempts)
    return or_(queued, abandoned)


def registered_max_attempts(name: str) -> int:
    """The attempt limit this process's task registry declares for ``name`` (the default if unknown)."""
    definition = get_task(name)
    return definition.max_attempts if definition is not None else DEFAULT_MAX_ATTEMPTS


def claim_next_job(
    session: Session, worker: str, lease_for: Callable[[str], timedelta], candidates: int = 5
) -> JobClaim | None:
    """Claim the most overdue job that is queued or whose previous worker's lease expired.

    A conditional UPDATE decides: it changes the row only if the row is still
    claimable and still at the attempt number read, so exactly one worker
    wins. On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED`` so
    that workers do not queue up behind each other. A job queued without a
    limit gets this process's (the worker's) ``max_attempts`` for its task,
    written by the same UPDATE.
    """
    now = clock.now()
    rows = session.execute(
        select(Job.id, Job.name, Job.attempts, Job.max_attempts, Job.payload, Job.progress)
        .where(_claimable(now))
        .order_by(Job.run_at, Job.id)
        .limit(candidates)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        lease = lease_for(row.name)
        limit = row.max_attempts if row.max_attempts != LIMIT_FROM_WORKER else registered_max_attempts(row.name)
        statement = (
            update(Job)
            .where(Job.id == row.id, Job.attempts == row.attempts, _claimable(now))
            .values(
                status="running",
                locked_by=worker,
                lease_until=now + lease,
                attempts=row.attempts + 1,
                max_attempts=limit,
            )
        )
        if rows_affected(session, statement) == 1:
            return JobClaim(
                job_id=row.id,
                name=row.name,
                worker=worker,
                attempts=row.attempts + 1,
                max_attempts=limit,
                lease=lease,
                payload=dict(row.payload or {}),
                progress=row.progress,
            )
    return None


def fail_abandoned_jobs(session: Session) -> int:
    """Jobs whose worker died on their last allowed attempt: mark them failed."""
    now = clock.now()
    statement = (
        update(Job)
        .where(Job.status == "running", Job.lease_until < now, Job.attempts >= Job.max_attempts)
        .values(
            status="failed",
            finished_at=now,
            locked_by=None,
            lease_until=None,
            last_error="the worker running the last allowed attempt stopped (lease expired)",
        )
    )
    return rows_affected(session, statement)
