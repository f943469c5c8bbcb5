"""TMF637 Product Inventory: resource declaration and the inventory's own routes.

Besides the generic TMF637 verbs (mounted by the engine; writes are admin-only)::

    GET {base}/product/{id}/history     the product's history (who, when, why, which order)
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openbss.core.security import Principal
from openbss.inventory import customer_links, service
from openbss.inventory.resource import INVENTORY_API, PRODUCT
from openbss.tmf.http import authenticate, json_response, unit_of_work
from openbss.tmf.resource import Domain

__all__ = ["DOMAIN", "PRODUCT", "router"]

BASE = f"{INVENTORY_API.base_path}/{PRODUCT.path}"
TAG = f"{INVENTORY_API.code} {PRODUCT.type_name}"

router = APIRouter()


@router.get(
    BASE + "/{product_id}/history",
    tags=[TAG],
    summary="History of a Product",
    operation_id="productHistory",
)
def product_history(product_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        entries = service.product_history(ctx, product_id)
    return json_response(entries)


DOMAIN = Domain(name="inventory", resources=(PRODUCT,), routers=(router,))
_REGISTERED = (customer_links.move_products_on_merge, customer_links.products_section)  # registered on import
