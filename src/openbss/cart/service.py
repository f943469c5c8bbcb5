"""Shopping cart operations (TMF663): checkout into a TMF622 product order, and customer merges.

``checkout(ctx, cart_id, request)`` re-checks and re-prices the cart against
the catalog as it is now, builds the product order (items, parties, prices,
channel; see :func:`openbss.cart.rules.order_from_cart`) and hands it to
``openbss.ordering.service.capture_order`` - the same path as
``POST /productOrder``, so the order is validated there again. When the order
is accepted (any state but ``rejected``) the cart is closed: its
``validFor`` ends now and it no longer changes. A rejected order leaves the
cart open, so the customer can fix it and check out again.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from openbss.cart import hooks, rules
from openbss.cart.models import ShoppingCartRow
from openbss.cart.resource import CART_USERS, SHOPPING_CART
from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.customers.models import CustomerRow
from openbss.customers.service import register_merge_handler
from openbss.inventory.rules import owner_ref  # a cart's customer is found as a product's
from openbss.ordering.service import capture_order
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

__all__ = ["SHOPPING_CART", "checkout", "move_carts_on_merge"]

SYSTEM = Principal(subject="openbss-cart", role="admin")


def _check_open(ctx: Context, row: ShoppingCartRow) -> None:
    if row.order_id:
        raise Conflict(
            f"the cart was already checked out into product order {row.order_id}",
            field="id",
            rule="cart.checkedOut",
        )
    if rules.expired(row.doc.get("validFor"), ctx.now):
        raise Conflict("the cart has expired; start a new one", field="validFor", rule="cart.expired")


def checkout(ctx: Context, cart_id: str, request: Doc) -> Doc:
    """Turn cart ``cart_id`` into a product order; returns the order as ordering rendered it."""
    engine.require_role(ctx, CART_USERS, "check out a shopping cart")
    row = engine.load(ctx, SHOPPING_CART, cart_id, for_update=True)
    assert isinstance(row, ShoppingCartRow)
    _check_open(ctx, row)
    problems = (
        rules.checkout_problems(request)
        if isinstance(request, dict)
        else [FieldProblem("body", "type.object", "the checkout request is a JSON object")]
    )
    if problems:
        raise ValidationFailed.from_problems(problems)
    cart = copy.deepcopy(row.doc)
    if not rules.order_items(cart.get("cartItem") or []):
        raise Conflict("the cart has no active item to order", field="cartItem", rule="cart.empty")
    if owner_ref(cart) is None:
        raise Conflict("the cart names no customer (relatedParty)", field="relatedParty", rule="cart.customer")
    _party, customer = hooks.remember_owner(ctx, cart)
    try:
        hooks.price_cart(ctx, cart, customer)
    except ValidationFailed as exc:
        raise Conflict(
            f"the cart cannot be ordered as it is now: {exc.message}", problems=exc.problems, rule="cart.notOrderable"
        ) from None
    order = capture_order(
        ctx, rules.order_from_cart(cart, request, hooks.channel_of(ctx), engine.href(ctx, SHOPPING_CART, row.id))
    )
    if order.get("state") != "rejected":
        cart["validFor"] = {**(cart.get("validFor") or {}), "endDateTime": isoformat(ctx.now)}
        row.order_id = str(order.get("id"))
    engine.replace_doc(replace(ctx, principal=SYSTEM), SHOPPING_CART, row, cart)
    return order


def _moved(ref: Any, loser: CustomerRow, survivor: CustomerRow) -> Any:
    if not isinstance(ref, dict):
        return ref
    if ref.get("id") == loser.id:
        return {**ref, "id": survivor.id, "name": survivor.doc.get("name") or ref.get("name"), "href": None}
    if loser.engaged_party_id and ref.get("id") == loser.engaged_party_id and survivor.engaged_party_id:
        return {**ref, "id": survivor.engaged_party_id, "href": None}
    return ref


def move_carts_on_merge(ctx: Context, loser: CustomerRow, survivor: CustomerRow) -> int:
    """Customer ``loser`` is merged into ``survivor``: its open carts become the survivor's."""
    from openbss.cart import repository

    moved = 0
    system = replace(ctx, principal=SYSTEM)
    for row in repository.carts_naming(
        ctx.session, [loser.id, *([loser.engaged_party_id] if loser.engaged_party_id else [])]
    ):
        new = copy.deepcopy(row.doc)
        new["relatedParty"] = [
            {k: v for k, v in _moved(ref, loser, survivor).items() if v is not None} if isinstance(ref, dict) else ref
            for ref in new.get("relatedParty") or []
        ]
        hooks.remember_owner(ctx, new)
        engine.replace_doc(system, SHOPPING_CART, row, new)
        moved += 1
    return moved


register_merge_handler(move_carts_on_merge)
