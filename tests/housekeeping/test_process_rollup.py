"""Retention of process runs (``openbss.housekeeping.process_rollup``): old ``process_run`` rows are
folded into per-process totals and deleted, and ``GET /processes`` shows the same figures throughout."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.processes import ProcessRun, ProcessRunTotal
from openbss.core.settings import get_settings, reset_settings
from openbss.housekeeping import process_rollup
from openbss.housekeeping.retention import RetentionPolicy, count_due, purge

# (process, age in days, duration in µs), in the order they are recorded: sequence and age differ
RUNS = (
    ("1.3.6.1", 35, 3000),
    ("1.3.6.2", 50, 2000),
    ("1.3.6.1", 40, 1000),  # older than the 35-day run, folded after it
    ("1.3.6.1", 1, 5000),
    ("1.3.6.2", 31, 4000),  # newer than the 50-day run, folded after it
    ("1.3.4.3", 2, 7000),
)
OLD = sum(1 for _, age, _ in RUNS if age > 30)


def _record(db: Database) -> datetime:
    """Record RUNS, aged from now; now."""
    now = clock.now()
    with db.session(write=True) as session:
        for pid, age, duration in RUNS:
            session.add(
                ProcessRun(process_id=pid, operation="test", at=now - timedelta(days=age), duration_us=duration)
            )
    return now


def _figures(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[Any, Any, Any]]:
    response = client.get("/processes", headers=headers)
    assert response.status_code == 200, response.text
    out: dict[str, tuple[Any, Any, Any]] = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if node["runs"]:
                out[node["id"]] = (node["runs"], node["averageDurationMs"], node["lastRun"])
            walk(node.get("subProcess", []))

    walk(response.json())
    return out


def _kept(db: Database) -> list[tuple[str, int]]:
    with db.session() as session:
        return [tuple(r) for r in session.execute(select(ProcessRun.process_id, ProcessRun.duration_us))]  # type: ignore[misc]


def _totals(db: Database) -> dict[str, tuple[int, int]]:
    with db.session() as session:
        rows = session.execute(select(ProcessRunTotal.process_id, ProcessRunTotal.runs, ProcessRunTotal.total_us))
        return {pid: (runs, total) for pid, runs, total in rows}


def _policy() -> RetentionPolicy:
    return RetentionPolicy.from_settings(get_settings())


def test_old_runs_are_folded_and_deleted_and_the_figures_stay_the_same(
    client: TestClient, agent: dict[str, str], db: Database
) -> None:
    now = _record(db)
    before = _figures(client, agent)
    assert before == {
        "1.3.6.1": (3, 3.0, clock.isoformat(now - timedelta(days=1))),
        "1.3.6.2": (2, 3.0, clock.isoformat(now - timedelta(days=31))),
        "1.3.4.3": (1, 7.0, clock.isoformat(now - timedelta(days=2))),
    }

    deleted = purge(db, _policy(), now, batch=2)  # the second batch adds to both totals of the first

    assert deleted.process_run == OLD == 4
    assert sorted(_kept(db)) == [("1.3.4.3", 7000), ("1.3.6.1", 5000)]
    assert _totals(db) == {"1.3.6.1": (2, 4000), "1.3.6.2": (2, 6000)}
    assert _figures(client, agent) == before

    assert purge(db, _policy(), now).process_run == 0  # a second purge folds nothing again
    assert _totals(db) == {"1.3.6.1": (2, 4000), "1.3.6.2": (2, 6000)}
    assert _figures(client, agent) == before

    clock.clock.advance(timedelta(days=29, hours=1))  # the 1- and 2-day-old runs are now over 30 days old
    assert purge(db, _policy(), clock.now()).process_run == 2
    assert _kept(db) == []
    assert _figures(client, agent) == before


def test_a_dry_run_counts_the_old_runs_and_changes_nothing(db: Database) -> None:
    _record(db)
    assert count_due(db, _policy(), clock.now()).process_run == OLD
    assert len(_kept(db)) == len(RUNS)
    assert _totals(db) == {}


def test_a_batch_that_fails_keeps_its_runs_and_adds_nothing(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(db)

    def broken(dialect: str) -> Any:
        raise RuntimeError("crash between the delete and the fold")

    monkeypatch.setattr(process_rollup, "_upsert", broken)
    with pytest.raises(RuntimeError):
        purge(db, _policy(), clock.now())
    assert len(_kept(db)) == len(RUNS)
    assert _totals(db) == {}


def test_zero_days_keeps_process_runs_for_ever(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _record(db)
    monkeypatch.setenv("OPENBSS_RETENTION_PROCESS_RUN_DAYS", "0")
    reset_settings()
    clock.clock.advance(timedelta(days=3650))

    assert _policy().process_runs is None
    assert count_due(db, _policy(), clock.now()).process_run == 0
    assert purge(db, _policy(), clock.now()).process_run == 0
    assert len(_kept(db)) == len(RUNS)
