"""Rules that run on every write of a cart: its customer, validity, items and prices.

Prices are never taken from the client: on every write each item is checked
against the catalog (the offering is orderable now, through the caller's
channel, by the cart customer's category; the characteristics fit the
product specification) and priced by it (``itemPrice``, ``ItemTotalPrice``),
and the cart's ``cartTotalPrice`` is added up from its active items. A bundle
offering's item gets one sub-item per bundled offering when it has none.
Anything wrong is a 400 naming the item, and nothing is written.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from openbss.accounts.ownership import ENDED_STATUSES, resolve
from openbss.cart import rules
from openbss.cart.models import ShoppingCartRow
from openbss.catalog import service as catalog
from openbss.core.errors import Conflict, NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.customers.repository import customers_by_ids, customers_of_party
from openbss.inventory import service as inventory
from openbss.inventory.rules import owner_index, owner_ref  # a cart's customer is found as a product's
from openbss.parties.service import find_party
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

# The owner column holds a PARTY id, but a cart names its customer. The hooks resolve the
# customer's party before the engine stores the row; the engine's column function (which sees
# only the document) reads it here. Set in the same call stack as the write that reads it.
_PARTY_OF: ContextVar[dict[str, str | None] | None] = ContextVar("cart_party_of", default=None)


def cart_owner(doc: Doc) -> str | None:
    ref = owner_ref(doc)
    if ref is None:
        return None
    known = _PARTY_OF.get() or {}
    return known.get(str(ref["id"]), str(ref["id"]))


def cart_columns(doc: Doc) -> dict[str, Any]:
    ref = owner_ref(doc)
    end = (doc.get("validFor") or {}).get("endDateTime")
    return {
        "customer_id": str(ref["id"]) if ref and ref.get("@referredType") == "Customer" else None,
        "valid_until": datetime.fromisoformat(end.replace("Z", "+00:00")) if isinstance(end, str) else None,
    }


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


def _strict(ctx: Context) -> bool:
    return ctx.settings.reference_check == "strict"


# --- the customer ------------------------------------------------------------------------------------------


def _own_customer_ref(ctx: Context) -> Doc | None:
    """For a customer or partner token: a reference to its party's customer (or to the party)."""
    party_id = ctx.principal.party_id
    if not party_id:
        return None
    customers = sorted(customers_of_party(ctx.session, party_id), key=lambda c: (c.status != "approved", c.id))
    if customers:
        first = customers[0]
        return {"id": first.id, "name": first.name, "role": "customer", "@referredType": "Customer"}
    found = find_party(ctx, party_id)
    return {"id": party_id, "role": "customer", "@referredType": found[0] if found else "Individual"}


def remember_owner(ctx: Context, doc: Doc) -> tuple[str | None, str | None]:
    """Resolve the cart's customer: (party id, customer id); the party feeds the owner column."""
    ref = owner_ref(doc)
    if ref is None:
        return None, None
    found = resolve(ctx, ref)
    if found is None:
        party = None if ref.get("@referredType") in ("Customer", "PartyRole") else str(ref["id"])
        customer = str(ref["id"]) if ref.get("@referredType") == "Customer" else None
    else:
        party = found.party_id
        customer = found.id if found.kind == "Customer" else None
    known = dict(_PARTY_OF.get() or {})
    known[str(ref["id"])] = party
    _PARTY_OF.set(known)
    return party, customer


def _owner_problems(ctx: Context, doc: Doc) -> list[FieldProblem]:
    related = doc.get("relatedParty") or []
    if not related:
        return []
    index = owner_index(related) or 0
    ref = related[index]
    found = resolve(ctx, ref)
    field = f"relatedParty[{index}]"
    if found is None:
        if _strict(ctx):
            kind = ref.get("@referredType") or "party or customer"
            return [FieldProblem(f"{field}.id", "reference.exists", f"no {kind} with id '{ref.get('id')}' exists here")]
        return []
    if found.status in ENDED_STATUSES.get(found.kind, ()):
        raise Conflict(f"{found.kind} '{found.id}' is {found.status} and cannot shop", field=field, rule="owner.status")
    return []


def _category(ctx: Context, customer_id: str | None) -> str | None:
    if customer_id is None:
        return None
    row = customers_by_ids(ctx.session, [customer_id]).get(customer_id)
    return rules.customer_category(row.doc if row is not None else None)


def channel_of(ctx: Context) -> str:
    """The sales channel of whoever changes the cart: self-service for customers and partners."""
    settings = ctx.settings
    return settings.cart_self_service_channel if ctx.principal.party_bound else settings.cart_assisted_channel


# --- items and prices ----------------------------------------------------------------------------------------


def _expand_bundles(ctx: Context, items: Any) -> None:
    """A bundle offering's item without sub-items gets one per bundled offering (recursively)."""
    for item in items or []:
        if not isinstance(item, dict):
            continue
        offering_id = rules.ref_id(item.get("productOffering"))
        if offering_id and not item.get("cartItem") and item.get("action", rules.ADD) == rules.ADD:
            parts = catalog.bundled_offering_ids(ctx, offering_id)
            if parts:
                quantity = item.get("quantity", 1)
                item["cartItem"] = [{"productOffering": {"id": p}, "quantity": quantity} for p in parts]
        _expand_bundles(ctx, item.get("cartItem"))


def _bundle_problems(ctx: Context, path: str, item: Doc, offering_id: str) -> list[FieldProblem]:
    parts = set(catalog.bundled_offering_ids(ctx, offering_id))
    problems = []
    for index, child in enumerate(item.get("cartItem") or []):
        child_offering = rules.ref_id(child.get("productOffering")) if isinstance(child, dict) else None
        if child_offering and parts and child_offering not in parts:
            problems.append(
                FieldProblem(
                    f"{path}.cartItem[{index}].productOffering.id",
                    "bundle.member",
                    f"offering '{child_offering}' is not part of bundle offering '{offering_id}'",
                )
            )
    return problems


def _product_problems(ctx: Context, path: str, item: Doc, customer_id: str | None) -> list[FieldProblem]:
    product_id = rules.ref_id(item.get("product"))
    if product_id is None or not _strict(ctx):
        return []
    product = inventory.get_product(ctx, product_id)
    if product is None:
        return [FieldProblem(f"{path}.product.id", "reference.exists", f"no Product with id '{product_id}'")]
    owners = {str(r.get("id")) for r in product.get("relatedParty") or [] if isinstance(r, dict)}
    if customer_id is not None and customer_id not in owners:
        return [FieldProblem(f"{path}.product.id", "product.owner", "the product belongs to another customer")]
    if product.get("status") in ("terminated", "cancelled"):
        return [FieldProblem(f"{path}.product.id", "product.ended", f"the product is {product.get('status')}")]
    return []


def price_cart(ctx: Context, doc: Doc, customer_id: str | None) -> None:
    """Check and price every item of ``doc`` in place and set the cart total (see module doc)."""
    items = doc.get("cartItem") or []
    _expand_bundles(ctx, items)
    _raise(rules.normalise_items(items))
    at = ctx.now
    channel = channel_of(ctx)
    category = _category(ctx, customer_id)
    problems: list[FieldProblem] = []
    for path, item in rules.walk(items):
        action = item.get("action")
        offering_id = rules.ref_id(item.get("productOffering"))
        if action in rules.ACTIONS_ON_PRODUCTS:
            problems += _product_problems(ctx, path, item, customer_id)
        item.pop("itemPrice", None)
        if offering_id is None or action not in (rules.ADD, "modify"):
            continue
        found: list[FieldProblem] = []
        if rules.counts_in_total(item):
            found = catalog.check_orderable(
                ctx,
                offering_id,
                at=at,
                channel_ids=[channel],
                customer_category=category,
                field=f"{path}.productOffering",
            )
        elif catalog.get_offering(ctx, offering_id) is None:
            found = [
                FieldProblem(f"{path}.productOffering.id", "reference.exists", f"no ProductOffering '{offering_id}'")
            ]
        chars = rules.characteristics(item)
        if not found:
            found = catalog.check_characteristics(ctx, offering_id, chars, f"{path}.product.productCharacteristic")
            found += _bundle_problems(ctx, path, item, offering_id)
        problems += found
        if not found:
            try:
                item["itemPrice"] = catalog.price_item(
                    ctx, offering_id, quantity=int(item["quantity"]), characteristics=chars, at=at
                )
            except NotFound as exc:  # the offering went away between the checks and the pricing
                problems.append(FieldProblem(f"{path}.productOffering.id", "reference.exists", exc.message))
    _raise(problems)
    for _path, item in rules.walk(items):
        inputs = rules.item_total_inputs(item)
        if inputs:
            item["ItemTotalPrice"] = catalog.total_prices(inputs)
        else:
            item.pop("ItemTotalPrice", None)
    doc["cartTotalPrice"] = catalog.total_prices(rules.total_inputs(items))


# --- the hooks ---------------------------------------------------------------------------------------------------


class CartHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        if ctx.principal.party_bound and not doc.get("relatedParty"):
            own = _own_customer_ref(ctx)
            if own is not None:
                doc["relatedParty"] = [own]
        _raise(_owner_problems(ctx, doc) + rules.validity_problems(doc.get("validFor")))
        given = doc.get("validFor") or {}
        default = rules.validity(ctx.now, ctx.settings.cart_validity_days)
        doc["validFor"] = {**default, **{k: v for k, v in given.items() if v is not None}}
        _raise(rules.validity_problems(doc["validFor"]))
        _party, customer = remember_owner(ctx, doc)
        price_cart(ctx, doc, customer)

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        order_id = getattr(row, "order_id", None)
        if order_id:
            raise Conflict(
                f"the cart was checked out into product order {order_id}; it no longer changes",
                field="id",
                rule="cart.checkedOut",
            )
        if rules.expired(old.get("validFor"), ctx.now):
            raise Conflict("the cart has expired; start a new one", field="validFor", rule="cart.expired")
        if old.get("relatedParty") != new.get("relatedParty"):
            _raise(_owner_problems(ctx, new))
        start = (old.get("validFor") or {}).get("startDateTime")
        new["validFor"] = rules.validity(ctx.now, ctx.settings.cart_validity_days, start)
        _party, customer = remember_owner(ctx, new)
        price_cart(ctx, new, customer)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        assert isinstance(row, ShoppingCartRow)
        party, customer = remember_owner(ctx, row.doc)
        if (row.owner_party_id, row.customer_id) != (party, customer):
            row.owner_party_id = party
            row.customer_id = customer
            ctx.session.flush()
