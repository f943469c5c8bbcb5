"""Waiting for the SQLite writer lock without blocking an event loop (see :class:`openbss.core.db.WriterLock`).

A coroutine that needs the writer lock while another process holds it must
not block its event loop in ``flock``: the process would stop answering
requests for as long as the other one writes. Looking again after short
sleeps does not work either. uvloop's timers count whole milliseconds, so a
sleep of a fraction of one returns at once and the loop spins; with sleeps of
a millisecond the process that just let go of the lock takes it again before
the other one looks, and the other one's requests starve.

:class:`LockWaiter` waits in a daemon thread instead: the thread blocks in
``flock`` on the process's own lock descriptor, in the kernel's queue with the
other processes' waiters, and once the kernel grants it the event loop is
told and takes over the lock (:meth:`WriterLock.acquire
<openbss.core.db.WriterLock.acquire>` without blocking: the descriptor holds
it already). A grant that nobody takes over (the waiting coroutine was
cancelled, or its loop closed) is let go again, so no other process waits on
a lock nobody uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import Protocol

__all__ = ["LockWaiter"]


class _KernelLock(Protocol):
    def wait_in_kernel(self) -> bool: ...

    def drop_unadopted(self) -> None: ...


_Request = tuple[asyncio.AbstractEventLoop, "asyncio.Future[bool]"]


class LockWaiter:
    """Takes ``lock``'s ``flock`` for an event loop, in one daemon thread (started on first use)."""

    def __init__(self, lock: _KernelLock) -> None:
        self._lock = lock
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def granted(self) -> bool:
        """Return once this process's descriptor holds the ``flock`` (the caller then takes the lock
        over); whether that meant waiting for another holder."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._start()
        self._requests.put((loop, future))
        return await future

    def _start(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._wait_forever, name="openbss-writer-lock", daemon=True)
                self._thread.start()

    def _wait_forever(self) -> None:
        while True:
            loop, future = self._requests.get()
            try:
                waited = self._lock.wait_in_kernel()
            except OSError as exc:  # e.g. the database was closed meanwhile: the waiter gets the error
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_fail, future, exc)
                continue
            try:
                loop.call_soon_threadsafe(self._hand_over, future, waited)
            except RuntimeError:  # that event loop is closed: nobody takes the lock over
                self._lock.drop_unadopted()

    def _hand_over(self, future: asyncio.Future[bool], waited: bool) -> None:
        if future.done():  # its waiter was cancelled
            self._lock.drop_unadopted()
        else:
            future.set_result(waited)


def _fail(future: asyncio.Future[bool], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
