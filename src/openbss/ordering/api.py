"""TMF622 Product Ordering: resource declarations and the order-handling operations' routes.

Besides the TMF622 verbs of ``productOrder`` and ``cancelProductOrder``
(mounted by the engine) this adds, under the TMF622 base path::

    POST {base}/productOrder/{id}/release        {"note"}          held -> validated again, issued
    POST {base}/productOrder/{id}/reject         {"reason"}        held -> rejected
    POST {base}/productOrder/{id}/payment        {"paymentRef"}    up-front payment received
    POST {base}/productOrder/{id}/retry          {"itemId", "note"} fallout: new service orders
    POST {base}/productOrder/{id}/completeItem   {"itemId", "note"} fallout: completed by hand
    POST {base}/productOrder/{id}/escalate       {"reason"}        fallout: escalate one level
    GET  {base}/productOrder/{id}/fallout                          fallout records
    GET  {base}/productOrder/{id}/southboundOrder                  TMF641 service orders sent
    GET  {base}/schema/{name}.schema.json                          schemas of the v5 extensions

and the administration of order handling::

    GET|PUT|PATCH /admin/ordering/policy, GET /admin/ordering/policy/history
    POST /admin/ordering/jeopardySweep
    GET  /admin/ordering/report
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openbss.core.clock import isoformat
from openbss.core.errors import NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.ordering import customer_links, fallout, handling, jeopardy, policy, reports, repository

# the process steps these modules carry out are registered when they are imported (GET /processes)
from openbss.ordering import cancellation, completion  # noqa: F401  isort: skip
from openbss.ordering.extensions import SCHEMAS
from openbss.ordering.orders import load_order, render
from openbss.ordering.resource import CANCEL_PRODUCT_ORDER, ORDERING_API, PRODUCT_ORDER, STAFF
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.http import authenticate, json_response, run_write, unit_of_work
from openbss.tmf.operations import (
    idempotent_operation,
    operation_body,
    read_operation_body,
    refuse_unknown,
    text_field,
)
from openbss.tmf.resource import Domain

__all__ = ["CANCEL_PRODUCT_ORDER", "DOMAIN", "PRODUCT_ORDER", "router"]

BASE = f"{ORDERING_API.base_path}/{PRODUCT_ORDER.path}"
TAG = f"{ORDERING_API.code} {PRODUCT_ORDER.type_name} handling"
ADMIN_TAG = "order handling administration"
AGENTS = frozenset({"admin", "agent"})
PAYERS = frozenset({"admin", "agent", "billing"})
ADMINS = frozenset({"admin"})
MAX_TEXT = 1000

router = APIRouter()


# --- request bodies --------------------------------------------------------------------------------


def _item_ids(body: dict[str, Any]) -> list[str] | None:
    value = body.get("itemId")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValidationFailed.from_problems(
            [FieldProblem("itemId", "type.string", "an item id, or a list of item ids")]
        )
    return [v.strip() for v in values]


_STRING = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
_ITEMS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


def _order_response(ctx: Context, row: Any) -> Response:
    return json_response(render(ctx, row), 200, {"ETag": engine.etag(row)})


def _operation(
    path: str, operation_id: str, summary: str, fields: dict[str, Any], required: tuple[str, ...], roles: frozenset[str]
) -> Callable[[Callable[[Context, str, dict[str, Any]], Any]], Callable[[Context, str, dict[str, Any]], Any]]:
    """Declare ``POST {base}/productOrder/{id}/{path}`` running ``fn(ctx, order_id, body)``."""

    def declare(fn: Callable[[Context, str, dict[str, Any]], Any]) -> Callable[[Context, str, dict[str, Any]], Any]:
        async def endpoint(order_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
            body, raw = await read_operation_body(request)
            refuse_unknown(body, tuple(fields))

            def produce(ctx: Context) -> Response:
                engine.require_role(ctx, roles, summary[0].lower() + summary[1:])
                return _order_response(ctx, fn(ctx, order_id, body))

            return await idempotent_operation(request, principal, raw, produce)

        router.add_api_route(
            f"{BASE}/{{order_id}}/{path}",
            endpoint,
            methods=["POST"],
            tags=[TAG],
            operation_id=operation_id,
            summary=summary,
            openapi_extra=operation_body(fields, required),
        )
        return fn

    return declare


# --- order operations -----------------------------------------------------------------------------


@_operation("release", "releaseProductOrder", "Release a held order", {"note": _STRING}, (), AGENTS)
def _release(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    return handling.release_order(ctx, order_id, text_field(body, "note", max_length=MAX_TEXT))


@_operation("reject", "rejectProductOrder", "Reject a held order", {"reason": _STRING}, ("reason",), AGENTS)
def _reject(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    reason = text_field(body, "reason", required=True, max_length=MAX_TEXT)
    assert reason is not None
    return handling.reject_order(ctx, order_id, reason)


@_operation(
    "payment",
    "recordProductOrderPayment",
    "Record the up-front payment of an order",
    {"paymentRef": {"type": "string", "minLength": 1, "maxLength": 120}},
    ("paymentRef",),
    PAYERS,
)
def _payment(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    reference = text_field(body, "paymentRef", required=True, max_length=120)
    assert reference is not None
    return handling.record_order_payment(ctx, order_id, reference)


@_operation(
    "retry",
    "retryProductOrderFallout",
    "Retry the failed items of an order",
    {"itemId": _ITEMS, "note": _STRING},
    (),
    AGENTS,
)
def _retry(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    return fallout.retry_fallout(ctx, order_id, _item_ids(body), note=text_field(body, "note", max_length=MAX_TEXT))


@_operation(
    "completeItem",
    "completeProductOrderItem",
    "Complete a failed item by hand",
    {"itemId": {"type": "string"}, "note": _STRING},
    ("itemId",),
    AGENTS,
)
def _complete_item(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    item_id = text_field(body, "itemId", required=True, max_length=64)
    assert item_id is not None
    return fallout.complete_item_manually(ctx, order_id, item_id, note=text_field(body, "note", max_length=MAX_TEXT))


@_operation(
    "escalate",
    "escalateProductOrderFallout",
    "Escalate the open fallout of an order",
    {"reason": _STRING},
    ("reason",),
    AGENTS,
)
def _escalate(ctx: Context, order_id: str, body: dict[str, Any]) -> Any:
    reason = text_field(body, "reason", required=True, max_length=MAX_TEXT)
    assert reason is not None
    return fallout.escalate_manually(ctx, order_id, reason)


@router.get(
    BASE + "/{order_id}/fallout",
    tags=[TAG],
    operation_id="listProductOrderFallout",
    summary="The fallout of an order: what failed southbound, why, and how it was resolved (staff)",
)
def list_fallout(order_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        engine.require_role(ctx, STAFF, "read order fallout")
        row = load_order(ctx, order_id, for_update=False)
        records = repository.fallout_of_order(ctx.session, row.id)
        return json_response([fallout.render_fallout(r) for r in records])


@router.get(
    BASE + "/{order_id}/southboundOrder",
    tags=[TAG],
    operation_id="listProductOrderServiceOrders",
    summary="The TMF641 service orders sent for an order, with their states (staff)",
)
def list_southbound(order_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        engine.require_role(ctx, STAFF, "read southbound orders")
        row = load_order(ctx, order_id, for_update=False)
        out = [
            {
                "id": sb.id,
                "orderItemId": sb.item_id,
                "attempt": sb.attempt,
                "current": sb.current,
                "state": sb.status,
                "serviceOrderId": sb.service_order_id,
                "failureKind": sb.failure_kind,
                "failureReason": sb.failure_reason,
                "sentAt": isoformat(sb.sent_at) if sb.sent_at else None,
                "deadline": isoformat(sb.deadline) if sb.deadline else None,
                "service": sb.services or [],
                "serviceOrder": sb.request,
            }
            for sb in repository.southbound_of_order(ctx.session, row.id)
        ]
        return json_response(out)


@router.get(
    ORDERING_API.base_path + "/schema/{name}.schema.json",
    tags=[TAG],
    operation_id="retrieveOrderingExtensionSchema",
    summary="JSON schema of a v5-shaped extension attribute (JeopardyAlert, Milestone, ProductOrderErrorMessage)",
)
def extension_schema(name: str, principal: Principal = Depends(authenticate)) -> Response:
    model = SCHEMAS.get(name)
    if model is None:
        raise NotFound(f"no schema '{name}'; one of {', '.join(sorted(SCHEMAS))}", field="name", rule="exists")
    return json_response(model.model_json_schema(by_alias=True))


# --- administration ---------------------------------------------------------------------------------


def _policy_doc(version: policy.PolicyVersion) -> dict[str, Any]:
    return {"version": version.version, "policy": version.doc}


@router.get("/admin/ordering/policy", tags=[ADMIN_TAG], summary="The order policy in force (staff)")
def read_policy(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        engine.require_role(ctx, STAFF, "read the order policy")
        return json_response(_policy_doc(policy.current_policy(ctx)))


@router.get("/admin/ordering/policy/history", tags=[ADMIN_TAG], summary="Every version of the order policy (staff)")
def policy_history(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        engine.require_role(ctx, STAFF, "read the order policy")
        return json_response(policy.policy_history(ctx))


async def _policy_write(request: Request, principal: Principal, replace: bool) -> Response:
    body, _raw = await read_operation_body(request)
    reason = request.headers.get("x-change-reason")

    def work() -> Response:
        with unit_of_work(request, principal, write=True) as ctx:
            engine.require_role(ctx, ADMINS, "change the order policy")
            version = (policy.define_policy if replace else policy.change_policy)(ctx, body, reason)
            return json_response(_policy_doc(version))

    return await run_write(work)


@router.put("/admin/ordering/policy", tags=[ADMIN_TAG], summary="Define a whole new order policy (admin)")
async def define_policy(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    return await _policy_write(request, principal, True)


@router.patch("/admin/ordering/policy", tags=[ADMIN_TAG], summary="Change the order policy by merge patch (admin)")
async def change_policy(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    return await _policy_write(request, principal, False)


@router.post("/admin/ordering/jeopardySweep", tags=[ADMIN_TAG], summary="Run the jeopardy sweep now (admin, agent)")
def run_sweep(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal, write=True) as ctx:
        engine.require_role(ctx, AGENTS, "run the jeopardy sweep")
        return json_response(jeopardy.sweep_jeopardy(ctx).as_doc())


@router.get(
    "/admin/ordering/report",
    tags=[ADMIN_TAG],
    summary="Order handling report: counts, cycle times, fallout and jeopardy rates per period, offering, channel",
)
def order_report(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    params = reports.parse_params(dict(request.query_params))
    with unit_of_work(request, principal, write=True) as ctx:
        engine.require_role(ctx, STAFF, "read order reports")
        return json_response(reports.order_report(ctx, params))


_REGISTERED = (customer_links.move_orders_on_merge, customer_links.orders_section)  # registered on import
DOMAIN = Domain(name="ordering", resources=(PRODUCT_ORDER, CANCEL_PRODUCT_ORDER), routers=(router,))
