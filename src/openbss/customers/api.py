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

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openbss.core.security import Principal
from openbss.customers import lifecycle, merge, verification, view
from openbss.customers.resource import CUSTOMER, CUSTOMER_API, STAFF, STAFF_WRITERS
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.http import authenticate, json_response, unit_of_work
from openbss.tmf.operations import (
    idempotent_operation,
    operation_body,
    read_operation_body,
    refuse_unknown,
    text_field,
)
from openbss.tmf.resource import Domain

__all__ = ["CUSTOMER", "CUSTOMER_API", "DOMAIN", "STAFF", "STAFF_WRITERS", "router"]

BASE = f"{CUSTOMER_API.base_path}/{CUSTOMER.path}"
TAG = f"{CUSTOMER_API.code} {CUSTOMER.type_name}"
MAX_REASON = 1000

router = APIRouter()


_REASON = {"type": "string", "minLength": 1, "maxLength": MAX_REASON, "pattern": r"\S"}
MERGE_BODY = operation_body(
    {"mergeInto": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"}, "reason": _REASON},
    ("mergeInto",),
)
REASON_BODY = operation_body({"reason": _REASON})
EMPTY_BODY = operation_body({})


# --- request bodies -------------------------------------------------------------------------------


def _customer_response(ctx: Context, row: Any) -> Response:
    return json_response(engine.render(ctx, CUSTOMER, row), 200, {"ETag": engine.etag(row)})


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
    body, raw = await read_operation_body(request)
    refuse_unknown(body, ("mergeInto", "reason"))
    survivor_id = text_field(body, "mergeInto", required=True)
    reason = text_field(body, "reason", max_length=MAX_REASON)
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

    return await idempotent_operation(request, principal, raw, produce)


@router.post(
    BASE + "/{customer_id}/verify",
    tags=[TAG],
    operation_id="verifyCustomer",
    summary="Verify the customer's identity and contactability (Verify Customer)",
    openapi_extra=EMPTY_BODY,
)
async def verify_customer(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await read_operation_body(request)
    refuse_unknown(body, ())

    def produce(ctx: Context) -> Response:
        row, record = verification.verify_customer(ctx, customer_id)
        out = verification.render_verification(ctx, record)
        out["customerStatus"] = row.status
        return json_response(out, 200, {"ETag": engine.etag(row)})

    return await idempotent_operation(request, principal, raw, produce)


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
    body, raw = await read_operation_body(request)
    refuse_unknown(body, ("reason",))
    reason = text_field(body, "reason", max_length=MAX_REASON)

    def produce(ctx: Context) -> Response:
        return _customer_response(ctx, lifecycle.terminate_customer(ctx, customer_id, reason))

    return await idempotent_operation(request, principal, raw, produce)


@router.post(
    BASE + "/{customer_id}/reestablish",
    tags=[TAG],
    operation_id="reestablishCustomer",
    summary="Re-establish a terminated or suspended customer relationship",
    openapi_extra=REASON_BODY,
)
async def reestablish(customer_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
    body, raw = await read_operation_body(request)
    refuse_unknown(body, ("reason",))
    reason = text_field(body, "reason", max_length=MAX_REASON)

    def produce(ctx: Context) -> Response:
        return _customer_response(ctx, lifecycle.reestablish_customer(ctx, customer_id, reason))

    return await idempotent_operation(request, principal, raw, produce)


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
