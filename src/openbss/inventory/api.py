"""TMF637 Product Inventory: resource declaration and the inventory's own routes.

Besides the generic TMF637 verbs (mounted by the engine; writes are admin-only)::

    GET {base}/product/{id}/history     the product's history (who, when, why, which order)
    GET {base}/audit[?limit=N]          data-quality audit of the inventory (staff; eTOM 1.3.16.5)
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from openbss.core.security import Principal
from openbss.inventory import audit, customer_links, service
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


@router.get(
    INVENTORY_API.base_path + "/audit",
    tags=[TAG],
    summary="Audit the quality of the product inventory",
    operation_id="auditProductInventory",
)
def audit_inventory(
    request: Request,
    principal: Principal = Depends(authenticate),
    limit: int | None = Query(None, ge=1, description="audit only the first N products (by id)"),
) -> Response:
    with unit_of_work(request, principal, write=True) as ctx:
        report = audit.audit_inventory(ctx, limit=limit)
        body = audit.report_document(ctx, report)
    return json_response(body)


DOMAIN = Domain(name="inventory", resources=(PRODUCT,), routers=(router,))
_REGISTERED = (customer_links.move_products_on_merge, customer_links.products_section)  # registered on import
