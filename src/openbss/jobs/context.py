"""What a running task sees: its payload, its checkpoint, the database, and its lease.

A claim (of a queued job or of a periodic schedule) is held under a lease that
a :class:`LeaseKeeper` thread renews while the task runs. If renewal fails
(the lease expired and another worker took the work over) the context says so
through :meth:`JobContext.should_stop`, and :meth:`JobContext.checkpoint`
raises :class:`LeaseLost` so that the superseded run writes nothing more.
"""

from __future__ import annotations

import logging
import threading
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
    """Renews a claim's lease every ``every_seconds`` (real time) while a task runs."""

    def __init__(
        self, database: Database, claim: Claim, every_seconds: float, lost: threading.Event, label: str
    ) -> None:
        self._database = database
        self._claim = claim
        self._every = max(every_seconds, 0.01)
        self._lost = lost
        self._label = label
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease:{label}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self._every):
            try:
                with self._database.session() as session:
                    renewed = self._claim.renew(session)
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("could not renew the lease of %s", self._label, exc_info=True)
                continue
            if not renewed:
                log.warning("lease of %s lost; another worker may have taken it over", self._label)
                self._lost.set()
                return


def run_guarded(database: Database, write: Callable[[Session], bool]) -> bool:
    """Run one fenced write in its own unit of work; False when the fence refused it."""
    with database.session() as session:
        return write(session)
