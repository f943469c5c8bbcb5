"""The dispatcher against a real HTTP listener: fan-out, filters, signatures, retries, cancellation."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from webhook_listener import PARTY, WEBHOOK_SECRET, Listener, Subscribe

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.events.deliveries import MAX_RETRY_DELAY, retry_delay
from openbss.events.dispatcher import dispatch_once
from openbss.events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from openbss.events.outbox import record_event
from openbss.events.signing import verify_signature


def _create_individual(client: TestClient, headers: dict[str, str], given: str, family: str = "Doe") -> str:
    response = client.post(f"{PARTY}/individual", json={"givenName": given, "familyName": family}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _deliveries(db: Database) -> list[EventDelivery]:
    with db.session() as session:
        return list(session.execute(select(EventDelivery).order_by(EventDelivery.id)).scalars())


def test_create_and_patch_reach_the_subscriber_signed_and_in_order(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    subscribe(listener.url("/all"))
    person = _create_individual(client, agent, "Jane")
    patched = client.patch(f"{PARTY}/individual/{person}", json={"givenName": "Janet"}, headers=agent)
    assert patched.status_code == 200, patched.text

    report = dispatch_once(db, dispatch_settings)

    assert (report.fanned_out, report.delivered) == (2, 2)
    types = [r.json["eventType"] for r in listener.received]
    assert types == ["IndividualCreateEvent", "IndividualAttributeValueChangeEvent"]
    created, changed = listener.received
    assert created.json["event"]["individual"]["id"] == person
    assert changed.json["event"]["individual"]["givenName"] == "Janet"
    assert changed.json["fieldPath"] == "givenName"
    with db.session() as session:
        stored = list(session.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars())
    for request, event in zip(listener.received, stored, strict=True):
        assert request.json == event.payload
        assert request.headers["content-type"] == "application/json"
        assert request.headers["x-openbss-event-id"] == event.event_id
        assert request.headers["x-openbss-event-type"] == event.event_type
        signature = request.headers["x-openbss-signature"]
        assert signature.startswith(f"t={request.headers['x-openbss-timestamp']},v1=")
        assert verify_signature(WEBHOOK_SECRET, signature, request.body, now=clock.now())
        assert not verify_signature("another-secret", signature, request.body, now=clock.now())
        assert not verify_signature(WEBHOOK_SECRET, signature, request.body + b" ", now=clock.now())
    assert [(d.status, d.attempts, d.last_status_code) for d in _deliveries(db)] == [("delivered", 1, 200)] * 2
    # nothing is sent twice by further passes
    assert dispatch_once(db, dispatch_settings).attempts == 0
    assert len(listener.received) == 2


def test_subscription_query_filters_by_event_type_and_event_path(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    subscribe(listener.url("/changes"), "eventType=IndividualAttributeValueChangeEvent")
    subscribe(listener.url("/ann-or-bob"), "event.individual.givenName=Ann,Bob")
    subscribe(listener.url("/created-does"), "eventType=IndividualCreateEvent&event.individual.familyName=Doe")
    subscribe(listener.url("/nothing"), "eventType=CustomerCreateEvent")
    ann = _create_individual(client, agent, "Ann", "Smith")
    _create_individual(client, agent, "Carl", "Doe")
    assert client.patch(f"{PARTY}/individual/{ann}", json={"familyName": "Jones"}, headers=agent).status_code == 200

    dispatch_once(db, dispatch_settings)

    def seen(path: str) -> list[tuple[str, str]]:
        return [(r.json["eventType"], r.json["event"]["individual"]["givenName"]) for r in listener.to(path)]

    assert seen("/changes") == [("IndividualAttributeValueChangeEvent", "Ann")]
    assert seen("/ann-or-bob") == [
        ("IndividualCreateEvent", "Ann"),
        ("IndividualAttributeValueChangeEvent", "Ann"),
    ]
    assert seen("/created-does") == [("IndividualCreateEvent", "Carl")]
    assert seen("/nothing") == []


def test_failed_delivery_is_retried_after_the_backoff_and_delivered_once(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/flaky", [500])
    subscribe(listener.url("/flaky"))
    _create_individual(client, agent, "Retry")

    first = dispatch_once(db, dispatch_settings)
    assert (first.delivered, first.retrying) == (0, 1)
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at - clock.now() > timedelta(seconds=1)  # backoff is 2 s

    assert dispatch_once(db, dispatch_settings).attempts == 0  # not yet due
    assert len(listener.received) == 1

    clock.clock.advance(timedelta(seconds=2))
    again = dispatch_once(db, dispatch_settings)
    assert again.delivered == 1
    clock.clock.advance(timedelta(hours=2))
    assert dispatch_once(db, dispatch_settings).attempts == 0

    assert [r.status for r in listener.received] == [500, 200]
    assert listener.received[0].event_id == listener.received[1].event_id
    assert listener.received[1].headers["x-openbss-delivery-attempt"] == "2"
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    with db.session() as session:
        attempts = list(session.execute(select(DeliveryAttempt.status_code).order_by(DeliveryAttempt.id)).scalars())
    assert attempts == [500, 200]


def test_delivery_fails_for_good_after_max_attempts_with_growing_backoff(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/down", [503] * 10)
    subscribe(listener.url("/down"))
    _create_individual(client, agent, "Never")

    pauses = []
    for _ in range(dispatch_settings.dispatch_max_attempts):
        dispatch_once(db, dispatch_settings)
        [delivery] = _deliveries(db)
        pauses.append(delivery.next_attempt_at - clock.now())
        clock.clock.advance(timedelta(minutes=5))
    clock.clock.advance(timedelta(days=1))
    dispatch_once(db, dispatch_settings)

    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 503")
    assert len(listener.received) == 3
    assert timedelta(seconds=1.5) < pauses[0] <= timedelta(seconds=2)
    assert timedelta(seconds=3.5) < pauses[1] <= timedelta(seconds=4)
    assert retry_delay(2, 20) == MAX_RETRY_DELAY


def test_unreachable_callback_counts_as_a_failed_attempt(
    db: Database, subscribe: Subscribe, dispatch_settings: Settings
) -> None:
    closed = Listener()
    url = closed.url("/gone")
    closed.close()  # nothing listens on that port any more
    subscribe(url)
    with db.session() as session:
        record_event(
            session,
            api="TMF632",
            event_type="IndividualCreateEvent",
            resource_kind="TMF632.individual",
            resource_id="x",
            event={"individual": {"id": "x"}},
        )

    report = dispatch_once(db, dispatch_settings)

    assert report.retrying == 1
    [delivery] = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error and "Connect" in delivery.last_error


def test_removed_subscription_stops_its_pending_deliveries(
    client: TestClient,
    admin: dict[str, str],
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/leaving", [500])
    sub = subscribe(listener.url("/leaving"))
    _create_individual(client, agent, "Orphan")
    dispatch_once(db, dispatch_settings)
    assert client.delete(f"{PARTY}/hub/{sub}", headers=admin).status_code == 204
    _create_individual(client, agent, "Unseen")  # after the removal: no delivery at all

    clock.clock.advance(timedelta(minutes=1))
    report = dispatch_once(db, dispatch_settings)

    assert (report.cancelled, report.attempts) == (1, 0)
    assert len(listener.received) == 1
    assert [(d.status, d.attempts) for d in _deliveries(db)] == [("cancelled", 1)]


def test_decimal_numbers_are_sent_exactly(
    db: Database, listener: Listener, subscribe: Subscribe, dispatch_settings: Settings
) -> None:
    subscribe(listener.url("/money"))
    from decimal import Decimal

    with db.session() as session:
        record_event(
            session,
            api="TMF632",
            event_type="IndividualAttributeValueChangeEvent",
            resource_kind="TMF632.individual",
            resource_id="m",
            event={"individual": {"id": "m", "creditLimit": Decimal("1234567890.123456789")}},
        )
    dispatch_once(db, dispatch_settings)
    [request] = listener.received
    assert b'"creditLimit":1234567890.123456789' in request.body


def test_concurrent_dispatchers_send_each_event_exactly_once(
    db: Database, listener: Listener, subscribe: Subscribe, dispatch_settings: Settings
) -> None:
    listener.delay_seconds = 0.005
    for path in ("/a", "/b", "/c"):
        subscribe(listener.url(path))
    with db.session() as session:
        for n in range(20):
            record_event(
                session,
                api="TMF632",
                event_type="IndividualCreateEvent",
                resource_kind="TMF632.individual",
                resource_id=str(n),
                event={"individual": {"id": str(n)}},
            )
    start = threading.Barrier(3)

    def dispatcher() -> None:
        start.wait()
        for _ in range(3):
            dispatch_once(db, dispatch_settings)

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    sent = [(r.path, r.event_id) for r in listener.received]
    assert len(sent) == 60
    assert len(set(sent)) == 60
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(EventDelivery)) == 60
        assert session.scalar(select(func.count()).where(EventDelivery.status != "delivered")) == 0


def test_a_failing_subscriber_holds_its_other_deliveries_without_using_their_attempts(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/busy", [503])
    subscribe(listener.url("/busy"))
    subscribe(listener.url("/fine"))
    for name in ("First", "Second", "Third"):
        _create_individual(client, agent, name)

    dispatch_once(db, dispatch_settings)

    assert len(listener.to("/fine")) == 3
    assert len(listener.to("/busy")) == 1  # one request, then it waits
    busy = [d for d in _deliveries(db) if d.callback.endswith("/busy")]
    assert [(d.status, d.attempts) for d in busy] == [("pending", 1), ("pending", 0), ("pending", 0)]
    assert len({d.next_attempt_at for d in busy}) == 1

    clock.clock.advance(timedelta(seconds=2))
    dispatch_once(db, dispatch_settings)

    names = [r.json["event"]["individual"]["givenName"] for r in listener.to("/busy")]
    assert names == ["First", "First", "Second", "Third"]
    assert [d.status for d in _deliveries(db)] == ["delivered"] * 6
