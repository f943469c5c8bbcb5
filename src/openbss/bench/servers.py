"""Start the servers under test as subprocesses, and watch how much CPU they use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO

import httpx

__all__ = [
    "CpuMeter",
    "Server",
    "background_processes",
    "busy_cores",
    "free_port",
    "openbss_server",
    "starlette_ceiling",
]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc); 0 where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append(int(entry))
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (the worker processes of a server)."""
    return _process_cpu(pid) + sum(_process_cpu(child) for child in _children(pid))


def database_backends_cpu(database: str) -> float:
    """CPU seconds of the local PostgreSQL backends serving ``database`` (0 when there are none)."""
    total = 0.0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # a backend's process title: "postgres: 15/main: <user> <database> <client> <state>"
        if title.startswith("postgres:") and f" {database} " in title:
            total += _process_cpu(int(entry))
    return total


@dataclass(frozen=True)
class MachineTimes:
    """CPU seconds of the whole machine since boot (Linux ``/proc/stat``), all cores together."""

    busy: float  # running something on this machine (user, system, interrupts)
    total: float  # busy + idle + stolen
    stolen: float  # wanted to run, but the hypervisor gave the core to another guest ("steal")


def machine_times(cpu_line: str) -> MachineTimes:
    """The times of the ``cpu`` line of ``/proc/stat`` (user nice system idle iowait irq softirq steal ...,
    in clock ticks; guest time is already inside user time)."""
    values = [int(v) for v in cpu_line.split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    stolen = values[7] if len(values) > 7 else 0
    total = sum(values[:8])
    return MachineTimes((total - idle - stolen) / _TICKS, total / _TICKS, stolen / _TICKS)


def _machine_cpu() -> MachineTimes:
    try:
        with open("/proc/stat") as stat:
            return machine_times(stat.readline())
    except OSError:
        return MachineTimes(0.0, 0.0, 0.0)


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores other processes keep busy right now (measured over ``seconds``)."""
    before = _machine_cpu()
    time.sleep(seconds)
    after = _machine_cpu()
    spent = after.total - before.total
    return (after.busy - before.busy) / spent * (os.cpu_count() or 1) if spent else 0.0


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return tree_cpu(self.process.pid)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]


class CpuMeter:
    """CPU use of a server process, its PostgreSQL backends and the whole machine between start() and stop().

    Shares are in cores busy: 1.0 is one core fully used. ``stolen_share`` is
    the CPU the machine's hypervisor gave to other guests while this one
    wanted it (Linux "steal" time): on a shared virtual machine, a scenario
    that lost much of it measured less than the machine can do.
    """

    def __init__(self, server: Server, postgres_database: str | None = None, *, also: Sequence[int] = ()) -> None:
        self.server = server
        self.postgres_database = postgres_database
        self.also = tuple(also)  # more processes counted with the server (separate job workers)
        self.started = self.server_cpu = self.database_cpu = 0.0
        self.machine = MachineTimes(0.0, 0.0, 0.0)
        self.server_share = self.machine_share = self.database_share = self.stolen_share = 0.0

    def _server_cpu(self) -> float:
        return self.server.cpu_seconds() + sum(tree_cpu(pid) for pid in self.also)

    def _database_cpu(self) -> float:
        return database_backends_cpu(self.postgres_database) if self.postgres_database else 0.0

    def start(self) -> None:
        self.started = time.perf_counter()
        self.server_cpu = self._server_cpu()
        self.database_cpu = self._database_cpu()
        self.machine = _machine_cpu()

    def stop(self) -> None:
        wall = time.perf_counter() - self.started
        now = _machine_cpu()
        self.server_share = (self._server_cpu() - self.server_cpu) / wall if wall else 0.0
        self.database_share = (self._database_cpu() - self.database_cpu) / wall if wall else 0.0
        spent = now.total - self.machine.total
        # share of all cores, as a number of cores busy (2.0 = two cores fully used)
        cores = os.cpu_count() or 1
        self.machine_share = (now.busy - self.machine.busy) / spent * cores if spent else 0.0
        self.stolen_share = (now.stolen - self.machine.stolen) / spent * cores if spent else 0.0


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.base_url + path, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f} s:\n{server.output()}")


def _wait_all_ready(server: Server, path: str, processes: int, timeout: float) -> None:
    """With several processes, one answering is not enough: each has a socket of its own (see
    openbss.server_processes), and a connection the kernel gives a process still starting waits.
    Wait until many new connections in a row are answered at once."""
    if processes < 2:
        return
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 8 * processes:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name}: not every process answered within {timeout:.0f} s")
        try:
            httpx.get(server.base_url + path, timeout=0.5)
            answered += 1
        except httpx.HTTPError:
            answered = 0
            time.sleep(0.2)


@contextmanager
def _run(
    name: str, command: list[str], env: dict[str, str], port: int, ready_path: str, processes: int = 1
) -> Iterator[Server]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(name, port, process, log)
        try:
            _wait_ready(server, ready_path, timeout=60)
            _wait_all_ready(server, ready_path, processes, timeout=60)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def background_processes(
    name: str, command: list[str], env: dict[str, str], count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` processes running ``command`` (``openbss worker``) until the block ends; a process
    that exited before the end fails the block with its output."""
    with ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(count)]
        processes = [subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs]
        try:
            yield processes
            for process, log in zip(processes, logs, strict=True):
                if process.poll() is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{output}")
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def openbss_server(database_url: str, workers: int = 1) -> Iterator[Server]:
    """``openbss serve`` on a free port, authentication on, on ``database_url``, in ``workers`` processes."""
    port = free_port()
    env = {**os.environ, "OPENBSS_AUTH": "on", "OPENBSS_DATABASE_URL": database_url}
    command = [
        sys.executable,
        "-c",
        "from openbss.cli import app; app(prog_name='openbss')",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database_url,
        "--no-migrate",
        "--workers",
        str(workers),
    ]
    with _run("openbss serve", command, env, port, "/health", workers) as server:
        yield server


@contextmanager
def starlette_ceiling(workers: int = 1) -> Iterator[Server]:
    """The bare Starlette app of :mod:`openbss.bench.ceiling` on a free port, in ``workers`` processes."""
    port = free_port()
    command = [sys.executable, "-m", "openbss.bench.ceiling", "--port", str(port), "--workers", str(workers)]
    with _run("bare Starlette", command, dict(os.environ), port, "/health", workers) as server:
        yield server
