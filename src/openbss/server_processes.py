"""Several server processes on one port, each with a listening socket of its own.

uvicorn's ``--workers`` shares one listening socket among its processes, and
an event loop accepts every connection waiting when it wakes up. Clients that
open a few long-lived connections at once (a load generator, an integrator's
connection pool) then often land all on one process while the others idle:
measured with eight connections and two processes, POST customer ran at 590/s
on one busy process in one run and at 860/s on both in the next.

Here each process gets a listening socket of its own, all bound to the port
with ``SO_REUSEPORT``, and the kernel spreads new connections over the
sockets by their address hash, whoever is awake. The parent opens the sockets
before it starts the processes and otherwise only supervises: it restarts a
process that dies (on the same socket) and stops them all on SIGINT/SIGTERM; if the parent
itself is killed, the kernel stops them (``PR_SET_PDEATHSIG``). Before starting them it checks
that nobody else listens on the port (``SO_REUSEPORT`` would otherwise quietly
share it with them).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

__all__ = ["ServerProcesses", "reuse_port_supported"]

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # prctl(2)

RESTART_PAUSE = 1.0  # seconds between restarts of a process that keeps dying


def reuse_port_supported() -> bool:
    """Whether the kernel spreads connections over ``SO_REUSEPORT`` sockets (Linux; on macOS the
    option exists, but the last socket bound gets every connection)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _address(host: str, port: int) -> tuple[socket.AddressFamily, Any]:
    family, _type, _proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return family, address


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def _die_with(parent: int) -> None:
    """Have the kernel send SIGTERM to this process when its parent ends, however it ends (Linux).

    Without it a supervisor killed with SIGKILL would leave its server processes running,
    still listening, with the database open.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


def _serve_one(app: str, factory: bool, sock: socket.socket, options: dict[str, Any], parent: int) -> None:
    """One server process: one uvicorn server on its own socket."""
    import uvicorn

    _die_with(parent)

    config = uvicorn.Config(app, factory=factory, **options)
    uvicorn.Server(config).run(sockets=[sock])


def _run_jobs(parent: int) -> None:
    """The job process beside the server processes: ``openbss worker`` on the environment's database."""
    from openbss.core.db import Database
    from openbss.core.settings import get_settings
    from openbss.jobs.runner import run_worker_forever

    _die_with(parent)
    settings = get_settings()
    run_worker_forever(Database(settings.database_url), settings)


@dataclass
class ServerProcesses:
    """``count`` processes serving the ASGI application ``app`` (an import string) on ``host:port``.

    With ``job_process``, one more process runs the job worker (see
    :func:`openbss.jobs.runner.run_worker_forever`), so that the server
    processes run no job threads: a job thread shares its process's
    interpreter lock with the event loop, and while it holds the SQLite
    writer's turn it waits for that lock between statements.
    """

    app: str
    count: int
    host: str
    port: int
    options: dict[str, Any] = field(default_factory=dict)  # more uvicorn.Config arguments
    factory: bool = False
    job_process: bool = False
    _processes: list[BaseProcess] = field(default_factory=list, init=False)
    _sockets: list[socket.socket] = field(default_factory=list, init=False)
    _stopping: bool = field(default=False, init=False)

    def _start(self, index: int) -> BaseProcess:
        context = multiprocessing.get_context("spawn")
        if index == len(self._sockets):  # the one after the server processes: the jobs
            process = context.Process(target=_run_jobs, args=(os.getpid(),), name="openbss-jobs")
        else:
            process = context.Process(
                target=_serve_one,
                args=(self.app, self.factory, self._sockets[index], self.options, os.getpid()),
                name=f"openbss-server-{index}",
            )
        process.start()
        return process

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM; raises ``OSError`` if the port is taken."""
        probe = _listening_socket(self.host, self.port, reuse_port=False)  # fails if anybody listens there
        probe.close()
        # all sockets listen before any process starts: a connection that arrives while its process
        # is still starting waits in that socket's queue instead of going to the first one ready
        for _ in range(self.count):
            sock = _listening_socket(self.host, self.port, reuse_port=True)
            sock.listen(self.options.get("backlog", 2048))
            self._sockets.append(sock)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._processes = [self._start(index) for index in range(self.count + int(self.job_process))]
            while not self._stopping:
                time.sleep(0.2)
                for index, process in enumerate(self._processes):
                    if process.is_alive() or self._stopping:
                        continue
                    log.warning(
                        "%s (%s) exited with %s; starting it again", process.name, process.pid, process.exitcode
                    )
                    time.sleep(RESTART_PAUSE)
                    self._processes[index] = self._start(index)  # on the same socket: no connection lost
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _shutdown(self) -> None:
        for process in self._processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: uvicorn finishes the requests under way
        deadline = time.monotonic() + 15
        for process in self._processes:
            process.join(max(deadline - time.monotonic(), 0.1))
            if process.is_alive():
                process.kill()
                process.join()
        for sock in self._sockets:
            sock.close()
