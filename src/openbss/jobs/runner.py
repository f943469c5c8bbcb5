"""The job worker: runs due periodic schedules and queued jobs, safely beside other workers.

One tick (:meth:`Worker.run_once`):

1. adopt the shared test-clock offset;
2. claim each due periodic schedule (conditional UPDATE), run its task, move
   its next run one interval on;
3. fail jobs whose worker died on their last allowed attempt, then claim and
   run due jobs one by one: queued ones whose ``run_at`` has come, and running
   ones whose lease expired (their worker was killed: they resume from their
   last checkpoint);
4. record each outcome, fenced by the claim: done, retry after an exponential
   back-off, or failed after ``max_attempts`` (the enqueuer's, or else this
   worker's task registry's, written into the job row by the claim; tasks see
   it as ``ctx.last_attempt``).

While a task runs, a :class:`~openbss.jobs.context.LeaseKeeper` renews its
lease, so long jobs keep it and two workers never run the same job at once.

:class:`EmbeddedWorker` runs the loop in a daemon thread of ``openbss serve``;
:func:`run_worker_forever` runs it in the foreground (``openbss worker``) and
stops gracefully on SIGTERM/SIGINT after the task at hand.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import traceback
import uuid
from datetime import timedelta
from types import FrameType

from openbss.core import clock
from openbss.core.clock_store import load_offset
from openbss.core.db import Database
from openbss.core.settings import Settings
from openbss.jobs.context import Claim, JobContext, JobDeferred, JobFailed, LeaseKeeper, LeaseLost
from openbss.jobs.queue import JobClaim, claim_next_job, fail_abandoned_jobs
from openbss.jobs.registry import DEFAULT_LEASE_SECONDS, PERIODIC, TASKS, TaskDef, get_task, load_task_modules
from openbss.jobs.scheduler import claim_schedule, due_schedules, ensure_schedules

log = logging.getLogger("openbss.jobs")

MAX_IDLE_POLL_SECONDS = 1.0
JOBS_PER_TICK = 20
FALLBACK_TASK = TaskDef("unknown", lambda _ctx: None)


def _error_text(error: BaseException) -> str:
    text = "".join(traceback.format_exception(error))
    return f"{type(error).__name__}: {error}\n{text[-3000:]}"


class Worker:
    """One worker: call :meth:`run_once` for a single tick, or :meth:`run` to loop until stopped."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        name: str | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        base = (name or f"{socket.gethostname()}:{os.getpid()}")[:100]
        self.name = f"{base}/{uuid.uuid4().hex[:8]}"  # unique per instance: the claims' fencing token
        self.stop_event = threading.Event()
        self._poll_seconds = poll_seconds
        self._intervals: dict[str, float] | None = None

    # --- setup ------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Load the task modules and create the missing periodic schedule rows."""
        load_task_modules()
        self._intervals = {name: p.interval_seconds(self.settings) for name, p in PERIODIC.items() if name in TASKS}
        with self.database.session() as session:
            load_offset(session)
            ensure_schedules(session, self._intervals)

    @property
    def intervals(self) -> dict[str, float]:
        if self._intervals is None:
            self.prepare()
        assert self._intervals is not None
        return self._intervals

    @property
    def poll_seconds(self) -> float:
        if self._poll_seconds is not None:
            return self._poll_seconds
        return max(0.01, min([MAX_IDLE_POLL_SECONDS, *self.intervals.values()]))

    def stop(self) -> None:
        """Ask the loop to end after the task at hand (tasks see it through ``ctx.should_stop()``)."""
        self.stop_event.set()

    # --- the loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Tick until :meth:`stop`; database errors are logged and retried with a growing pause."""
        failures = 0
        log.info("worker %s started", self.name)
        while not self.stop_event.is_set():
            try:
                done = self.run_once()
                failures = 0
            except Exception:
                failures += 1
                log.exception("worker %s: tick failed (%d in a row)", self.name, failures)
                self.stop_event.wait(min(30.0, MAX_IDLE_POLL_SECONDS * 2 ** (failures - 1)))
                continue
            if not done:
                self.stop_event.wait(self.poll_seconds)
        log.info("worker %s stopped", self.name)

    def run_once(self) -> int:
        """One tick; returns how many schedules and jobs ran."""
        intervals = self.intervals
        with self.database.session() as session:
            load_offset(session)
        return self._run_due_schedules(intervals) + self._run_due_jobs()

    # --- periodic schedules -----------------------------------------------------------------------

    def _run_due_schedules(self, intervals: dict[str, float]) -> int:
        with self.database.session() as session:
            names = due_schedules(session, list(intervals))
        ran = 0
        for name in names:
            if self.stop_event.is_set():
                break
            definition = TASKS[name]
            with self.database.session() as session:
                claim = claim_schedule(session, name, self.name, definition.lease)
            if claim is None:
                continue  # another worker was quicker
            context = JobContext(self.database, self.settings, name, {}, claim, stop_requested=self.stop_event)
            error = self._execute(definition, context, claim, f"periodic {name}")
            if error is not None and not isinstance(error, JobDeferred | LeaseLost):
                log.error("periodic task %s failed: %s", name, _error_text(error))
            with self.database.session() as session:
                if not claim.finish(session, timedelta(seconds=intervals[name])):
                    log.warning("periodic task %s: lease lost before the run was recorded", name)
            ran += 1
        return ran

    # --- queued jobs ------------------------------------------------------------------------------

    def _lease_for(self, name: str) -> timedelta:
        definition = get_task(name)
        return definition.lease if definition else timedelta(seconds=DEFAULT_LEASE_SECONDS)

    def _run_due_jobs(self) -> int:
        with self.database.session() as session:
            given_up = fail_abandoned_jobs(session)
        if given_up:
            log.warning("%d job(s) failed: their worker stopped during the last allowed attempt", given_up)
        ran = 0
        while ran < JOBS_PER_TICK and not self.stop_event.is_set():
            with self.database.session() as session:
                claim = claim_next_job(session, self.name, self._lease_for)
            if claim is None:
                break
            self._run_job(claim)
            ran += 1
        return ran

    def _run_job(self, claim: JobClaim) -> None:
        definition = get_task(claim.name)
        label = f"job {claim.job_id} ({claim.name}, attempt {claim.attempts}/{claim.max_attempts})"
        error: BaseException | None
        if definition is None:
            definition = FALLBACK_TASK
            error = LookupError(f"no task named {claim.name!r} is registered in this worker")
        else:
            context = JobContext(
                self.database,
                self.settings,
                claim.name,
                claim.payload,
                claim,
                job_id=claim.job_id,
                attempt=claim.attempts,
                last_attempt=claim.last_attempt,
                progress=claim.progress,
                stop_requested=self.stop_event,
            )
            error = self._execute(definition, context, claim, label)
        if isinstance(error, LeaseLost):
            log.warning("%s: lease lost; the worker that took it over records the outcome", label)
            return
        with self.database.session() as session:
            if error is None:
                recorded = claim.finish(session)
            elif isinstance(error, JobDeferred):
                run_at = clock.now() + timedelta(seconds=error.delay_seconds)
                recorded = claim.defer(session, run_at, str(error))
            elif isinstance(error, JobFailed) or claim.last_attempt:
                log.error("%s failed for good: %s", label, error)
                recorded = claim.fail(session, _error_text(error))
            else:
                retry_at = clock.now() + definition.retry_delay(claim.attempts)
                log.warning("%s failed, retrying at %s: %s", label, clock.isoformat(retry_at), error)
                recorded = claim.retry_later(session, _error_text(error), retry_at)
        if not recorded:
            log.warning("%s: lease lost before the outcome was recorded", label)

    def _execute(self, definition: TaskDef, context: JobContext, claim: Claim, label: str) -> BaseException | None:
        """Run the task under a renewed lease; return the exception it raised, if any."""
        renew_every = definition.lease_seconds / 3
        with LeaseKeeper(self.database, claim, renew_every, context.lease_lost, label):
            try:
                definition.function(context)
            except Exception as error:
                return error
        return None


class EmbeddedWorker:
    """The worker inside ``openbss serve``: a daemon thread with a stop event."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.worker = Worker(database, settings, name=f"embedded:{socket.gethostname()}:{os.getpid()}")
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="openbss-worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception:  # prepare() failed (a broken tasks module): say so loudly
            log.exception("the embedded worker stopped")

    def stop(self, timeout: float = 30.0) -> None:
        self.worker.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the embedded worker is still finishing a task after %.0f s", timeout)
            self._thread = None


def run_worker_forever(database: Database, settings: Settings, name: str | None = None) -> None:
    """Run a worker in the foreground until SIGTERM or SIGINT (then finish the task at hand and return)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per webhook POST is too much
    worker = Worker(database, settings, name=name)

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "worker %s: %s received, stopping after the task at hand",
            worker.name,
            signal.Signals(signum).name,
        )
        worker.stop()

    previous: dict[signal.Signals, object] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, request_stop)
    database.start_background_checkpoints()  # SQLite: the log is copied back off the jobs' commits
    try:
        worker.prepare()
        worker.run()
    finally:
        database.stop_background_checkpoints()
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
