"""What happens to a captured order: validation, then rejection, review, payment or issue.

:func:`decide` turns a verdict into a :class:`Decision`; :func:`apply_verdict`
carries it out on a stored order. A new order is usually decided as it is
captured (:mod:`openbss.ordering.capture`); the job ``ordering.process_order``
runs :func:`process_order` for an order captured without that (the policy's
``validateAtCapture`` off, or validation at capture failed) and for a changed
one. An agent decides about a held order with
:func:`release_order` / :func:`reject_order`; a pending order waits for
:func:`record_order_payment` (1.3.3.11), which the receivables domain calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.ordering import extensions, repository, rules
from openbss.ordering.issue import IssuePlan, plan_issue, start_fulfilment
from openbss.ordering.models import OrderPaymentRow, ProductOrderRow
from openbss.ordering.orders import OrderChange, change_order, load_order, notify
from openbss.ordering.pricing import one_time_total
from openbss.ordering.validation import Verdict, validate_order
from openbss.tmf.context import Context

DECIDABLE = frozenset({rules.ACKNOWLEDGED, rules.PENDING, rules.HELD})


def process_order(ctx: Context, order_id: str, *, row: ProductOrderRow | None = None) -> ProductOrderRow | None:
    """Validate an order that needs it and act on the verdict (idempotent).

    ``row``: the order, when the caller already read and locked it in this transaction.
    """
    if row is None:
        row = repository.order(ctx.session, order_id, for_update=True)
    if row is None or not row.needs_validation:
        return row
    row.needs_validation = False
    if row.status not in DECIDABLE:
        ctx.session.flush()
        return row
    verdict = validate_order(
        ctx, row.doc, review=row.status != rules.HELD or not _released(row), paid=row.paid_at is not None
    )
    apply_verdict(ctx, row, verdict)
    return row


def _released(row: ProductOrderRow) -> bool:
    return any(m.get("name") == "released" for m in row.doc.get("milestone") or [] if isinstance(m, dict))


@dataclass(frozen=True)
class Decision:
    """What a verdict does to an order: the change of its document, and what follows that change."""

    outcome: str  # rejected | held | pending | inProgress (issued)
    change: OrderChange
    issue: IssuePlan | None = None  # issued: the service orders to write
    close: bool = False  # rejected: the order is closed (1.3.3.17)
    notify: bool = False  # held: the order's listeners are told that someone must act


def decide(ctx: Context, verdict: Verdict, order_id: str | None) -> Decision:
    """What becomes of the order ``verdict`` is about (``order_id`` None: an order not stored yet)."""
    outcome = verdict.outcome
    items = [str(i["id"]) for i in rules.iter_items(verdict.doc.get("productOrderItem"))]
    if outcome == rules.REJECTED:
        return Decision(
            outcome,
            OrderChange(
                state=rules.REJECTED,
                item_states={i: rules.REJECTED for i in items},
                errors=[_error(order_id, p, "rejected") for p in verdict.problems],
                milestones=[
                    extensions.milestone(order_id, "rejected", ctx.now, f"rejected: {len(verdict.problems)} problem(s)")
                ],
            ),
            close=True,
        )
    if outcome == rules.HELD:
        return Decision(
            outcome,
            OrderChange(
                state=rules.HELD,
                item_states={i: rules.HELD for i in items},
                values=_priced(verdict),
                errors=[_error(order_id, p, "held") for p in verdict.review],
                milestones=[
                    extensions.milestone(order_id, "heldForReview", ctx.now, "waiting for an agent's decision")
                ],
            ),
            notify=True,
        )
    if outcome == rules.PENDING:
        due = one_time_total(verdict.payment_due)
        shown = f"{due[0]} {due[1] or ''}".strip() if due else "the one-time charges"
        return Decision(
            outcome,
            OrderChange(
                state=rules.PENDING,
                item_states={i: rules.PENDING for i in items},
                values=_priced(verdict),
                milestones=[
                    extensions.milestone(
                        order_id,
                        "awaitingPayment",
                        ctx.now,
                        f"waiting for the up-front payment of {shown}",
                        status="open",
                    )
                ],
            ),
        )
    plan = plan_issue(ctx, verdict.doc)
    return Decision(outcome, plan.changes(), issue=plan)


def apply_verdict(ctx: Context, row: ProductOrderRow, verdict: Verdict) -> None:
    """Act on the verdict about the stored order ``row``: reject, hold, wait for payment or issue it."""
    decision = decide(ctx, verdict, row.id)
    change_order(ctx, row, **decision.change)
    if decision.issue is not None:
        repository.set_expected_dates(ctx.session, row.id, decision.issue.expected)
        start_fulfilment(ctx, row, decision.issue)
    if decision.close:
        from openbss.ordering.completion import close_order

        close_order(ctx, row)
    if decision.notify:
        notify(ctx, row, "errorMessage")


def _priced(verdict: Verdict) -> dict[str, object]:
    return {k: verdict.doc[k] for k in ("productOrderItem", "orderTotalPrice") if k in verdict.doc}


def _error(order_id: str | None, problem: FieldProblem, status: str) -> dict[str, object]:
    from openbss.core.clock import now

    return extensions.error_message(order_id, problem.rule, problem.field, problem.message, now(), status=status)


def _decidable(row: ProductOrderRow, states: frozenset[str], what: str) -> None:
    if row.status not in states:
        raise Conflict(
            f"the order is {row.status}; only an order that is {' or '.join(sorted(states))} can be {what}",
            field="state",
            rule="lifecycle.transition",
        )


def release_order(ctx: Context, order_id: str, note: str | None) -> ProductOrderRow:
    """An agent lets a held order go on: it is validated again (without the review rules) and issued."""
    row = load_order(ctx, order_id)
    _decidable(row, frozenset({rules.HELD}), "released")
    change_order(
        ctx,
        row,
        milestones=[extensions.milestone(row.id, "released", ctx.now, f"released by {ctx.principal.subject}")],
        notes=[f"released by {ctx.principal.subject}" + (f": {note}" if note else "")],
    )
    verdict = validate_order(ctx, row.doc, review=False, paid=row.paid_at is not None)
    apply_verdict(ctx, row, verdict)
    return row


def reject_order(ctx: Context, order_id: str, reason: str) -> ProductOrderRow:
    """An agent refuses a held order."""
    row = load_order(ctx, order_id)
    _decidable(row, frozenset({rules.HELD}), "rejected by an agent")
    problem = FieldProblem("state", "order.rejectedByAgent", f"rejected by {ctx.principal.subject}: {reason}")
    apply_verdict(ctx, row, Verdict(doc=row.doc, problems=[problem]))
    return row


@process("1.3.3.11.2")
def validate_order_payment(ctx: Context, row: ProductOrderRow, payment_ref: str) -> None:
    """Validate Customer Order Payment: the order waits for one, and the reference is usable."""
    if not payment_ref.strip() or len(payment_ref) > 120:
        raise ValidationFailed.from_problems(
            [FieldProblem("paymentRef", "payment.reference", "a payment reference of 1 to 120 characters")]
        )
    if row.paid_at is not None:
        raise Conflict("the order's up-front payment was already recorded", field="id", rule="payment.alreadyPaid")
    if row.status in rules.FINAL_STATES:
        raise Conflict(f"the order is {row.status}; it takes no payment", field="state", rule="payment.orderEnded")


@process("1.3.3.11.1")
def record_order_payment(ctx: Context, order_id: str, payment_ref: str) -> ProductOrderRow:
    """Receive Customer Order Payment: the up-front payment arrived; a pending order is issued."""
    row = load_order(ctx, order_id)
    validate_order_payment(ctx, row, payment_ref)
    repository.add_payment(
        ctx.session,
        OrderPaymentRow(
            order_id=row.id,
            payment_ref=payment_ref.strip(),
            recorded_at=ctx.now,
            recorded_by=ctx.principal.subject[:120],
        ),
    )
    row.paid_at = ctx.now
    payments = list(row.doc.get("payment") or [])
    payments.append({"id": payment_ref.strip(), "@referredType": "Payment", "name": f"paid {isoformat(ctx.now)}"})
    change_order(
        ctx,
        row,
        values={"payment": payments},
        milestones=[
            extensions.milestone(row.id, "paymentReceived", ctx.now, f"payment {payment_ref.strip()} received")
        ],
    )
    if row.status == rules.PENDING:
        verdict = validate_order(ctx, row.doc, review=False, paid=True)
        apply_verdict(ctx, row, verdict)
    return row
