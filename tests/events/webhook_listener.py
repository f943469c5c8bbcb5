"""A real HTTP listener that records webhook deliveries (used by the dispatcher tests)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from polling import eventually

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
PARTY = "/tmf-api/party/v4"

Subscribe = Callable[..., str]
"""``subscribe(callback, query=None, base=PARTY) -> subscription id`` (a fixture)."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return str(self.json["eventId"])


class Listener:
    """An HTTP server on 127.0.0.1 that records every POST and answers as scripted (default 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._hold_after: int | None = None
        self.holding = threading.Event()
        self._release = threading.Event()
        self.delay_seconds = 0.0
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                listener._handle(self, body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._lock:
            hold = self._hold_after is not None and len(self.accepted) >= self._hold_after
            if hold:
                self._hold_after = None
            script = self._scripts.get(handler.path)
            status = script.pop(0) if script else 200
        if hold:  # keep the sender waiting; it is killed meanwhile, so this one never counts
            self.holding.set()
            self._release.wait(30)
            status = 503
        elif self.delay_seconds:
            time.sleep(self.delay_seconds)
        with self._lock:
            headers = {name.lower(): value for name, value in handler.headers.items()}
            self.received.append(Received(handler.path, headers, body, status))
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        """Answer the next requests to ``path`` with ``statuses`` in turn, then 200."""
        with self._lock:
            self._scripts[path] = list(statuses)

    def hold_after(self, accepted: int) -> None:
        """Hold the request that comes after ``accepted`` accepted ones until :meth:`release`."""
        self._hold_after = accepted

    def release(self) -> None:
        self._release.set()

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        return eventually(condition, timeout)

    def close(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
