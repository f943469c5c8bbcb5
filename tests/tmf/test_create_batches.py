"""Creates that arrive together on SQLite are written in one transaction (tmf.create_batches).

Each test runs the application in-process on a SQLite file of its own (so
also in the PostgreSQL pass of the suite, where creates never batch) and
sends its POSTs concurrently, so that they are waiting on the event loop
together when the batch is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from openbss.core import db as db_module
from openbss.core.db import Database, set_database
from openbss.core.errors import Conflict
from openbss.core.migrate import upgrade
from openbss.core.security import create_token, principal_from_header
from openbss.core.settings import get_settings
from openbss.customers.models import CustomerNumberSequence, CustomerRow, DuplicateCandidate
from openbss.customers.numbering import sequence_of
from openbss.customers.service import CustomerHooks
from openbss.domains import resource_type
from openbss.events.models import OutboxEvent
from openbss.parties.models import IndividualRow
from openbss.tmf.create_batches import CreateBatches, create_batches

INDIVIDUALS = "/tmf-api/party/v4/individual"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[tuple[Database, FastAPI]]:
    from openbss.app import create_app

    previous = db_module._current
    database = Database(f"sqlite:///{tmp_path / 'batches.db'}")
    upgrade(database)
    set_database(database)
    try:
        yield database, create_app(database=database)
    finally:
        db_module._current = previous
        database.dispose()


def _headers(**extra: str) -> dict[str, str]:
    token = create_token(get_settings(), role="agent", subject="test-agent")
    return {"Authorization": f"Bearer {token}", **extra}


async def _post_all(
    app: FastAPI, path: str, bodies: list[Any], *, keys: list[str] | None = None
) -> list[httpx.Response]:
    """POST every body at once; ``keys``: an ``Idempotency-Key`` for each."""
    headers = [_headers(**{"Idempotency-Key": k}) for k in keys] if keys else [_headers()] * len(bodies)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return list(
            await asyncio.gather(*(client.post(path, json=b, headers=h) for b, h in zip(bodies, headers, strict=True)))
        )


def _batches(database: Database) -> CreateBatches:
    batches = create_batches(database)
    assert batches is not None  # SQLite
    return batches


def _individual(given: str, family: str) -> dict[str, Any]:
    return {"givenName": given, "familyName": family}


def _customer(party: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or f"{party['givenName']} {party['familyName']}",
        "engagedParty": {"id": party["id"], "@referredType": "Individual"},
    }


def _number(customer: dict[str, Any]) -> int:
    value = next(c["value"] for c in customer["characteristic"] if c["name"] == "customerNumber")
    return sequence_of(value)


def _parties(app: FastAPI, count: int) -> list[dict[str, Any]]:
    bodies = [_individual(f"Given{i}", f"Family{i}") for i in range(count)]
    responses = asyncio.run(_post_all(app, INDIVIDUALS, bodies))
    assert [r.status_code for r in responses] == [201] * count, [r.text for r in responses]
    return [r.json() for r in responses]


def _counter(database: Database) -> int:
    """Where the customer-number counter stands (the last number handed out)."""
    with database.session() as session:
        return int(session.execute(select(CustomerNumberSequence.value)).scalar_one())


def _count(database: Database, model: Any) -> int:
    with database.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_concurrent_creates_share_one_transaction(sqlite_app: tuple[Database, FastAPI]) -> None:
    database, app = sqlite_app
    parties = _parties(app, 5)
    batches = _batches(database)
    before = batches.batches
    responses = asyncio.run(_post_all(app, CUSTOMERS, [_customer(p) for p in parties]))
    assert [r.status_code for r in responses] == [201] * 5
    assert batches.batches == before + 1  # the five creates went in one transaction
    assert batches.largest >= 5
    created = [r.json() for r in responses]
    assert len({c["id"] for c in created}) == 5
    for response, body in zip(responses, created, strict=True):
        assert response.headers["Location"] == body["href"]
        assert response.headers["ETag"] == '"1"'
        assert body["engagedParty"]["id"] in {p["id"] for p in parties}
    # the customer numbers follow the order the creates were sent in, without gaps
    numbers = [_number(c) for c in created]
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert _counter(database) == numbers[-1]  # taken in one statement, none left over
    with database.session() as session:
        stored = session.execute(
            select(CustomerRow.id, CustomerRow.version, CustomerRow.customer_number).where(
                CustomerRow.id.in_([c["id"] for c in created])
            )
        ).all()
        # as inserted: the number the hook added is in its column, and no UPDATE followed the INSERT
        by_id = {c["id"]: c for c in created}
        assert (
            sorted((r.version, _number(by_id[r.id]) == sequence_of(r.customer_number)) for r in stored)
            == [(1, True)] * 5
        )
        events = session.execute(select(OutboxEvent.resource_id).where(OutboxEvent.event_type == "CustomerCreateEvent"))
        assert sorted(e[0] for e in events) == sorted(c["id"] for c in created)


def test_a_refused_create_leaves_the_others_of_its_batch(sqlite_app: tuple[Database, FastAPI]) -> None:
    database, app = sqlite_app
    parties = _parties(app, 2)
    bodies = [_customer(parties[0]), {"name": "no party", "engagedParty": {"id": "missing"}}, _customer(parties[1])]
    batches = _batches(database)
    before = batches.batches
    responses = asyncio.run(_post_all(app, CUSTOMERS, bodies))
    assert [r.status_code for r in responses] == [201, 400, 201], [r.text for r in responses]
    error = responses[1].json()
    assert error["@type"] == "Error"
    assert "engagedParty" in error["message"]
    assert batches.batches == before + 1
    assert _count(database, CustomerRow) == 2
    numbers = sorted(_number(responses[i].json()) for i in (0, 2))
    assert numbers[1] == numbers[0] + 1
    assert _counter(database) == numbers[1]  # the refused create took no number


def test_a_create_failing_while_writing_fails_alone(
    sqlite_app: tuple[Database, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the batch has written rolls all of it back; the others are written again, alone."""
    database, app = sqlite_app
    parties = _parties(app, 3)
    original = CustomerHooks.after_write

    def after_write(self: CustomerHooks, ctx: Any, row: Any, old: Any) -> None:
        original(self, ctx, row, old)
        if row.name == "Refused Later":
            raise Conflict("refused after the row was written", field="name", rule="test.lateRefusal")

    monkeypatch.setattr(CustomerHooks, "after_write", after_write)
    bodies = [_customer(parties[0]), _customer(parties[1], name="Refused Later"), _customer(parties[2])]
    responses = asyncio.run(_post_all(app, CUSTOMERS, bodies))
    assert [r.status_code for r in responses] == [201, 409, 201]
    assert responses[1].json()["message"] == "refused after the row was written"
    with database.session() as session:
        names = sorted(n for (n,) in session.execute(select(CustomerRow.name)))
        events = _count(database, OutboxEvent)
    assert names == sorted([bodies[0]["name"], bodies[2]["name"]])
    assert events == 3 + 2  # three parties, two customers: nothing of the refused one
    numbers = sorted(_number(r.json()) for r in (responses[0], responses[2]))
    assert numbers[1] == numbers[0] + 1  # the rolled-back batch gave its numbers back
    assert _counter(database) == numbers[1]


def test_a_batch_of_several_kinds_gives_back_the_customer_numbers_it_did_not_use(
    sqlite_app: tuple[Database, FastAPI],
) -> None:
    """The first customer of a batch takes a number for every create of the batch; the batch's
    parties use none, and the unused ones go back to the counter when the batch commits."""
    database, app = sqlite_app
    parties = _parties(app, 2)
    batches = _batches(database)
    before = batches.batches

    async def mixed() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            sent = [
                client.post(CUSTOMERS, json=_customer(parties[0]), headers=_headers()),
                client.post(INDIVIDUALS, json=_individual("Ada", "Byron"), headers=_headers()),
                client.post(CUSTOMERS, json=_customer(parties[1]), headers=_headers()),
                client.post(INDIVIDUALS, json=_individual("Mary", "Somerville"), headers=_headers()),
            ]
            return list(await asyncio.gather(*sent))

    responses = asyncio.run(mixed())
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert batches.batches == before + 1
    numbers = [_number(responses[i].json()) for i in (0, 2)]
    assert numbers[1] == numbers[0] + 1
    assert _counter(database) == numbers[1]  # two of the four numbers taken were given back
    (party,) = _parties(app, 1)
    (next_one,) = asyncio.run(_post_all(app, CUSTOMERS, [_customer(party)]))
    assert _number(next_one.json()) == numbers[1] + 1  # no gap


def test_duplicates_within_one_batch_are_found(sqlite_app: tuple[Database, FastAPI]) -> None:
    database, app = sqlite_app
    (party,) = _parties(app, 1)
    responses = asyncio.run(_post_all(app, CUSTOMERS, [_customer(party), _customer(party)]))
    assert [r.status_code for r in responses] == [201, 201]
    first, second = (r.json()["id"] for r in responses)
    with database.session() as session:
        pairs = {(p.customer_id, p.candidate_id) for p in session.execute(select(DuplicateCandidate)).scalars()}
    assert pairs == {(first, second), (second, first)}


def test_creates_with_an_idempotency_key_are_not_batched(sqlite_app: tuple[Database, FastAPI]) -> None:
    database, app = sqlite_app
    parties = _parties(app, 2)
    batches = _batches(database)
    before = batches.batches
    responses = asyncio.run(_post_all(app, CUSTOMERS, [_customer(p) for p in parties], keys=["k-0", "k-1"]))
    assert [r.status_code for r in responses] == [201, 201]
    assert batches.batches == before
    again = asyncio.run(_post_all(app, CUSTOMERS, [_customer(parties[0])], keys=["k-0"]))
    assert again[0].headers.get("Idempotent-Replayed") == "true"
    assert again[0].json()["id"] == responses[0].json()["id"]


def test_creates_waiting_for_a_cancelled_batch_are_cancelled_too(sqlite_app: tuple[Database, FastAPI]) -> None:
    """A server shutting down cancels the batch task; the requests waiting for it must not wait for ever."""
    database, _app = sqlite_app
    batches = _batches(database)
    holding, release = threading.Event(), threading.Event()

    def job_writing() -> None:  # another thread of the process holds the writer lock: the batch waits for it
        with database.session(write=True) as session:
            session.execute(text("CREATE TABLE busy (x INTEGER)"))
            holding.set()
            release.wait(10)

    async def scenario() -> tuple[bool, bool]:
        principal = principal_from_header(get_settings(), _headers()["Authorization"])
        body = _individual("Ada", "Lovelace")
        waiter = asyncio.ensure_future(batches.create(resource_type("TMF632.individual"), principal, "http://t", body))
        await asyncio.sleep(0.05)
        still_waiting = not waiter.done()
        draining = batches._draining
        assert draining is not None
        draining.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), 5)
        except asyncio.CancelledError:
            return still_waiting, True
        except TimeoutError:
            return still_waiting, False  # left waiting
        return still_waiting, False

    thread = threading.Thread(target=job_writing)
    thread.start()
    holding.wait(10)
    try:
        still_waiting, cancelled = asyncio.run(scenario())
    finally:
        release.set()
        thread.join()
    assert still_waiting  # the batch was waiting for the writer lock
    assert cancelled
    assert _count(database, IndividualRow) == 0


class _OtherProcess:
    """Holds the database's cross-process writer lock the way another server process does: an
    exclusive ``flock`` on a descriptor of its own for ``<file>.writer-lock``."""

    def __init__(self, database: Database) -> None:
        path = database.engine.url.database
        assert path is not None
        self._fd = os.open(f"{path}.writer-lock", os.O_RDWR)

    def __enter__(self) -> _OtherProcess:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def __exit__(self, *_exc: object) -> None:
        self.release()
        os.close(self._fd)


def test_a_batch_waits_for_another_process_without_blocking_the_loop(sqlite_app: tuple[Database, FastAPI]) -> None:
    """While another process writes, the event loop keeps serving and the creates arriving join the batch."""
    database, app = sqlite_app
    parties = _parties(app, 4)
    batches = _batches(database)
    before = batches.batches

    async def scenario(other: _OtherProcess) -> tuple[list[httpx.Response], int, bool]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            first = asyncio.ensure_future(client.post(CUSTOMERS, json=_customer(parties[0]), headers=_headers()))
            await asyncio.sleep(0.05)
            read = await client.get(f"{INDIVIDUALS}/{parties[0]['id']}", headers=_headers())  # served meanwhile
            later = [
                asyncio.ensure_future(client.post(CUSTOMERS, json=_customer(p), headers=_headers()))
                for p in parties[1:]
            ]
            await asyncio.sleep(0.05)
            still_waiting = not first.done() and not any(f.done() for f in later)
            other.release()
            return [await first, *(await asyncio.gather(*later))], read.status_code, still_waiting

    with _OtherProcess(database) as other:
        safety = threading.Timer(5, other.release)  # were the loop blocked on the lock, it would free it
        safety.start()
        try:
            responses, read_status, still_waiting = asyncio.run(scenario(other))
        finally:
            safety.cancel()
    assert read_status == 200
    assert still_waiting  # nothing was written while the other process held the lock
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert batches.batches == before + 1  # the three later creates joined the waiting one
    numbers = [_number(r.json()) for r in responses]
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    assert _count(database, CustomerRow) == 4


def test_cancelling_a_batch_waiting_for_another_process_cancels_its_creates(
    sqlite_app: tuple[Database, FastAPI],
) -> None:
    database, _app = sqlite_app
    batches = _batches(database)

    async def scenario() -> tuple[bool, bool]:
        principal = principal_from_header(get_settings(), _headers()["Authorization"])
        body = _individual("Grace", "Hopper")
        waiter = asyncio.ensure_future(batches.create(resource_type("TMF632.individual"), principal, "http://t", body))
        await asyncio.sleep(0.05)
        prepared_and_waiting = not waiter.done() and not batches._waiting  # taken into the batch
        draining = batches._draining
        assert draining is not None
        draining.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), 5)
        except asyncio.CancelledError:
            return prepared_and_waiting, True
        except TimeoutError:
            return prepared_and_waiting, False
        return prepared_and_waiting, False

    with _OtherProcess(database):
        prepared_and_waiting, cancelled = asyncio.run(scenario())
    assert prepared_and_waiting
    assert cancelled
    assert _count(database, IndividualRow) == 0
    # the waiting thread got the lock once the other process let go, after the loop had closed:
    # it let go again, so the other processes are not kept waiting for a lock nobody uses
    assert _lock_comes_free(database)


def _lock_comes_free(database: Database, within: float = 5.0) -> bool:
    """Whether another process could take the writer lock within ``within`` seconds."""
    path = database.engine.url.database
    assert path is not None
    fd = os.open(f"{path}.writer-lock", os.O_RDWR)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            fcntl.flock(fd, fcntl.LOCK_UN)
            return True
        return False
    finally:
        os.close(fd)


def test_a_lock_granted_to_a_cancelled_batch_is_let_go(sqlite_app: tuple[Database, FastAPI]) -> None:
    """The batch is cancelled while its thread waits for the lock; the grant that follows, on a
    loop that still runs, is handed back instead of being kept by nobody."""
    database, _app = sqlite_app
    batches = _batches(database)
    other = _OtherProcess(database)

    async def scenario() -> tuple[bool, bool]:
        principal = principal_from_header(get_settings(), _headers()["Authorization"])
        body = _individual("Emmy", "Noether")
        waiter = asyncio.ensure_future(batches.create(resource_type("TMF632.individual"), principal, "http://t", body))
        await asyncio.sleep(0.05)
        draining = batches._draining
        assert draining is not None
        draining.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        other.release()  # the waiting thread gets the lock now and hands it to the loop
        free = await asyncio.to_thread(_lock_comes_free, database)
        return waiter.cancelled(), free

    with other:
        cancelled, free = asyncio.run(scenario())
    assert cancelled
    assert free
    assert _count(database, IndividualRow) == 0


def test_postgresql_creates_do_not_batch() -> None:
    database = Database("postgresql://nobody@127.0.0.1:1/none")  # no connection is made
    try:
        assert create_batches(database) is None
    finally:
        database.dispose()
