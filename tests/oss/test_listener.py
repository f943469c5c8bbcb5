"""Our TMF641 listener: signature check, event checks, the inbox and its job running the handlers; polling."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from oss_simulator_fixture import OSS_EVENT_SECRET
from sqlalchemy import select

from openbss.core import clock, jsoncodec
from openbss.core.db import Database
from openbss.core.errors import Conflict
from openbss.core.settings import Settings, get_settings, reset_settings
from openbss.events.signing import signature_header
from openbss.jobs.models import Job
from openbss.jobs.runner import Worker
from openbss.oss.client import OssError, ServiceOrderClient
from openbss.oss.inbox import APPLY_MAX_ATTEMPTS, APPLY_TASK
from openbss.oss.listener import (
    OSS_PRINCIPAL,
    deliver_polled_order,
    listener_callback,
    poll_service_order,
    register_service_order_handler,
    subscribe_listener,
    unregister_service_order_handler,
)
from openbss.oss.models import OssEventRow
from openbss.oss.simulator_thread import RunningSimulator
from openbss.parties.api import INDIVIDUAL
from openbss.parties.models import IndividualRow
from openbss.tmf import service as tmf
from openbss.tmf.context import Context

LISTENER = "/tmf-api/serviceOrdering/v4/listener"
Doc = dict[str, Any]


def _event(event_type: str = "ServiceOrderStateChangeEvent", state: str = "completed", order_id: str = "so-1") -> Doc:
    return {
        "eventId": f"ev-{order_id}-{state}",
        "eventTime": "2025-03-01T10:00:00.000Z",
        "eventType": event_type,
        "event": {"serviceOrder": {"id": order_id, "state": state, "serviceOrderItem": []}},
    }


def _signed(body: bytes, secret: str = OSS_EVENT_SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if at is None else at)
    return {"Content-Type": "application/json", "X-OpenBSS-Signature": signature_header(secret, timestamp, body)}


def _post(client: TestClient, name: str, event: Any, headers: dict[str, str] | None = None) -> Any:
    body = event if isinstance(event, bytes) else jsoncodec.dumps(event)
    return client.post(f"{LISTENER}/{name}", content=body, headers=headers if headers is not None else _signed(body))


class Recorder:
    """A handler that records what it saw and writes a party, to prove it runs in a committed transaction."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self.principals: list[str] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, ctx: Context, event: Doc) -> None:
        order = event["event"]["serviceOrder"]
        tmf.create(ctx, INDIVIDUAL, {"givenName": order["id"], "familyName": order["state"]})
        with self.lock:
            self.seen.append((event["eventType"], order["id"], order["state"]))
            self.principals.append(ctx.principal.subject)
        if order["state"] == self.fail_on:
            raise Conflict("the order desk refuses this one", field="state", rule="test.refused")

    def states(self, order_id: str) -> list[str]:
        with self.lock:
            return [state for _, oid, state in self.seen if oid == order_id]


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENBSS_OSS_EVENT_SECRET", OSS_EVENT_SECRET)
    reset_settings()
    return OSS_EVENT_SECRET


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder()
    register_service_order_handler(handler)
    yield handler
    unregister_service_order_handler(handler)


def _people(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(IndividualRow)).scalars()
        return sorted((row.doc["givenName"], row.doc["familyName"]) for row in rows)


def _inbox(db: Database) -> list[tuple[str | None, str, str, int]]:
    """(eventId, service order, status, failed attempts) of every stored event, in arrival order."""
    with db.session() as session:
        rows = session.execute(select(OssEventRow).order_by(OssEventRow.id)).scalars()
        return [(row.event_id, row.service_order_id, row.status, row.attempts) for row in rows]


def _apply_jobs(db: Database) -> list[tuple[str, int]]:
    """(status, attempts) of the inbox's jobs, oldest first."""
    with db.session() as session:
        rows = session.execute(select(Job.status, Job.attempts).where(Job.name == APPLY_TASK).order_by(Job.id))
        return [(status, attempts) for status, attempts in rows]


def _run_jobs(db: Database, *, rounds: int = 30) -> None:
    """Tick a job worker until nothing is due (the inbox job applies the stored events)."""
    worker = Worker(db, get_settings(), poll_seconds=0.01)
    for _ in range(rounds):
        if not worker.run_once():
            return


def _retry_later(db: Database) -> None:
    """Move the clock past any job's back-off and run what is then due."""
    clock.clock.advance(timedelta(hours=2))
    _run_jobs(db)


def test_a_signed_event_is_stored_and_a_job_runs_the_handlers_in_a_committed_unit_of_work(
    client: TestClient, db: Database, secret: str, recorder: Recorder
) -> None:
    answer = _post(client, "serviceOrderStateChangeEvent", _event())

    assert answer.status_code == 201, answer.text
    assert recorder.seen == []  # not in the request: stored, with a job to apply it
    assert _inbox(db) == [("ev-so-1-completed", "so-1", "pending", 0)]
    assert _apply_jobs(db) == [("queued", 0)]

    _run_jobs(db)

    assert recorder.seen == [("ServiceOrderStateChangeEvent", "so-1", "completed")]
    assert recorder.principals == [OSS_PRINCIPAL.subject]
    assert _people(db) == [("so-1", "completed")]
    assert _inbox(db) == [("ev-so-1-completed", "so-1", "applied", 0)]
    assert _apply_jobs(db) == [("done", 1)]


def test_the_same_event_delivered_twice_is_stored_and_applied_once(
    client: TestClient, db: Database, secret: str, recorder: Recorder
) -> None:
    assert _post(client, "serviceOrderStateChangeEvent", _event()).status_code == 201
    _run_jobs(db)
    again = _post(client, "serviceOrderStateChangeEvent", _event())
    _run_jobs(db)

    assert again.status_code == 201
    assert recorder.seen == [("ServiceOrderStateChangeEvent", "so-1", "completed")]
    assert _inbox(db) == [("ev-so-1-completed", "so-1", "applied", 0)]
    assert _apply_jobs(db) == [("done", 1)]


def test_every_tmf641_listener_path_is_accepted(
    client: TestClient, db: Database, secret: str, recorder: Recorder
) -> None:
    for name in ("serviceOrderCreateEvent", "serviceOrderAttributeValueChangeEvent", "serviceOrderJeopardyEvent"):
        event = {**_event(name[0].upper() + name[1:]), "eventId": f"ev-{name}"}  # each event its own id
        assert _post(client, name, event).status_code == 201
    _run_jobs(db)
    cancel = {
        "eventId": "c1",
        "eventType": "CancelServiceOrderStateChangeEvent",
        "event": {"cancelServiceOrder": {"id": "t1", "state": "done"}},
    }
    register_service_order_handler(recorder)  # registering twice runs it once
    assert _post(client, "serviceOrderStateChangeEvent", _event(order_id="so-2")).status_code == 201
    _run_jobs(db)
    assert len(recorder.seen) == 4
    unregister_service_order_handler(recorder)  # the cancel event below has no serviceOrder for it
    assert _post(client, "cancelServiceOrderStateChangeEvent", cancel).status_code == 201
    _run_jobs(db)
    assert [(service_order, status) for _, service_order, status, _ in _inbox(db)] == [
        ("so-1", "applied"),
        ("so-1", "applied"),
        ("so-1", "applied"),
        ("so-2", "applied"),
        ("t1", "applied"),  # a cancellation naming no service order is keyed by its own id
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"X-OpenBSS-Signature": "garbage"},
        {"X-OpenBSS-Signature": "t=1,v1=00"},
    ],
    ids=["missing", "garbage", "wrong"],
)
def test_an_unsigned_or_badly_signed_event_is_refused(
    client: TestClient, db: Database, secret: str, recorder: Recorder, headers: dict[str, str]
) -> None:
    answer = _post(client, "serviceOrderStateChangeEvent", _event(), headers)

    assert answer.status_code == 401
    assert answer.json()["details"][0]["field"] == "X-OpenBSS-Signature"
    _run_jobs(db)
    assert recorder.seen == []
    assert _people(db) == []
    assert _inbox(db) == []
    assert _apply_jobs(db) == []


def test_an_event_signed_with_another_secret_or_too_long_ago_is_refused(
    client: TestClient, db: Database, secret: str, recorder: Recorder
) -> None:
    body = jsoncodec.dumps(_event())
    assert _post(client, "serviceOrderStateChangeEvent", body, _signed(body, "not-the-secret")).status_code == 401
    stale = _signed(body, at=time.time() - 3600)
    assert _post(client, "serviceOrderStateChangeEvent", body, stale).status_code == 401
    tampered = _signed(body)
    assert (
        _post(client, "serviceOrderStateChangeEvent", body.replace(b"completed", b"failed"), tampered).status_code
        == 401
    )
    _run_jobs(db)
    assert recorder.seen == []
    assert _inbox(db) == []


def test_without_a_secret_unsigned_events_are_accepted(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    monkeypatch.setenv("OPENBSS_OSS_EVENT_SECRET", "")
    reset_settings()

    answer = _post(client, "serviceOrderStateChangeEvent", _event(), {"Content-Type": "application/json"})
    _run_jobs(db)

    assert answer.status_code == 201
    assert len(recorder.seen) == 1


@pytest.mark.parametrize(
    ("event", "field", "rule"),
    [
        (b"{not json", "body", "json.syntax"),
        (b"", "body", "body.required"),
        ([1, 2], "body", "type.object"),
        ({**_event(), "eventType": "ServiceOrderCreateEvent"}, "eventType", "listener.eventType"),
        ({"eventType": "ServiceOrderStateChangeEvent", "event": {}}, "event.serviceOrder", "required"),
        (
            {"eventType": "ServiceOrderStateChangeEvent", "event": {"serviceOrder": {"state": "x"}}},
            "event.serviceOrder.id",
            "required",
        ),
        ({**_event(), "eventId": 7}, "eventId", "type.string"),
    ],
    ids=["syntax", "empty", "array", "type-mismatch", "no-order", "no-id", "event-id"],
)
def test_a_malformed_event_is_a_400_naming_the_field(
    client: TestClient, db: Database, secret: str, recorder: Recorder, event: Any, field: str, rule: str
) -> None:
    answer = _post(client, "serviceOrderStateChangeEvent", event)

    assert answer.status_code == 400
    details = answer.json()["details"]
    assert details[0]["field"] == field
    assert details[0]["rule"] == rule
    _run_jobs(db)
    assert recorder.seen == []
    assert _inbox(db) == []
    assert _apply_jobs(db) == []


def test_an_unknown_event_name_is_a_404(client: TestClient, db: Database, secret: str) -> None:
    answer = _post(client, "productOrderStateChangeEvent", _event("ProductOrderStateChangeEvent"))

    assert answer.status_code == 404
    assert answer.json()["details"][0]["field"] == "eventName"
    assert _inbox(db) == []


def test_with_no_handler_registered_an_event_is_accepted_and_nothing_happens(
    client: TestClient, db: Database, secret: str
) -> None:
    assert _post(client, "serviceOrderStateChangeEvent", _event()).status_code == 201
    _run_jobs(db)
    assert _people(db) == []
    assert _inbox(db) == [("ev-so-1-completed", "so-1", "applied", 0)]


def test_a_handler_that_refuses_rolls_its_work_back_and_the_job_retries_the_stored_event(
    client: TestClient, db: Database, secret: str, recorder: Recorder
) -> None:
    recorder.fail_on = "failed"

    answer = _post(client, "serviceOrderStateChangeEvent", _event(state="failed"))
    _run_jobs(db)

    assert answer.status_code == 201  # the OSS's part is done once the event is stored
    assert recorder.states("so-1") == ["failed"]
    assert _people(db) == []  # the party written before the refusal is gone
    assert _inbox(db) == [("ev-so-1-failed", "so-1", "pending", 1)]
    with db.session() as session:
        stored = session.execute(select(OssEventRow)).scalar_one()
        assert stored.last_error is not None and "the order desk refuses this one" in stored.last_error
    assert _apply_jobs(db) == [("queued", 1)]  # back off, then again

    recorder.fail_on = None
    _retry_later(db)

    assert recorder.states("so-1") == ["failed", "failed"]
    assert _people(db) == [("so-1", "failed")]
    assert _inbox(db) == [("ev-so-1-failed", "so-1", "applied", 1)]
    assert _apply_jobs(db) == [("done", 2)]


def test_an_event_refused_on_every_attempt_ends_failed_and_stops_holding_up_later_events(
    client: TestClient, db: Database, secret: str, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail_on = "failed"
    assert _post(client, "serviceOrderStateChangeEvent", _event(state="failed")).status_code == 201
    _run_jobs(db)
    assert _post(client, "serviceOrderStateChangeEvent", _event(state="completed")).status_code == 201
    _run_jobs(db)

    # the later event waits behind the refused one (its job tried the refused one first, and failed too)
    assert recorder.states("so-1") == ["failed", "failed"]
    assert _people(db) == []
    assert _inbox(db) == [("ev-so-1-failed", "so-1", "pending", 2), ("ev-so-1-completed", "so-1", "pending", 0)]

    with caplog.at_level(logging.ERROR, logger="openbss.oss"):
        for _ in range(APPLY_MAX_ATTEMPTS):
            _retry_later(db)

    # both jobs retried the refused event (in line first); the first to reach its last attempt marked it
    # failed and went on to apply the later one
    (refused, later) = _inbox(db)
    assert refused[:3] == ("ev-so-1-failed", "so-1", "failed") and refused[3] >= APPLY_MAX_ATTEMPTS
    assert later == ("ev-so-1-completed", "so-1", "applied", 0)
    assert recorder.states("so-1")[-1] == "completed"
    assert _people(db) == [("so-1", "completed")]
    assert sorted(_apply_jobs(db)) == [("done", APPLY_MAX_ATTEMPTS), ("failed", APPLY_MAX_ATTEMPTS)]
    assert any("marked failed" in record.getMessage() for record in caplog.records)


def test_events_of_one_service_order_are_applied_in_arrival_order_by_two_workers(
    client: TestClient, db: Database, secret: str
) -> None:
    seen: list[str] = []
    running = threading.Semaphore(0)

    def slow(ctx: Context, event: Doc) -> None:
        order = event["event"]["serviceOrder"]
        running.release()  # a handler is busy with the oldest event: the other worker's job must wait for it
        time.sleep(0.05)
        tmf.create(ctx, INDIVIDUAL, {"givenName": order["id"], "familyName": order["state"]})
        seen.append(order["state"])

    states = ["acknowledged", "inProgress", "held", "inProgress2", "completed"]
    for state in states:
        assert _post(client, "serviceOrderStateChangeEvent", _event(state=state)).status_code == 201
    register_service_order_handler(slow)
    try:
        workers = [threading.Thread(target=_run_jobs, args=(db,)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    finally:
        unregister_service_order_handler(slow)

    assert seen == states
    assert [status for _, _, status, _ in _inbox(db)] == ["applied"] * 5
    assert all(status == "done" for status, _ in _apply_jobs(db))


def test_the_listener_needs_no_bearer_token_but_the_rest_of_the_api_still_does(client: TestClient, secret: str) -> None:
    assert _post(client, "serviceOrderStateChangeEvent", _event()).status_code == 201
    assert client.get("/tmf-api/party/v4/individual").status_code == 401


# --- simulator -> openbss over real HTTP --------------------------------------------------------------------


def test_the_simulator_drives_our_handlers_over_http(
    oss_settings: Settings, oss_simulator: RunningSimulator, db: Database, recorder: Recorder
) -> None:
    with ServiceOrderClient.from_settings() as oss:
        subscription = subscribe_listener(oss)
        assert oss_simulator.simulator.hub.subscriptions[subscription].callback == listener_callback()
        created = oss.create({"serviceOrderItem": [{"id": "1", "action": "add", "service": {}}]})
        oss_simulator.wait_for_state(created["id"], "completed")
        deadline = time.monotonic() + 10
        while "completed" not in recorder.states(created["id"]) and time.monotonic() < deadline:
            _run_jobs(db)
            time.sleep(0.02)

    assert recorder.states(created["id"]) == ["acknowledged", "inProgress", "inProgress", "completed"]
    assert oss_simulator.simulator.hub.stats.failed_attempts == 0
    assert "completed" in [family for given, family in _people(db) if given == created["id"]]
    assert {status for _, _, status, _ in _inbox(db)} == {"applied"}


def test_when_our_handler_refuses_an_event_from_the_simulator_our_job_retries_it(
    oss_settings: Settings, oss_simulator: RunningSimulator, db: Database, recorder: Recorder
) -> None:
    oss_simulator.configure(delivery_backoff=0.01, delivery_attempts=3)
    recorder.fail_on = "completed"
    with ServiceOrderClient(oss_settings.oss_url, timeout=5) as oss:
        subscribe_listener(oss, query="eventType=ServiceOrderStateChangeEvent")
        created = oss.create({"serviceOrderItem": [{"id": "1", "action": "add", "service": {}}]})
        oss_simulator.wait_for_state(created["id"], "completed")
        deadline = time.monotonic() + 10
        while oss_simulator.simulator.hub.stats.delivered < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    _run_jobs(db)

    # the first event's job applied it and tried the second; the second's job tried that one again
    assert recorder.states(created["id"]) == ["inProgress", "completed", "completed"]
    stats = oss_simulator.simulator.hub.stats
    assert (stats.delivered, stats.failed_attempts, stats.dropped) == (2, 0, 0)  # each delivered once
    assert [f for g, f in _people(db) if g == created["id"]] == ["inProgress"]  # the refused one left nothing
    assert [(status, attempts) for _, _, status, attempts in _inbox(db)] == [("applied", 0), ("pending", 2)]

    recorder.fail_on = None
    _retry_later(db)

    assert recorder.states(created["id"]) == ["inProgress", "completed", "completed", "completed"]
    assert [f for g, f in _people(db) if g == created["id"]] == ["completed", "inProgress"]
    assert [(status, attempts) for _, _, status, attempts in _inbox(db)] == [("applied", 0), ("applied", 2)]
    assert _apply_jobs(db) == [("done", 2), ("done", 2)]


def test_a_wrong_secret_at_the_simulator_is_refused_by_our_listener(
    oss_settings: Settings, oss_simulator: RunningSimulator, db: Database, recorder: Recorder
) -> None:
    oss_simulator.configure(secret="a-different-secret", delivery_attempts=1)
    with ServiceOrderClient(oss_settings.oss_url, timeout=5) as oss:
        subscribe_listener(oss)
        created = oss.create({"serviceOrderItem": [{"id": "1", "action": "add", "service": {}}]})
        oss_simulator.wait_for_state(created["id"], "completed")
        deadline = time.monotonic() + 10
        while oss_simulator.simulator.hub.stats.dropped < 4 and time.monotonic() < deadline:
            time.sleep(0.02)

    assert oss_simulator.simulator.hub.stats.delivered == 0
    _run_jobs(db)
    assert recorder.seen == []
    assert _inbox(db) == []


# --- polling fallback -----------------------------------------------------------------------------------------


def test_polling_reads_the_order_and_feeds_the_same_handlers_directly(
    oss_simulator: RunningSimulator, db: Database, recorder: Recorder
) -> None:
    from openbss.core.settings import get_settings

    with ServiceOrderClient(oss_simulator.base_url, timeout=5) as oss:
        created = oss.create({"serviceOrderItem": [{"id": "1", "action": "add", "service": {}}]})
        oss_simulator.wait_for_state(created["id"], "completed")
        polled = poll_service_order(oss, created["id"])
        with pytest.raises(OssError) as missing:
            poll_service_order(oss, "no-such-order")

    assert polled["state"] == "completed"
    assert (missing.value.kind, missing.value.status) == ("rejected", 404)
    with db.session(write=True) as session:
        ctx = Context(session=session, principal=OSS_PRINCIPAL, settings=get_settings())
        event = deliver_polled_order(ctx, polled)
    assert event["eventId"].startswith("poll-")
    assert recorder.seen == [("ServiceOrderStateChangeEvent", created["id"], "completed")]
    assert _people(db) == [(created["id"], "completed")]
    assert _inbox(db) == []  # a polled order does not go through the inbox
