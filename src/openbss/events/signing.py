"""Webhook signatures: how openbss signs a delivery and how a receiver checks it.

Every delivery carries ``X-OpenBSS-Signature: t=<unix seconds>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256, keyed with the shared webhook secret, of the
bytes ``"<t>." + <raw request body>``. A receiver recomputes it over the raw
body (before any JSON parsing), compares in constant time, and refuses
timestamps too far from its own clock (replay protection).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

SIGNATURE_HEADER = "X-OpenBSS-Signature"
TIMESTAMP_HEADER = "X-OpenBSS-Timestamp"
EVENT_ID_HEADER = "X-OpenBSS-Event-Id"
EVENT_TYPE_HEADER = "X-OpenBSS-Event-Type"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300.0


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def compute_signature(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    return hmac.new(_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The ``X-OpenBSS-Signature`` value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SCHEME}={compute_signature(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None, []
        elif name == SCHEME and value:
            signatures.append(value)
    return timestamp, signatures


def verify_signature(
    secret: str | bytes,
    header: str | None,
    body: bytes,
    now: datetime | float | None = None,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when ``header`` is a valid signature of ``body`` made within ``tolerance`` seconds of ``now``.

    ``body`` is the raw request body as received; ``now`` is a datetime or unix
    seconds (default: this machine's clock). Several ``v1=`` entries are allowed
    (any one may match), which lets a sender rotate its secret.
    """
    if not header:
        return False
    timestamp, signatures = _parse(header)
    if timestamp is None or not signatures:
        return False
    if now is None:
        current = time.time()  # the receiver's own wall clock
    elif isinstance(now, datetime):
        current = now.timestamp()
    else:
        current = float(now)
    if abs(current - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
