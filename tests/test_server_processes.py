"""Several server processes on one port (openbss.server_processes): connections reach all of them,
a process that dies is started again, SIGTERM stops them all, and a taken port is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openbss.bench.servers import free_port

APP = """
import os

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(os.getpid()).encode()})
"""


def _start(
    tmp_path: Path, port: int, count: int = 2, *, job_process: bool = False, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    (tmp_path / "pid_app.py").write_text(APP)
    code = (
        "from openbss.server_processes import ServerProcesses; "
        f"ServerProcesses('pid_app:app', {count}, '127.0.0.1', {port}, {{'log_level': 'warning'}}, "
        f"job_process={job_process}).run()"
    )
    environment = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-c", code], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _pids(port: int, connections: int) -> set[int]:
    """The process ids that answer ``connections`` new connections."""
    seen: set[int] = set()
    for _ in range(connections):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            seen.add(int(client.get("/").text))
    return seen


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the servers did not answer")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    parent = _start(tmp_path, port)
    try:
        _wait_for(port)
        yield parent, port
    finally:
        if parent.poll() is None:
            parent.terminate()
            try:
                parent.wait(timeout=30)
            except subprocess.TimeoutExpired:
                parent.kill()
                parent.wait()


def test_new_connections_reach_every_process(servers: tuple[subprocess.Popen[bytes], int]) -> None:
    parent, port = servers
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while len(seen) < 2 and time.monotonic() < deadline:  # the second process may still be starting
        seen |= _pids(port, 16)
    assert len(seen) == 2
    assert parent.pid not in seen  # the parent only supervises


def test_a_process_that_dies_is_started_again_and_sigterm_stops_all(
    servers: tuple[subprocess.Popen[bytes], int],
) -> None:
    parent, port = servers
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while len(seen) < 2 and time.monotonic() < deadline:
        seen |= _pids(port, 16)
    victim = min(seen)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    after: set[int] = set()
    while len(after - {victim}) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _pids(port, 16)
    assert victim not in after
    assert len(after) == 2  # a new process took the dead one's socket
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 0
    with socket.socket() as probe:  # every process is gone: the port is free again
        probe.bind(("127.0.0.1", port))


def test_a_port_somebody_listens_on_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        parent = _start(tmp_path, port)
        try:
            assert parent.wait(timeout=30) != 0
        finally:
            if parent.poll() is None:
                parent.kill()
        assert parent.stdout is not None
        assert "Address already in use" in parent.stdout.read().decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killing_the_parent_stops_every_process(servers: tuple[subprocess.Popen[bytes], int]) -> None:
    parent, port = servers
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while len(seen) < 2 and time.monotonic() < deadline:
        seen |= _pids(port, 16)
    assert len(seen) == 2
    parent.kill()  # SIGKILL: the supervisor gets no chance to stop them itself
    parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in seen)  # no server left listening with nobody to stop it


def test_a_job_process_runs_the_jobs_beside_the_servers(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    from openbss.core.db import Database
    from openbss.core.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    port = free_port()
    parent = _start(tmp_path, port, job_process=True, env={"OPENBSS_DATABASE_URL": url})
    engine = create_engine(url)
    try:
        _wait_for(port)
        assert len(_pids(port, 20)) == 2  # two server processes; the job process does not listen
        deadline = time.monotonic() + 60
        ran = 0
        while time.monotonic() < deadline and not ran:  # the worker made its schedules and ran the due ones
            with engine.connect() as connection:
                ran = connection.execute(
                    text("SELECT count(*) FROM periodic_schedule WHERE last_run_at IS NOT NULL")
                ).scalar_one()
            time.sleep(0.2)
        assert ran > 0
    finally:
        engine.dispose()
        parent.terminate()
        output = parent.communicate(timeout=30)[0]
    assert parent.returncode == 0, output.decode()
