"""Our receiving end for the OSS's TMF641 events, and the polling fallback.

The OSS posts each event to ``/tmf-api/serviceOrdering/v4/listener/{eventName}``
(register ``listener_callback(settings)`` at its ``/hub``). When
``OPENBSS_OSS_EVENT_SECRET`` is set, the ``X-OpenBSS-Signature`` header must be
a valid signature of the raw body (see :mod:`openbss.events.signing`) or the
event is refused with 401. A malformed event gets 400, an unknown event name
404; nothing is written for any of them.

An accepted event is not acted on in the request. It is stored in the inbox
with a job to apply it, in one short transaction, and answered 201 (also
when its ``eventId`` was already stored: a repeated delivery is not stored
twice). The job ``oss.apply_events`` then runs every handler registered with
:func:`register_service_order_handler` on it, in the job worker: the events
of one service order one at a time in the order they arrived, each in its
own transaction. A handler that raises leaves the event stored for the job
to retry; see :mod:`openbss.oss.inbox`. Handlers must be idempotent all the
same (a job may run again after a crash, and polling may report a state an
event reports too), and must tolerate reports older than what they know.

Handlers receive the whole event (``eventId``, ``eventType``, ``event``:
``{"serviceOrder": {...}}`` or ``{"cancelServiceOrder": {...}}``) and act as
the system principal :data:`OSS_PRINCIPAL`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from openbss.core import clock, jsoncodec
from openbss.core.db import get_database
from openbss.core.errors import NotFound, Unauthorized, ValidationFailed
from openbss.core.ids import new_id
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.core.settings import Settings, get_settings
from openbss.events.signing import SIGNATURE_HEADER, verify_signature
from openbss.oss.client import OssError, ServiceOrderClient
from openbss.oss.simulator_config import BASE_PATH
from openbss.tmf.context import Context

log = logging.getLogger("openbss.oss")
Doc = dict[str, Any]
Handler = Callable[[Context, Doc], None]

OSS_PRINCIPAL = Principal(subject="tmf641-listener", role="admin")
LISTENER_PATH = f"{BASE_PATH}/listener/{{event_name}}"
# the listener paths of TMF641 v4.1, with the resource each event carries
EVENT_RESOURCES: dict[str, str] = {
    "serviceOrderCreateEvent": "serviceOrder",
    "serviceOrderAttributeValueChangeEvent": "serviceOrder",
    "serviceOrderStateChangeEvent": "serviceOrder",
    "serviceOrderDeleteEvent": "serviceOrder",
    "serviceOrderInformationRequiredEvent": "serviceOrder",
    "serviceOrderMilestoneEvent": "serviceOrder",
    "serviceOrderJeopardyEvent": "serviceOrder",
    "cancelServiceOrderCreateEvent": "cancelServiceOrder",
    "cancelServiceOrderStateChangeEvent": "cancelServiceOrder",
    "cancelServiceOrderInformationRequiredEvent": "cancelServiceOrder",
}

_handlers: list[Handler] = []


def register_service_order_handler(fn: Handler) -> Handler:
    """Run ``fn(ctx, event)`` for every TMF641 event received (and every polled order); usable as a decorator."""
    if fn not in _handlers:
        _handlers.append(fn)
    return fn


def unregister_service_order_handler(fn: Handler) -> None:
    if fn in _handlers:
        _handlers.remove(fn)


def listener_callback(settings: Settings | None = None) -> str:
    """The ``callback`` to register at the OSS's ``/hub`` so that its events reach this server."""
    settings = settings or get_settings()
    return f"{settings.oss_listener_url.rstrip('/')}{BASE_PATH}"


def subscribe_listener(client: ServiceOrderClient, settings: Settings | None = None, query: str | None = None) -> str:
    """Register this server's listener at the OSS; the subscription id."""
    return client.subscribe(listener_callback(settings), query)


def event_problems(event_name: str, event: Any) -> list[FieldProblem]:
    """What makes ``event`` unacceptable as a ``event_name`` notification (empty: acceptable)."""
    if not isinstance(event, dict):
        return [FieldProblem("body", "type.object", "an event must be a JSON object")]
    problems: list[FieldProblem] = []
    expected_type = event_name[0].upper() + event_name[1:]
    if event.get("eventType") != expected_type:
        problems.append(FieldProblem("eventType", "listener.eventType", f"must be '{expected_type}' on this path"))
    for name in ("eventId", "eventTime"):
        if name in event and not isinstance(event[name], str):
            problems.append(FieldProblem(name, "type.string", "must be a string"))
    resource_name = EVENT_RESOURCES[event_name]
    payload = event.get("event")
    resource = payload.get(resource_name) if isinstance(payload, dict) else None
    if not isinstance(resource, dict):
        problems.append(FieldProblem(f"event.{resource_name}", "required", f"the event must carry the {resource_name}"))
    else:
        if not isinstance(resource.get("id"), str) or not resource["id"]:
            problems.append(FieldProblem(f"event.{resource_name}.id", "required", "the resource id is required"))
        if "state" in resource and not isinstance(resource["state"], str):
            problems.append(FieldProblem(f"event.{resource_name}.state", "type.string", "must be a string"))
    return problems


def handle_event(ctx: Context, event: Doc) -> None:
    """Run every registered handler on ``event`` within ``ctx``'s transaction."""
    for handler in list(_handlers):
        handler(ctx, event)


def _store(event_name: str, event: Doc) -> None:
    from openbss.oss.inbox import store_event

    with get_database().session(write=True) as session:
        store_event(session, event_name, EVENT_RESOURCES[event_name], event)


async def receive_event(event_name: str, request: Request) -> Response:
    """``POST .../listener/{eventName}``: verify and check a TMF641 event, and store it for the handlers."""
    raw = await request.body()
    secret = get_settings().oss_event_secret
    # the signature's timestamp is checked against this machine's wall clock, not the (movable)
    # business clock: replay protection is about transport time
    if secret and not verify_signature(secret, request.headers.get(SIGNATURE_HEADER), raw):
        raise Unauthorized(
            f"the event is not signed with the OSS event secret ({SIGNATURE_HEADER} missing, wrong or stale)",
            field=SIGNATURE_HEADER,
            rule="signature.valid",
        )
    if event_name not in EVENT_RESOURCES:
        raise NotFound(
            f"'{event_name}' is not a TMF641 event this listener accepts", field="eventName", rule="listener.event"
        )
    if not raw.strip():
        raise ValidationFailed.from_problems([FieldProblem("body", "body.required", "the event is missing")])
    try:
        event = jsoncodec.loads(raw)
    except ValueError as exc:
        raise ValidationFailed.from_problems(
            [FieldProblem("body", "json.syntax", f"the body is not valid JSON: {exc}")]
        ) from None
    problems = event_problems(event_name, event)
    if problems:
        raise ValidationFailed.from_problems(problems)
    assert isinstance(event, dict)
    # A worker thread, not :func:`openbss.tmf.http.run_write`: storing an event is a short write
    # with nothing to do before it, so inline on SQLite the event loop would mostly wait for
    # another process's turn to end. Measured with ``bench orders`` (10,000 orders, 2 server
    # processes): 250-268 orders/s captured with the thread, 181-229 inline.
    await run_in_threadpool(_store, event_name, event)
    return Response(status_code=201)


router = APIRouter()
router.add_api_route(
    LISTENER_PATH,
    receive_event,
    methods=["POST"],
    status_code=201,
    tags=["TMF641 listener"],
    summary="Receive a TMF641 service ordering event from the OSS",
    operation_id="receiveServiceOrderingEvent",
)


# --- polling fallback ------------------------------------------------------------------------------


def poll_service_order(client: ServiceOrderClient, order_id: str) -> Doc:
    """The service order as the OSS has it now (raises :class:`OssError`; ``server`` when the answer is not it)."""
    order = client.get(order_id)
    if order.get("id") != order_id or not isinstance(order.get("state"), str):
        raise OssError("server", f"the OSS answered GET serviceOrder/{order_id} with something else", body=order)
    return order


def deliver_polled_order(ctx: Context, order: Doc) -> Doc:
    """Hand a polled order to the handlers as a ``ServiceOrderStateChangeEvent``; the synthesised event.

    The event's ``eventId`` starts with ``poll-`` so that a handler can tell it
    from a pushed one, should it care.
    """
    event: Doc = {
        "eventId": f"poll-{new_id()}",
        "eventTime": clock.isoformat(clock.now()),
        "eventType": "ServiceOrderStateChangeEvent",
        "event": {"serviceOrder": order},
    }
    handle_event(ctx, event)
    return event
