"""Track & Manage Customer Order Handling (seed 003, 1.3.3.3): the jeopardy sweep.

An order is in jeopardy when its committed completion date
(``expectedCompletionDate``, set at issue) is at risk. The order policy's
``jeopardy.levels`` say when: level *n* is reached at the committed date plus
its ``offset`` (``-PT4H`` is four hours before it). The sweep finds the orders
that reached a higher level than they have with one indexed query on typed
columns (``status``, ``committed_date``, ``jeopardy_level``) - it never reads
the documents of orders that are on time - and for each:

* adds a ``jeopardyAlert`` (v5 shape) naming the level, whom it escalates to
  and the open items, and a ``milestone``;
* raises ``jeopardy_level`` (and the highest level it ever had, for reports);
* emits ``ProductOrderInformationRequiredEvent`` (``fieldPath`` ``jeopardyAlert``)
  and ``ProductOrderStateChangeEvent`` (its handling status changed; ``state``
  itself does not).

It runs as the periodic job ``ordering.jeopardy_sweep`` and on demand
(``POST /admin/ordering/jeopardySweep``); it also escalates unresolved fallout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from openbss.core.clock import isoformat
from openbss.core.processes import process
from openbss.ordering import extensions, rules
from openbss.ordering.fallout import escalate_due
from openbss.ordering.models import ProductOrderRow
from openbss.ordering.orders import change_order, notify, open_item_ids
from openbss.ordering.policy import current_policy
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.tmf import service as engine
from openbss.tmf.context import Context


@dataclass(frozen=True)
class SweepResult:
    checked_at: datetime
    alerted: int
    escalated_fallout: int

    def as_doc(self) -> dict[str, object]:
        return {
            "checkedAt": isoformat(self.checked_at),
            "ordersAlerted": self.alerted,
            "falloutEscalated": self.escalated_fallout,
        }


def candidates(ctx: Context, now: datetime, levels: list[rules.JeopardyLevel]) -> list[tuple[str, datetime, int]]:
    """(id, committed date, level) of watched orders whose date is close enough to reach a level."""
    top = max(lv.level for lv in levels)
    horizon = now - rules.earliest_offset(levels)
    stmt = select(ProductOrderRow.id, ProductOrderRow.committed_date, ProductOrderRow.jeopardy_level).where(
        ProductOrderRow.status.in_(sorted(rules.WATCHED_STATES)),
        ProductOrderRow.committed_date <= horizon,
        ProductOrderRow.jeopardy_level < top,
    )
    return [(r[0], r[1], int(r[2] or 0)) for r in ctx.session.execute(stmt).all() if r[1] is not None]


@process("1.3.3.3")
def sweep_jeopardy(ctx: Context, *, limit: int = 5000) -> SweepResult:
    """Mark the orders whose committed completion date is at risk, escalating level by level."""
    now = ctx.now
    policy = current_policy(ctx)
    levels = policy.jeopardy_levels
    alerted = 0
    if levels:
        due = []
        for order_id, committed, current in candidates(ctx, now, levels):
            reached = rules.jeopardy_level(committed, now, levels)
            if reached is not None and reached.level > current:
                due.append((order_id, reached))
        for order_id, reached in due[:limit]:
            if raise_jeopardy(ctx, order_id, reached, now):
                alerted += 1
    escalated = escalate_due(ctx, now)
    return SweepResult(now, alerted, escalated)


def raise_jeopardy(ctx: Context, order_id: str, level: rules.JeopardyLevel, now: datetime) -> bool:
    row = ctx.session.execute(
        select(ProductOrderRow).where(ProductOrderRow.id == order_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status not in rules.WATCHED_STATES or row.jeopardy_level >= level.level:
        return False
    committed = row.committed_date
    items = open_item_ids(row) or [
        i for i, s in rules.item_states(row.doc.get("productOrderItem")).items() if s == rules.FAILED
    ]
    when = isoformat(committed) if committed else "its committed date"
    message = f"jeopardy level {level.level} ({level.name}): committed completion {when} at risk"
    if level.escalate_to:
        message += f"; escalated to {level.escalate_to}"
    row.jeopardy_level = level.level
    row.jeopardy_max = max(row.jeopardy_max or 0, level.level)
    change_order(
        ctx,
        row,
        values={
            "jeopardyAlert": extensions.appended(
                row.doc,
                "jeopardyAlert",
                extensions.jeopardy_alert(
                    row.id,
                    level.level,
                    level.name,
                    now,
                    message,
                    exception=level.escalate_to or level.name,
                    item_ids=items,
                ),
            )
        },
        milestones=[
            extensions.milestone(row.id, f"jeopardy.{level.name}", now, message, item_ids=items, status="open")
        ],
    )
    notify(ctx, row, "jeopardyAlert")
    engine.emit(ctx, PRODUCT_ORDER, "StateChange", row)
    return True
