"""Background jobs of order handling (all idempotent; state lives in the order tables).

* ``ordering.process_order`` - validate a captured or changed order and act on it;
* ``ordering.deliver_order`` - deliver the items of an order issued at capture
  that need no network work;
* ``ordering.send_southbound`` - send an order's waiting TMF641 service orders;
* ``ordering.cancel_order`` - assess and carry out a cancellation request;
* ``ordering.jeopardy_sweep`` (periodic) - jeopardy alerts and fallout escalation;
* ``ordering.southbound_watch`` (periodic) - send leftovers, poll the OSS for
  service orders without news, turn missed deadlines into timeout fallout.
"""

from __future__ import annotations

from openbss.core import clock
from openbss.jobs.context import JobContext
from openbss.jobs.registry import every, task
from openbss.ordering import cancellation, fulfilment, handling, jeopardy, repository
from openbss.ordering.resource import CANCEL_TASK, DELIVER_TASK, PROCESS_ORDER_TASK

SWEEP_TASK = "ordering.jeopardy_sweep"
WATCH_TASK = "ordering.southbound_watch"


VALIDATION_BATCH = 50
"""Captured orders one ``ordering.process_order`` run validates together (see :func:`process_order`)."""


@task(PROCESS_ORDER_TASK, max_attempts=5, backoff_seconds=5)
def process_order(ctx: JobContext) -> None:
    """Validate the job's order and, on a first attempt, up to ``VALIDATION_BATCH - 1`` other captured ones.

    The batch shares one transaction, so the policy, catalog entries, customers
    and accounts are read once for all its orders, and there is one commit.
    The other orders' own jobs then find nothing to do. If anything in the
    batch fails, all of it rolls back: each order keeps its own job, and a
    retry validates only its own order, so one bad order cannot hold up the rest.
    """
    order_id = str(ctx.payload["order"])
    with ctx.database.session(write=True) as session:
        job_ctx = fulfilment.job_context(session, ctx.settings)
        handling.process_order(job_ctx, order_id)
        if ctx.attempt == 1:
            for other in repository.acknowledged_waiting(session, VALIDATION_BATCH - 1, skip=order_id):
                handling.process_order(job_ctx, other.id, row=other)


@task(DELIVER_TASK, max_attempts=5, backoff_seconds=5)
def deliver_order(ctx: JobContext) -> None:
    """Monitor Customer Order Delivery for the job's order: items that need no network work are delivered.

    Queued for an order issued as it was captured (:mod:`openbss.ordering.capture`);
    the job path delivers such items in the transaction that issues the order.
    """
    with ctx.database.session(write=True) as session:
        row = repository.order(session, str(ctx.payload["order"]), for_update=True)
        if row is not None:
            fulfilment.monitor_order(fulfilment.job_context(session, ctx.settings), row)


@task(fulfilment.SEND_TASK, max_attempts=6, backoff_seconds=5, lease_seconds=120)
def send_southbound(ctx: JobContext) -> None:
    fulfilment.send_southbound(
        ctx.database, ctx.settings, order_id=ctx.payload.get("order"), last_attempt=ctx.last_attempt
    )


@task(CANCEL_TASK, max_attempts=6, backoff_seconds=5, lease_seconds=120)
def cancel_order(ctx: JobContext) -> None:
    cancellation.run_cancellation(ctx.database, ctx.settings, str(ctx.payload["task"]))


@task(SWEEP_TASK, lease_seconds=120)
def jeopardy_sweep(ctx: JobContext) -> None:
    with ctx.database.session(write=True) as session:
        jeopardy.sweep_jeopardy(fulfilment.job_context(session, ctx.settings))


@task(WATCH_TASK, lease_seconds=300)
def southbound_watch(ctx: JobContext) -> None:
    fulfilment.send_southbound(ctx.database, ctx.settings, order_id=None, last_attempt=False)
    fulfilment.poll_southbound(ctx.database, ctx.settings)
    fulfilment.check_deadlines(ctx.database, ctx.settings, clock.now())


every(SWEEP_TASK, seconds=lambda s: s.order_jeopardy_sweep_seconds)
every(WATCH_TASK, seconds=lambda s: s.order_southbound_poll_seconds)
