"""POST one event to one callback, signed, and report what happened."""

from __future__ import annotations

import time

import httpx

from openbss import __version__
from openbss.core import clock, jsoncodec
from openbss.events.callback_guard import Network, delivery_target
from openbss.events.deliveries import AttemptOutcome, ClaimedDelivery
from openbss.events.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)

ATTEMPT_HEADER = "X-OpenBSS-Delivery-Attempt"
RESPONSE_READ_LIMIT = 64 * 1024  # a receiver's answer body is read (for connection reuse) up to this much


def new_client(timeout_seconds: float) -> httpx.Client:
    """An HTTP client for deliveries: no redirects followed (a 3xx is a failed attempt)."""
    return httpx.Client(
        timeout=timeout_seconds,
        follow_redirects=False,
        headers={"User-Agent": f"openbss/{__version__} (webhook)"},
    )


def delivery_headers(claim: ClaimedDelivery, body: bytes, secret: str) -> dict[str, str]:
    timestamp = int(clock.now().timestamp())
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: claim.event_id,
        EVENT_TYPE_HEADER: claim.event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
        ATTEMPT_HEADER: str(claim.attempts + 1),
    }


def post_event(
    client: httpx.Client, claim: ClaimedDelivery, secret: str, blocked: tuple[Network, ...] = ()
) -> AttemptOutcome:
    """Send the event; a 2xx answer means delivered, anything else (or no answer) a failed attempt.

    A callback whose address is in one of the ``blocked`` networks gets no
    request: the attempt fails with the reason. Otherwise the request goes
    to the address that was checked (see :func:`~openbss.events.callback_guard.delivery_target`).
    """
    started = time.monotonic()
    target, refused = delivery_target(claim.callback, blocked)
    if target is None:
        return AttemptOutcome(status_code=None, error=refused, duration_ms=int((time.monotonic() - started) * 1000))
    body = jsoncodec.dumps(claim.payload)
    headers = delivery_headers(claim, body, secret)
    extensions: dict[str, str] = {}
    if target.host_header is not None:
        headers["Host"] = target.host_header
    if target.sni_hostname is not None:
        extensions["sni_hostname"] = target.sni_hostname
    status: int | None = None
    error: str | None = None
    for url in (target.url, *target.fallbacks):
        try:
            with client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
                received = 0
                for chunk in response.iter_raw():
                    received += len(chunk)
                    if received > RESPONSE_READ_LIMIT:
                        break
                status = response.status_code
                error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.ConnectError as exc:  # no connection to this address: the name's next one, if any
            status, error = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            continue
        except Exception as exc:  # no answer (timeout, TLS, bad URL...): a failed attempt
            status, error = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        break
    return AttemptOutcome(status_code=status, error=error, duration_ms=int((time.monotonic() - started) * 1000))
