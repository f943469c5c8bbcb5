"""The TMF622 resource declarations and the rules of capture and change (1.3.3.10.1/.2).

``productOrder`` is captured by the engine's POST (``orderDate`` now) and,
with the order policy's ``validateAtCapture`` (the default), validated and
decided before it is stored (:mod:`openbss.ordering.capture`); otherwise it is
stored ``acknowledged`` (every item ``acknowledged``) for the
``ordering.process_order`` job (:mod:`openbss.ordering.handling`). What a
client may change depends on the state (:func:`openbss.ordering.rules.change_problems`);
the state itself changes only through order handling and its operations.

``cancelProductOrder`` is the TMF622 task resource (:mod:`openbss.ordering.cancellation`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.jobs.queue import enqueue
from openbss.ordering import repository, rules, schemas
from openbss.ordering.models import CancelProductOrderRow, ProductOrderRow
from openbss.ordering.parties import customer_ref, resolve_customer
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks, ResourceType, TmfApi

ORDERING_API = TmfApi("TMF622", "Product Ordering Management", "/tmf-api/productOrderingManagement/v4")
STAFF = frozenset({"admin", "agent", "billing"})
ORDER_WRITERS = frozenset({"admin", "agent", "customer", "partner"})
PROCESS_ORDER_TASK = "ordering.process_order"
DELIVER_TASK = "ordering.deliver_order"
CANCEL_TASK = "ordering.cancel_order"

# The engine works out a resource's owner party from its document alone (``owner_of``), which
# cannot see the party of a customer named by reference. The hooks, which can, note it here
# (customer id -> party id, and "order:<id>" -> party id) before the engine asks; after_write
# then stores the exact value. A stale entry could only affect that transient check.
_KNOWN_OWNERS: dict[str, str | None] = {}
_MAX_KNOWN = 10_000


def remember_owner(key: str, party_id: str | None) -> None:
    if len(_KNOWN_OWNERS) >= _MAX_KNOWN:
        _KNOWN_OWNERS.clear()
    _KNOWN_OWNERS[key] = party_id


def _hinted(key: str | None) -> str | None:
    return _KNOWN_OWNERS.get(key) if key is not None else None


# --- product order ---------------------------------------------------------------------------------


def order_owner(doc: Doc) -> str | None:
    """The party the order belongs to: the customer's party (kept exact by after_write)."""
    ref = customer_ref(doc)
    if ref is None:
        return None
    if ref.get("@referredType") == "Customer":
        return _hinted(str(ref.get("id")))
    return str(ref.get("id")) if ref.get("id") else None


def order_columns(doc: Doc) -> dict[str, Any]:
    """The typed columns the document decides (the engine writes them with every store).

    ``customer_id`` of a Customer reference is the reference's id (after_write
    resolves other references), an ``acknowledged`` order needs validation, a
    ``pending`` one payment, and an order with an ``issued`` milestone was
    issued then: with these known here a captured order (decided at capture
    or not) is written by one INSERT, not an INSERT and an UPDATE, and order
    handling sets no column by hand.
    """
    channels = [c for c in doc.get("channel") or [] if isinstance(c, dict) and c.get("id")]
    account = doc.get("billingAccount")
    cols: dict[str, Any] = {
        "channel_id": str(channels[0]["id"])[:64] if channels else None,
        "billing_account_id": str(account["id"])[:64] if isinstance(account, dict) and account.get("id") else None,
        "order_date": rules.moment(doc.get("orderDate")),
        "committed_date": rules.moment(doc.get("expectedCompletionDate")),
        "completion_date": rules.moment(doc.get("completionDate")),
    }
    customer = _unresolved_customer_id(doc)
    if customer is not None:  # a party's customer: after_write resolves it
        cols["customer_id"] = customer
    # the flags below are never cleared here
    state = doc.get("state")
    if state == rules.ACKNOWLEDGED:
        cols["needs_validation"] = True  # order handling clears it when it validates
    elif state == rules.PENDING:
        cols["payment_required"] = True
    issued = _issued_at(doc)
    if issued is not None:
        cols["issued_at"] = issued
    return cols


def _issued_at(doc: Doc) -> datetime | None:
    """When the order was issued: the date of its ``issued`` milestone."""
    for entry in doc.get("milestone") or ():
        if isinstance(entry, dict) and entry.get("name") == "issued":
            return rules.moment(entry.get("milestoneDate"))
    return None


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


class ProductOrderHooks(NoHooks):
    """Capture (1.3.3.10.1) and change (1.3.3.10.2) of a product order."""

    def before_create(self, ctx: Context, doc: Doc) -> None:
        given = [k for k in sorted(rules.SYSTEM_ATTRIBUTES - {"state"}) if doc.get(k) is not None]
        problems = [FieldProblem(k, "readOnly", f"'{k}' is set by openbss, not by the client") for k in given]
        problems += rules.structure_problems(doc)
        for path, item in rules.iter_items_with_path(doc.get("productOrderItem"), "productOrderItem"):
            if item.get("state") not in (None, rules.ACKNOWLEDGED):
                problems.append(
                    FieldProblem(f"{path}.state", "lifecycle.initial", "a new order's items start 'acknowledged'")
                )
        _raise(problems)
        doc["orderDate"] = isoformat(ctx.now)
        doc["productOrderItem"] = rules.with_item_states(
            doc["productOrderItem"], {i["id"]: rules.ACKNOWLEDGED for i in rules.iter_items(doc["productOrderItem"])}
        )
        ref = customer_ref(doc)
        if ref is not None and ref.get("@referredType") == "Customer" and ref.get("id"):
            customer = resolve_customer(ctx, ref)
            remember_owner(str(ref["id"]), customer.party_id if customer else None)
        from openbss.ordering.capture import decide_at_capture

        decide_at_capture(ctx, doc)  # validation at capture (1.3.3.10.3), when the policy says so

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        assert isinstance(row, ProductOrderRow)
        if row.customer_id:
            remember_owner(row.customer_id, row.owner_party_id)
        state = str(old.get("state"))
        if new.get("state") != state:
            raise Conflict(
                f"an order's state changes through its handling, not by PATCH: use cancelProductOrder to cancel, "
                f"or the order's release/reject operations for a held order (it is {state})",
                field="state",
                rule="order.stateByOperation",
            )
        conflicts = [p for p in rules.change_problems(state, old, new) if p.rule == "order.changeNotAllowed"]
        if conflicts:
            raise Conflict(conflicts[0].message, problems=conflicts)
        problems = [p for p in rules.change_problems(state, old, new) if p.rule != "order.changeNotAllowed"]
        if "productOrderItem" in new and new.get("productOrderItem") != old.get("productOrderItem"):
            problems += rules.item_state_problems(old.get("productOrderItem"), new.get("productOrderItem"))
            problems += rules.structure_problems(new)
        _raise(problems)
        if any(new.get(k) != old.get(k) for k in rules.ORDER_CONTENT):
            if new.get("productOrderItem") != old.get("productOrderItem") and new.get("orderTotalPrice") == old.get(
                "orderTotalPrice"
            ):
                new.pop("orderTotalPrice", None)  # the items changed: the total is computed again
            before = {str(i.get("id")): i.get("state") for i in rules.iter_items(old.get("productOrderItem"))}
            new["productOrderItem"] = rules.with_item_states(
                new["productOrderItem"],
                {
                    i["id"]: before.get(str(i["id"])) or rules.ACKNOWLEDGED
                    for i in rules.iter_items(new["productOrderItem"])
                },
            )
            # the content changed before the order was issued: validate it again
            row.needs_validation = True
            enqueue(ctx.session, PROCESS_ORDER_TASK, {"order": row.id})

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        if row.status not in (rules.REJECTED, rules.CANCELLED):
            raise Conflict(
                f"only a rejected or cancelled order may be deleted (this one is {row.status}); cancel it first",
                field="state",
                rule="order.deleteNotAllowed",
            )
        repository.delete_order_records(ctx.session, row.id)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        assert isinstance(row, ProductOrderRow)
        doc = row.doc
        ref = customer_ref(doc)
        if old is None or customer_ref(old) != ref or (ref is not None and ref.get("@referredType") == "Customer"):
            customer = resolve_customer(ctx, ref)
            customer_id = customer.id if customer else _unresolved_customer_id(doc)
            owner = customer.party_id if customer else order_owner(doc)
            # only real changes, so that an unchanged row is not written again (compared with what
            # the row holds, without loading an attribute a new row was inserted without)
            held = row.__dict__
            if held.get("customer_id", _UNKNOWN) != customer_id:
                row.customer_id = customer_id
            if held.get("owner_party_id", _UNKNOWN) != owner:
                row.owner_party_id = owner
        decided = None
        if old is None:
            from openbss.ordering.capture import decided_order

            decided = decided_order(ctx, row)
        if old is None or old.get("productOrderItem") != doc.get("productOrderItem"):
            issue = decided.decision.issue if decided is not None else None
            repository.sync_items(ctx.session, row.id, doc, new=old is None, expected=issue.expected if issue else None)
        if decided is not None:
            from openbss.ordering.capture import finish_capture

            finish_capture(ctx, row, decided)
        elif old is None:  # needs_validation was inserted with the row (order_columns)
            enqueue(ctx.session, PROCESS_ORDER_TASK, {"order": row.id})
        ctx.session.flush()

    def after_create(self, ctx: Context, row: ResourceRow) -> None:
        from openbss.ordering.capture import announce_decision

        assert isinstance(row, ProductOrderRow)
        announce_decision(ctx, row)


_UNKNOWN = object()


def _unresolved_customer_id(doc: Doc) -> str | None:
    ref = customer_ref(doc)
    if ref is not None and ref.get("@referredType") == "Customer" and ref.get("id"):
        return str(ref["id"])[:64]
    return None


PRODUCT_ORDER = ResourceType(
    api=ORDERING_API,
    path="productOrder",
    type_name="ProductOrder",
    model=ProductOrderRow,
    create_schema=schemas.ProductOrderCreate,
    update_schema=schemas.ProductOrderUpdate,
    full_schema=schemas.ProductOrder,
    hooks=ProductOrderHooks(),
    state_field="state",
    initial_state=rules.ACKNOWLEDGED,
    transitions=rules.ORDER_TRANSITIONS,
    name_field="externalId",
    owner_of=order_owner,
    create_roles=ORDER_WRITERS,
    update_roles=ORDER_WRITERS,
    delete_roles=frozenset({"admin"}),
    extra_read_only=frozenset({"completionDate", "expectedCompletionDate", "cancellationDate", "cancellationReason"}),
    create_process="1.3.3.10.1",
    update_process="1.3.3.10.2",
    extra_columns=order_columns,
    filter_columns={"billingAccount.id": "billing_account_id"},
)


# --- cancel product order ---------------------------------------------------------------------------


def cancel_owner(doc: Doc) -> str | None:
    ref = doc.get("productOrder")
    return _hinted(f"order:{ref.get('id')}") if isinstance(ref, dict) else None


def cancel_columns(doc: Doc) -> dict[str, Any]:
    ref = doc.get("productOrder")
    return {"product_order_id": str(ref.get("id"))[:64] if isinstance(ref, dict) and ref.get("id") else None}


class CancelProductOrderHooks(NoHooks):
    """Manage Customer Order Cancellation Request (1.3.3.14.1): see :mod:`openbss.ordering.cancellation`."""

    def before_create(self, ctx: Context, doc: Doc) -> None:
        from openbss.ordering.cancellation import accept_request

        owner = accept_request(ctx, doc)
        remember_owner(f"order:{doc['productOrder']['id']}", owner)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        if old is None:
            from openbss.ordering.cancellation import start_cancellation

            assert isinstance(row, CancelProductOrderRow)
            start_cancellation(ctx, row)


CANCEL_PRODUCT_ORDER = ResourceType(
    api=ORDERING_API,
    path="cancelProductOrder",
    type_name="CancelProductOrder",
    model=CancelProductOrderRow,
    create_schema=schemas.CancelProductOrderCreate,
    update_schema=schemas.CancelProductOrderUpdate,
    full_schema=schemas.CancelProductOrder,
    hooks=CancelProductOrderHooks(),
    state_field="state",
    initial_state="acknowledged",
    transitions={
        "acknowledged": frozenset({"inProgress", "terminatedWithError", "done"}),
        "inProgress": frozenset({"done", "terminatedWithError"}),
        "done": frozenset(),
        "terminatedWithError": frozenset(),
        "@create": frozenset(),
    },
    name_field=None,
    owner_of=cancel_owner,
    create_roles=ORDER_WRITERS,
    update_roles=frozenset(),
    delete_roles=frozenset(),
    deletable=False,
    create_process="1.3.3.14.1",
    extra_columns=cancel_columns,
)
