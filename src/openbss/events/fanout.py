"""Fan-out: turn each new outbox event into one delivery per matching hub subscription."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, false, select, update
from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.events.matching import matches
from openbss.events.models import EventDelivery, OutboxEvent
from openbss.jobs.sql import insert_if_absent, rows_affected
from openbss.tmf.models import HubSubscription

FAN_OUT_BATCH = 500
_PAYLOADS = select(OutboxEvent.seq, OutboxEvent.payload).where(OutboxEvent.seq.in_(bindparam("seqs", expanding=True)))


def fan_out(session: Session, limit: int = FAN_OUT_BATCH) -> int:
    """Fan out up to ``limit`` events not yet fanned out, oldest first; returns how many.

    Everything happens in the caller's transaction: the deliveries are
    inserted if absent (the unique constraint on event and subscription makes
    a repeated or concurrent fan-out harmless) and the events are marked
    fanned out, so a crash in between leaves the events to be fanned out again.
    An event only reaches the subscriptions that exist when it is fanned out.
    """
    events = session.execute(
        select(OutboxEvent.seq, OutboxEvent.api)
        .where(OutboxEvent.fanned_out == false())
        .order_by(OutboxEvent.seq)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    subscriptions: dict[str, list[Any]] = defaultdict(list)
    for sub in session.execute(
        select(HubSubscription.id, HubSubscription.api, HubSubscription.callback, HubSubscription.query)
        .where(HubSubscription.api.in_({event.api for event in events}))
        .order_by(HubSubscription.created_at, HubSubscription.id)
    ):
        subscriptions[sub.api].append(sub)
    # only events of an API someone listens to are read in full (decoding payloads is the costly part)
    wanted = [event.seq for event in events if subscriptions.get(event.api)]
    payloads: dict[int, Any] = (
        {seq: payload for seq, payload in session.execute(_PAYLOADS, {"seqs": wanted})} if wanted else {}
    )
    now = clock.now()
    deliveries = [
        {
            "event_seq": event.seq,
            "subscription_id": sub.id,
            "callback": sub.callback,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for event in events
        if event.seq in payloads
        for sub in subscriptions[event.api]
        if matches(sub.query, payloads[event.seq])
    ]
    insert_if_absent(session, EventDelivery, deliveries)
    rows_affected(
        session,
        update(OutboxEvent).where(OutboxEvent.seq.in_([event.seq for event in events])).values(fanned_out=True),
    )
    return len(events)
