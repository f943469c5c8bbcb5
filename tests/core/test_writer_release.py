"""core.writer_release.LockWaiter: a thread takes the SQLite writer lock's flock for an event loop."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from openbss.core.db import WriterLock
from openbss.core.writer_release import LockWaiter


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    return tmp_path / "db.writer-lock"


@pytest.fixture
def lock(lock_path: Path) -> Iterator[WriterLock]:
    writer_lock = WriterLock(str(lock_path))
    yield writer_lock
    writer_lock.close()


def _other_process(lock_path: Path) -> int:
    """A descriptor of its own for the lock file, as another process has (flock is per open file)."""
    return os.open(lock_path, os.O_RDWR)


def _free_for_others(lock_path: Path) -> bool:
    fd = _other_process(lock_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of a flock taken here
    return True


def test_a_free_lock_is_granted_at_once_and_taken_over(lock: WriterLock, lock_path: Path) -> None:
    assert asyncio.run(LockWaiter(lock).granted()) is False  # nobody held it
    assert not _free_for_others(lock_path)  # granted to this process, waiting to be taken over
    assert lock.acquire(blocking=False)
    lock.release()
    assert _free_for_others(lock_path)


def test_a_lock_held_elsewhere_is_granted_once_let_go(lock: WriterLock, lock_path: Path) -> None:
    other = _other_process(lock_path)
    fcntl.flock(other, fcntl.LOCK_EX)

    async def scenario() -> tuple[bool, bool]:
        granted = asyncio.ensure_future(LockWaiter(lock).granted())
        await asyncio.sleep(0.05)
        waiting = not granted.done()
        fcntl.flock(other, fcntl.LOCK_UN)
        return waiting, await asyncio.wait_for(granted, 5)

    try:
        waiting, waited = asyncio.run(scenario())
    finally:
        os.close(other)
    assert waiting
    assert waited is True
    assert lock.acquire(blocking=False)
    lock.release()


def test_a_grant_for_a_cancelled_waiter_is_let_go(lock: WriterLock, lock_path: Path) -> None:
    other = _other_process(lock_path)
    fcntl.flock(other, fcntl.LOCK_EX)

    async def scenario() -> bool:
        granted = asyncio.ensure_future(LockWaiter(lock).granted())
        await asyncio.sleep(0.05)
        granted.cancel()
        fcntl.flock(other, fcntl.LOCK_UN)  # the grant comes after the cancellation
        for _ in range(200):
            await asyncio.sleep(0.01)
            if _free_for_others(lock_path):
                return True
        return False

    try:
        assert asyncio.run(scenario())
    finally:
        os.close(other)


def test_a_failing_wait_reaches_the_waiting_coroutine(lock: WriterLock) -> None:
    own = lock._fd
    lock._fd = 1_000_000  # a descriptor that is not open: flock fails (as on a database closed meanwhile)
    try:
        with pytest.raises(OSError) as raised:
            asyncio.run(asyncio.wait_for(LockWaiter(lock).granted(), 5))
        assert raised.value.errno == errno.EBADF  # the wait's own error, not a time-out
    finally:
        lock._fd = own
