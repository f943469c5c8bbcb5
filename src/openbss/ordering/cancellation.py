"""Manage Customer Order Cancellation (1.3.3.14): the TMF622 ``cancelProductOrder`` task.

``POST cancelProductOrder`` (the request, 1.3.3.14.1):

* 409 and nothing written when the order cannot be cancelled at all (it is
  completed, cancelled, rejected, partial, or already being cancelled);
* otherwise the task is ``acknowledged`` and the order goes to
  ``assessingCancellation`` (its open items too).

The job ``ordering.cancel_order`` then assesses it (task ``inProgress``):

* past the point of no return of the order policy (``cancellation.pointOfNoReturn``)
  the task ends ``terminatedWithError`` with the reason in ``errorMessage``
  and the order returns to the state it came from;
* else every open southbound service order is cancelled at the OSS
  (TMF641 ``cancelServiceOrder``); when the OSS refuses one, the same refusal;
* else the order goes ``pendingCancellation``, and ``cancelled`` once the
  OSS has confirmed (at once when nothing was sent southbound): items
  ``cancelled``, ``cancellationDate`` set, task ``done`` with its
  ``effectiveCancellationDate`` (1.3.3.14.2).
"""

from __future__ import annotations

import logging
from typing import Any

from openbss.core.clock import isoformat
from openbss.core.db import Database
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.core.settings import Settings
from openbss.jobs.queue import enqueue
from openbss.ordering import extensions, repository, rules
from openbss.ordering.fulfilment import SB_FINAL, TO_SEND, job_context, oss_client
from openbss.ordering.models import CancelProductOrderRow, ProductOrderRow
from openbss.ordering.orders import change_order
from openbss.ordering.policy import current_policy
from openbss.ordering.resource import CANCEL_PRODUCT_ORDER, CANCEL_TASK, PRODUCT_ORDER
from openbss.oss.client import OssError
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

log = logging.getLogger("openbss.ordering")


def accept_request(ctx: Context, doc: Doc) -> str | None:
    """Check a cancellation request before it is recorded; the owner party of the order."""
    ref = doc.get("productOrder") or {}
    order_id = str(ref.get("id") or "")
    row = repository.order(ctx.session, order_id, for_update=True)
    if row is None or not engine.visible(ctx, PRODUCT_ORDER, row):
        raise ValidationFailed.from_problems(
            [FieldProblem("productOrder.id", "reference.exists", f"no ProductOrder with id '{order_id}'")]
        )
    if row.status not in rules.CANCELLABLE_STATES:
        raise Conflict(
            f"ProductOrder {row.id} is {row.status} and cannot be cancelled; an order is cancelled while it is "
            + ", ".join(sorted(rules.CANCELLABLE_STATES)),
            field="productOrder.id",
            rule="cancellation.orderState",
        )
    if repository.open_cancel_tasks(ctx.session, row.id):
        raise Conflict(
            f"ProductOrder {row.id} already has a cancellation in progress",
            field="productOrder.id",
            rule="cancellation.inProgress",
        )
    doc["state"] = "acknowledged"
    if row.customer_id:
        from openbss.ordering.resource import remember_owner

        remember_owner(row.customer_id, row.owner_party_id)
    return row.owner_party_id


def start_cancellation(ctx: Context, task: CancelProductOrderRow) -> None:
    """The request is recorded: the order goes to assessingCancellation and the assessment is queued."""
    row = repository.order(ctx.session, str(task.product_order_id), for_update=True)
    assert row is not None
    task.previous_state = row.status
    open_items = [
        i for i, s in rules.item_states(row.doc.get("productOrderItem")).items() if s in rules.ITEM_OPEN_STATES
    ]
    change_order(
        ctx,
        row,
        state=rules.ASSESSING_CANCELLATION,
        item_states={i: rules.ASSESSING_CANCELLATION for i in open_items},
        milestones=[
            extensions.milestone(
                row.id, "cancellationRequested", ctx.now, task.doc.get("cancellationReason") or "cancellation requested"
            )
        ],
    )
    enqueue(ctx.session, CANCEL_TASK, {"task": task.id})


def _past_point_of_no_return(ctx: Context, row: ProductOrderRow, previous: str | None) -> str | None:
    states = rules.item_states(row.doc.get("productOrderItem"))
    completed = [i for i, s in states.items() if s == rules.COMPLETED]
    if completed:
        return f"item(s) {', '.join(completed)} are already delivered"
    rule = current_policy(ctx).policy.cancellation.pointOfNoReturn
    southbound = repository.southbound_of_order(ctx.session, row.id, current_only=True)
    if rule == "issued" and previous == rules.IN_PROGRESS:
        return "the order has been issued to fulfilment (point of no return: issued)"
    if rule == "southboundInProgress":
        busy = [sb for sb in southbound if sb.status in ("inProgress", "completed", "partial")]
        if busy:
            return f"the network is already working on {len(busy)} service order(s) (point of no return)"
    if any(sb.status == "completed" for sb in southbound):
        return "a service order has already completed in the network"
    return None


def _task_and_order(ctx: Context, task_id: str) -> tuple[CancelProductOrderRow, ProductOrderRow] | None:
    task = repository.cancel_task(ctx.session, task_id, for_update=True)
    if task is None or task.status in ("done", "terminatedWithError"):
        return None
    row = repository.order(ctx.session, str(task.product_order_id), for_update=True)
    if row is None:
        return None
    return task, row


@process("1.3.3.14.1")
def assess_cancellation(ctx: Context, task_id: str) -> list[tuple[str, str]]:
    """Manage Customer Order Cancellation Request: decide, and list the service orders to cancel."""
    found = _task_and_order(ctx, task_id)
    if found is None:
        return []
    task, row = found
    if task.status == "acknowledged":
        engine.set_state(ctx, CANCEL_PRODUCT_ORDER, task, "inProgress")
    if row.status != rules.ASSESSING_CANCELLATION:
        return []
    reason = _past_point_of_no_return(ctx, row, task.previous_state)
    if reason:
        refuse_cancellation(ctx, task, row, reason)
        return []
    to_cancel = []
    for sb in repository.southbound_of_order(ctx.session, row.id, current_only=True):
        if sb.status == TO_SEND:
            sb.status = "cancelled"  # never sent: nothing to undo at the OSS
            sb.cancel_requested_at = ctx.now
        elif sb.status not in SB_FINAL and sb.service_order_id:
            sb.cancel_requested_at = sb.cancel_requested_at or ctx.now
            to_cancel.append((sb.id, sb.service_order_id))
    ctx.session.flush()
    return to_cancel


def refuse_cancellation(ctx: Context, task: CancelProductOrderRow, row: ProductOrderRow, reason: str) -> None:
    """The order cannot be cancelled: it returns to where it was; the task ends with the reason."""
    previous = task.previous_state or rules.IN_PROGRESS
    back = previous if previous in (rules.ACKNOWLEDGED, rules.PENDING, rules.HELD) else rules.IN_PROGRESS
    items = {
        i: back
        for i, s in rules.item_states(row.doc.get("productOrderItem")).items()
        if s == rules.ASSESSING_CANCELLATION
    }
    change_order(
        ctx,
        row,
        state=previous,
        item_states=items,
        milestones=[extensions.milestone(row.id, "cancellationRefused", ctx.now, reason)],
    )
    error = extensions.error_message(
        row.id, "cancellation.refused", "point of no return", reason, ctx.now, status="terminatedWithError"
    )
    engine.set_state(ctx, CANCEL_PRODUCT_ORDER, task, "terminatedWithError", extra_doc={"errorMessage": [error]})
    if previous in (rules.IN_PROGRESS, rules.FAILED):
        from openbss.ordering.fulfilment import reconcile

        reconcile(ctx, row)


def confirm_requests(ctx: Context, task_id: str, refusals: list[str]) -> None:
    """All cancel requests sent: refuse when the OSS refused one, else pendingCancellation."""
    found = _task_and_order(ctx, task_id)
    if found is None:
        return
    task, row = found
    if row.status != rules.ASSESSING_CANCELLATION:
        return
    if refusals:
        refuse_cancellation(ctx, task, row, "the network refused to cancel: " + "; ".join(refusals))
        return
    items = {
        i: rules.PENDING_CANCELLATION
        for i, s in rules.item_states(row.doc.get("productOrderItem")).items()
        if s == rules.ASSESSING_CANCELLATION
    }
    change_order(ctx, row, state=rules.PENDING_CANCELLATION, item_states=items)
    finish_when_done(ctx, row)


def finish_when_done(ctx: Context, row: ProductOrderRow) -> None:
    """Cancel the order once no service order of it is still open at the OSS."""
    if row.status != rules.PENDING_CANCELLATION:
        return
    southbound = repository.southbound_of_order(ctx.session, row.id, current_only=True)
    if any(sb.status not in SB_FINAL for sb in southbound):
        return
    finish_cancellation(ctx, row)


@process("1.3.3.14.2")
def finish_cancellation(ctx: Context, row: ProductOrderRow) -> None:
    """The cancellation is complete: items and order cancelled, the task done, the order closed."""
    from openbss.ordering.completion import close_order
    from openbss.ordering.fallout import resolve_open_fallout

    tasks = repository.open_cancel_tasks(ctx.session, row.id)
    reason = next((t.doc.get("cancellationReason") for t in tasks if t.doc.get("cancellationReason")), None)
    items = {
        i: rules.CANCELLED
        for i, s in rules.item_states(row.doc.get("productOrderItem")).items()
        if s in (rules.PENDING_CANCELLATION, rules.FAILED)
    }
    values: dict[str, Any] = {"cancellationDate": isoformat(ctx.now)}
    if reason:
        values["cancellationReason"] = reason
    change_order(
        ctx,
        row,
        state=rules.CANCELLED,
        item_states=items,
        values=values,
        milestones=[extensions.milestone(row.id, "cancelled", ctx.now, reason or "order cancelled")],
    )
    resolve_open_fallout(ctx, row.id, None, resolution="cancelled", by=ctx.principal.subject)
    for task in tasks:
        if task.status == "acknowledged":
            engine.set_state(ctx, CANCEL_PRODUCT_ORDER, task, "inProgress")
        engine.set_state(
            ctx, CANCEL_PRODUCT_ORDER, task, "done", extra_doc={"effectiveCancellationDate": isoformat(ctx.now)}
        )
    close_order(ctx, row)


def run_cancellation(database: Database, settings: Settings, task_id: str) -> None:
    """The whole assessment of one cancellation request (the job ``ordering.cancel_order``)."""
    with database.session(write=True) as session:
        to_cancel = assess_cancellation(job_context(session, settings), task_id)
    refusals: list[str] = []
    if to_cancel:
        with database.session() as session:
            task = repository.cancel_task(session, task_id)
            reason = (task.doc.get("cancellationReason") if task else None) or "cancelled by the customer"
        client = oss_client(settings)
        for _southbound_id, service_order_id in to_cancel:
            try:
                answer = client.cancel(service_order_id, reason)
            except OssError as error:
                if error.kind != "rejected":
                    raise  # the job retries; requests already made are repeated harmlessly
                refusals.append(f"service order {service_order_id}: {error.message}")
                continue
            if answer.get("state") == "terminatedWithError":
                refusals.append(f"service order {service_order_id}: the OSS ended the cancellation with an error")
    with database.session(write=True) as session:
        confirm_requests(job_context(session, settings), task_id, refusals)


def on_southbound_cancellation(ctx: Context, cancel_doc: Doc) -> None:
    """A TMF641 cancelServiceOrder event: a refusal after we went pendingCancellation is logged."""
    if cancel_doc.get("state") != "terminatedWithError":
        return
    ref = rules.sub(cancel_doc, "serviceOrder")
    sb = repository.southbound_by_service_order(ctx.session, str(ref.get("id") or ""))
    if sb is None:
        return
    row = repository.order(ctx.session, sb.order_id, for_update=True)
    if row is None or row.status in rules.FINAL_STATES:
        return
    change_order(
        ctx,
        row,
        notes=[f"the OSS ended the cancellation of service order {sb.service_order_id} with an error"],
    )
    log.warning("OSS refused to cancel service order %s of order %s", sb.service_order_id, row.id)
