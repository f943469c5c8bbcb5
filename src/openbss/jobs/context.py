"""What a running task sees: its payload, its checkpoint, the database, and its lease.

A claim (of a queued job or of a periodic schedule) is held under a lease that
a :class:`LeaseKeeper` renews while the task runs (one thread of the process
renews the leases of all its running tasks). If renewal fails
(the lease expired and another worker took the work over) the context says so
through :meth:`JobContext.should_stop`, and :meth:`JobContext.checkpoint`
raises :class:`LeaseLost` so that the superseded run writes nothing more.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from openbss.core.db import Database
from openbss.core.settings import Settings

log = logging.getLogger("openbss.jobs")


class LeaseLost(Exception):
    """This worker no longer holds the job: another worker has taken it over."""


class JobFailed(Exception):
    """Raise from a task for a failure that retrying cannot fix: the job fails at once."""


class JobDeferred(Exception):
    """Raise from a task to stop now and run again later without using up an attempt."""

    def __init__(self, delay_seconds: float = 0.0, reason: str = "deferred") -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds


class Claim(Protocol):
    """A job or schedule this worker holds; every write is guarded by the claim (a fencing check)."""

    def renew(self, session: Session) -> bool: ...

    def save_progress(self, session: Session, progress: dict[str, Any]) -> bool: ...


@dataclass
class JobContext:
    """Passed to every task function."""

    database: Database
    settings: Settings
    name: str
    payload: dict[str, Any]
    claim: Claim
    job_id: int | None = None  # None for a periodic run
    attempt: int = 1
    # a failure of this attempt fails the job for good (the job row's limit, which the claiming
    # worker's task registry set unless the enqueuer gave one); always False for a periodic run
    last_attempt: bool = False
    progress: dict[str, Any] | None = None  # the last checkpoint, when resuming
    stop_requested: threading.Event = field(default_factory=threading.Event)
    lease_lost: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work, committed when the block ends normally."""
        with self.database.session() as session:
            yield session

    def should_stop(self) -> bool:
        """True when the worker is shutting down or the lease was lost: checkpoint and return."""
        return self.stop_requested.is_set() or self.lease_lost.is_set()

    def checkpoint(self, progress: dict[str, Any], session: Session | None = None) -> None:
        """Store ``progress`` so that a later run resumes from it.

        Pass the session that wrote the work the checkpoint covers: both then
        commit together. Raises :class:`LeaseLost` (rolling that session back)
        when another worker has taken the job over.
        """
        if session is None:
            with self.database.session() as own:
                self._save(own, progress)
        else:
            self._save(session, progress)
        self.progress = progress

    def _save(self, session: Session, progress: dict[str, Any]) -> None:
        if not self.claim.save_progress(session, progress):
            self.lease_lost.set()
            raise LeaseLost(f"{self.name}: the lease was lost; another worker runs it now")


class LeaseKeeper:
    """Renews a claim's lease every ``every_seconds`` (real time) while a task runs.

    The renewals of all running tasks of a process are made by one thread
    (:class:`_LeaseRenewer`); a task that ends before its first renewal is due
    (most of them) costs no thread of its own, which, started and joined for
    every job, had cost a job more interpreter time than many a job's work.
    After ``__exit__`` no renewal of this claim is made any more.
    """

    def __init__(
        self, database: Database, claim: Claim, every_seconds: float, lost: threading.Event, label: str
    ) -> None:
        self._database = database
        self._claim = claim
        self.every = max(every_seconds, 0.01)
        self._lost = lost
        self._label = label
        self._lock = threading.Lock()  # held while renewing, so that __exit__ waits for a renewal under way
        self._done = False

    def __enter__(self) -> LeaseKeeper:
        _RENEWER.schedule(self, time.monotonic() + self.every)
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._done = True

    def renew_once(self) -> bool:
        """Renew the lease now; whether to renew it again at the next beat."""
        with self._lock:
            if self._done:
                return False
            try:
                with self._database.session() as session:
                    renewed = self._claim.renew(session)
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("could not renew the lease of %s", self._label, exc_info=True)
                return True
            if not renewed:
                log.warning("lease of %s lost; another worker may have taken it over", self._label)
                self._lost.set()
                return False
            return True


class _LeaseRenewer:
    """The one thread of a process that renews the leases of its running tasks, each when due."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, LeaseKeeper]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, keeper: LeaseKeeper, at: float) -> None:
        with self._changed:
            heapq.heappush(self._due, (at, next(self._order), keeper))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="openbss-lease-renewer", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _at, _order, keeper = heapq.heappop(self._due)
            if keeper.renew_once():
                self.schedule(keeper, time.monotonic() + keeper.every)


_RENEWER = _LeaseRenewer()


def run_guarded(database: Database, write: Callable[[Session], bool]) -> bool:
    """Run one fenced write in its own unit of work; False when the fence refused it."""
    with database.session() as session:
        return write(session)
