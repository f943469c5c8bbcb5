"""The TMF663 ShoppingCart resource declaration (shared by the routes and the cart operations)."""

from __future__ import annotations

from openbss.cart import hooks, schemas
from openbss.cart.models import ShoppingCartRow
from openbss.tmf.resource import ResourceType, TmfApi

CART_API = TmfApi("TMF663", "Shopping Cart", "/tmf-api/shoppingCart/v4")
CART_USERS = frozenset({"admin", "agent", "customer", "partner"})

create, update, full = schemas.RESOURCE_MODELS["shoppingCart"]

SHOPPING_CART = ResourceType(
    api=CART_API,
    path="shoppingCart",
    type_name="ShoppingCart",
    model=ShoppingCartRow,
    create_schema=create,
    update_schema=update,
    full_schema=full,
    hooks=hooks.CartHooks(),
    name_field=None,
    owner_of=hooks.cart_owner,
    create_roles=CART_USERS,
    update_roles=CART_USERS,
    delete_roles=CART_USERS,
    extra_columns=hooks.cart_columns,
)
