"""The event dispatcher: outbox events to hub subscribers, signed, with retries.

It runs as the periodic task ``events.dispatch`` (every
``OPENBSS_DISPATCH_INTERVAL_SECONDS``); :func:`dispatch_once` is one pass:

1. **fan-out** — every outbox event not yet fanned out, in ``seq`` order,
   becomes one ``pending`` delivery per matching subscription of its API (one
   transaction per batch: nothing is lost on a crash);
2. **cancel** — open deliveries of removed subscriptions stop;
3. **deliver** — due deliveries are claimed one by one (leased), POSTed and
   recorded: 2xx is delivered; anything else is retried after
   ``backoff * 2**(attempts-1)`` seconds (at most an hour) and ``failed``
   after ``OPENBSS_DISPATCH_MAX_ATTEMPTS``. Deliveries to one subscriber go
   in event order, one at a time; different subscribers are served in
   parallel. After a failure, a subscriber gets no more attempts this pass.

A delivery is sent at least once: if the dispatcher dies after the receiver
answered but before the outcome was committed, the event is sent again after
the lease expires, with the same ``eventId``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.events.callback_guard import parse_networks
from openbss.events.deliveries import (
    DueDelivery,
    cancel_orphaned_deliveries,
    claim_delivery,
    due_deliveries,
    record_attempt,
)
from openbss.events.fanout import FAN_OUT_BATCH, fan_out
from openbss.events.webhook import new_client, post_event
from openbss.jobs.context import JobContext
from openbss.jobs.registry import every, task

log = logging.getLogger("openbss.events")

DISPATCH_TASK = "events.dispatch"
DELIVERY_BATCH = 200
MAX_PARALLEL_SUBSCRIBERS = 8
PASS_TIME_BUDGET_SECONDS = 10.0
"""A pass stops taking new batches after this long, so the worker's other tasks get their turn."""


def delivery_lease(settings: Settings) -> timedelta:
    """How long a claimed delivery is reserved: well past the HTTP timeout."""
    return timedelta(seconds=max(60.0, 3 * settings.dispatch_timeout_seconds))


@dataclass
class DispatchReport:
    fanned_out: int = 0
    cancelled: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    lost_claims: int = 0
    failing_subscriptions: set[str] = field(default_factory=set)

    @property
    def attempts(self) -> int:
        return self.delivered + self.retrying + self.failed

    def add(self, other: DispatchReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.lost_claims += other.lost_claims
        self.failing_subscriptions |= other.failing_subscriptions


StopCheck = Callable[[], bool]


def _never() -> bool:
    return False


def dispatch_once(database: Database, settings: Settings, should_stop: StopCheck = _never) -> DispatchReport:
    """One full dispatch pass: fan out the new events, then send what is due."""
    report = DispatchReport()
    while not should_stop():
        with database.session() as session:
            count = fan_out(session)
        report.fanned_out += count
        if count < FAN_OUT_BATCH:
            break
    with database.session() as session:
        report.cancelled = cancel_orphaned_deliveries(session)
    deadline = time.monotonic() + PASS_TIME_BUDGET_SECONDS
    while not should_stop() and time.monotonic() < deadline:
        with database.session() as session:
            due = due_deliveries(session, DELIVERY_BATCH, skip_subscriptions=report.failing_subscriptions)
        if not due:
            break
        batch = _deliver_batch(database, settings, due, should_stop)
        report.add(batch)
        if len(due) < DELIVERY_BATCH or batch.attempts == 0:
            break
    return report


def _deliver_batch(
    database: Database, settings: Settings, due: list[DueDelivery], should_stop: StopCheck
) -> DispatchReport:
    groups: dict[str, list[DueDelivery]] = {}
    for item in due:
        groups.setdefault(item.subscription_id, []).append(item)

    def deliver(items: list[DueDelivery]) -> DispatchReport:
        return _deliver_to_subscriber(database, settings, items, should_stop)

    report = DispatchReport()
    if len(groups) == 1:
        report.add(deliver(next(iter(groups.values()))))
        return report
    with ThreadPoolExecutor(
        max_workers=min(MAX_PARALLEL_SUBSCRIBERS, len(groups)), thread_name_prefix="dispatch"
    ) as pool:
        for result in pool.map(deliver, groups.values()):
            report.add(result)
    return report


def _deliver_to_subscriber(
    database: Database, settings: Settings, items: list[DueDelivery], should_stop: StopCheck
) -> DispatchReport:
    """Send one subscriber's due deliveries in order; stop at its first failure."""
    report = DispatchReport()
    lease = delivery_lease(settings)
    with new_client(settings.dispatch_timeout_seconds) as client:
        for item in items:
            if should_stop():
                break
            with database.session() as session:
                claim = claim_delivery(session, item.id, lease)
            if claim is None:
                continue  # another dispatcher has it, or it was delivered meanwhile
            outcome = post_event(client, claim, settings.webhook_secret, parse_networks(settings.hub_blocked_networks))
            with database.session() as session:
                status = record_attempt(
                    session,
                    claim,
                    outcome,
                    max_attempts=settings.dispatch_max_attempts,
                    backoff_seconds=settings.dispatch_backoff_seconds,
                )
            if status is None:
                report.lost_claims += 1
                log.warning("delivery %s: claim lost before the outcome was recorded", claim.id)
            elif status == "delivered":
                report.delivered += 1
            elif status == "failed":
                report.failed += 1
                log.warning(
                    "delivery %s of event %s to %s failed for good: %s",
                    claim.id,
                    claim.event_id,
                    claim.callback,
                    outcome.error,
                )
            else:
                report.retrying += 1
            if not outcome.delivered:
                report.failing_subscriptions.add(item.subscription_id)
                break
    return report


@task(DISPATCH_TASK, lease_seconds=30.0)
def dispatch_task(ctx: JobContext) -> None:
    """The periodic dispatch pass."""
    report = dispatch_once(ctx.database, ctx.settings, should_stop=ctx.should_stop)
    if report.fanned_out or report.attempts or report.cancelled:
        log.info(
            "dispatch: %d event(s) fanned out, %d delivered, %d to retry, %d failed, %d cancelled",
            report.fanned_out,
            report.delivered,
            report.retrying,
            report.failed,
            report.cancelled,
        )


every(DISPATCH_TASK, seconds=lambda settings: settings.dispatch_interval_seconds)
