"""Delivery (1.3.3.13), completion (1.3.3.15) and closure (1.3.3.17) of an order.

When an item's service orders have all completed (or it needed none), the
item is *delivered*: the customer's inventory is changed through the
inventory domain - a product is created for an ``add`` (active, started now:
its billing start date), changed for a ``modify``, terminated for a
``delete`` - and the product ↔ order-item trail is kept on both sides.
Bundle components are delivered before their bundle, which then lists them.

When every item has ended, the order takes the state its items add up to
(``completed``, ``partial`` or ``failed``). A completed order is verified
against the inventory, gets its ``completionDate``, and is closed: jeopardy
cleared, open fallout closed, the customer told through the
``ProductOrderStateChangeEvent`` and a ``completed`` milestone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openbss.catalog import service as catalog
from openbss.core.clock import isoformat
from openbss.core.processes import process
from openbss.inventory import service as inventory
from openbss.ordering import extensions, repository, rules
from openbss.ordering.fulfilment import children_of, derived_item_state
from openbss.ordering.models import ProductOrderRow, SouthboundOrderRow
from openbss.ordering.orders import change_order, notify
from openbss.ordering.parties import customer_ref
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

_PRICE_KEYS = ("name", "description", "priceType", "recurringChargePeriod", "unitOfMeasure", "price")


def settle_items(ctx: Context, row: ProductOrderRow, *, southbound: Sequence[SouthboundOrderRow] | None = None) -> None:
    """Derive every item's state from its service orders and components (bottom-up), deliver
    the items that completed, and move the order to the state its items add up to.

    ``southbound``: the order's current service orders when the caller has them all (issue).
    """
    doc = row.doc
    items = list(rules.iter_items(doc.get("productOrderItem")))
    states = rules.item_states(doc.get("productOrderItem"))
    by_item: dict[str, list[SouthboundOrderRow]] = {}
    if southbound is None:
        southbound = repository.southbound_of_order(ctx.session, row.id, current_only=True)
    for sb in southbound:
        by_item.setdefault(sb.item_id, []).append(sb)
    children = children_of(doc)
    new_states = dict(states)
    delivered: dict[str, str | None] = {}
    for item in reversed(items):  # components before their bundle
        item_id = str(item["id"])
        target = derived_item_state(
            new_states[item_id], by_item.get(item_id, []), [new_states[c] for c in children.get(item_id, [])]
        )
        if target == new_states[item_id]:
            continue
        new_states[item_id] = target
        if target == rules.COMPLETED:
            delivered[item_id] = deliver_item(
                ctx,
                row,
                item,
                by_item.get(item_id, []),
                [delivered.get(c) or _product_id(items, c) for c in children.get(item_id, [])],
            )
    changed = {i: s for i, s in new_states.items() if s != states[i]}
    if not changed and row.status == rules.aggregate_state(new_states.values()):
        return
    with_products = _with_product_ids(doc.get("productOrderItem"), {k: v for k, v in delivered.items() if v})
    order_state = rules.aggregate_state(new_states.values())
    milestones = []
    if order_state in (rules.PARTIAL, rules.FAILED) and row.status != order_state:
        failed = [i for i, s in new_states.items() if s == rules.FAILED]
        milestones.append(
            extensions.milestone(
                row.id,
                "fallout",
                ctx.now,
                f"{len(failed)} item(s) failed in fulfilment",
                item_ids=failed,
                status="open",
            )
        )
    if delivered:
        milestones.append(
            extensions.milestone(
                row.id, "delivered", ctx.now, "delivered to the customer's inventory", item_ids=list(delivered)
            )
        )
    for item_id in delivered:
        repository.set_item_dates(ctx.session, row.id, [item_id], completed=ctx.now, product_id=delivered[item_id])
    change_order(
        ctx,
        row,
        state=order_state if order_state != rules.COMPLETED else None,
        values={"productOrderItem": with_products},
        item_states=changed,
        milestones=milestones,
    )
    if order_state == rules.COMPLETED and row.status != rules.COMPLETED:
        complete_order(ctx, row)


def _product_id(items: Sequence[Doc], item_id: str) -> str | None:
    for item in items:
        if str(item.get("id")) == item_id:
            product = rules.sub(item, "product")
            return str(product["id"]) if product.get("id") else None
    return None


def _with_product_ids(items: Any, product_ids: dict[str, str]) -> list[Doc]:
    out = []
    for item in items or []:
        copy = dict(item)
        product_id = product_ids.get(str(item.get("id")))
        if product_id and item.get("action") == "add":
            copy["product"] = {**(item.get("product") or {}), "id": product_id, "@referredType": "Product"}
        if item.get("productOrderItem"):
            copy["productOrderItem"] = _with_product_ids(item["productOrderItem"], product_ids)
        out.append(copy)
    return out


# --- delivery ------------------------------------------------------------------------------------------


def _order_ref(ctx: Context, row: ProductOrderRow, item: Doc) -> Doc:
    return {
        "productOrderId": row.id,
        "productOrderHref": engine.href(ctx, PRODUCT_ORDER, row.id),
        "orderItemId": str(item["id"]),
        "orderItemAction": str(item.get("action")),
        "role": "order",
    }


def _product_prices(item: Doc, account: Doc | None) -> list[Doc]:
    out = []
    for price in item.get("itemPrice") or []:
        if not isinstance(price, dict) or not price.get("priceType") or not price.get("price"):
            continue
        entry = {k: price[k] for k in _PRICE_KEYS if price.get(k) is not None}
        if price.get("productOfferingPrice"):
            entry["productOfferingPrice"] = price["productOfferingPrice"]
        if price.get("priceAlteration"):
            entry["productPriceAlteration"] = price["priceAlteration"]
        if account:
            entry["billingAccount"] = account
        out.append(entry)
    return out


def _account_of(row: ProductOrderRow, item: Doc) -> Doc | None:
    ref = item.get("billingAccount") or row.doc.get("billingAccount")
    if not isinstance(ref, dict) or not ref.get("id"):
        return None
    return {k: ref[k] for k in ("id", "href", "name") if ref.get(k)} | {"@referredType": "BillingAccount"}


def _services(southbound: Sequence[SouthboundOrderRow]) -> list[Doc]:
    return [s for sb in southbound for s in sb.services or []]


@process("1.3.3.13.2")
def deliver_item(
    ctx: Context,
    row: ProductOrderRow,
    item: Doc,
    southbound: Sequence[SouthboundOrderRow],
    component_products: Sequence[str | None] = (),
) -> str | None:
    """Deliver Customer Order: record what one completed item changed in the customer's inventory."""
    action = item.get("action")
    product = rules.sub(item, "product")
    order_ref = _order_ref(ctx, row, item)
    account = _account_of(row, item)
    if action == "add":
        return _create_product(ctx, row, item, product, southbound, component_products, order_ref, account)
    product_id = str(product.get("id") or "")
    if not product_id:
        return None
    if action == "modify":
        changes: Doc = {}
        for key in ("productCharacteristic", "place", "name", "description"):
            if product.get(key) is not None:
                changes[key] = product[key]
        prices = _product_prices(item, account)
        if prices:
            changes["productPrice"] = prices
        if account:
            changes["billingAccount"] = account
        services = _services(southbound)
        if services:
            changes["realizingService"] = services
        inventory.modify_product(ctx, product_id, changes, order_ref=order_ref)
    elif action == "delete":
        inventory.set_product_status(
            ctx, product_id, "terminated", at=ctx.now, reason=f"product order {row.id}", order_ref=order_ref
        )
    return product_id


def _create_product(
    ctx: Context,
    row: ProductOrderRow,
    item: Doc,
    product: Doc,
    southbound: Sequence[SouthboundOrderRow],
    component_products: Sequence[str | None],
    order_ref: Doc,
    account: Doc | None,
) -> str:
    offering = rules.sub(item, "productOffering")
    offering_doc = catalog.get_offering(ctx, str(offering["id"])) if offering.get("id") else None
    new: Doc = {
        "name": product.get("name") or offering.get("name") or (offering_doc or {}).get("name") or "product",
        "status": "active",
        "startDate": isoformat(ctx.now),
        "orderDate": row.doc.get("orderDate"),
        "isCustomerVisible": product.get("isCustomerVisible", True),
        "productOrderItem": [order_ref],
    }
    if offering.get("id"):
        new["productOffering"] = {k: offering[k] for k in ("id", "href", "name") if offering.get(k)}
    spec = (offering_doc or {}).get("productSpecification") or product.get("productSpecification")
    if isinstance(spec, dict) and spec.get("id"):
        new["productSpecification"] = {k: spec[k] for k in ("id", "href", "name", "version") if spec.get(k)}
    for key in ("description", "productCharacteristic", "place", "productSerialNumber", "productTerm", "agreement"):
        if product.get(key) is not None:
            new[key] = product[key]
    prices = _product_prices(item, account)
    if prices:
        new["productPrice"] = prices
    if account:
        new["billingAccount"] = account
    customer = customer_ref(row.doc)
    if customer is not None:
        new["relatedParty"] = [
            {k: customer[k] for k in ("id", "href", "name", "@referredType") if customer.get(k)} | {"role": "customer"}
        ]
    services = _services(southbound)
    if services:
        new["realizingService"] = services
    parts = [{"id": p, "@referredType": "Product"} for p in component_products if p]
    if parts:
        new["isBundle"] = True
        new["product"] = parts
    created = inventory.create_product(ctx, new)
    return str(created["id"])


@process("1.3.3.13.4")
def verify_delivery(ctx: Context, row: ProductOrderRow) -> list[str]:
    """Verify Customer Order Delivery: every completed item's product is in the inventory as expected."""
    problems = []
    for item in rules.iter_items(row.doc.get("productOrderItem")):
        if item.get("state") != rules.COMPLETED or item.get("action") == "noChange":
            continue
        product = rules.sub(item, "product")
        found = inventory.get_product(ctx, str(product.get("id"))) if product.get("id") else None
        expected = "terminated" if item.get("action") == "delete" else None
        if found is None:
            problems.append(f"item {item['id']}: no product in the inventory")
        elif expected and found.get("status") != expected:
            problems.append(f"item {item['id']}: product {found['id']} is {found.get('status')}, not {expected}")
        elif not expected and found.get("status") in ("terminated", "cancelled"):
            problems.append(f"item {item['id']}: product {found['id']} is {found.get('status')}")
    return problems


# --- completion and closure -----------------------------------------------------------------------------


@process("1.3.3.15")
def complete_order(ctx: Context, row: ProductOrderRow) -> None:
    """Manage Customer Order Completion: every item delivered and verified, the order completed."""
    problems = verify_delivery(ctx, row)
    if problems:  # the order stays in progress for a person to look at (the jeopardy sweep watches it)
        message = "the deliveries do not match the inventory: " + "; ".join(problems)
        error = extensions.error_message(row.id, "delivery.verify", "verification", message, ctx.now, status="open")
        change_order(ctx, row, errors=[error])
        notify(ctx, row, "errorMessage")
        return
    change_order(
        ctx,
        row,
        state=rules.COMPLETED,
        values={"completionDate": isoformat(ctx.now)},
        milestones=[extensions.milestone(row.id, "completed", ctx.now, "every item delivered; the order is complete")],
    )
    close_order(ctx, row)


@process("1.3.3.17")
def close_order(ctx: Context, row: ProductOrderRow) -> None:
    """Manage Customer Order Closure: nothing stays open on an ended order."""
    from openbss.ordering.fallout import resolve_open_fallout

    resolve_open_fallout(ctx, row.id, None, resolution="closed", by=ctx.principal.subject)
    row.jeopardy_level = 0
    row.completion_date = ctx.now if row.status == rules.COMPLETED else row.completion_date
    change_order(ctx, row, milestones=[_closed(ctx, row.status)])


@process("1.3.3.17")
def close_at_capture(ctx: Context, state: str) -> Doc:
    """Manage Customer Order Closure of an order that ends as it is captured (rejected).

    Nothing was opened for it (no fallout, jeopardy or service order): it is
    closed by its ``closed`` milestone, written with the rest of the order.
    """
    return _closed(ctx, state)


def _closed(ctx: Context, state: str | None) -> Doc:
    return extensions.milestone(None, "closed", ctx.now, f"order closed ({state})")
