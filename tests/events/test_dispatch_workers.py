"""The dispatcher inside real workers: separate OS processes killed mid-way, and embedded workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from webhook_listener import PARTY, Listener, Subscribe

import openbss
from openbss.core import clock
from openbss.core.clock_store import save_offset
from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.events.models import EventDelivery, OutboxEvent
from openbss.jobs.runner import EmbeddedWorker

SOURCE_ROOT = Path(openbss.__file__).resolve().parents[1]


class WorkerProcesses:
    """``openbss worker`` processes against the test database; logs kept for failure reports."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        log = (self.log_dir / f"{name}.log").open("wb")
        command = [sys.executable, "-c", "from openbss.cli import app; app()", "worker",
                   "--database", self.database_url, "--name", name]  # fmt: skip
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.log_dir.glob("*.log"))

    def kill_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(10)


@pytest.fixture
def workers(db: Database, tmp_path: Path) -> Iterator[WorkerProcesses]:
    processes = WorkerProcesses(db.url, tmp_path)
    yield processes
    processes.kill_all()


def _create_people(client: TestClient, headers: dict[str, str], count: int) -> None:
    for n in range(count):
        body = {"givenName": f"Person{n}", "familyName": "Many"}
        assert client.post(f"{PARTY}/individual", json=body, headers=headers).status_code == 201


def _event_ids(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.execute(select(OutboxEvent.event_id).order_by(OutboxEvent.seq)).scalars())


def _statuses(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.execute(select(EventDelivery.status)).scalars())


def test_killed_worker_resumes_without_loss_or_duplicates(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    workers: WorkerProcesses,
) -> None:
    total = 20
    subscribe(listener.url("/crash"))
    _create_people(client, agent, total)
    expected = _event_ids(db)
    assert len(expected) == total
    listener.hold_after(6)  # the 7th request stays unanswered until the worker sending it is dead

    first = workers.start("first")
    assert listener.holding.wait(90), workers.logs()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    listener.release()  # the 7th request now gets a 503 on a dead connection: it was never accepted
    assert len(listener.accepted) == 6

    # the dead worker's leases (dispatch schedule, delivery in flight) expire; new workers adopt the time
    clock.clock.advance(timedelta(minutes=10))
    with db.session() as session:
        save_offset(session)
    second, third = workers.start("second"), workers.start("third")
    assert listener.wait_until(lambda: len(listener.accepted) >= total, 90), workers.logs()
    time.sleep(0.5)  # a duplicate, if any, would arrive now
    for process in (second, third):
        process.send_signal(signal.SIGTERM)
    assert [second.wait(20), third.wait(20)] == [0, 0], workers.logs()

    delivered = [r.event_id for r in listener.accepted]
    assert len(delivered) == total
    assert sorted(delivered) == sorted(expected)
    assert delivered[:6] == expected[:6]  # in event order while the subscriber answers
    assert _statuses(db) == ["delivered"] * total


def test_two_embedded_workers_deliver_each_event_once(
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    client: TestClient,
    agent: dict[str, str],
) -> None:
    total = 15
    subscribe(listener.url("/one"))
    subscribe(listener.url("/two"))
    pair = [EmbeddedWorker(db, dispatch_settings), EmbeddedWorker(db, dispatch_settings)]
    for worker in pair:
        worker.start()
    try:
        _create_people(client, agent, total)
        assert listener.wait_until(lambda: len(listener.accepted) >= 2 * total, 90)
        time.sleep(0.3)
    finally:
        for worker in pair:
            worker.stop(10)
    sent = [(r.path, r.event_id) for r in listener.received]
    assert len(sent) == 2 * total
    assert len(set(sent)) == 2 * total


def test_the_server_with_its_embedded_worker_delivers_events(
    db: Database, listener: Listener, subscribe: Subscribe, dispatch_settings: Settings, agent: dict[str, str]
) -> None:
    from openbss.app import create_app

    subscribe(listener.url("/served"))
    with TestClient(create_app(dispatch_settings, db, start_worker=True)) as served:
        _create_people(served, agent, 2)
        assert listener.wait_until(lambda: len(listener.accepted) == 2, 90)
    assert [r.json["eventType"] for r in listener.accepted] == ["IndividualCreateEvent"] * 2
