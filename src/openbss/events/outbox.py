"""Write TMF events to the outbox inside the caller's transaction."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.core.db import insert_at_commit
from openbss.core.ids import new_id
from openbss.events.models import OutboxEvent

OUTBOX_TABLE = cast(Table, OutboxEvent.__table__)


def record_event(
    session: Session,
    *,
    api: str,
    event_type: str,
    resource_kind: str,
    resource_id: str,
    event: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> str:
    """Queue ``event_type`` (e.g. ``CustomerCreateEvent``) with ``event`` as its ``event`` body.

    Returns the event id. The event is delivered only if the transaction commits.
    """
    event_id = new_id()
    moment = clock.now()
    payload: dict[str, Any] = {
        "eventId": event_id,
        "eventTime": clock.isoformat(moment),
        "eventType": event_type,
        "event": event,
    }
    if extra:
        payload.update(extra)
    insert_at_commit(
        session,
        OUTBOX_TABLE,
        {
            "event_id": event_id,
            "api": api,
            "event_type": event_type,
            "resource_kind": resource_kind,
            "resource_id": resource_id,
            "occurred_at": moment,
            "payload": payload,
            "fanned_out": False,
        },
    )
    return event_id
