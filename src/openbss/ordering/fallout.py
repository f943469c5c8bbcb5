"""Manage Customer Order Fallout (1.3.3.12.1): identify, investigate, resolve, escalate.

Fallout is a service order that did not do its job: the OSS refused it
(``rejected``), it ended ``failed`` (or ``partial``), it gave no final answer
before its deadline (``timeout``), or the OSS could not be reached at all
(``unreachable``/``server``/``timeout`` while sending). Each case is a row in
``order_fallout`` with the reason found, and an ``errorMessage`` on the order;
the item becomes ``failed`` and the order ``partial`` or ``failed`` once
nothing else is open.

It is resolved by a retry (a new service order for the failed items) or by an
agent completing the item by hand; unresolved fallout escalates one level at
each ``fallout.escalateAfter`` duration of the order policy.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict
from openbss.core.ids import new_id
from openbss.core.processes import process
from openbss.jobs.queue import enqueue
from openbss.ordering import extensions, repository, rules
from openbss.ordering.models import OrderFalloutRow, ProductOrderRow, SouthboundOrderRow
from openbss.ordering.orders import change_order, item_doc, load_order, notify
from openbss.ordering.policy import current_policy
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

KINDS = ("rejected", "failed", "timeout", "unreachable", "server")
RETRYABLE_ORDER_STATES = frozenset({rules.IN_PROGRESS, rules.PARTIAL, rules.FAILED})


@process("1.3.3.12.1.2")
def investigate_fallout(ctx: Context, kind: str, details: Doc) -> str:
    """Investigate Customer Order Fallout: the reason, from what the OSS said about the service order."""
    found: list[str] = []
    for entry in details.get("errorMessage") or []:
        if isinstance(entry, dict):
            text = entry.get("message") or entry.get("reason") or entry.get("code")
            if text:
                found.append(str(text))
    for item in details.get("serviceOrderItem") or []:
        if not isinstance(item, dict):
            continue
        if item.get("state") in ("failed", "rejected"):
            messages = [
                str(e.get("message") or e.get("reason"))
                for e in item.get("errorMessage") or []
                if isinstance(e, dict) and (e.get("message") or e.get("reason"))
            ]
            found.append(
                f"service order item {item.get('id')} {item.get('state')}"
                + (f": {'; '.join(messages)}" if messages else "")
            )
    for note in details.get("note") or []:
        if isinstance(note, dict) and note.get("text"):
            found.append(str(note["text"]))
    if details.get("message"):
        found.append(str(details["message"]))
    lead = {
        "rejected": "the OSS refused the service order",
        "failed": "the service order failed in the network",
        "timeout": "the OSS gave no final answer in time",
        "unreachable": "the OSS could not be reached",
        "server": "the OSS answered with a server error",
    }.get(kind, kind)
    unique = list(dict.fromkeys(found))
    return lead + (": " + "; ".join(unique) if unique else "")[:2000]


@process("1.3.3.12.1.1")
def identify_fallout(ctx: Context, sb: SouthboundOrderRow, *, kind: str, details: Doc) -> OrderFalloutRow:
    """Identify Customer Order Fallout: record it against the order and its item."""
    reason = investigate_fallout(ctx, kind, details)
    sb.failure_kind = kind[:20]
    sb.failure_reason = reason
    sb.updated_at = ctx.now
    record = repository.add_fallout(
        ctx.session,
        OrderFalloutRow(
            order_id=sb.order_id,
            item_id=sb.item_id,
            southbound_id=sb.id,
            kind=kind[:20],
            reason=reason,
            detected_at=ctx.now,
            status="open",
            escalation_level=0,
        ),
    )
    row = repository.order(ctx.session, sb.order_id, for_update=True)
    if row is not None:
        row.had_fallout = True
        change_order(
            ctx,
            row,
            errors=[
                extensions.error_message(
                    row.id,
                    f"fallout.{kind}",
                    "fallout",
                    reason,
                    ctx.now,
                    status="open",
                    item_ids=[sb.item_id],
                    reference=sb.service_order_id or sb.id,
                )
            ],
        )
    return record


def resolve_open_fallout(
    ctx: Context, order_id: str, item_ids: Collection[str] | None, *, resolution: str, by: str
) -> int:
    count = 0
    for record in repository.fallout_of_order(ctx.session, order_id, open_only=True):
        if item_ids is not None and record.item_id not in item_ids:
            continue
        record.status = "resolved"
        record.resolution = resolution[:30]
        record.resolved_at = ctx.now
        record.resolved_by = by[:120]
        count += 1
    ctx.session.flush()
    row = repository.order(ctx.session, order_id, for_update=True) if count else None
    if row is not None:  # the order's error messages about it say how it ended
        errors = [
            {**e, "status": resolution}
            if isinstance(e, dict)
            and e.get("status") == "open"
            and str(e.get("code", "")).startswith("fallout.")
            and (item_ids is None or {r.get("itemId") for r in e.get("productOrderItem") or []} & set(item_ids))
            else e
            for e in row.doc.get("errorMessage") or []
        ]
        if errors != row.doc.get("errorMessage"):
            change_order(ctx, row, values={"errorMessage": errors})
    return count


def _failed_items(row: ProductOrderRow, item_ids: Sequence[str] | None) -> list[str]:
    states = rules.item_states(row.doc.get("productOrderItem"))
    failed = [i for i, s in states.items() if s == rules.FAILED]
    if item_ids is None:
        return failed
    for item_id in item_ids:
        item_doc(row, item_id)  # 404 for an unknown item
        if states.get(item_id) != rules.FAILED:
            raise Conflict(
                f"item '{item_id}' is {states.get(item_id)}; only a failed item is retried or completed by hand",
                field="itemId",
                rule="fallout.itemNotFailed",
            )
    return list(item_ids)


def _check_resolvable(row: ProductOrderRow) -> None:
    if row.status not in RETRYABLE_ORDER_STATES:
        raise Conflict(
            f"the order is {row.status}; fallout is resolved while the order is in progress, partial or failed",
            field="state",
            rule="fallout.orderState",
        )


@process("1.3.3.12.1.3")
def retry_fallout(
    ctx: Context, order_id: str, item_ids: Sequence[str] | None, *, note: str | None = None
) -> ProductOrderRow:
    """Resolve Customer Order Fallout by a retry: new service orders for the failed items."""
    from openbss.ordering.completion import settle_items
    from openbss.ordering.fulfilment import SEND_TASK, TO_SEND

    row = load_order(ctx, order_id)
    _check_resolvable(row)
    failed = _failed_items(row, item_ids)
    if not failed:
        raise Conflict("the order has no failed item to retry", field="itemId", rule="fallout.nothingToRetry")
    timeout = rules.parse_duration(current_policy(ctx).policy.fallout.southboundTimeout)
    resent = 0
    for item_id in failed:
        for old in repository.southbound_of_order(ctx.session, row.id, current_only=True):
            if old.item_id != item_id:
                continue
            old.current = False
            southbound_id = new_id()
            request: Doc = copy.deepcopy(old.request)
            request["externalId"] = southbound_id
            repository.add_southbound(
                ctx.session,
                SouthboundOrderRow(
                    id=southbound_id,
                    order_id=row.id,
                    item_id=item_id,
                    attempt=old.attempt + 1,
                    status=TO_SEND,
                    current=True,
                    request=request,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                    deadline=ctx.now + timeout,
                ),
            )
            resent += 1
    resolve_open_fallout(ctx, row.id, failed, resolution="retried", by=ctx.principal.subject)
    change_order(
        ctx,
        row,
        state=rules.IN_PROGRESS if row.status != rules.IN_PROGRESS else None,
        item_states={i: rules.IN_PROGRESS for i in failed},
        milestones=[extensions.milestone(row.id, "retried", ctx.now, note or "fallout retried", item_ids=failed)],
    )
    if resent:
        enqueue(ctx.session, SEND_TASK, {"order": row.id})
    settle_items(ctx, row)
    return row


@process("1.3.3.12.1.3")
def complete_item_manually(ctx: Context, order_id: str, item_id: str, *, note: str | None) -> ProductOrderRow:
    """Resolve Customer Order Fallout by hand: the agent states the item was fulfilled another way."""
    from openbss.ordering.completion import settle_items

    row = load_order(ctx, order_id)
    _check_resolvable(row)
    _failed_items(row, [item_id])
    for sb in repository.southbound_of_order(ctx.session, row.id, current_only=True):
        if sb.item_id == item_id:
            sb.current = False
    ctx.session.flush()
    resolve_open_fallout(ctx, row.id, [item_id], resolution="completedManually", by=ctx.principal.subject)
    change_order(
        ctx,
        row,
        notes=[f"item {item_id} completed by hand by {ctx.principal.subject}" + (f": {note}" if note else "")],
    )
    settle_items(ctx, row)
    return row


@process("1.3.3.12.1.4")
def escalate_fallout(ctx: Context, record: OrderFalloutRow, level: int, to: str | None, reason: str) -> None:
    """Escalate Customer Order Fallout: raise its level, tell listeners who must act now."""
    record.escalation_level = level
    record.escalated_at = ctx.now
    row = repository.order(ctx.session, record.order_id, for_update=True)
    if row is None:
        return
    item_ids = [record.item_id] if record.item_id else []
    change_order(
        ctx,
        row,
        milestones=[
            extensions.milestone(
                row.id,
                "falloutEscalated",
                ctx.now,
                f"fallout escalated to level {level}" + (f" ({to})" if to else "") + f": {reason}",
                item_ids=item_ids,
                status="open",
            )
        ],
    )
    notify(ctx, row, "milestone")


def escalate_manually(ctx: Context, order_id: str, reason: str) -> ProductOrderRow:
    row = load_order(ctx, order_id)
    records = repository.fallout_of_order(ctx.session, row.id, open_only=True)
    if not records:
        raise Conflict("the order has no open fallout to escalate", field="id", rule="fallout.nothingOpen")
    levels = current_policy(ctx).policy.fallout.escalateTo
    for record in records:
        level = record.escalation_level + 1
        to = levels[min(level, len(levels)) - 1] if levels else None
        escalate_fallout(ctx, record, level, to, reason)
    return row


def escalate_due(ctx: Context, now: datetime, *, limit: int = 500) -> int:
    """Escalate open fallout that has waited past the policy's next ``escalateAfter``."""
    policy = current_policy(ctx).policy.fallout
    steps = [rules.parse_duration(d) for d in policy.escalateAfter]
    if not steps:
        return 0
    count = 0
    for record in repository.open_fallout_detected_before(ctx.session, now - min(steps), len(steps), limit):
        level = record.escalation_level
        while level < len(steps) and now >= record.detected_at + steps[level]:
            level += 1
        if level > record.escalation_level:
            to = policy.escalateTo[min(level, len(policy.escalateTo)) - 1] if policy.escalateTo else None
            escalate_fallout(ctx, record, level, to, f"unresolved since {isoformat(record.detected_at)}")
            count += 1
    return count


def render_fallout(record: OrderFalloutRow) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "productOrderId": record.order_id,
        "orderItemId": record.item_id,
        "southboundOrderId": record.southbound_id,
        "kind": record.kind,
        "reason": record.reason,
        "detectedAt": isoformat(record.detected_at),
        "status": record.status,
        "resolution": record.resolution,
        "resolvedAt": isoformat(record.resolved_at) if record.resolved_at else None,
        "resolvedBy": record.resolved_by,
        "escalationLevel": record.escalation_level,
        "escalatedAt": isoformat(record.escalated_at) if record.escalated_at else None,
    }
