"""A job's attempt limit comes from the worker's task registry, unless the enqueuer gave one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.settings import Settings, get_settings
from openbss.jobs.context import JobContext
from openbss.jobs.models import Job
from openbss.jobs.queue import claim_next_job, enqueue
from openbss.jobs.registry import DEFAULT_MAX_ATTEMPTS, TASKS, task
from openbss.jobs.runner import Worker

PATIENT = "tests.jobs.limits.seven_tries"
SEEN: list[tuple[int, bool]] = []
_seen_lock = threading.Lock()


@task(PATIENT, max_attempts=7, backoff_seconds=1)
def seven_tries(ctx: JobContext) -> None:
    """Fails every time; records each attempt and whether the context calls it the last one."""
    with _seen_lock:
        SEEN.append((ctx.attempt, ctx.last_attempt))
    raise RuntimeError(f"still down (attempt {ctx.attempt})")


@pytest.fixture(autouse=True)
def _clear_seen() -> Iterator[None]:
    SEEN.clear()
    yield
    SEEN.clear()


@pytest.fixture
def settings() -> Settings:
    return get_settings()


@contextmanager
def _registry_without(name: str) -> Iterator[None]:
    """This process as ``openbss serve --no-worker`` sees it: the task module is not loaded."""
    definition = TASKS.pop(name)
    try:
        yield
    finally:
        TASKS[name] = definition


def _enqueue_elsewhere(db: Database, name: str, max_attempts: int | None = None) -> int:
    with _registry_without(name), db.session() as session:
        return enqueue(session, name, {}, max_attempts=max_attempts)


def _job(db: Database, job_id: int) -> Job:
    with db.session() as session:
        return session.get_one(Job, job_id)


def _run_until_settled(db: Database, settings: Settings, job_id: int, rounds: int = 20) -> Job:
    worker = Worker(db, settings)
    for _ in range(rounds):
        worker.run_once()
        job = _job(db, job_id)
        if job.status in ("done", "failed"):
            return job
        clock.clock.advance(timedelta(hours=2))  # past any back-off
    return _job(db, job_id)


def test_a_job_queued_where_its_task_is_unknown_gets_the_workers_limit(db: Database, settings: Settings) -> None:
    assert TASKS[PATIENT].max_attempts == 7 != DEFAULT_MAX_ATTEMPTS

    job_id = _enqueue_elsewhere(db, PATIENT)
    Worker(db, settings).run_once()

    job = _job(db, job_id)
    assert (job.status, job.attempts, job.max_attempts) == ("queued", 1, 7)  # the claim wrote the limit
    job = _run_until_settled(db, settings, job_id)
    assert (job.status, job.attempts, job.max_attempts) == ("failed", 7, 7)
    assert [attempt for attempt, _ in SEEN] == [1, 2, 3, 4, 5, 6, 7]


def test_the_last_attempt_branch_runs_exactly_on_the_declared_last_attempt(db: Database, settings: Settings) -> None:
    job_id = _enqueue_elsewhere(db, PATIENT)
    _run_until_settled(db, settings, job_id)

    assert SEEN == [(1, False), (2, False), (3, False), (4, False), (5, False), (6, False), (7, True)]


def test_a_limit_given_by_the_enqueuer_wins_over_the_registry(db: Database, settings: Settings) -> None:
    job_id = _enqueue_elsewhere(db, PATIENT, max_attempts=2)

    job = _run_until_settled(db, settings, job_id)

    assert (job.status, job.attempts, job.max_attempts) == ("failed", 2, 2)
    assert SEEN == [(1, False), (2, True)]


def test_a_worker_dying_on_the_registry_limits_last_attempt_fails_the_job(db: Database, settings: Settings) -> None:
    job_id = _enqueue_elsewhere(db, PATIENT)
    lease = timedelta(seconds=2)
    for attempt in range(1, 8):  # seven workers in a row claim it and die without a word
        with db.session() as session:
            claim = claim_next_job(session, f"doomed/{attempt}", lambda _name: lease)
        assert claim is not None and (claim.attempts, claim.max_attempts) == (attempt, 7)
        assert claim.last_attempt == (attempt == 7)
        clock.clock.advance(timedelta(seconds=3))

    Worker(db, settings).run_once()

    job = _job(db, job_id)
    assert (job.status, job.attempts) == ("failed", 7)
    assert "last allowed attempt" in (job.last_error or "")
    assert SEEN == []


def test_a_job_of_a_task_no_worker_knows_gets_the_default_limit(db: Database, settings: Settings) -> None:
    with db.session() as session:
        job_id = enqueue(session, "tests.jobs.limits.nobody_has_it", {})

    job = _run_until_settled(db, settings, job_id)

    assert (job.status, job.attempts, job.max_attempts) == ("failed", DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS)


def test_a_limit_below_one_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="max_attempts"), db.session() as session:
        enqueue(session, PATIENT, {}, max_attempts=0)
