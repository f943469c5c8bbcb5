"""``/hub``: event subscriptions of one TMF API (TMF630 notification pattern).

``POST {base}/hub`` with ``{"callback": url, "query": "eventType=XCreateEvent&event.customer.status=active"}``
registers a listener; ``DELETE {base}/hub/{id}`` removes it. The dispatcher
(:mod:`openbss.events.dispatcher`) posts matching events to the callback.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from openbss.core.errors import NotFound, ValidationFailed
from openbss.core.ids import new_id
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.events.callback_guard import literal_host_problem, parse_networks
from openbss.tmf.context import Context
from openbss.tmf.http import authenticate, idempotent_post, json_response, read_json, unit_of_work
from openbss.tmf.models import HubSubscription
from openbss.tmf.resource import TmfApi
from openbss.tmf.service import require_role

HUB_ROLES = frozenset({"admin", "agent", "billing"})


def _render(sub: HubSubscription) -> dict[str, str | None]:
    return {"id": sub.id, "callback": sub.callback, "query": sub.query}


def validate_subscription(body: object) -> tuple[str, str | None]:
    if not isinstance(body, dict):
        raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "must be a JSON object")])
    callback = body.get("callback")
    problems = []
    if not isinstance(callback, str) or not callback:
        problems.append(FieldProblem("callback", "required", "is mandatory and must be a URL"))
    else:
        parsed = urlparse(callback)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems.append(FieldProblem("callback", "url", "must be an absolute http(s) URL"))
        else:
            blocked = literal_host_problem(callback, parse_networks(get_settings().hub_blocked_networks))
            if blocked is not None:
                problems.append(FieldProblem("callback", "callback.network", f"may not be used: {blocked}"))
    if isinstance(callback, str) and "\x00" in callback:
        problems.append(FieldProblem("callback", "text.nul", "must not contain the NUL character"))
    query = body.get("query")
    if query is not None and not isinstance(query, str):
        problems.append(FieldProblem("query", "type.string", "must be a string such as 'eventType=...'"))
    elif query and "\x00" in query:
        problems.append(FieldProblem("query", "text.nul", "must not contain the NUL character"))
    elif query:
        for key, _ in parse_qsl(query.lstrip("?"), keep_blank_values=True):
            if key != "eventType" and not key.startswith("event."):
                problems.append(
                    FieldProblem("query", "hub.query", f"'{key}' is not a filter; use eventType= or event.<path>=")
                )
    if problems:
        raise ValidationFailed.from_problems(problems)
    assert isinstance(callback, str)
    return callback, query or None


def mount_hub(router: APIRouter, api: TmfApi) -> None:
    tag = f"{api.code} events"

    async def subscribe(request: Request, principal: Principal = Depends(authenticate)) -> Response:
        body, raw = await read_json(request)

        def produce(ctx: Context) -> Response:
            require_role(ctx, HUB_ROLES, "register an event listener")
            callback, query = validate_subscription(body)
            sub = HubSubscription(
                id=new_id(), api=api.code, callback=callback, query=query, created_by=principal.key, created_at=ctx.now
            )
            ctx.session.add(sub)
            ctx.session.flush()
            return json_response(_render(sub), 201, {"Location": f"{ctx.base_url}{api.base_path}/hub/{sub.id}"})

        return await run_in_threadpool(idempotent_post, request, principal, raw, produce)

    def get_sub(sub_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
        with unit_of_work(request, principal) as ctx:
            require_role(ctx, HUB_ROLES, "read event listeners")
            sub = _find(ctx, api, sub_id)
            return json_response(_render(sub))

    def unsubscribe(sub_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
        with unit_of_work(request, principal, write=True) as ctx:
            require_role(ctx, HUB_ROLES, "remove an event listener")
            ctx.session.delete(_find(ctx, api, sub_id))
        return Response(status_code=204)

    router.add_api_route(
        f"{api.base_path}/hub",
        subscribe,
        methods=["POST"],
        tags=[tag],
        status_code=201,
        summary="Register a listener",
        operation_id=f"registerListener{api.code}",
    )
    router.add_api_route(
        f"{api.base_path}/hub/{{sub_id}}",
        get_sub,
        methods=["GET"],
        tags=[tag],
        summary="Read a listener",
        operation_id=f"retrieveListener{api.code}",
    )
    router.add_api_route(
        f"{api.base_path}/hub/{{sub_id}}",
        unsubscribe,
        methods=["DELETE"],
        tags=[tag],
        status_code=204,
        summary="Remove a listener",
        operation_id=f"unregisterListener{api.code}",
    )


def _find(ctx: Context, api: TmfApi, sub_id: str) -> HubSubscription:
    sub = ctx.session.execute(
        select(HubSubscription).where(HubSubscription.id == sub_id, HubSubscription.api == api.code)
    ).scalar_one_or_none()
    if sub is None:
        raise NotFound(f"no listener with id '{sub_id}'", field="id", rule="exists")
    return sub
