"""The simulator's /hub: signed TMF641 events POSTed to a real HTTP listener, in order, retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from oss_simulator_fixture import OSS_EVENT_SECRET, EventRecorder

from openbss.events.signing import verify_signature
from openbss.oss.client import OssError, ServiceOrderClient
from openbss.oss.simulator_thread import RunningSimulator

FINAL = ("completed", "failed", "partial", "rejected", "cancelled")


def _order(*outcomes: str | None, external_id: str = "po-1") -> dict[str, Any]:
    items = []
    for index, outcome in enumerate(outcomes or (None,), start=1):
        item: dict[str, Any] = {"id": str(index), "action": "add", "service": {"name": f"line {index}"}}
        if outcome:
            item["simulatorOutcome"] = outcome
        items.append(item)
    return {"externalId": external_id, "serviceOrderItem": items}


@pytest.fixture
def oss(oss_simulator: RunningSimulator) -> Iterator[ServiceOrderClient]:
    oss_simulator.configure(delivery_backoff=0.01)
    with ServiceOrderClient(oss_simulator.base_url, timeout=5) as client:
        yield client


def _summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for event in events:
        resource = event["event"].get("serviceOrder") or event["event"]["cancelServiceOrder"]
        out.append((event["eventType"], resource["state"]))
    return out


def test_every_change_of_an_order_reaches_the_listener_signed_and_in_order(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    subscription = oss.subscribe(event_recorder.url("/oss"))
    created = oss.create(_order(None, "fail"))
    oss_simulator.wait_for_state(created["id"], *FINAL)
    event_recorder.wait_until(lambda: len(event_recorder.events(created["id"])) == 5)

    events = event_recorder.events(created["id"])
    assert _summary(events) == [
        ("ServiceOrderCreateEvent", "acknowledged"),
        ("ServiceOrderStateChangeEvent", "inProgress"),
        ("ServiceOrderAttributeValueChangeEvent", "inProgress"),
        ("ServiceOrderAttributeValueChangeEvent", "inProgress"),
        ("ServiceOrderStateChangeEvent", "partial"),
    ]
    first_item, second_item = events[2], events[3]
    assert first_item["fieldPath"] == "serviceOrderItem.state"
    assert [i["state"] for i in first_item["event"]["serviceOrder"]["serviceOrderItem"]] == ["completed", "inProgress"]
    assert [i["state"] for i in second_item["event"]["serviceOrder"]["serviceOrderItem"]] == ["completed", "failed"]
    paths = [r.path for r in event_recorder.received]
    assert paths[:2] == ["/oss/listener/serviceOrderCreateEvent", "/oss/listener/serviceOrderStateChangeEvent"]
    for received in event_recorder.received:
        body = received.json
        assert received.headers["content-type"] == "application/json"
        assert received.headers["x-openbss-event-id"] == body["eventId"]
        assert received.headers["x-openbss-event-type"] == body["eventType"]
        assert verify_signature(OSS_EVENT_SECRET, received.headers["x-openbss-signature"], received.body)
        assert not verify_signature("another-secret", received.headers["x-openbss-signature"], received.body)
        assert body["eventTime"] and body["correlationId"] == created["id"]
    assert subscription in httpx.get(f"{oss_simulator.base_url}/hub/{subscription}").text


def test_a_query_filters_the_events(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss.subscribe(
        event_recorder.url("/only-closing"), "eventType=ServiceOrderStateChangeEvent&event.serviceOrder.state=completed"
    )
    created = oss.create(_order(None, None))
    oss_simulator.wait_for_state(created["id"], "completed")
    event_recorder.wait_until(lambda: len(event_recorder.received) == 1)

    assert _summary(event_recorder.events()) == [("ServiceOrderStateChangeEvent", "completed")]


def test_cancellation_events_follow_the_tmf641_states(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss_simulator.configure(cancel_delay=0.02)
    oss.subscribe(event_recorder.url())
    created = oss.create(_order("hang"))
    oss_simulator.wait_for_state(created["id"], "inProgress")
    task = oss.cancel(created["id"], "moved house")
    oss_simulator.wait_for_state(created["id"], "cancelled")
    event_recorder.wait_until(lambda: len(event_recorder.events()) == 8)

    assert _summary(event_recorder.events(created["id"])) == [
        ("ServiceOrderCreateEvent", "acknowledged"),
        ("ServiceOrderStateChangeEvent", "inProgress"),
        ("CancelServiceOrderCreateEvent", "accepted"),
        ("ServiceOrderStateChangeEvent", "assessingCancellation"),
        ("CancelServiceOrderStateChangeEvent", "inProgress"),
        ("ServiceOrderStateChangeEvent", "pendingCancellation"),
        ("ServiceOrderStateChangeEvent", "cancelled"),
        ("CancelServiceOrderStateChangeEvent", "done"),
    ]
    cancel_events = [e for e in event_recorder.events() if e["eventType"].startswith("Cancel")]
    assert {e["event"]["cancelServiceOrder"]["id"] for e in cancel_events} == {task["id"]}
    paths = {r.path for r in event_recorder.received}
    assert "/oss/listener/cancelServiceOrderStateChangeEvent" in paths


def test_failed_deliveries_are_retried_and_order_is_kept(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss.subscribe(event_recorder.url())
    event_recorder.fail_next(500, 503)
    created = oss.create(_order(None))
    oss_simulator.wait_for_state(created["id"], "completed")
    event_recorder.wait_until(lambda: len(event_recorder.events()) == 4)

    assert [t for t, _ in _summary(event_recorder.events())] == [
        "ServiceOrderCreateEvent",
        "ServiceOrderStateChangeEvent",
        "ServiceOrderAttributeValueChangeEvent",
        "ServiceOrderStateChangeEvent",
    ]
    assert event_recorder.received[0].headers["x-openbss-delivery-attempt"] == "3"
    stats = httpx.get(f"{oss_simulator.url}/simulator/status").json()
    assert stats["events"]["failedAttempts"] == 2
    assert stats["orders"] == {"completed": 1}


def test_an_unreachable_listener_does_not_hold_up_the_orders(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    oss_simulator.configure(delivery_attempts=2)
    oss.subscribe("http://127.0.0.1:9/nobody-listens")
    created = oss.create(_order(None))

    assert oss_simulator.wait_for_state(created["id"], "completed")["state"] == "completed"


def test_many_orders_at_once_keep_each_order_in_sequence(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss_simulator.configure(delay=0.01)
    oss.subscribe(event_recorder.url())
    ids = [oss.create(_order(None, None, external_id=f"po-{n}"))["id"] for n in range(15)]
    for order_id in ids:
        oss_simulator.wait_for_state(order_id, "completed")
    event_recorder.wait_until(lambda: len(event_recorder.events()) == 15 * 5)

    for order_id in ids:
        states = [
            s for t, s in _summary(event_recorder.events(order_id)) if t != "ServiceOrderAttributeValueChangeEvent"
        ]
        assert states == ["acknowledged", "inProgress", "completed"]


def test_unsubscribed_listeners_get_nothing_more(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    subscription = oss.subscribe(event_recorder.url())
    oss.unsubscribe(subscription)
    created = oss.create(_order(None))
    oss_simulator.wait_for_state(created["id"], "completed")

    assert event_recorder.received == []
    with pytest.raises(OssError) as missing:
        oss.unsubscribe(subscription)
    assert (missing.value.kind, missing.value.status) == ("rejected", 404)


def test_a_subscription_needs_an_absolute_callback(oss: ServiceOrderClient) -> None:
    with pytest.raises(OssError) as refused:
        oss.subscribe("not a url")
    assert (refused.value.kind, refused.value.status) == ("rejected", 400)
    assert refused.value.body["details"][0]["field"] == "callback"


def test_without_a_secret_events_go_unsigned(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss_simulator.configure(secret="")
    oss.subscribe(event_recorder.url())
    oss.create(_order(None))
    event_recorder.wait_until(lambda: len(event_recorder.received) >= 1)

    assert "x-openbss-signature" not in event_recorder.received[0].headers


def test_patch_and_delete_are_reported(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator, event_recorder: EventRecorder
) -> None:
    oss_simulator.configure(start_delay=1.5)
    oss.subscribe(event_recorder.url(), "eventType=ServiceOrderAttributeValueChangeEvent,ServiceOrderDeleteEvent")
    created = oss.create(_order("reject"))
    url = f"{oss_simulator.base_url}/serviceOrder/{created['id']}"
    assert httpx.patch(url, json={"priority": "1", "note": [{"text": "call first"}]}).status_code == 200
    oss_simulator.wait_for_state(created["id"], "rejected")
    assert httpx.delete(url).status_code == 204
    event_recorder.wait_until(lambda: len(event_recorder.received) == 2)

    changed, deleted = event_recorder.events()
    assert (changed["eventType"], changed["fieldPath"]) == ("ServiceOrderAttributeValueChangeEvent", "note,priority")
    assert deleted["eventType"] == "ServiceOrderDeleteEvent"
    assert deleted["event"]["serviceOrder"]["id"] == created["id"]
