"""Hub subscription queries (TMF630 notification filters), without a database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openbss.events.matching import matches

EVENT: dict[str, Any] = {
    "eventId": "e1",
    "eventType": "CustomerStateChangeEvent",
    "event": {
        "customer": {
            "id": "c1",
            "status": "approved",
            "active": True,
            "creditLimit": Decimal("100.50"),
            "relatedParty": [{"id": "7", "role": "owner"}, {"id": "8", "role": "payer"}],
            "contactMedium": [{"characteristic": {"city": "Leeds"}}, {"characteristic": {"city": "York"}}],
        }
    },
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, True),
        ("", True),
        ("eventType=CustomerStateChangeEvent", True),
        ("?eventType=CustomerCreateEvent,CustomerStateChangeEvent", True),
        ("eventType=CustomerCreateEvent", False),
        ("event.customer.status=approved", True),
        ("event.customer.status=validated,approved", True),
        ("event.customer.status=validated", False),
        ("eventType=CustomerStateChangeEvent&event.customer.status=approved", True),
        ("eventType=CustomerStateChangeEvent&event.customer.status=validated", False),
        ("event.customer.relatedParty.id=7", True),
        ("event.customer.relatedParty.id=8", True),
        ("event.customer.relatedParty.id=9", False),
        ("event.customer.contactMedium.characteristic.city=York", True),
        ("event.customer.active=true", True),
        ("event.customer.active=false", False),
        ("event.customer.creditLimit=100.5", True),
        ("event.customer.creditLimit=100.51", False),
        ("event.customer.missing=x", False),
        ("event.customer=c1", False),
        ("event.customer.status=approved&event.customer.status=validated", False),
        ("event.customer.id=c%31", True),
    ],
)
def test_query_matching(query: str | None, expected: bool) -> None:
    assert matches(query, EVENT) is expected
