"""Validation at capture: a new order is decided in the transaction that captures it.

With the order policy's ``validateAtCapture`` (the default), ``POST
/productOrder`` and :func:`openbss.ordering.service.capture_order` validate the
new order before the engine stores it, and store it decided: ``rejected``
(with its reasons, closed), ``held``, ``pending`` (payment) or issued
(``inProgress``, its service orders written). The document is written once,
the search index is built once, and no ``ordering.process_order`` job is
queued. Without the setting, or when the decision cannot be made, the order
is stored ``acknowledged`` and that job decides, as for a changed order.

The steps, all in the capture's transaction:

1. :func:`decide_at_capture` (the ``before_create`` hook, after the capture's
   own checks): validate the draft, work out the decision (prices, states,
   reasons, milestones, the delivery plan) and put it into the document the
   engine is about to insert. It reads as order handling (the job's system
   principal), not as the caller, so the verdict is the job's;
2. :func:`decided_order` / :func:`finish_capture` (the ``after_write`` hook, the
   order now stored with its id): write the service orders of an issued
   order, queue their sending (items that need no network work are
   delivered by the job ``ordering.deliver_order``, since delivering writes
   the order again);
3. after the engine's ``ProductOrderCreateEvent``: the events the job would
   have sent - ``ProductOrderAttributeValueChangeEvent`` (what the decision
   changed), ``ProductOrderStateChangeEvent`` and, for a held order,
   ``ProductOrderInformationRequiredEvent`` - so a listener sees the same
   events in the same order whichever way the order was decided.

The engine records the Create event after ``after_write``, so step 3 runs in
the resource's ``after_create`` hook (:func:`announce_decision`), which the
engine calls right after recording it.

A validation rule that raises (or a stored policy that cannot be read) does
not lose the order: it is logged and the order is captured ``acknowledged``
for the job, which validates it again (and retries as jobs do). A database error is not caught: the transaction cannot
go on (PostgreSQL aborts it), so the capture fails as a whole and writes
nothing, like any request whose database fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from openbss.ordering import rules
from openbss.ordering.completion import close_at_capture
from openbss.ordering.fulfilment import SYSTEM
from openbss.ordering.handling import Decision, decide
from openbss.ordering.issue import start_fulfilment
from openbss.ordering.models import ProductOrderRow
from openbss.ordering.orders import OrderChange, changed_doc, notify
from openbss.ordering.policy import current_policy
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.ordering.validation import validate_order
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

log = logging.getLogger("openbss.ordering")

_DECIDED = "ordering.decidedAtCapture"
_ANNOUNCE = "ordering.announceAtCapture"


@dataclass(frozen=True)
class DecidedAtCapture:
    """A decision made before the insert, waiting for the stored order."""

    items: Any  # the decided document's item list: the engine stores this very object
    decision: Decision
    changed: list[str]  # attributes the decision changed, for the AttributeValueChangeEvent


def decide_at_capture(ctx: Context, doc: Doc) -> None:
    """Validate the new order ``doc`` and, when the policy says so, store it decided (changes ``doc``)."""
    ctx.session.info.pop(_DECIDED, None)
    system = replace(ctx, principal=SYSTEM)  # decided as the job decides, whoever captures the order
    try:
        if not current_policy(system).policy.validateAtCapture:
            return
        decision = decide(system, validate_order(system, doc), None)
        change = OrderChange(**decision.change)
        if decision.close:
            change["milestones"] = [*change.get("milestones", ()), close_at_capture(ctx, decision.outcome)]
        new = changed_doc(ctx, "the new ProductOrder", rules.ACKNOWLEDGED, doc, **change)
    except DBAPIError:
        raise
    except Exception:
        log.exception("validating a new order at capture failed; it is captured for the job ordering.process_order")
        return
    changed = sorted(k for k in set(doc) | set(new) if k != "state" and doc.get(k) != new.get(k))
    doc.clear()
    doc.update(new)
    ctx.session.info[_DECIDED] = DecidedAtCapture(doc.get("productOrderItem"), decision, changed)


def decided_order(ctx: Context, row: ProductOrderRow) -> DecidedAtCapture | None:
    """The decision made for the order the engine just stored, or None when it was only captured."""
    decided = ctx.session.info.pop(_DECIDED, None)
    if not isinstance(decided, DecidedAtCapture) or decided.items is not row.doc.get("productOrderItem"):
        return None
    return decided


def finish_capture(ctx: Context, row: ProductOrderRow, decided: DecidedAtCapture) -> None:
    """The stored order was decided at capture: start its fulfilment; its events follow the Create."""
    if decided.decision.issue is not None:
        start_fulfilment(ctx, row, decided.decision.issue, deliver_now=False)
    ctx.session.info[_ANNOUNCE] = (row.id, decided)


def announce_decision(ctx: Context, row: ProductOrderRow) -> None:
    """The engine recorded the order's Create event (``after_create`` hook): the decision's events follow."""
    pending = ctx.session.info.pop(_ANNOUNCE, None)
    if pending is None or pending[0] != row.id:
        return
    _announce(ctx, row, pending[1])


def _announce(ctx: Context, row: ProductOrderRow, decided: DecidedAtCapture) -> None:
    if decided.changed:
        engine.emit(ctx, PRODUCT_ORDER, "AttributeValueChange", row, {"fieldPath": ",".join(decided.changed)})
    engine.emit(ctx, PRODUCT_ORDER, "StateChange", row)
    if decided.decision.notify:
        notify(ctx, row, "errorMessage")


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_DECIDED, None)
    session.info.pop(_ANNOUNCE, None)
