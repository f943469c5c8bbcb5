"""Webhook signatures as a receiver checks them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from openbss.events.signing import signature_header, verify_signature

SECRET = "s3cret"
BODY = b'{"eventId":"e1","amount":10.10}'
SENT_AT = 1_700_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, SENT_AT, BODY) == f"t=1700000000,v1={expected}"


def test_valid_signature_within_tolerance() -> None:
    header = signature_header(SECRET, SENT_AT, BODY)
    assert verify_signature(SECRET, header, BODY, now=SENT_AT + 299)
    assert verify_signature(SECRET.encode(), header, BODY, now=datetime.fromtimestamp(SENT_AT, UTC))


def test_rejects_tampering_wrong_secret_and_replays() -> None:
    header = signature_header(SECRET, SENT_AT, BODY)
    assert not verify_signature(SECRET, header, BODY.replace(b"10.10", b"10.1"), now=SENT_AT)
    assert not verify_signature("other", header, BODY, now=SENT_AT)
    assert not verify_signature(SECRET, header, BODY, now=SENT_AT + 301)
    assert not verify_signature(SECRET, header, BODY, now=SENT_AT - 301)
    assert verify_signature(SECRET, header, BODY, now=SENT_AT + 3600, tolerance=3600)


def test_rejects_malformed_headers() -> None:
    good = signature_header(SECRET, SENT_AT, BODY)
    digest = good.split("v1=")[1]
    for header in (
        None,
        "",
        "v1=" + digest,
        f"t=abc,v1={digest}",
        f"t={SENT_AT}",
        f"t={SENT_AT},v0={digest}",
    ):
        assert not verify_signature(SECRET, header, BODY, now=SENT_AT)


def test_any_of_several_signatures_may_match_for_secret_rotation() -> None:
    old = signature_header("old-secret", SENT_AT, BODY).split(",")[1]
    header = signature_header(SECRET, SENT_AT, BODY) + "," + old
    assert verify_signature("old-secret", header, BODY, now=SENT_AT)
    assert verify_signature(SECRET, header, BODY, now=SENT_AT)
