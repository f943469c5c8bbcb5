"""Leases of running tasks are renewed by one thread of the process (jobs.context.LeaseKeeper)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from openbss.core.db import Database
from openbss.jobs.context import LeaseKeeper
from openbss.jobs.models import Job
from openbss.jobs.queue import JobClaim, claim_next_job, enqueue
from polling import eventually

LEASE = timedelta(seconds=30)


def _claimed(db: Database, count: int) -> list[JobClaim]:
    with db.session(write=True) as session:
        for n in range(count):
            enqueue(session, "tests.lease.renewal", {"n": n})
    claims = []
    for _ in range(count):
        with db.session(write=True) as session:
            claim = claim_next_job(session, "renewal-test/1", lambda _name: LEASE)
        assert claim is not None
        claims.append(claim)
    return claims


def _lease_until(db: Database, job_id: int) -> datetime:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.lease_until is not None
        return job.lease_until


def _renewer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("openbss-lease", "lease:"))]


def test_running_tasks_keep_their_leases_and_an_ended_one_is_no_longer_renewed(db: Database) -> None:
    running, ended = _claimed(db, 2)
    lost = [threading.Event(), threading.Event()]
    first = {c.job_id: _lease_until(db, c.job_id) for c in (running, ended)}
    with LeaseKeeper(db, running, 0.05, lost[0], "running"):
        with LeaseKeeper(db, ended, 0.05, lost[1], "ended"):
            assert eventually(lambda: _lease_until(db, ended.job_id) > first[ended.job_id])
        renewed_until = _lease_until(db, ended.job_id)
        assert eventually(lambda: _lease_until(db, running.job_id) > first[running.job_id])
        time.sleep(0.3)  # six beats: the running task's lease moves on, the ended one's stays
        assert _lease_until(db, running.job_id) > first[running.job_id]
        assert _lease_until(db, ended.job_id) == renewed_until
        assert _renewer_threads() == ["openbss-lease-renewer"]  # one thread, not one per task
    assert not lost[0].is_set() and not lost[1].is_set()


def test_a_lease_another_worker_took_over_is_reported_lost(db: Database) -> None:
    (claim,) = _claimed(db, 1)
    with db.session(write=True) as session:  # the job went to another worker meanwhile
        job = session.get(Job, claim.job_id)
        assert job is not None
        job.locked_by = "someone-else/1"
    lost = threading.Event()
    with LeaseKeeper(db, claim, 0.05, lost, "taken over"):
        assert lost.wait(10)
