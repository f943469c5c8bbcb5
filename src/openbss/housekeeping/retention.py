"""Retention: what the server deletes once it has served its purpose.

These kinds of rows grow with every request and would otherwise be kept for
ever:

* **Outbox events** with their deliveries and delivery attempts. An event is
  kept while it is young, while it has not been fanned out to the hub
  subscribers, and while any of its deliveries is still pending or being
  sent; after that it goes, with all its deliveries and their attempt log.
* **Finished jobs**: ``done`` ones after a short time, ``failed`` ones (the
  evidence an operator needs to investigate) after a longer one.
* **OSS events** in the inbox (:mod:`openbss.oss.inbox`): applied ones with
  the outbox events, failed ones with the failed jobs. Pending ones stay.
* **Idempotency records** of ``Idempotency-Key`` POSTs: a key is remembered
  for a configured time, after which the same key creates a new resource.
* **Process runs** (``process_run``): old ones are folded into one total row
  per process (:mod:`.process_rollup`) as they are deleted, so ``GET
  /processes`` shows the same figures before and after.

Each kind has its own setting; ``0`` keeps that kind for ever. Rows go in
batches, each in its own short write transaction, so a large backlog never
holds the SQLite writer for long. :func:`purge` is what the periodic job
``housekeeping.retention`` and ``openbss housekeeping purge`` run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Select, delete, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from openbss.housekeeping.process_rollup import fold_batch, runs_due
from openbss.jobs.models import Job
from openbss.jobs.sql import rows_affected
from openbss.oss.models import OssEventRow
from openbss.tmf.models import IdempotencyRecord

DEFAULT_BATCH = 2000
UNFINISHED_DELIVERY = ("pending", "sending")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of row is kept; ``None`` keeps it for ever."""

    events: timedelta | None
    done_jobs: timedelta | None
    failed_jobs: timedelta | None
    idempotency_keys: timedelta | None
    process_runs: timedelta | None

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        def days(value: int) -> timedelta | None:
            return timedelta(days=value) if value > 0 else None

        hours = settings.idempotency_key_hours
        return cls(
            events=days(settings.retention_event_days),
            done_jobs=days(settings.retention_done_job_days),
            failed_jobs=days(settings.retention_failed_job_days),
            idempotency_keys=timedelta(hours=hours) if hours > 0 else None,
            process_runs=days(settings.retention_process_run_days),
        )


@dataclass
class PurgeCounts:
    """Rows deleted (or, in a dry run, due to be) per table."""

    outbox_event: int = 0
    event_delivery: int = 0
    delivery_attempt: int = 0
    job: int = 0
    oss_event: int = 0
    idempotency_record: int = 0
    process_run: int = 0

    def rows(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def total(self) -> int:
        return sum(self.rows().values())


# --- what is due ---------------------------------------------------------------------------------------


def _events_due(cutoff: datetime) -> Select[Any]:
    unfinished = exists().where(
        EventDelivery.event_seq == OutboxEvent.seq, EventDelivery.status.in_(UNFINISHED_DELIVERY)
    )
    return select(OutboxEvent.seq).where(
        OutboxEvent.fanned_out.is_(True), OutboxEvent.occurred_at < cutoff, ~unfinished
    )


def _aged_by_status(
    status: Any, moment: Any, now: datetime, keep: tuple[tuple[timedelta | None, str], ...]
) -> ColumnElement[bool] | None:
    """Rows in one of the given statuses whose ``moment`` is older than that status's keeping time."""
    rules = [(status == name) & (moment < now - age) for age, name in keep if age is not None]
    return or_(*rules) if rules else None


def _jobs_due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool] | None:
    return _aged_by_status(
        Job.status, Job.finished_at, now, ((policy.done_jobs, "done"), (policy.failed_jobs, "failed"))
    )


def _oss_events_due(policy: RetentionPolicy, now: datetime) -> ColumnElement[bool] | None:
    return _aged_by_status(
        OssEventRow.status, OssEventRow.received_at, now, ((policy.events, "applied"), (policy.failed_jobs, "failed"))
    )


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def count_due(database: Database, policy: RetentionPolicy, now: datetime) -> PurgeCounts:
    """What :func:`purge` would delete at ``now``, counted without deleting."""
    counts = PurgeCounts()
    with database.session() as session:
        if policy.events is not None:
            seqs = _events_due(now - policy.events)
            deliveries = select(EventDelivery.id).where(EventDelivery.event_seq.in_(seqs))
            counts.outbox_event = _count(session, seqs)
            counts.event_delivery = _count(session, deliveries)
            counts.delivery_attempt = _count(
                session, select(DeliveryAttempt.id).where(DeliveryAttempt.delivery_id.in_(deliveries))
            )
        jobs = _jobs_due(policy, now)
        if jobs is not None:
            counts.job = _count(session, select(Job.id).where(jobs))
        oss_events = _oss_events_due(policy, now)
        if oss_events is not None:
            counts.oss_event = _count(session, select(OssEventRow.id).where(oss_events))
        if policy.idempotency_keys is not None:
            counts.idempotency_record = _count(
                session,
                select(IdempotencyRecord.key).where(IdempotencyRecord.created_at < now - policy.idempotency_keys),
            )
        if policy.process_runs is not None:
            counts.process_run = _count(session, runs_due(now - policy.process_runs))
    return counts


# --- deleting, one batch a transaction -----------------------------------------------------------------


def _event_batch(session: Session, cutoff: datetime, limit: int, counts: PurgeCounts) -> int:
    seqs = list(session.execute(_events_due(cutoff).order_by(OutboxEvent.seq).limit(limit)).scalars())
    if not seqs:
        return 0
    deliveries = select(EventDelivery.id).where(EventDelivery.event_seq.in_(seqs))
    # children first: explicit deletes count the rows and need no ON DELETE CASCADE at run time
    counts.delivery_attempt += rows_affected(
        session, delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries))
    )
    counts.event_delivery += rows_affected(session, delete(EventDelivery).where(EventDelivery.event_seq.in_(seqs)))
    counts.outbox_event += rows_affected(session, delete(OutboxEvent).where(OutboxEvent.seq.in_(seqs)))
    return len(seqs)


def _id_batch(
    session: Session, model: type[Job] | type[OssEventRow], due: ColumnElement[bool], limit: int, counts: PurgeCounts
) -> int:
    """Delete up to ``limit`` rows of ``model`` (lowest ids first) that ``due`` holds for; how many."""
    ids = list(session.execute(select(model.id).where(due).order_by(model.id).limit(limit)).scalars())
    if ids:
        table = model.__tablename__
        setattr(counts, table, getattr(counts, table) + rows_affected(session, delete(model).where(model.id.in_(ids))))
    return len(ids)


def _idempotency_batch(session: Session, cutoff: datetime, limit: int, counts: PurgeCounts) -> int:
    keys = [
        tuple(row)
        for row in session.execute(
            select(IdempotencyRecord.principal, IdempotencyRecord.key)
            .where(IdempotencyRecord.created_at < cutoff)
            .order_by(IdempotencyRecord.created_at)
            .limit(limit)
        )
    ]
    if keys:
        counts.idempotency_record += rows_affected(
            session,
            delete(IdempotencyRecord).where(tuple_(IdempotencyRecord.principal, IdempotencyRecord.key).in_(keys)),
        )
    return len(keys)


def _process_run_batch(session: Session, cutoff: datetime, limit: int, counts: PurgeCounts) -> int:
    selected, folded = fold_batch(session, cutoff, limit)
    counts.process_run += folded
    return selected


def purge(
    database: Database,
    policy: RetentionPolicy,
    now: datetime,
    *,
    batch: int = DEFAULT_BATCH,
    should_stop: Callable[[], bool] = lambda: False,
) -> PurgeCounts:
    """Delete what ``policy`` no longer keeps at ``now``, ``batch`` rows a transaction; the counts.

    Stops early (between batches) when ``should_stop()`` turns true; what is
    left goes at the next run.
    """
    counts = PurgeCounts()
    steps: list[Callable[[Session], int]] = []
    if policy.events is not None:
        event_cutoff = now - policy.events
        steps.append(lambda s: _event_batch(s, event_cutoff, batch, counts))
    for model, due in ((Job, _jobs_due(policy, now)), (OssEventRow, _oss_events_due(policy, now))):
        if due is not None:
            steps.append(partial(_id_batch, model=model, due=due, limit=batch, counts=counts))
    if policy.idempotency_keys is not None:
        key_cutoff = now - policy.idempotency_keys
        steps.append(lambda s: _idempotency_batch(s, key_cutoff, batch, counts))
    if policy.process_runs is not None:
        run_cutoff = now - policy.process_runs
        steps.append(lambda s: _process_run_batch(s, run_cutoff, batch, counts))
    for step in steps:
        while not should_stop():
            with database.session(write=True) as session:
                done = step(session)
            if done < batch:
                break
    return counts
