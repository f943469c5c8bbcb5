"""Waking an event loop when the SQLite writer lock is let go (see :class:`openbss.core.db.WriterLock`).

A coroutine that needs the writer lock while another process holds it must
not block its event loop in ``flock``: the process would stop answering
requests for as long as the other one writes. Looking again after short
sleeps does not work well either: uvloop's timers count whole milliseconds,
so a sleep of a fraction of one returns at once and the loop spins, and a
sleep of one millisecond or more leaves the lock unused for most of it.

:class:`ReleaseWatcher` waits in a daemon thread instead: the thread blocks
in ``flock`` on a descriptor of its own for the lock file, which the kernel
grants the moment the holder (another process, or another thread of this
one) lets go; the thread lets go at once too and resolves the future the
coroutine awaits. It takes nothing: the coroutine then tries the lock
without blocking, and waits again if someone else was quicker.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import queue
import threading

__all__ = ["ReleaseWatcher"]

_Request = tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class ReleaseWatcher:
    """Tells event loops when the lock file ``path`` is free (one daemon thread, started on first use)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def released(self) -> None:
        """Return once nobody holds the lock (at that moment; it may be taken again at once)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._start()
        self._requests.put((loop, future))
        await future

    def _start(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._watch, name="openbss-writer-release", daemon=True)
                self._thread.start()

    def _watch(self) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                loop, future = self._requests.get()
                fcntl.flock(fd, fcntl.LOCK_EX)  # granted once the holder lets go
                fcntl.flock(fd, fcntl.LOCK_UN)
                with contextlib.suppress(RuntimeError):  # that event loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(_resolve, future)
        finally:
            os.close(fd)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():  # its waiter may have been cancelled
        future.set_result(None)
