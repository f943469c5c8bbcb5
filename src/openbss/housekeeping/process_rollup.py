"""Folding old ``process_run`` rows into ``process_run_total``, so retention can delete them.

``GET /processes`` shows per process the number of runs, their average
duration and the last run. Those three figures only need a count, a sum
and a maximum, so a batch of old rows is deleted and its figures are added
to the process's total row in the same transaction: the fold and the
delete commit together or not at all. The rows folded are exactly the ones
the ``DELETE ... RETURNING`` removed, so two purges running at once can
never count a row twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from openbss.core.processes import RUN_TABLE, TOTAL_TABLE, ProcessRun


@dataclass
class _Fold:
    runs: int
    total_us: int
    last_run: datetime


def runs_due(cutoff: datetime) -> Select[Any]:
    """The runs older than ``cutoff``."""
    return select(ProcessRun.seq).where(ProcessRun.at < cutoff)


def _upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (process_id) DO UPDATE`` adding a batch's figures to the total."""
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(TOTAL_TABLE)
    elif dialect == "sqlite":
        stmt = sqlite.insert(TOTAL_TABLE)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"the process run roll-up needs SQLite or PostgreSQL, not {dialect}")
    total, new = TOTAL_TABLE.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["process_id"],
        set_={
            "runs": total.runs + new.runs,
            "total_us": total.total_us + new.total_us,
            "last_run": case((new.last_run > total.last_run, new.last_run), else_=total.last_run),
        },
    )


def fold_batch(session: Session, cutoff: datetime, limit: int) -> tuple[int, int]:
    """Fold and delete up to ``limit`` runs older than ``cutoff`` (lowest seq first).

    Returns (rows selected, rows deleted and folded); the caller commits.
    """
    seqs = list(session.execute(runs_due(cutoff).order_by(ProcessRun.seq).limit(limit)).scalars())
    if not seqs:
        return 0, 0
    deleted = session.execute(
        delete(RUN_TABLE)
        .where(RUN_TABLE.c.seq.in_(seqs))
        .returning(RUN_TABLE.c.process_id, RUN_TABLE.c.at, RUN_TABLE.c.duration_us)
    ).all()
    folds: dict[str, _Fold] = {}
    for process_id, at, duration_us in deleted:
        fold = folds.get(process_id)
        if fold is None:
            folds[process_id] = _Fold(runs=1, total_us=duration_us, last_run=at)
        else:
            fold.runs += 1
            fold.total_us += duration_us
            fold.last_run = max(fold.last_run, at)
    if folds:
        session.execute(
            _upsert(session.get_bind().dialect.name),
            [
                {"process_id": pid, "runs": f.runs, "total_us": f.total_us, "last_run": f.last_run}
                for pid, f in sorted(folds.items())  # one order for every writer: no deadlock on PostgreSQL
            ],
        )
    return len(seqs), len(deleted)
