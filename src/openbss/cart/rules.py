"""Pure rules of the shopping cart: items, their numbering, validity, totals and the order a cart becomes.

A cart item is one of:

* ``add`` (the default): a new product from ``productOffering``; the item may
  carry the product's characteristics in ``product.productCharacteristic``;
* ``modify``, ``delete``, ``noChange``: about a product the customer owns,
  named by ``product.id`` (``modify`` may name a new ``productOffering``).

Items nest (``cartItem``): a bundle offering's item holds one item per
bundled offering. Every item gets an ``id`` unique in the cart, a
``quantity`` (1 by default, at least 1), an ``action`` and a ``status``
(``active``; ``saveForLater`` items stay in the cart but out of its total
and out of the order).

Nothing here reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from openbss.core.clock import isoformat, parse_instant
from openbss.core.problems import FieldProblem

ADD: Final = "add"
ACTIONS_ON_PRODUCTS: Final = frozenset({"modify", "delete", "noChange"})
ACTIVE: Final = "active"
SAVE_FOR_LATER: Final = "saveForLater"
MAX_ITEMS: Final = 500
MAX_QUANTITY: Final = 10_000

Doc = dict[str, Any]


def walk(items: Any, prefix: str = "cartItem") -> Iterator[tuple[str, Doc]]:
    """Every item of a cart, depth first, with its JSON path (``cartItem[0].cartItem[1]``)."""
    for index, item in enumerate(items or []):
        if not isinstance(item, dict):
            continue
        path = f"{prefix}[{index}]"
        yield path, item
        yield from walk(item.get("cartItem"), f"{path}.cartItem")


def normalise_items(items: Any) -> list[FieldProblem]:
    """Give every item an id, quantity, action and status; report what is wrong with the items.

    Ids given by the client are kept (and must be unique in the cart); the
    others get the next free number.
    """
    problems: list[FieldProblem] = []
    entries = list(walk(items))
    if len(entries) > MAX_ITEMS:
        return [FieldProblem("cartItem", "cartItem.max", f"a cart holds at most {MAX_ITEMS} items")]
    seen: set[str] = set()
    for path, item in entries:
        given = item.get("id")
        if given is None:
            continue
        if str(given) in seen:
            problems.append(FieldProblem(f"{path}.id", "cartItem.id.duplicate", f"item id '{given}' is used twice"))
        seen.add(str(given))
    number = 0
    for path, item in entries:
        if item.get("id") is None:
            number += 1
            while str(number) in seen:
                number += 1
            item["id"] = str(number)
            seen.add(item["id"])
        item.setdefault("quantity", 1)
        item.setdefault("action", ADD)
        item.setdefault("status", ACTIVE)
        problems += item_problems(path, item)
    return problems


def item_problems(path: str, item: Mapping[str, Any]) -> list[FieldProblem]:
    """What is wrong with one item on its own (references are checked by the service)."""
    problems = []
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        problems.append(
            FieldProblem(
                f"{path}.quantity", "quantity.range", f"the quantity is a whole number from 1 to {MAX_QUANTITY}"
            )
        )
    action = item.get("action")
    if action == ADD and not ref_id(item.get("productOffering")):
        problems.append(
            FieldProblem(f"{path}.productOffering", "required", "an item that adds a product names its productOffering")
        )
    if action in ACTIONS_ON_PRODUCTS and not ref_id(item.get("product")):
        problems.append(
            FieldProblem(f"{path}.product.id", "required", f"a '{action}' item names the product it is about")
        )
    return problems


def ref_id(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("id") not in (None, ""):
        return str(value["id"])
    return None


def characteristics(item: Mapping[str, Any]) -> list[Doc]:
    product = item.get("product")
    if not isinstance(product, dict):
        return []
    return [c for c in product.get("productCharacteristic") or [] if isinstance(c, dict)]


def counts_in_total(item: Mapping[str, Any]) -> bool:
    return bool(item.get("status", ACTIVE) == ACTIVE)


def total_inputs(items: Any) -> list[Doc]:
    """The item prices a cart's total adds up: those of active items (inside active items)."""
    out: list[Doc] = []
    for item in items or []:
        if not isinstance(item, dict) or not counts_in_total(item):
            continue
        out += [p for p in item.get("itemPrice") or [] if isinstance(p, dict)]
        out += total_inputs(item.get("cartItem"))
    return out


def item_total_inputs(item: Mapping[str, Any]) -> list[Doc]:
    """The prices an item's ``ItemTotalPrice`` adds up: its own and its active sub-items'."""
    return [p for p in item.get("itemPrice") or [] if isinstance(p, dict)] + total_inputs(item.get("cartItem"))


# --- owner ------------------------------------------------------------------------------------------------


def customer_category(customer_doc: Mapping[str, Any] | None) -> str | None:
    """A customer's category: ``customerCategory``, or its characteristic of that name (or ``category``)."""
    doc = customer_doc or {}
    if doc.get("customerCategory"):
        return str(doc["customerCategory"])
    for item in doc.get("characteristic") or []:
        if isinstance(item, dict) and item.get("name") in ("customerCategory", "category") and item.get("value"):
            return str(item["value"])
    return None


# --- validity ---------------------------------------------------------------------------------------------


def validity(now: datetime, days: int, start: Any = None) -> Doc:
    """``validFor`` of a cart changed at ``now``: it lives ``days`` more days."""
    return {"startDateTime": start or isoformat(now), "endDateTime": isoformat(now + timedelta(days=days))}


def expired(valid_for: Any, now: datetime) -> bool:
    end = parse_instant((valid_for or {}).get("endDateTime")) if isinstance(valid_for, dict) else None
    return end is not None and end <= now


def validity_problems(valid_for: Any) -> list[FieldProblem]:
    if not isinstance(valid_for, dict):
        return []
    start, end = parse_instant(valid_for.get("startDateTime")), parse_instant(valid_for.get("endDateTime"))
    if start is not None and end is not None and end <= start:
        return [FieldProblem("validFor.endDateTime", "validFor.order", "must be after startDateTime")]
    return []


# --- the order a cart becomes ---------------------------------------------------------------------------------

ORDER_ITEM_KEYS: Final = ("id", "quantity", "action", "productOffering", "product", "itemPrice", "itemTerm")
CHECKOUT_KEYS: Final = frozenset(
    {
        "billingAccount",
        "category",
        "channel",
        "description",
        "externalId",
        "note",
        "notificationContact",
        "priority",
        "requestedCompletionDate",
        "requestedStartDate",
        "agreement",
        "payment",
    }
)
"""Order attributes a checkout request may add to what the cart gives."""


def _order_item(item: Mapping[str, Any]) -> Doc:
    out: Doc = {k: item[k] for k in ORDER_ITEM_KEYS if item.get(k) not in (None, [])}
    if "itemTerm" in out:  # a cart term (name, duration) is an order term of the same shape
        out["itemTerm"] = [dict(t) for t in out["itemTerm"]]
    if item.get("ItemTotalPrice"):
        out["itemTotalPrice"] = item["ItemTotalPrice"]
    children = [_order_item(c) for c in item.get("cartItem") or [] if isinstance(c, dict) and counts_in_total(c)]
    if children:
        out["productOrderItem"] = children
    relations = [
        {"id": r["id"], "relationshipType": r.get("relationshipType")}
        for r in item.get("cartItemRelationship") or []
        if isinstance(r, dict) and r.get("id")
    ]
    if relations:
        out["productOrderItemRelationship"] = relations
    return out


def order_items(items: Sequence[Any]) -> list[Doc]:
    return [_order_item(i) for i in items if isinstance(i, dict) and counts_in_total(i)]


def order_from_cart(cart: Mapping[str, Any], request: Mapping[str, Any], channel: str, cart_href: str) -> Doc:
    """The TMF622 ProductOrder body a checkout sends to ordering.

    The items come from the cart's active items, their prices and the order
    total from the cart (ordering checks them against the catalog again); the
    checkout request may add the attributes in :data:`CHECKOUT_KEYS`.
    """
    order: Doc = {k: v for k, v in request.items() if k in CHECKOUT_KEYS}
    order.setdefault("channel", [{"id": channel, "role": "sales", "@referredType": "SalesChannel"}])
    order.setdefault("description", f"checkout of shopping cart {cart.get('id')}")
    order["productOrderItem"] = order_items(cart.get("cartItem") or [])
    if cart.get("relatedParty"):
        order["relatedParty"] = list(cart["relatedParty"])
    if cart.get("cartTotalPrice"):
        order["orderTotalPrice"] = list(cart["cartTotalPrice"])
    notes = list(order.get("note") or [])
    notes.append({"text": f"from shopping cart {cart_href}"})
    order["note"] = notes
    return order


def checkout_problems(request: Mapping[str, Any]) -> list[FieldProblem]:
    return [
        FieldProblem(
            key,
            "unknownAttribute",
            f"'{key}' cannot be given at checkout; the cart gives the items, parties and prices "
            f"(allowed: {', '.join(sorted(CHECKOUT_KEYS))})",
        )
        for key in sorted(set(request) - CHECKOUT_KEYS)
    ]
