"""Retention (``openbss.housekeeping``): outbox events with their deliveries, finished jobs and
idempotency keys are deleted once their time is up, and nothing still in use goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from typer.testing import CliRunner
from webhook_listener import PARTY, Listener, Subscribe

from openbss.cli import app
from openbss.core import clock
from openbss.core.db import Database, set_database
from openbss.core.settings import Settings, get_settings, reset_settings
from openbss.events.dispatcher import dispatch_once
from openbss.events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from openbss.housekeeping.retention import PurgeCounts, RetentionPolicy, count_due, purge
from openbss.housekeeping.tasks import RETENTION_TASK
from openbss.jobs.models import Job
from openbss.jobs.queue import enqueue
from openbss.jobs.registry import PERIODIC, get_task, load_task_modules
from openbss.tmf.models import IdempotencyRecord

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"


def _individual(client: TestClient, headers: dict[str, str], given: str) -> str:
    response = client.post(f"{PARTY}/individual", json={"givenName": given, "familyName": "Kept"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _rows(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            model.__tablename__: int(session.execute(select(func.count()).select_from(model)).scalar_one())
            for model in (OutboxEvent, EventDelivery, DeliveryAttempt, Job, IdempotencyRecord)
        }


def _policy() -> RetentionPolicy:
    return RetentionPolicy.from_settings(get_settings())


def test_delivered_events_go_after_the_retention_with_their_deliveries_and_attempts(
    client: TestClient,
    agent: dict[str, str],
    auth: Callable[..., dict[str, str]],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/flaky", [500])
    subscribe(listener.url("/flaky"))
    for name in ("Ann", "Bob", "Cy"):
        _individual(client, agent, name)
    dispatch_once(db, dispatch_settings)
    clock.clock.advance(timedelta(seconds=5))
    dispatch_once(db, dispatch_settings)  # the first event's retry
    assert _rows(db)["delivery_attempt"] == 4

    assert purge(db, _policy(), clock.now()) == PurgeCounts()  # young: all kept
    clock.clock.advance(timedelta(days=30, seconds=1))
    _individual(client, auth("agent"), "Dee")  # a new event (with a token of today), not yet due
    due = count_due(db, _policy(), clock.now())
    deleted = purge(db, _policy(), clock.now(), batch=2)  # two batches and a last, short one

    assert due == deleted
    assert (deleted.outbox_event, deleted.event_delivery, deleted.delivery_attempt) == (3, 3, 4)
    rows = _rows(db)
    assert (rows["outbox_event"], rows["event_delivery"], rows["delivery_attempt"]) == (1, 0, 0)
    with db.session() as session:
        left = session.execute(select(OutboxEvent.payload)).scalar_one()
    assert left["event"]["individual"]["givenName"] == "Dee"


def test_events_still_being_delivered_or_not_fanned_out_are_kept_until_they_are_done(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
) -> None:
    listener.script("/down", [503] * 10)
    subscribe(listener.url("/down"))
    _individual(client, agent, "Eve")
    dispatch_once(db, dispatch_settings)  # fanned out, first attempt failed: pending
    _individual(client, agent, "Fay")  # not fanned out yet

    clock.clock.advance(timedelta(days=31))
    assert count_due(db, _policy(), clock.now()).outbox_event == 0
    counts = purge(db, _policy(), clock.now())
    assert counts == PurgeCounts(process_run=counts.process_run)  # only the parties' process runs are folded

    purged = 0
    for _ in range(4 * dispatch_settings.dispatch_max_attempts):  # Fay's waits while Eve's fails
        clock.clock.advance(timedelta(minutes=5))
        dispatch_once(db, dispatch_settings)
        purged += purge(db, _policy(), clock.now()).outbox_event
        with db.session() as session:
            unfinished = set(
                session.execute(select(EventDelivery.event_seq).where(EventDelivery.status != "failed")).scalars()
            )
            kept = set(session.execute(select(OutboxEvent.seq)).scalars())
        assert kept == unfinished  # an old event stays exactly as long as one of its deliveries is under way
        if not kept:
            break
    # Fay's delivery failed minutes ago, but the event itself is 31 days old: it went with it
    assert purged == 2
    assert _rows(db)["outbox_event"] == _rows(db)["event_delivery"] == _rows(db)["delivery_attempt"] == 0


def test_zero_days_keeps_events_for_ever(
    client: TestClient, agent: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _individual(client, agent, "Gus")
    with db.session() as session:
        session.execute(update(OutboxEvent).values(fanned_out=True))
    monkeypatch.setenv("OPENBSS_RETENTION_EVENT_DAYS", "0")
    reset_settings()
    clock.clock.advance(timedelta(days=3650))

    assert _policy().events is None
    assert purge(db, _policy(), clock.now()).outbox_event == 0
    assert _rows(db)["outbox_event"] == 1


def test_done_jobs_go_after_a_week_failed_ones_after_ninety_days_queued_ones_never(db: Database) -> None:
    with db.session(write=True) as session:
        done, failed, queued = (enqueue(session, "x.test", {"n": n}) for n in range(3))
        for job_id, status in ((done, "done"), (failed, "failed")):
            session.execute(update(Job).where(Job.id == job_id).values(status=status, finished_at=clock.now()))

    clock.clock.advance(timedelta(days=6))
    assert purge(db, _policy(), clock.now()).job == 0
    clock.clock.advance(timedelta(days=2))
    assert purge(db, _policy(), clock.now()).job == 1
    clock.clock.advance(timedelta(days=90))
    assert count_due(db, _policy(), clock.now()).job == 1
    assert purge(db, _policy(), clock.now()).job == 1
    with db.session() as session:
        assert [tuple(r) for r in session.execute(select(Job.id, Job.status))] == [(queued, "queued")]


def _customer_body(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    party = _individual(client, headers, "Hal")
    return {"name": "Hal Kept", "engagedParty": {"id": party, "@referredType": "Individual"}}


def test_an_idempotency_key_is_remembered_for_a_day_then_free_again(
    client: TestClient, agent: dict[str, str], db: Database
) -> None:
    body = _customer_body(client, agent)
    headers = {**agent, "Idempotency-Key": "order-desk-42"}
    first = client.post(CUSTOMERS, json=body, headers=headers)
    clock.clock.advance(timedelta(hours=23))
    replay = client.post(CUSTOMERS, json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]

    clock.clock.advance(timedelta(hours=2))  # 25 hours: forgotten even before the purge ran
    other_body = {**body, "name": "Hal Again"}  # a different request is no reuse error any more
    again = client.post(CUSTOMERS, json=other_body, headers=headers)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one() == 1
    replay_again = client.post(CUSTOMERS, json=other_body, headers=headers)
    assert replay_again.json()["id"] == again.json()["id"]


def test_stale_idempotency_records_are_purged(client: TestClient, agent: dict[str, str], db: Database) -> None:
    body = _customer_body(client, agent)
    assert client.post(CUSTOMERS, json=body, headers={**agent, "Idempotency-Key": "k1"}).status_code == 201
    clock.clock.advance(timedelta(hours=20))
    assert client.post(CUSTOMERS, json=body, headers={**agent, "Idempotency-Key": "k2"}).status_code == 201
    clock.clock.advance(timedelta(hours=5))

    assert purge(db, _policy(), clock.now()).idempotency_record == 1
    with db.session() as session:
        assert list(session.execute(select(IdempotencyRecord.key)).scalars()) == ["k2"]


def test_the_retention_job_is_registered_and_runs_on_its_schedule(
    client: TestClient, agent: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_task_modules()
    assert get_task(RETENTION_TASK) is not None
    monkeypatch.setenv("OPENBSS_RETENTION_INTERVAL_SECONDS", "900")
    reset_settings()
    assert PERIODIC[RETENTION_TASK].interval_seconds(get_settings()) == 900


def test_cli_counts_in_a_dry_run_and_then_purges(
    client: TestClient, agent: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _individual(client, agent, "Ida")
    with db.session() as session:
        session.execute(update(OutboxEvent).values(fanned_out=True))
    clock.clock.advance(timedelta(days=31))
    monkeypatch.setenv("OPENBSS_DATABASE_URL", db.url)  # restored after the test; the command sets it
    url = db.url

    dry = CliRunner().invoke(app, ["housekeeping", "purge", "--dry-run", "--database", url])
    assert dry.exit_code == 0, dry.output
    assert "due for deletion" in dry.output and "outbox_event" in dry.output and "process_run" in dry.output
    set_database(db)
    assert _rows(db)["outbox_event"] == 1

    real = CliRunner().invoke(app, ["housekeeping", "purge", "--database", url])
    assert real.exit_code == 0, real.output
    set_database(db)
    assert "deleted" in real.output
    assert _rows(db)["outbox_event"] == 0


def test_oss_inbox_events_go_when_applied_or_failed_long_enough_pending_ones_stay(db: Database) -> None:
    from openbss.oss.models import OssEventRow

    with db.session(write=True) as session:
        for n, status in enumerate(("applied", "failed", "pending")):
            session.add(
                OssEventRow(
                    event_id=f"e{n}",
                    event_name="serviceOrderStateChangeEvent",
                    service_order_id="so-1",
                    body={"eventId": f"e{n}"},
                    status=status,
                    attempts=0,
                    received_at=clock.now(),
                )
            )

    clock.clock.advance(timedelta(days=31))
    assert count_due(db, _policy(), clock.now()).oss_event == 1
    assert purge(db, _policy(), clock.now()).oss_event == 1
    clock.clock.advance(timedelta(days=60))
    assert purge(db, _policy(), clock.now()).oss_event == 1
    with db.session() as session:
        assert list(session.execute(select(OssEventRow.status)).scalars()) == ["pending"]
