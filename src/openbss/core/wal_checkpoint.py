"""SQLite checkpoints in a thread of their own instead of inside a writer's commit.

In WAL mode every commit appends pages to the write-ahead log, and by default
the commit that takes the log past 1,000 pages also copies the log back into
the database file and syncs it (an automatic checkpoint). That commit then
takes several milliseconds longer, while it holds the writer's turn, so every
writer queued behind it waits too.

A server process runs a :class:`WalCheckpointer` instead: its connections are
opened with ``wal_autocheckpoint=0`` (see :meth:`Database.start_background_checkpoints
<openbss.core.db.Database.start_background_checkpoints>`), and a daemon thread
checkpoints every ``interval`` seconds, in two passes:

1. A ``PASSIVE`` checkpoint beside the writers. It never blocks readers or
   writers, and the driver releases the interpreter lock while SQLite copies
   and syncs, so the bulk of the copying runs on another core.
2. Under a steady stream of writes the first pass took long enough for many
   more pages to arrive; more passes beside the writers follow (at most
   ``MAX_UNLOCKED_PASSES``), each shorter than the one before, until one finds
   at most ``FEW_PAGES`` new pages.
3. Once the log holds ``RESTART_LOG_PAGES`` pages, a last ``PASSIVE`` pass
   while holding the writer's turn
   (``writer_turn``): with no write transaction under way, it copies the few
   pages committed during the previous pass, and the next writer starts the
   log again from its beginning. It is skipped when nothing was written since
   the last one. It costs writers about its pages' sync (measured here: 13 µs
   a page; 1,500 pages, what 2 server processes commit during one first pass
   at 100,000 customers, held them off for 25 to 30 ms every 0.2 s).

The second pass matters. The log restarts only when a write transaction
begins while every page of the log is copied back. Under a steady stream of
writes an unlocked checkpoint always ends while some transaction is under
way, which then appends to the log instead of restarting it; the log never
restarts and grows by every
commit's pages (hundreds of megabytes a minute at a few hundred creates per
second). Writing past the end of a growing file costs the kernel new blocks
to allocate and zero, about a third of a create's CPU when it was measured.
A restarting log is overwritten in place, in pages the kernel already holds.
The second pass holds the turn only for the pages written during the first
(a millisecond or two).

One checkpointer per database file works at a time: with several server
processes, each starts one, and the one that holds an exclusive ``flock`` of
``<file>.checkpoint-lock`` does the passes while the others only try to take
it over each interval (when its process ends, the kernel frees the lock). Two
checkpointers would each take the writers' turn for their second pass.

The same thread keeps the query planner's statistics up with the growing
tables every :data:`STATISTICS_INTERVAL` seconds
(:mod:`openbss.core.sqlite_statistics`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from openbss.core.sqlite_statistics import StatisticsKeeper

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 0.2
"""Seconds between two checkpoints (a checkpoint with nothing to copy costs a few microseconds)."""

RESTART_LOG_PAGES = 32_768
"""The locked pass waits until the log holds this many pages (128 MiB of 4 KiB pages).

Under light load a log restarts by itself (a checkpoint finds no writer under
way), and under a steady stream it restarts once it is this long: the locked
pass holds the writers off for about 20 ms at a few hundred creates a second
(its syncs), so it runs every half second or so instead of at every
checkpoint, and the log's file stops growing at about this size."""

FEW_PAGES = 256
"""A pass that found at most this many new pages in the log is followed by the locked pass."""

MAX_UNLOCKED_PASSES = 4
"""Passes beside the writers before the locked one, at most (each takes less time than the one before)."""

STATISTICS_INTERVAL = 5.0
"""Seconds between two looks for tables whose planner statistics are due."""
LARGE_LOG_PAGES = 50_000
"""A log this many pages long after a checkpoint is logged: readers are holding it back."""


@dataclass(frozen=True)
class CheckpointResult:
    busy: bool  # another checkpoint was running, or a reader/writer kept it from finishing
    log_pages: int
    checkpointed_pages: int


class WalCheckpointer:
    """A daemon thread that checkpoints the SQLite database at ``path`` every ``interval`` seconds."""

    def __init__(
        self,
        path: str,
        *,
        interval: float = DEFAULT_INTERVAL,
        writer_turn: Callable[[], AbstractContextManager[object]] | None = None,
        restart_log_pages: int = RESTART_LOG_PAGES,
        statistics_interval: float | None = STATISTICS_INTERVAL,
    ) -> None:
        self.path = path
        self.interval = interval
        self.restart_log_pages = restart_log_pages
        """The locked pass runs once the log is at least this long (1: whenever it is not empty)."""
        self.writer_turn = writer_turn or nullcontext
        """Holds the writers of the database off for the second pass (the process's writer lock)."""
        self.statistics = StatisticsKeeper(path, self.writer_turn) if statistics_interval is not None else None
        self.statistics_interval = statistics_interval or 0.0
        self._statistics_due = 0.0  # time.monotonic() of the next look; the first pass looks at once
        self.checkpoints = 0
        self.pages_copied = 0
        self.tail_passes = 0
        """Second passes run while holding the writer's turn."""
        self._settled_log_pages = -1
        self._leader_fd: int | None = None  # open while this checkpointer is the one working on the file
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="openbss-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self, *, final: bool = True) -> None:
        """Stop the thread; with ``final``, one last passive checkpoint."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        if final:
            try:
                self._checkpoint("PASSIVE")
            except sqlite3.Error as exc:  # a last checkpoint is a nicety; the next opener recovers the log
                log.warning("final WAL checkpoint of %s failed: %s", self.path, exc)

    def checkpoint(self) -> CheckpointResult:
        """One passive checkpoint now (the thread's first pass).

        While the thread is running, its own checkpoint may be under way and this one then
        reports ``busy``; stop the thread first (``stop(final=False)``) for a checkpoint by hand.
        """
        return self._checkpoint("PASSIVE")

    def _checkpoint(self, mode: str) -> CheckpointResult:
        connection = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        try:
            return self._checkpoint_on(connection, mode)
        finally:
            connection.close()

    def _checkpoint_on(self, connection: sqlite3.Connection, mode: str) -> CheckpointResult:
        row = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        result = CheckpointResult(busy=bool(row[0]), log_pages=int(row[1]), checkpointed_pages=int(row[2]))
        self.checkpoints += 1
        self.pages_copied += max(result.checkpointed_pages, 0)
        return result

    def _catch_up(self, connection: sqlite3.Connection) -> CheckpointResult:
        """The passes of the module docstring; the result of the last one run."""
        result = self._checkpoint_on(connection, "PASSIVE")
        if result.log_pages >= self.restart_log_pages and result.log_pages != self._settled_log_pages:
            # the locked pass costs about its pages' sync: first catch up beside the writers until
            # a pass finds only a few pages new (each pass takes less time, so fewer come in)
            for _ in range(MAX_UNLOCKED_PASSES):
                previous = result.log_pages
                result = self._checkpoint_on(connection, "PASSIVE")
                if result.busy or result.log_pages - previous <= FEW_PAGES:
                    break
            with self.writer_turn():
                result = self._checkpoint_on(connection, "PASSIVE")
            self.tail_passes += 1
            # until a writer appends to (or restarts) the log, another locked pass would find nothing to do
            self._settled_log_pages = result.log_pages if result.checkpointed_pages == result.log_pages else -1
        return result

    def _keep_statistics(self, connection: sqlite3.Connection) -> None:
        if self.statistics is None or time.monotonic() < self._statistics_due:
            return
        self._statistics_due = time.monotonic() + self.statistics_interval
        try:
            self.statistics.refresh(connection)
        except (sqlite3.Error, OSError) as exc:
            log.warning("refreshing the planner statistics of %s failed: %s", self.path, exc)

    @property
    def leading(self) -> bool:
        """Whether this checkpointer is the one working on the file (see the module docstring)."""
        return self._leader_fd is not None

    def _lead(self) -> bool:
        if self._leader_fd is not None:
            return True
        fd = os.open(f"{self.path}.checkpoint-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._leader_fd = fd
        return True

    def _step_down(self) -> None:
        fd, self._leader_fd = self._leader_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor frees the flock

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                if not self._lead():
                    continue
                try:
                    result = self._catch_up(connection)
                except sqlite3.Error as exc:
                    log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
                    continue
                behind = result.log_pages - result.checkpointed_pages
                if behind > LARGE_LOG_PAGES and not self._warned:
                    log.warning(
                        "the WAL of %s holds %d pages not yet checkpointed: a long reader is holding it back",
                        self.path,
                        behind,
                    )
                self._warned = behind > LARGE_LOG_PAGES
                self._keep_statistics(connection)
        finally:
            connection.close()
            self._step_down()
