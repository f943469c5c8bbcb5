"""Delivery rows: which are due, claiming one, and recording each attempt.

A delivery is claimed right before it is sent with a conditional UPDATE
(``pending`` and due, or ``sending`` with an expired lease: its dispatcher
died) that sets ``status='sending'`` and a fresh ``lease_until``. That
``lease_until`` value is the claim's fencing token: the outcome is recorded
only while the row still carries it, so a dispatcher that outlived its lease
cannot overwrite the outcome of the one that took over. (A re-claim needs the
old lease to be past, so the new token always differs from the old one.)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, insert, not_, or_, select, update
from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from openbss.jobs.sql import rows_affected
from openbss.tmf.models import HubSubscription

MAX_RETRY_DELAY = timedelta(hours=1)
ERROR_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class DueDelivery:
    id: int
    subscription_id: str
    event_seq: int


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this dispatcher holds until ``lease_until``, with what it must send."""

    id: int
    subscription_id: str
    callback: str
    attempts: int  # attempts made before this one
    lease_until: datetime
    event_id: str
    event_type: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class AttemptOutcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(backoff_seconds: float, attempts: int) -> timedelta:
    """Pause after the ``attempts``-th failed try: backoff * 2**(attempts-1), at most an hour."""
    return min(timedelta(seconds=backoff_seconds * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _subscription_exists() -> ColumnElement[bool]:
    return exists().where(HubSubscription.id == EventDelivery.subscription_id)


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(EventDelivery.status == "pending", EventDelivery.next_attempt_at <= now),
        and_(EventDelivery.status == "sending", EventDelivery.lease_until < now),
    )


def cancel_orphaned_deliveries(session: Session) -> int:
    """Stop the open deliveries of subscriptions that were removed; returns how many."""
    now = clock.now()
    open_ = or_(
        EventDelivery.status == "pending",
        and_(EventDelivery.status == "sending", EventDelivery.lease_until < now),
    )
    statement = (
        update(EventDelivery)
        .where(open_, not_(_subscription_exists()))
        .values(status="cancelled", lease_until=None, last_error="the subscription was removed")
    )
    return rows_affected(session, statement)


def due_deliveries(session: Session, limit: int, skip_subscriptions: Collection[str] = ()) -> list[DueDelivery]:
    """Deliveries that may be sent now, in event order."""
    query = select(EventDelivery.id, EventDelivery.subscription_id, EventDelivery.event_seq).where(
        _claimable(clock.now())
    )
    if skip_subscriptions:
        query = query.where(EventDelivery.subscription_id.not_in(list(skip_subscriptions)))
    rows = session.execute(query.order_by(EventDelivery.event_seq, EventDelivery.id).limit(limit)).all()
    return [DueDelivery(row.id, row.subscription_id, row.event_seq) for row in rows]


def claim_delivery(session: Session, delivery_id: int, lease: timedelta) -> ClaimedDelivery | None:
    """Claim one delivery for sending; None when another dispatcher has it or it is no longer due."""
    now = clock.now()
    lease_until = now + lease
    statement = (
        update(EventDelivery)
        .where(EventDelivery.id == delivery_id, _claimable(now), _subscription_exists())
        .values(status="sending", lease_until=lease_until)
    )
    if rows_affected(session, statement) != 1:
        return None
    row = session.execute(
        select(
            EventDelivery.subscription_id,
            EventDelivery.callback,
            EventDelivery.attempts,
            OutboxEvent.event_id,
            OutboxEvent.event_type,
            OutboxEvent.payload,
        )
        .join(OutboxEvent, OutboxEvent.seq == EventDelivery.event_seq)
        .where(EventDelivery.id == delivery_id)
    ).one()
    return ClaimedDelivery(
        id=delivery_id,
        subscription_id=row.subscription_id,
        callback=row.callback,
        attempts=row.attempts,
        lease_until=lease_until,
        event_id=row.event_id,
        event_type=row.event_type,
        payload=row.payload,
    )


def record_attempt(
    session: Session,
    claim: ClaimedDelivery,
    outcome: AttemptOutcome,
    *,
    max_attempts: int,
    backoff_seconds: float,
) -> str | None:
    """Log the attempt and move the delivery on; returns its new status (None if the claim was lost)."""
    now = clock.now()
    attempts = claim.attempts + 1
    session.execute(
        insert(DeliveryAttempt).values(
            delivery_id=claim.id,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error[:ERROR_TEXT_LIMIT] if outcome.error else None,
            duration_ms=outcome.duration_ms,
        )
    )
    values: dict[str, Any] = {
        "attempts": attempts,
        "lease_until": None,
        "last_status_code": outcome.status_code,
    }
    if outcome.delivered:
        values.update(status="delivered", delivered_at=now, last_error=None)
    else:
        values["last_error"] = (outcome.error or f"HTTP {outcome.status_code}")[:ERROR_TEXT_LIMIT]
        if attempts >= max_attempts:
            values["status"] = "failed"
        else:
            values.update(status="pending", next_attempt_at=now + retry_delay(backoff_seconds, attempts))
    fence = and_(
        EventDelivery.id == claim.id,
        EventDelivery.status == "sending",
        EventDelivery.lease_until == claim.lease_until,
    )
    if rows_affected(session, update(EventDelivery).where(fence).values(**values)) != 1:
        return None
    if values["status"] == "pending":
        _hold_subscription(session, claim.subscription_id, values["next_attempt_at"])
    return str(values["status"])


def _hold_subscription(session: Session, subscription_id: str, until: datetime) -> None:
    """A subscriber that just failed: its other pending deliveries wait for the same retry time.

    They use up no attempts meanwhile, so a subscriber that is down for a
    while gets one request per back-off step, and its events stay in order.
    """
    held = update(EventDelivery).where(
        EventDelivery.subscription_id == subscription_id,
        EventDelivery.status == "pending",
        EventDelivery.next_attempt_at < until,
    )
    rows_affected(session, held.values(next_attempt_at=until))
