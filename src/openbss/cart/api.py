"""TMF663 Shopping Cart: resource declaration and the checkout operation.

Besides the generic TMF663 verbs (mounted by the engine)::

    POST {base}/shoppingCart/{id}/checkout    turn the cart into a TMF622 product order (201, the order)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openbss.cart import service
from openbss.cart.resource import CART_API, SHOPPING_CART
from openbss.core.security import Principal
from openbss.tmf.context import Context
from openbss.tmf.http import authenticate, idempotent_post, json_response, read_json, run_write
from openbss.tmf.resource import Domain

__all__ = ["DOMAIN", "SHOPPING_CART", "router"]

BASE = f"{CART_API.base_path}/{SHOPPING_CART.path}"
TAG = f"{CART_API.code} {SHOPPING_CART.type_name}"

router = APIRouter()

CHECKOUT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "order attributes to add: billingAccount, requestedStartDate, "
                    "requestedCompletionDate, channel, note, description, externalId, priority, category, "
                    "notificationContact, agreement, payment",
                }
            }
        },
    }
}


@router.post(
    BASE + "/{cart_id}/checkout",
    tags=[TAG],
    status_code=201,
    summary="Check out a ShoppingCart into a ProductOrder",
    operation_id="checkoutShoppingCart",
    openapi_extra=CHECKOUT_BODY,
)
async def checkout(cart_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await read_json(request, optional=True)

    def produce(ctx: Context) -> Response:
        order = service.checkout(ctx, cart_id, body)
        headers = {"Location": str(order["href"])} if order.get("href") else None
        return json_response(order, 201, headers)

    return await run_write(idempotent_post, request, principal, raw, produce)


DOMAIN = Domain(name="cart", resources=(SHOPPING_CART,), routers=(router,))
