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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.util import identity_key

from openbss.core.clock import isoformat
from openbss.core.errors import PreconditionFailed
from openbss.core.processes import process
from openbss.ordering import extensions, rules
from openbss.ordering.fallout import escalate_due
from openbss.ordering.models import ProductOrderRow
from openbss.ordering.orders import notify, open_item_ids_of
from openbss.ordering.policy import current_policy
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.query import ENTRIES
from openbss.tmf.resource import Doc


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
        due: list[tuple[str, rules.JeopardyLevel]] = []
        for order_id, committed, current in candidates(ctx, now, levels):
            reached = rules.jeopardy_level(committed, now, levels)
            if reached is not None and reached.level > current:
                due.append((order_id, reached))
        due = sorted(due[:limit], key=lambda d: d[0])  # one lock order for every sweep
        for start in range(0, len(due), BATCH):
            alerted += raise_jeopardy(ctx, due[start : start + BATCH], now)
    escalated = escalate_due(ctx, now)
    return SweepResult(now, alerted, escalated)


BATCH = 500
"""Orders read, changed and written per set of statements."""

_COLUMNS = (
    ProductOrderRow.id,
    ProductOrderRow.status,
    ProductOrderRow.version,
    ProductOrderRow.committed_date,
    ProductOrderRow.jeopardy_level,
    ProductOrderRow.jeopardy_max,
    ProductOrderRow.doc,
)
_ALERT_KEYS = ("jeopardyAlert", "milestone")
_UPDATE = (
    update(ProductOrderRow.__table__)  # type: ignore[arg-type]
    .where(ProductOrderRow.id == bindparam("b_id"), ProductOrderRow.version == bindparam("b_version"))
    .values(
        doc=bindparam("b_doc"),
        version=bindparam("b_new_version"),
        updated_at=bindparam("b_at"),
        jeopardy_level=bindparam("b_level"),
        jeopardy_max=bindparam("b_max"),
    )
)


def raise_jeopardy(ctx: Context, due: Sequence[tuple[str, rules.JeopardyLevel]], now: datetime) -> int:
    """Alert ``due`` (order id, level reached) in one read, one UPDATE and one index insert; returns how many.

    What :func:`openbss.ordering.orders.change_order` would do for each, set-based:
    the rows are read and locked with one Core query (no ORM objects), each
    document gets its ``jeopardyAlert`` and ``milestone`` appended, the new
    documents go out in one executemany UPDATE with the optimistic version
    check, the search entries they add in one executemany INSERT, and the same
    events are queued (``AttributeValueChange`` of ``jeopardyAlert,milestone``,
    ``InformationRequired``, ``StateChange``). Nothing the ``after_write`` hook
    keeps changes here (items, customer, dates), so it is not run.
    """
    wanted = dict(due)
    if not wanted:
        return 0
    session = ctx.session
    found = session.execute(
        select(*_COLUMNS).where(ProductOrderRow.id.in_(list(wanted))).order_by(ProductOrderRow.id).with_for_update()
    ).all()
    updates: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    changed: list[ProductOrderRow] = []
    for order_id, status, version, committed, current, highest, doc in found:
        level = wanted[order_id]
        if status not in rules.WATCHED_STATES or (current or 0) >= level.level:
            continue
        items = open_item_ids_of(doc) or [
            i for i, s in rules.item_states(doc.get("productOrderItem")).items() if s == rules.FAILED
        ]
        when = isoformat(committed) if committed else "its committed date"
        message = f"jeopardy level {level.level} ({level.name}): committed completion {when} at risk"
        if level.escalate_to:
            message += f"; escalated to {level.escalate_to}"
        alert = extensions.jeopardy_alert(
            order_id,
            level.level,
            level.name,
            now,
            message,
            exception=level.escalate_to or level.name,
            item_ids=items,
        )
        reached = extensions.milestone(order_id, f"jeopardy.{level.name}", now, message, item_ids=items, status="open")
        before = {k: doc[k] for k in _ALERT_KEYS if k in doc}
        new = {**doc, "jeopardyAlert": extensions.appended(doc, "jeopardyAlert", alert)}
        new["milestone"] = extensions.appended(new, "milestone", reached)
        added += _added_entries(order_id, before, {k: new[k] for k in _ALERT_KEYS})
        updates.append(
            {
                "b_id": order_id,
                "b_version": version,
                "b_new_version": version + 1,
                "b_doc": new,
                "b_at": now,
                "b_level": level.level,
                "b_max": max(highest or 0, level.level),
            }
        )
        changed.append(ProductOrderRow(id=order_id, doc=new))  # transient: what the events render
    if not updates:
        return 0
    connection = session.connection()
    result = connection.execute(_UPDATE, updates)
    if connection.dialect.supports_sane_multi_rowcount and result.rowcount != len(updates):
        raise PreconditionFailed(
            "an order in jeopardy was changed by another transaction at the same time; the sweep runs again",
            field="If-Match",
            rule="etag.concurrentUpdate",
        )
    if added:
        connection.execute(ENTRIES.insert(), added)
    for row in changed:
        known = session.identity_map.get(identity_key(ProductOrderRow, row.id))
        if known is not None:
            session.expire(known)
        engine.emit(ctx, PRODUCT_ORDER, "AttributeValueChange", row, {"fieldPath": ",".join(_ALERT_KEYS)})
        notify(ctx, row, "jeopardyAlert")
        engine.emit(ctx, PRODUCT_ORDER, "StateChange", row)
    return len(updates)


def _added_entries(order_id: str, old: Doc, new: Doc) -> list[dict[str, Any]]:
    """The search entries appending to ``jeopardyAlert`` / ``milestone`` adds (the engine's rule).

    Only those two attributes change and every entry's path starts with its
    attribute, so comparing them alone gives the whole document's difference.
    Appending never removes an entry.
    """
    before = engine.index_entries(PRODUCT_ORDER, old) if old else set()
    after = engine.index_entries(PRODUCT_ORDER, new)
    fresh = after - before
    keep = {(p, v) for p, v, _ in after - fresh}
    rows = {
        (p, v): {"kind": PRODUCT_ORDER.kind, "resource_id": order_id, "path": p, "value": v, "value_type": t}
        for p, v, t in sorted(fresh)
        if (p, v) not in keep
    }
    return list(rows.values())
