"""TMF629 Customer: resource declaration and the customer operations' routes.

Besides the generic TMF629 verbs (mounted by the engine) this adds::

    GET  {base}/customer/byNumber/{number}          find by customer number
    GET  {base}/customer/{id}/duplicateCandidates   probable duplicates (staff)
    POST {base}/customer/{id}/merge                 {"mergeInto", "reason"}
    POST {base}/customer/{id}/verify                run Verify Customer
    GET  {base}/customer/{id}/verification          past verification outcomes
    POST {base}/customer/{id}/terminate             {"reason"}
    POST {base}/customer/{id}/reestablish           {"reason"}
    GET  /customer360/{id}                          unified customer view
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openbss.core import jsoncodec
from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.customers import lifecycle, merge, verification, view
from openbss.customers.resource import CUSTOMER, CUSTOMER_API, STAFF, STAFF_WRITERS
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.http import authenticate, idempotent_post, json_response, unit_of_work
from openbss.tmf.resource import Domain

__all__ = ["CUSTOMER", "CUSTOMER_API", "DOMAIN", "STAFF", "STAFF_WRITERS", "router"]

BASE = f"{CUSTOMER_API.base_path}/{CUSTOMER.path}"
TAG = f"{CUSTOMER_API.code} {CUSTOMER.type_name}"
MAX_REASON = 1000

router = APIRouter()


def _body_doc(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {"requestBody": {"required": bool(required), "content": {"application/json": {"schema": schema}}}}


_REASON = {"type": "string", "minLength": 1, "maxLength": MAX_REASON, "pattern": r"\S"}
MERGE_BODY = _body_doc(
    {"mergeInto": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"}, "reason": _REASON},
    ("mergeInto",),
)
REASON_BODY = _body_doc({"reason": _REASON})
EMPTY_BODY = _body_doc({})


# --- request bodies -------------------------------------------------------------------------------


async def _body(request: Request) -> tuple[dict[str, Any], bytes]:
    """The JSON object of the request; an empty body counts as ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return {}, raw
    try:
        body = jsoncodec.loads(raw)
    except ValueError as exc:
        raise ValidationFailed.from_problems(
            [FieldProblem("body", "json.syntax", f"the body is not valid JSON: {exc}")]
        ) from None
    if not isinstance(body, dict):
        raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "the body must be a JSON object")])
    return body, raw


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed.from_problems(
            [
                FieldProblem(name, "unknownAttribute", f"'{name}' is not accepted here; use {', '.join(allowed)}")
                for name in unknown
            ]
        )


def _text(body: dict[str, Any], name: str, *, required: bool = False, max_length: int = 64) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationFailed.from_problems([FieldProblem(name, "required", "is mandatory and missing")])
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.from_problems([FieldProblem(name, "type.string", "must be a non-empty string")])
    if len(value) > max_length:
        raise ValidationFailed.from_problems(
            [FieldProblem(name, "maxLength", f"must be at most {max_length} characters")]
        )
    return value.strip()


def _customer_response(ctx: Context, row: Any) -> Response:
    return json_response(engine.render(ctx, CUSTOMER, row), 200, {"ETag": engine.etag(row)})


async def _post(request: Request, principal: Principal, raw: bytes, produce: Callable[[Context], Response]) -> Response:
    return await run_in_threadpool(idempotent_post, request, principal, raw, produce)


# --- routes ---------------------------------------------------------------------------------------


@router.get(
    BASE + "/byNumber/{number}",
    tags=[TAG],
    operation_id="retrieveCustomerByNumber",
    summary="Retrieve a Customer by its customer number (spaces and dashes allowed)",
)
def by_number(number: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        row = view.customer_by_number(ctx, number)
        return _customer_response(ctx, row)


@router.get(
    BASE + "/{customer_id}/duplicateCandidates",
    tags=[TAG],
    operation_id="listCustomerDuplicates",
    summary="Customers that probably are the same customer, most likely first (staff only)",
)
def duplicate_candidates(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        return json_response(view.duplicate_candidates(ctx, customer_id))


@router.post(
    BASE + "/{customer_id}/merge",
    tags=[TAG],
    operation_id="mergeCustomer",
    summary="Merge this customer into another one (De-duplicate Customer Identity)",
    openapi_extra=MERGE_BODY,
)
async def merge_customer(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await _body(request)
    _only(body, ("mergeInto", "reason"))
    survivor_id = _text(body, "mergeInto", required=True)
    reason = _text(body, "reason", max_length=MAX_REASON)
    assert survivor_id is not None

    def produce(ctx: Context) -> Response:
        result = merge.merge_customers(ctx, customer_id, survivor_id, reason)
        return json_response(
            {
                "customer": engine.render(ctx, CUSTOMER, result.loser),
                "mergedInto": engine.render(ctx, CUSTOMER, result.survivor),
                "moved": result.moved,
            },
            200,
        )

    return await _post(request, principal, raw, produce)


@router.post(
    BASE + "/{customer_id}/verify",
    tags=[TAG],
    operation_id="verifyCustomer",
    summary="Verify the customer's identity and contactability (Verify Customer)",
    openapi_extra=EMPTY_BODY,
)
async def verify_customer(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await _body(request)
    _only(body, ())

    def produce(ctx: Context) -> Response:
        row, record = verification.verify_customer(ctx, customer_id)
        out = verification.render_verification(ctx, record)
        out["customerStatus"] = row.status
        return json_response(out, 200, {"ETag": engine.etag(row)})

    return await _post(request, principal, raw, produce)


@router.get(
    BASE + "/{customer_id}/verification",
    tags=[TAG],
    operation_id="listCustomerVerifications",
    summary="Past verification outcomes of the customer, newest first",
)
def verifications(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        records = verification.verification_history(ctx, customer_id)
        return json_response([verification.render_verification(ctx, r) for r in records])


@router.post(
    BASE + "/{customer_id}/terminate",
    tags=[TAG],
    operation_id="terminateCustomer",
    summary="Terminate the customer relationship",
    openapi_extra=REASON_BODY,
)
async def terminate(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await _body(request)
    _only(body, ("reason",))
    reason = _text(body, "reason", max_length=MAX_REASON)

    def produce(ctx: Context) -> Response:
        return _customer_response(ctx, lifecycle.terminate_customer(ctx, customer_id, reason))

    return await _post(request, principal, raw, produce)


@router.post(
    BASE + "/{customer_id}/reestablish",
    tags=[TAG],
    operation_id="reestablishCustomer",
    summary="Re-establish a terminated or suspended customer relationship",
    openapi_extra=REASON_BODY,
)
async def reestablish(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await _body(request)
    _only(body, ("reason",))
    reason = _text(body, "reason", max_length=MAX_REASON)

    def produce(ctx: Context) -> Response:
        return _customer_response(ctx, lifecycle.reestablish_customer(ctx, customer_id, reason))

    return await _post(request, principal, raw, produce)


@router.get(
    "/customer360/{customer_id}",
    tags=["Customer 360"],
    operation_id="retrieveCustomerView",
    summary="Unified view of one customer: party, contacts, accounts, duplicates, verification",
)
def customer_360(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    with unit_of_work(request, principal) as ctx:
        return json_response(view.customer_view(ctx, customer_id))


DOMAIN = Domain(name="customers", resources=(CUSTOMER,), routers=(router,))
