"""OSS events reach the order through the listener's inbox: a late report never moves an item back."""

from __future__ import annotations

import time
from typing import Any

import pytest
from order_helpers import ORDERS, Shop, item_states

from openbss.core import jsoncodec
from openbss.core.settings import get_settings
from openbss.events.signing import signature_header

LISTENER = "/tmf-api/serviceOrdering/v4/listener/serviceOrderStateChangeEvent"


def _southbound_id(shop: Shop, order_id: str) -> str:
    response = shop.client.get(f"{ORDERS}/{order_id}/southboundOrder", headers=shop.headers)
    assert response.status_code == 200, response.text
    (row,) = response.json()
    return str(row["id"])


def _report(shop: Shop, southbound_id: str, state: str) -> None:
    """The OSS (not reachable for sending in this shop) reports ``state`` of the item's service order."""
    event: dict[str, Any] = {
        "eventId": f"ev-{southbound_id}-{state}",
        "eventTime": "2025-03-01T10:00:00.000Z",
        "eventType": "ServiceOrderStateChangeEvent",
        "event": {
            "serviceOrder": {
                "id": f"so-{southbound_id}",
                "externalId": southbound_id,
                "state": state,
                "serviceOrderItem": [
                    {"id": "1", "action": "add", "state": state, "service": {"id": f"svc-{southbound_id}"}}
                ],
            }
        },
    }
    body = jsoncodec.dumps(event)
    signature = signature_header(get_settings().oss_event_secret, int(time.time()), body)
    headers = {"Content-Type": "application/json", "X-OpenBSS-Signature": signature}
    answer = shop.client.post(LISTENER, content=body, headers=headers)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(("final", "order_state"), [("completed", "completed"), ("failed", "failed")])
@pytest.mark.parametrize("apart", [True, False], ids=["applied-in-between", "both-waiting"])
def test_a_late_in_progress_report_does_not_move_a_finished_item_back(
    shop: Shop, final: str, order_state: str, apart: bool
) -> None:
    shop.make_offering("Fibre", services=("cfs-fibre",))
    order = shop.place(shop.item("1", "Fibre"))
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "inProgress"
    southbound_id = _southbound_id(shop, order["id"])

    _report(shop, southbound_id, final)
    if apart:
        shop.run_jobs()
        assert shop.get(order["id"])["state"] == order_state
    _report(shop, southbound_id, "inProgress")  # delivered late (the OSS retried it, say)
    shop.run_jobs()

    done = shop.get(order["id"])
    assert done["state"] == order_state
    assert item_states(done) == {"1": final}
    response = shop.client.get(f"{ORDERS}/{order['id']}/southboundOrder", headers=shop.headers)
    assert [row["state"] for row in response.json()] == [final]


def test_reports_in_order_are_applied_in_order(shop: Shop) -> None:
    shop.make_offering("Fibre", services=("cfs-fibre",))
    order = shop.place(shop.item("1", "Fibre"))
    shop.run_jobs()
    southbound_id = _southbound_id(shop, order["id"])

    for state in ("acknowledged", "inProgress", "completed"):
        _report(shop, southbound_id, state)
    assert shop.get(order["id"])["state"] == "inProgress"  # stored, not yet applied
    shop.run_jobs()

    done = shop.get(order["id"])
    assert done["state"] == "completed"
    assert item_states(done) == {"1": "completed"}
