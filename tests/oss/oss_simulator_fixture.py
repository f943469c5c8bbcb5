"""Fixtures for tests that need a TMF641 network OSS over real HTTP.

The work is done by :mod:`openbss.oss.simulator_thread` (importable from any
test package without path tricks)::

    from openbss.oss.simulator_thread import running_simulator

    with running_simulator(delay=0.05, failure_rate=0.0, seed=1) as oss:
        ...  # oss.base_url, oss.configure(failure_rate=0.5), oss.force_specification("spec", "fail"),
             # oss.complete(order_id), oss.fail(order_id, item_id), oss.wait_for_state(order_id, "completed")

To use the pytest fixtures below from another package, put in its conftest.py::

    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oss"))
    from oss_simulator_fixture import oss_settings, oss_simulator, openbss_server  # noqa: E402,F401

``oss_simulator``   a running simulator (delay 0.05 s, no failures, seed 1)
``openbss_server``  this openbss app served on a loopback port (the simulator's callbacks reach it)
``oss_settings``    both of the above, with OPENBSS_OSS_URL, OPENBSS_OSS_LISTENER_URL and
                    OPENBSS_OSS_EVENT_SECRET set so that they talk to each other
``event_recorder``  a plain HTTP server that records whatever is POSTed to it
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from openbss.core.db import Database
from openbss.core.settings import Settings, get_settings, reset_settings
from openbss.oss.simulator_thread import LoopbackServer, RunningSimulator, running_simulator

OSS_EVENT_SECRET = "test-oss-event-secret-0123456789"


@pytest.fixture
def oss_simulator() -> Iterator[RunningSimulator]:
    """A TMF641 simulator on a free loopback port: 0.05 s steps, no random failures, seed 1."""
    with running_simulator(delay=0.05, failure_rate=0.0, seed=1, secret=OSS_EVENT_SECRET) as simulator:
        yield simulator


@pytest.fixture
def openbss_server(db: Database) -> Iterator[LoopbackServer]:
    """The openbss app on a free loopback port, on the test database (no embedded worker)."""
    from openbss.app import create_app

    server = LoopbackServer(create_app(database=db))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oss_settings(
    monkeypatch: pytest.MonkeyPatch, oss_simulator: RunningSimulator, openbss_server: LoopbackServer
) -> Settings:
    """Settings that point openbss at the simulator and the simulator's events at openbss."""
    monkeypatch.setenv("OPENBSS_OSS_URL", oss_simulator.base_url)
    monkeypatch.setenv("OPENBSS_OSS_LISTENER_URL", openbss_server.url)
    monkeypatch.setenv("OPENBSS_OSS_EVENT_SECRET", OSS_EVENT_SECRET)
    monkeypatch.setenv("OPENBSS_OSS_TIMEOUT_SECONDS", "5")
    reset_settings()
    return get_settings()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class EventRecorder:
    """An HTTP server on 127.0.0.1 that records every POST; answers 201, or the statuses scripted."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._statuses: list[int] = []
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with recorder._lock:
                    status = recorder._statuses.pop(0) if recorder._statuses else 201
                    if 200 <= status < 300:
                        headers = {name.lower(): value for name, value in self.headers.items()}
                        recorder.received.append(Received(self.path, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/oss") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def fail_next(self, *statuses: int) -> None:
        """Answer the next POSTs with these statuses (and do not record them)."""
        with self._lock:
            self._statuses.extend(statuses)

    def events(self, order_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            bodies = [r.json for r in self.received]
        if order_id is None:
            return bodies
        return [b for b in bodies if b.get("correlationId") == order_id]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met in {timeout}s; received {len(self.received)} event(s)")
            time.sleep(0.01)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def event_recorder() -> Iterator[EventRecorder]:
    recorder = EventRecorder()
    yield recorder
    recorder.close()
