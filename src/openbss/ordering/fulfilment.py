"""Manage Customer Order Fulfillment (1.3.3.12): the TMF641 service orders of issued orders.

Issuing an order (:mod:`openbss.ordering.issue`) records one TMF641 service
order per item in ``southbound_order`` as ``toSend``, in the order's
transaction. The job ``ordering.send_southbound`` then sends them over HTTP
to ``OPENBSS_OSS_URL`` (never inside a database transaction) with the
southbound row id as ``externalId`` and idempotency key, so a re-sent create
is not a second order.

Status comes back as TMF641 events to our listener
(:func:`on_service_order_event`) and, as a fallback, by polling
(:func:`poll_southbound`). Each report updates the southbound row; the item's
state follows from its service order (and its bundle components), the
order's from its items (:func:`reconcile`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from openbss.core import clock
from openbss.core.clock import isoformat
from openbss.core.db import Database
from openbss.core.processes import process
from openbss.core.security import Principal
from openbss.core.settings import Settings
from openbss.ordering import repository, rules
from openbss.ordering.models import OssSubscriptionRow, ProductOrderRow, SouthboundOrderRow
from openbss.oss.client import OssError, ServiceOrderClient
from openbss.oss.listener import poll_service_order, register_service_order_handler, subscribe_listener
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

log = logging.getLogger("openbss.ordering")

SYSTEM: Final = Principal(subject="openbss-ordering", role="admin")
SEND_TASK: Final = "ordering.send_southbound"

TO_SEND: Final = "toSend"
SEND_FAILED: Final = "sendFailed"
SB_FAILED: Final = frozenset({"failed", "rejected", "partial", SEND_FAILED})
SB_FINAL: Final = SB_FAILED | {"completed", "cancelled"}
SB_OPEN: Final = frozenset(
    {"acknowledged", "pending", "held", "inProgress", "assessingCancellation", "pendingCancellation"}
)
_RANK: Final = {TO_SEND: 0, "acknowledged": 1, "pending": 2, "held": 2, "inProgress": 3}


def job_context(session: Any, settings: Settings) -> Context:
    """A unit of work for order handling outside a request (jobs, OSS events)."""
    return Context(session=session, principal=SYSTEM, settings=settings, base_url=_public_url(settings))


def _public_url(settings: Settings) -> str:
    return settings.oss_listener_url.rstrip("/")


# --- the OSS's reports ---------------------------------------------------------------------------------


def _services_of(service_order_doc: Doc) -> list[Doc]:
    out = []
    for item in service_order_doc.get("serviceOrderItem") or []:
        service = item.get("service") if isinstance(item, dict) else None
        if isinstance(service, dict) and service.get("id"):
            ref = {"id": str(service["id"]), "@referredType": "Service"}
            if service.get("href"):
                ref["href"] = service["href"]
            if service.get("name"):
                ref["name"] = service["name"]
            out.append(ref)
    return out


def apply_service_order(ctx: Context, sb: SouthboundOrderRow, service_order_doc: Doc) -> bool:
    """Record what the OSS says about ``sb``'s service order; True when its state changed."""
    from openbss.ordering import fallout

    state = service_order_doc.get("state")
    if sb.service_order_id is None and service_order_doc.get("id"):
        sb.service_order_id = str(service_order_doc["id"])[:64]
    services = _services_of(service_order_doc)
    if services and services != sb.services:
        sb.services = services
    if not isinstance(state, str) or state == sb.status:
        return False
    if sb.status in SB_FINAL or _RANK.get(state, 9) < _RANK.get(sb.status, 0):
        return False  # a late or repeated report of an earlier step
    sb.status = state[:40]
    sb.updated_at = ctx.now
    ctx.session.flush()
    if state in SB_FAILED or (state == "cancelled" and sb.cancel_requested_at is None):
        fallout.identify_fallout(
            ctx, sb, kind="rejected" if state == "rejected" else "failed", details=service_order_doc
        )
    elif state == "completed" and sb.failure_kind == "timeout":
        fallout.resolve_open_fallout(ctx, sb.order_id, [sb.item_id], resolution="completedLate", by="oss")
    return True


def on_service_order_event(ctx: Context, event: Doc) -> None:
    """Handler of TMF641 events (registered with the oss listener): update the order the event is about."""
    payload = rules.sub(event, "event")
    service_order_doc = payload.get("serviceOrder")
    if isinstance(service_order_doc, dict):
        sb = _southbound_for(ctx, service_order_doc)
        if sb is None:
            return
        order_row = repository.order(ctx.session, sb.order_id, for_update=True)
        if order_row is None:
            return
        sb = repository.southbound(ctx.session, sb.id, for_update=True) or sb
        if apply_service_order(ctx, sb, service_order_doc):
            monitor_order(ctx, order_row)
        return
    cancel_doc = payload.get("cancelServiceOrder")
    if isinstance(cancel_doc, dict):
        from openbss.ordering.cancellation import on_southbound_cancellation

        on_southbound_cancellation(ctx, cancel_doc)


def _southbound_for(ctx: Context, service_order_doc: Doc) -> SouthboundOrderRow | None:
    external = service_order_doc.get("externalId")
    if isinstance(external, str) and external:
        found = repository.southbound(ctx.session, external)
        if found is not None:
            return found
    if service_order_doc.get("id"):
        return repository.southbound_by_service_order(ctx.session, str(service_order_doc["id"]))
    return None


@process("1.3.3.13.3")
def monitor_order(ctx: Context, row: ProductOrderRow) -> None:
    """Monitor Customer Order Delivery: bring items and order in step with their service orders."""
    reconcile(ctx, row)


def derived_item_state(current: str, southbound: Sequence[SouthboundOrderRow], children: Sequence[str]) -> str:
    """An item's state from its current service order(s) and its bundle components' states."""
    if current not in (rules.IN_PROGRESS, rules.FAILED):
        return current
    if any(
        sb.status in SB_FAILED
        or (sb.status == "cancelled" and sb.cancel_requested_at is None)
        or (sb.failure_kind == "timeout" and sb.status not in SB_FINAL)
        for sb in southbound
    ):
        return rules.FAILED
    if any(sb.status not in SB_FINAL for sb in southbound) or any(s in rules.ITEM_OPEN_STATES for s in children):
        return rules.IN_PROGRESS
    if any(s == rules.FAILED for s in children):
        return rules.FAILED
    return rules.COMPLETED


def reconcile(ctx: Context, row: ProductOrderRow) -> None:
    """Derive item states bottom-up and the order's state from them (fulfilment states only)."""
    from openbss.ordering.completion import settle_items

    if row.status == rules.PENDING_CANCELLATION:
        from openbss.ordering.cancellation import finish_when_done

        finish_when_done(ctx, row)
    if row.status not in (rules.IN_PROGRESS, rules.PARTIAL, rules.FAILED):
        return
    settle_items(ctx, row)


def children_of(doc: Doc) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}

    def walk(items: Any) -> None:
        for item in items or []:
            if isinstance(item, dict):
                out[str(item.get("id"))] = [
                    str(c.get("id")) for c in item.get("productOrderItem") or [] if isinstance(c, dict)
                ]
                walk(item.get("productOrderItem"))

    walk(doc.get("productOrderItem"))
    return out


# --- sending and polling (outside any transaction) -------------------------------------------------


_clients: dict[tuple[str, float], ServiceOrderClient] = {}
_clients_lock = threading.Lock()
_MAX_CLIENTS = 4


def oss_client(settings: Settings) -> ServiceOrderClient:
    """The shared TMF641 client of ``OPENBSS_OSS_URL`` (making one costs tens of milliseconds: keep it)."""
    key = (settings.oss_url, settings.oss_timeout_seconds)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            while len(_clients) >= _MAX_CLIENTS:
                _clients.pop(next(iter(_clients))).close()
            client = _clients[key] = ServiceOrderClient(settings.oss_url, timeout=settings.oss_timeout_seconds)
        return client


def ensure_subscription(database: Database, settings: Settings, client: ServiceOrderClient) -> None:
    """Register our listener at the OSS's hub once per OSS URL and callback."""
    from openbss.oss.listener import listener_callback

    callback = listener_callback(settings)
    with database.session() as session:
        known = repository.oss_subscription(session, settings.oss_url)
        if known is not None and known.callback == callback:
            return
    subscription_id = subscribe_listener(client, settings)
    with database.session(write=True) as session:
        from openbss.core import clock

        repository.save_oss_subscription(
            session,
            OssSubscriptionRow(
                oss_url=settings.oss_url, callback=callback, subscription_id=subscription_id, created_at=clock.now()
            ),
        )


def send_southbound(database: Database, settings: Settings, *, order_id: str | None, last_attempt: bool) -> int:
    """Send the service orders waiting to go (of one order, or all); returns how many went.

    A refusal by the OSS is fallout at once; when the OSS cannot be reached
    the rows stay ``toSend`` and :class:`OssError` is raised for the job to
    retry, unless this is the job's ``last_attempt`` (then it is fallout too).
    """
    with database.session() as session:
        ids = repository.southbound_to_send(session, order_id=order_id, limit=500)
    if not ids:
        return 0
    sent = 0
    transient: OssError | None = None
    client = oss_client(settings)
    try:
        ensure_subscription(database, settings, client)
    except OssError as error:
        log.warning("could not subscribe to the OSS's events (polling will be used): %s", error)
    for southbound_id in ids:
        with database.session() as session:
            sb = repository.southbound(session, southbound_id)
            if sb is None or sb.status != TO_SEND or not sb.current:
                continue
            request = sb.request
        try:
            answer = client.create(request, idempotency_key=southbound_id)
        except OssError as error:
            if error.kind == "rejected" or last_attempt:
                _record_send_failure(database, settings, southbound_id, error)
            else:
                transient = error
            continue
        _record_sent(database, settings, southbound_id, answer)
        sent += 1
    if transient is not None:
        raise transient
    return sent


def _record_sent(database: Database, settings: Settings, southbound_id: str, answer: Doc) -> None:
    with database.session(write=True) as session:
        ctx = job_context(session, settings)
        sb = repository.southbound(session, southbound_id, for_update=True)
        if sb is None:
            return
        row = repository.order(session, sb.order_id, for_update=True)
        sb = repository.southbound(session, southbound_id, for_update=True)
        assert sb is not None
        sb.service_order_id = str(answer.get("id"))[:64] if answer.get("id") else None
        sb.sent_at = ctx.now
        sb.updated_at = ctx.now
        if sb.status == TO_SEND:
            sb.status = "acknowledged"
        session.flush()
        apply_service_order(ctx, sb, {**answer, "state": answer.get("state") or "acknowledged"})
        if row is not None:
            monitor_order(ctx, row)


def _record_send_failure(database: Database, settings: Settings, southbound_id: str, error: OssError) -> None:
    from openbss.ordering import fallout

    with database.session(write=True) as session:
        ctx = job_context(session, settings)
        sb = repository.southbound(session, southbound_id, for_update=True)
        if sb is None or sb.status != TO_SEND:
            return
        row = repository.order(session, sb.order_id, for_update=True)
        sb.status = "rejected" if error.kind == "rejected" else SEND_FAILED
        sb.updated_at = ctx.now
        session.flush()
        fallout.identify_fallout(ctx, sb, kind=error.kind, details={"message": error.message, "code": error.code})
        if row is not None:
            monitor_order(ctx, row)


def poll_southbound(database: Database, settings: Settings, *, limit: int = 200) -> int:
    """Ask the OSS for service orders we heard nothing final about (the fallback for lost events)."""
    from openbss.oss.listener import deliver_polled_order

    with database.session() as session:
        # only those without news for a polling period: the others are kept up to date by events
        quiet_since = clock.now() - timedelta(seconds=settings.order_southbound_poll_seconds)
        ids = repository.southbound_to_poll(session, sorted(SB_OPEN), limit, quiet_since=quiet_since)
    polled = 0
    if not ids:
        return 0
    client = oss_client(settings)
    for southbound_id in ids:
        with database.session() as session:
            sb = repository.southbound(session, southbound_id)
            service_order_id = sb.service_order_id if sb is not None else None
        if not service_order_id:
            continue
        try:
            found = poll_service_order(client, service_order_id)
        except OssError as error:
            log.info("polling service order %s failed: %s", service_order_id, error)
            continue
        with database.session(write=True) as session:
            deliver_polled_order(job_context(session, settings), found)
        polled += 1
    return polled


def check_deadlines(database: Database, settings: Settings, now: datetime, *, limit: int = 500) -> int:
    """Southbound orders with no final answer by their deadline become timeout fallout."""
    from openbss.ordering import fallout

    with database.session() as session:
        ids = repository.southbound_past_deadline(session, sorted(SB_OPEN | {TO_SEND}), now, limit)
    count = 0
    for southbound_id in ids:
        with database.session(write=True) as session:
            ctx = job_context(session, settings)
            sb = repository.southbound(session, southbound_id)
            if sb is None or sb.failure_kind == "timeout" or sb.status in SB_FINAL:
                continue
            row = repository.order(session, sb.order_id, for_update=True)
            sb = repository.southbound(session, southbound_id, for_update=True)
            assert sb is not None
            fallout.identify_fallout(
                ctx,
                sb,
                kind="timeout",
                details={"message": f"no final answer from the OSS by {isoformat(sb.deadline or now)}"},
            )
            if row is not None:
                monitor_order(ctx, row)
            count += 1
    return count


register_service_order_handler(on_service_order_event)
