"""The inbox of the OSS's TMF641 events: stored by the listener, applied by a job.

The listener (:mod:`openbss.oss.listener`) checks an event and hands it to
:func:`store_event`, which writes it to ``oss_event`` and queues the job
``oss.apply_events`` in the same short transaction, and the OSS gets its 201.
The job (:mod:`openbss.oss.tasks`) calls :func:`apply_pending`, which runs
the registered handlers on the stored events of one service order.

Order. The events of one service order are applied one at a time, oldest
(first received) first: each is applied in its own transaction, which starts
by locking the oldest still pending event of that service order
(:func:`openbss.oss.repository.next_pending`; on SQLite the writers take
turns anyway). A second worker running a job for the same service order
waits for that lock and then finds the next event, so two workers, or a
retry beside a newer event's job, cannot apply a later event before an
earlier one. Events of different service orders are applied independently.

Duplicates. ``eventId`` is unique in the table: the same event delivered
again (the OSS did not get our 201 in time) is acknowledged and not stored
or applied again. Events without an ``eventId`` are always stored. The
handlers stay idempotent regardless, since polling
(:func:`openbss.oss.listener.deliver_polled_order`) reports states directly.

Failures. A handler that raises rolls back that event's transaction; the
event stays ``pending`` with its ``attempts`` and ``last_error``, the job
fails this attempt and the job system retries it after its back-off, and
the later events of that service order wait behind it. On the job's last
attempt a failing event is marked ``failed`` (logged as an error), the later
events are applied, and the job ends failed. Failed events stay in the
table for inspection.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.jobs.context import JobFailed
from openbss.jobs.queue import enqueue
from openbss.oss import repository
from openbss.tmf.context import Context

log = logging.getLogger("openbss.oss")
Doc = dict[str, Any]

APPLY_TASK = "oss.apply_events"
APPLY_MAX_ATTEMPTS = 8
"""Tries of a stored event before it is marked failed (back-off from 5 s, doubling: about 10 minutes)."""
APPLY_BACKOFF_SECONDS = 5.0
EVENT_ID_LIMIT = 200
KEY_LIMIT = 120


def service_order_key(resource_name: str, event: Doc) -> str:
    """The service order an (already checked) event is about: its events are applied in arrival order.

    A ``cancelServiceOrder`` event counts for the service order it cancels
    when it names one, so that it is applied in line with that order's own events.
    """
    resource = event["event"][resource_name]
    if resource_name == "cancelServiceOrder":
        target = resource.get("serviceOrder")
        if isinstance(target, dict) and isinstance(target.get("id"), str) and target["id"]:
            return str(target["id"])[:KEY_LIMIT]
    return str(resource["id"])[:KEY_LIMIT]


def store_event(session: Session, event_name: str, resource_name: str, event: Doc) -> int | None:
    """Store ``event`` and queue the job that applies it; the row id, or None for a repeated ``eventId``."""
    key = service_order_key(resource_name, event)
    event_id = event.get("eventId")
    stored = repository.insert_event(
        session,
        {
            "event_id": event_id[:EVENT_ID_LIMIT] if isinstance(event_id, str) and event_id else None,
            "event_name": event_name,
            "service_order_id": key,
            "body": event,
            "status": repository.PENDING,
            "attempts": 0,
            "received_at": clock.now(),
        },
    )
    if stored is None:
        log.info("TMF641 event %s of service order %s received again: already stored", event_id, key)
        return None
    enqueue(session, APPLY_TASK, {"serviceOrder": key, "event": stored})
    return stored


def _error_text(error: BaseException) -> str:
    text = "".join(traceback.format_exception(error))
    return f"{type(error).__name__}: {error}\n{text[-3000:]}"


def apply_pending(database: Database, settings: Settings, service_order_id: str, *, last_attempt: bool) -> int:
    """Apply the pending events of one service order, oldest first; how many were applied.

    Raises what a handler raised (the job retries; the event stays pending),
    unless ``last_attempt``: then the failing events are marked ``failed``,
    the rest are applied, and :class:`JobFailed` is raised at the end.
    """
    from openbss.oss.listener import OSS_PRINCIPAL, handle_event

    applied = 0
    given_up: list[int] = []
    while True:
        with database.session() as session:
            if not repository.has_pending(session, service_order_id):
                break  # without taking the writer's turn on SQLite
        current: tuple[int, str | None] | None = None  # (row id, eventId): the row is gone after a rollback
        try:
            with database.session(write=True) as session:
                row = repository.next_pending(session, service_order_id)
                if row is None:
                    break
                current = (row.id, row.event_id)
                ctx = Context(
                    session=session,
                    principal=OSS_PRINCIPAL,
                    settings=settings,
                    base_url=settings.oss_listener_url.rstrip("/"),
                )
                handle_event(ctx, row.body)
                repository.mark_applied(session, row, ctx.now)
        except Exception as error:
            if current is None:
                raise  # the database, not a handler
            event_pk, event_id = current
            with database.session(write=True) as session:
                repository.record_failure(session, event_pk, _error_text(error), give_up=last_attempt)
            label = f"TMF641 event {event_id or event_pk} of service order {service_order_id}"
            if not last_attempt:
                log.warning("%s: a handler failed, the event waits for a retry: %s", label, error)
                raise
            log.error("%s: a handler failed on the last attempt, the event is marked failed: %s", label, error)
            given_up.append(event_pk)
            continue
        applied += 1
    if given_up:
        raise JobFailed(f"{len(given_up)} event(s) of service order {service_order_id} failed for good: {given_up}")
    return applied
