"""A small TMF641 Service Ordering OSS, simulated: ``openbss oss-simulator``.

It stands in for the network side in demos and tests. Orders live in memory
and move on real time; every change is sent as a TMF641 event to the
subscribers of its ``/hub``, signed like openbss's own webhooks. See
docs/oss.md for the behaviour and how to force an outcome per order or item.

TMF641 (base ``/tmf-api/serviceOrdering/v4``)::

    POST/GET          /serviceOrder            GET/PATCH/DELETE /serviceOrder/{id}
    POST/GET          /cancelServiceOrder      GET              /cancelServiceOrder/{id}
    POST              /hub                     GET/DELETE       /hub/{id}

Control (not TMF)::

    GET/PATCH /simulator/config                         delays, rates, seed, forced outcomes
    POST      /simulator/serviceOrder/{id}/complete|fail            finish a hanging order
    POST      /simulator/serviceOrder/{id}/serviceOrderItem/{item}/complete|fail
    GET       /simulator/status                         order counts and delivery figures
    GET       /simulator/events                         the last events published
    POST      /simulator/reset                          forget everything
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbss import __version__
from openbss.core import jsoncodec
from openbss.core.errors import ApiError, NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.oss.simulator_config import BASE_PATH, SimulatorConfig, config_problems
from openbss.oss.simulator_engine import Simulator
from openbss.oss.simulator_rules import matches_filters, select_fields
from openbss.tmf.hub import validate_subscription

log = logging.getLogger("openbss.oss.simulator")
JSON = "application/json;charset=utf-8"
RESOLUTIONS = ("complete", "fail")
_PAGING = ("fields", "offset", "limit")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, headers=headers, media_type=JSON)


async def _body(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise ValidationFailed.from_problems([FieldProblem("body", "body.required", "a JSON body is required")])
    try:
        return jsoncodec.loads(raw)
    except ValueError as exc:
        raise ValidationFailed.from_problems(
            [FieldProblem("body", "json.syntax", f"the body is not valid JSON: {exc}")]
        ) from None


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page(request: Request, docs: list[dict[str, Any]]) -> Response:
    params = request.query_params
    problems = []
    bounds: dict[str, int] = {}
    for name, default in (("offset", 0), ("limit", 1000)):
        text = params.get(name)
        try:
            bounds[name] = default if text is None else int(text)
            if bounds[name] < 0:
                raise ValueError
        except ValueError:
            problems.append(FieldProblem(name, "type.integer", "must be a whole number, at least 0"))
    if problems:
        raise ValidationFailed.from_problems(problems)
    filters = {k: v for k, v in params.items() if k not in _PAGING}
    selected = [doc for doc in docs if matches_filters(doc, filters)]
    window = selected[bounds["offset"] : bounds["offset"] + bounds["limit"]]
    fields = params.get("fields")
    return _json(
        [select_fields(doc, fields) for doc in window],
        headers={"X-Total-Count": str(len(selected)), "X-Result-Count": str(len(window))},
    )


def create_simulator_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The simulator as an ASGI app; ``app.state.simulator`` is its :class:`Simulator`."""
    simulator = Simulator(config or SimulatorConfig())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await simulator.close()

    app = FastAPI(
        title="openbss OSS simulator (TMF641 Service Ordering)",
        version=__version__,
        lifespan=lifespan,
        description="A simulated network OSS: orders progress on real time and are reported by TMF641 events.",
    )
    app.state.simulator = simulator

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return _json(exc.body(), exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        message = "no such resource or path" if exc.status_code == 404 else str(exc.detail)
        return _json(
            ApiError(message, status=exc.status_code, code=f"ERR_HTTP_{exc.status_code}").body(), exc.status_code
        )

    # --- TMF641 service orders ---------------------------------------------------------------------

    @app.post(f"{BASE_PATH}/serviceOrder", status_code=201, tags=["serviceOrder"])
    async def create_order(request: Request) -> Response:
        order, created = simulator.create(
            await _body(request), _root(request), idempotency_key=request.headers.get("idempotency-key")
        )
        return _json(order, 201 if created else 200, {"Location": order["href"]})

    @app.get(f"{BASE_PATH}/serviceOrder", tags=["serviceOrder"])
    async def list_orders(request: Request) -> Response:
        return _page(request, list(simulator.orders.values()))

    @app.get(f"{BASE_PATH}/serviceOrder/{{order_id}}", tags=["serviceOrder"])
    async def get_order(order_id: str, request: Request) -> Response:
        return _json(select_fields(simulator.get(order_id), request.query_params.get("fields")))

    @app.patch(f"{BASE_PATH}/serviceOrder/{{order_id}}", tags=["serviceOrder"])
    async def patch_order(order_id: str, request: Request) -> Response:
        return _json(simulator.patch(order_id, await _body(request)))

    @app.delete(f"{BASE_PATH}/serviceOrder/{{order_id}}", status_code=204, tags=["serviceOrder"])
    async def delete_order(order_id: str) -> Response:
        simulator.delete(order_id)
        return Response(status_code=204)

    # --- TMF641 cancellation -----------------------------------------------------------------------

    @app.post(f"{BASE_PATH}/cancelServiceOrder", status_code=201, tags=["cancelServiceOrder"])
    async def create_cancellation(request: Request) -> Response:
        task = simulator.cancel(await _body(request), _root(request))
        return _json(task, 201, {"Location": task["href"]})

    @app.get(f"{BASE_PATH}/cancelServiceOrder", tags=["cancelServiceOrder"])
    async def list_cancellations(request: Request) -> Response:
        return _page(request, list(simulator.cancellations.values()))

    @app.get(f"{BASE_PATH}/cancelServiceOrder/{{task_id}}", tags=["cancelServiceOrder"])
    async def get_cancellation(task_id: str, request: Request) -> Response:
        return _json(select_fields(simulator.get_cancellation(task_id), request.query_params.get("fields")))

    # --- TMF641 hub ----------------------------------------------------------------------------------

    @app.post(f"{BASE_PATH}/hub", status_code=201, tags=["events"])
    async def subscribe(request: Request) -> Response:
        callback, query = validate_subscription(await _body(request))
        subscription = simulator.hub.subscribe(callback, query)
        return _json(subscription.render(), 201, {"Location": f"{_root(request)}{BASE_PATH}/hub/{subscription.id}"})

    @app.get(f"{BASE_PATH}/hub/{{sub_id}}", tags=["events"])
    async def get_subscription(sub_id: str) -> Response:
        subscription = simulator.hub.subscriptions.get(sub_id)
        if subscription is None:
            raise NotFound(f"no listener with id '{sub_id}'", field="id", rule="exists")
        return _json(subscription.render())

    @app.delete(f"{BASE_PATH}/hub/{{sub_id}}", status_code=204, tags=["events"])
    async def unsubscribe(sub_id: str) -> Response:
        if not simulator.hub.unsubscribe(sub_id):
            raise NotFound(f"no listener with id '{sub_id}'", field="id", rule="exists")
        return Response(status_code=204)

    # --- control -----------------------------------------------------------------------------------------

    @app.get("/simulator/config", tags=["simulator"])
    async def get_config() -> Response:
        return _json(simulator.config.as_dict())

    @app.patch("/simulator/config", tags=["simulator"])
    async def change_config(request: Request) -> Response:
        body = await _body(request)
        if not isinstance(body, dict):
            raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "must be a JSON object")])
        changes, problems = config_problems(body)
        if problems:
            raise ValidationFailed.from_problems(problems)
        for name, value in changes.items():
            setattr(simulator.config, name, value)
        if "seed" in changes:
            simulator.rng.seed(changes["seed"])
        return _json(simulator.config.as_dict())

    async def _resolve(request: Request, order_id: str, outcome: str, item_id: str | None) -> Response:
        if outcome not in RESOLUTIONS:
            raise NotFound(f"'{outcome}' is not a control action; use complete or fail", field="outcome", rule="enum")
        body = await _body(request, optional=True)
        reason = body.get("reason") if isinstance(body, dict) else None
        if item_id is None and isinstance(body, dict) and isinstance(body.get("itemId"), str):
            item_id = body["itemId"]
        order = simulator.resolve(
            order_id, outcome, item_id=item_id, reason=reason if isinstance(reason, str) else None
        )
        return _json(order)

    @app.post("/simulator/serviceOrder/{order_id}/{outcome}", tags=["simulator"])
    async def resolve_order(order_id: str, outcome: str, request: Request) -> Response:
        return await _resolve(request, order_id, outcome, None)

    @app.post("/simulator/serviceOrder/{order_id}/serviceOrderItem/{item_id}/{outcome}", tags=["simulator"])
    async def resolve_item(order_id: str, item_id: str, outcome: str, request: Request) -> Response:
        return await _resolve(request, order_id, outcome, item_id)

    @app.get("/simulator/status", tags=["simulator"])
    async def status() -> Response:
        return _json(
            {
                "orders": simulator.counts(),
                "cancellations": len(simulator.cancellations),
                "subscriptions": len(simulator.hub.subscriptions),
                "events": simulator.hub.stats.render(),
            }
        )

    @app.get("/simulator/events", tags=["simulator"])
    async def recent_events(request: Request) -> Response:
        """The last 1,000 events published (to any subscriber or none), oldest first; ``?correlationId=`` filters."""
        wanted = request.query_params.get("correlationId")
        events = [e for e in simulator.hub.recent if wanted is None or e.get("correlationId") == wanted]
        return _json(events)

    @app.post("/simulator/reset", status_code=204, tags=["simulator"])
    async def reset() -> Response:
        simulator.reset()
        return Response(status_code=204)

    @app.get("/health", tags=["simulator"])
    async def health() -> Response:
        return _json({"status": "ok"})

    return app
