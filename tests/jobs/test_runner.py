"""The job runner on a real database: claims, leases, retries, checkpoints, periodic schedules."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.settings import Settings, get_settings
from openbss.jobs.context import JobContext, JobDeferred, JobFailed, LeaseLost
from openbss.jobs.models import Job, PeriodicSchedule
from openbss.jobs.queue import claim_next_job, enqueue
from openbss.jobs.registry import PERIODIC, PeriodicDef, task
from openbss.jobs.runner import EmbeddedWorker, Worker

RUNS: list[tuple[str, object]] = []
_runs_lock = threading.Lock()


def _ran(name: str, value: object) -> None:
    with _runs_lock:
        RUNS.append((name, value))


@task("tests.jobs.slow", lease_seconds=5)
def slow_task(ctx: JobContext) -> None:
    _ran("slow", ctx.payload["n"])
    time.sleep(0.3)


@task("tests.jobs.long", lease_seconds=0.6)
def long_task(ctx: JobContext) -> None:
    """Outlives its lease several times over: the lease keeper must renew it."""
    _ran("long", ctx.attempt)
    time.sleep(1.5)


@task("tests.jobs.flaky", max_attempts=3, backoff_seconds=10)
def flaky_task(ctx: JobContext) -> None:
    _ran("flaky", ctx.attempt)
    raise RuntimeError(f"boom {ctx.attempt}")


@task("tests.jobs.hopeless")
def hopeless_task(ctx: JobContext) -> None:
    raise JobFailed("the account is closed")


@task("tests.jobs.patient")
def patient_task(ctx: JobContext) -> None:
    _ran("patient", ctx.attempt)
    if ctx.payload.get("defer", True) and len([r for r in RUNS if r[0] == "patient"]) == 1:
        raise JobDeferred(30, "waiting for the bill run")


@task("tests.jobs.resumable", lease_seconds=2)
def resumable_task(ctx: JobContext) -> None:
    """Processes items one by one with a checkpoint after each: a rerun resumes after the last one."""
    start = (ctx.progress or {}).get("done", 0)
    for item in range(start, ctx.payload["items"]):
        _ran("item", item)
        ctx.checkpoint({"done": item + 1})


@task("tests.jobs.tick")
def tick_task(ctx: JobContext) -> None:
    _ran("tick", clock.now())


@pytest.fixture(autouse=True)
def _clear_runs() -> Iterator[None]:
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def settings() -> Settings:
    return get_settings()


def _enqueue(db: Database, name: str, payload: dict[str, object] | None = None) -> int:
    with db.session() as session:
        return enqueue(session, name, payload or {})


def _job(db: Database, job_id: int) -> Job:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def _runs(name: str) -> list[object]:
    return [value for run, value in RUNS if run == name]


def test_two_workers_run_a_job_once(db: Database, settings: Settings) -> None:
    job_id = _enqueue(db, "tests.jobs.slow", {"n": 7})
    workers = [Worker(db, settings, name=f"w{n}") for n in range(3)]
    for worker in workers:
        worker.prepare()
    start = threading.Barrier(len(workers))

    def tick(worker: Worker) -> None:
        start.wait()
        for _ in range(3):
            worker.run_once()

    threads = [threading.Thread(target=tick, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert _runs("slow") == [7]
    job = _job(db, job_id)
    assert (job.status, job.attempts, job.locked_by, job.lease_until) == ("done", 1, None, None)
    assert job.finished_at is not None


def test_a_long_job_keeps_its_lease_while_it_runs(db: Database, settings: Settings) -> None:
    job_id = _enqueue(db, "tests.jobs.long")
    first, second = Worker(db, settings, name="first"), Worker(db, settings, name="second")
    second.prepare()
    runner = threading.Thread(target=first.run_once)
    runner.start()
    assert _wait_for(lambda: _runs("long") == [1])
    while runner.is_alive():  # the lease (0.6 s) would have expired twice without renewal
        second.run_once()
        time.sleep(0.1)
    assert _runs("long") == [1]
    assert (_job(db, job_id).status, _job(db, job_id).attempts) == ("done", 1)


def test_a_job_whose_worker_died_is_resumed_from_its_checkpoint(db: Database, settings: Settings) -> None:
    job_id = _enqueue(db, "tests.jobs.resumable", {"items": 5})
    # a worker claims the job, gets two items done (checkpointed), then dies without a word
    with db.session() as session:
        claim = claim_next_job(session, "doomed/1", lambda _name: timedelta(seconds=2))
    assert claim is not None and claim.job_id == job_id
    doomed = JobContext(db, settings, claim.name, claim.payload, claim, job_id=job_id)
    for item in (0, 1):
        _ran("item", item)
        doomed.checkpoint({"done": item + 1})

    survivor = Worker(db, settings, name="survivor")
    survivor.run_once()
    assert _runs("item") == [0, 1]  # the dead worker's lease still holds
    clock.clock.advance(timedelta(seconds=3))
    survivor.run_once()

    assert _runs("item") == [0, 1, 2, 3, 4]
    job = _job(db, job_id)
    assert (job.status, job.attempts, job.progress) == ("done", 2, {"done": 5})
    # the dead worker, were it to wake up, can no longer write anything
    with pytest.raises(LeaseLost), db.session() as session:
        assert not claim.finish(session)
        doomed.checkpoint({"done": 1}, session)
    assert _job(db, job_id).progress == {"done": 5}


def test_failures_are_retried_with_exponential_backoff_then_fail(db: Database, settings: Settings) -> None:
    job_id = _enqueue(db, "tests.jobs.flaky")
    worker = Worker(db, settings)

    worker.run_once()
    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert timedelta(seconds=9) < job.run_at - clock.now() <= timedelta(seconds=10)
    assert job.last_error is not None and "boom 1" in job.last_error

    worker.run_once()
    assert _runs("flaky") == [1]  # not due yet
    clock.clock.advance(timedelta(seconds=10))
    worker.run_once()
    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("queued", 2)
    assert timedelta(seconds=19) < job.run_at - clock.now() <= timedelta(seconds=20)

    clock.clock.advance(timedelta(seconds=20))
    worker.run_once()
    clock.clock.advance(timedelta(days=1))
    worker.run_once()
    assert _runs("flaky") == [1, 2, 3]
    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.last_error is not None and "boom 3" in job.last_error


def test_job_failed_is_final_and_deferred_costs_no_attempt(db: Database, settings: Settings) -> None:
    hopeless = _enqueue(db, "tests.jobs.hopeless")
    patient = _enqueue(db, "tests.jobs.patient")
    worker = Worker(db, settings)

    worker.run_once()
    assert (_job(db, hopeless).status, _job(db, hopeless).attempts) == ("failed", 1)
    assert "account is closed" in (_job(db, hopeless).last_error or "")
    deferred = _job(db, patient)
    assert (deferred.status, deferred.attempts) == ("queued", 0)
    assert deferred.run_at - clock.now() > timedelta(seconds=25)

    clock.clock.advance(timedelta(seconds=30))
    worker.run_once()
    assert _runs("patient") == [1, 1]
    assert (_job(db, patient).status, _job(db, patient).attempts) == ("done", 1)


def test_a_job_of_an_unknown_task_is_retried_not_lost(db: Database, settings: Settings) -> None:
    job_id = _enqueue(db, "tests.jobs.not_deployed_yet")
    Worker(db, settings).run_once()
    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("queued", 1)
    assert "no task named 'tests.jobs.not_deployed_yet'" in (job.last_error or "")


def test_jobs_run_when_due(db: Database, settings: Settings) -> None:
    with db.session() as session:
        later = enqueue(session, "tests.jobs.slow", {"n": 2}, run_at=clock.now() + timedelta(hours=1))
        enqueue(session, "tests.jobs.slow", {"n": 1})
    worker = Worker(db, settings)
    worker.run_once()
    assert _runs("slow") == [1]
    clock.clock.advance(timedelta(hours=1))
    worker.run_once()
    assert _runs("slow") == [1, 2]
    assert _job(db, later).status == "done"


def test_periodic_schedule_is_created_and_runs_once_per_interval(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PERIODIC, "tests.jobs.tick", PeriodicDef("tests.jobs.tick", 60))
    first, second = Worker(db, settings, name="a"), Worker(db, settings, name="b")
    first.prepare()
    second.prepare()
    with db.session() as session:
        row = session.get_one(PeriodicSchedule, "tests.jobs.tick")
        assert row.interval_seconds == 60
        names = set(session.execute(select(PeriodicSchedule.name)).scalars())
    assert {"tests.jobs.tick", "events.dispatch"} <= names

    first.run_once()
    second.run_once()
    assert len(_runs("tick")) == 1
    clock.clock.advance(timedelta(seconds=30))
    second.run_once()
    assert len(_runs("tick")) == 1
    clock.clock.advance(timedelta(seconds=31))
    second.run_once()
    first.run_once()
    assert len(_runs("tick")) == 2
    with db.session() as session:
        row = session.get_one(PeriodicSchedule, "tests.jobs.tick")
        assert (row.locked_by, row.lease_until) == (None, None)
        assert row.next_run_at > clock.now() + timedelta(seconds=55)


def test_embedded_worker_runs_jobs_in_the_background_and_stops(db: Database, settings: Settings) -> None:
    worker = EmbeddedWorker(db, settings)
    worker.start()
    try:
        job_id = _enqueue(db, "tests.jobs.slow", {"n": 3})
        assert _wait_for(lambda: _job(db, job_id).status == "done")
    finally:
        started = time.monotonic()
        worker.stop(10)
    assert time.monotonic() - started < 5
    assert _runs("slow") == [3]


def _wait_for(condition: object, timeout: float = 10.0) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())
