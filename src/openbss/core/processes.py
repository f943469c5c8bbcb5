"""The eTOM process catalog and the record of which processes ran.

The Customer-domain process ids (GB921, level 1.3 and 1.6.9) ship as package
data. A service function that really carries out a process step is marked
with :func:`process`; every successful run is written as a
:class:`ProcessRun` row in the caller's transaction (append-only, so
concurrent requests never contend on a counter row). ``GET /processes`` and
``openbss etom coverage`` read the catalog, the registry of implementing
operations and these rows.
"""

from __future__ import annotations

import csv
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import BigInteger, Integer, String, Table, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from openbss.core import clock
from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base, insert_at_commit


@dataclass(frozen=True)
class ProcessDef:
    id: str
    level: int
    parent: str | None
    name: str


@dataclass
class ProcessCatalog:
    processes: dict[str, ProcessDef]
    implementations: dict[str, list[str]] = field(default_factory=dict)

    def children(self, parent_id: str) -> list[ProcessDef]:
        return [p for p in self.processes.values() if p.parent == parent_id and p.id != parent_id]


def _load_catalog() -> ProcessCatalog:
    text = resources.files("openbss.core").joinpath("data/customer-processes.tsv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    procs: dict[str, ProcessDef] = {}
    for row in rows:
        pid = row["id"].strip()
        parent = (row.get("parent") or "").strip() or None
        procs[pid] = ProcessDef(
            id=pid, level=int(row["level"]), parent=None if parent == pid else parent, name=row["name"].strip()
        )
    return ProcessCatalog(processes=procs)


CATALOG = _load_catalog()


class ProcessRun(Base):
    """One successful run of a process step."""

    __tablename__ = "process_run"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    # no index on process_id: GET /processes counts every process in one pass (migration 0014)
    process_id: Mapped[str] = mapped_column(String(30))
    operation: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_us: Mapped[int] = mapped_column(Integer)


RUN_TABLE = cast(Table, ProcessRun.__table__)


class ProcessRunTotal(Base):
    """The runs of one process that retention has folded in and deleted from ``process_run``."""

    __tablename__ = "process_run_total"

    process_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    runs: Mapped[int] = mapped_column(BigInteger)
    total_us: Mapped[int] = mapped_column(BigInteger)
    last_run: Mapped[datetime] = mapped_column(UtcDateTime)


TOTAL_TABLE = cast(Table, ProcessRunTotal.__table__)


def register_implementation(process_id: str, operation: str) -> None:
    """Record that ``operation`` carries out ``process_id`` (shown by /processes)."""
    if process_id not in CATALOG.processes:
        raise ValueError(f"unknown eTOM process id {process_id}")
    ops = CATALOG.implementations.setdefault(process_id, [])
    if operation not in ops:
        ops.append(operation)


class HasSession(Protocol):
    @property
    def session(self) -> Session: ...


P = ParamSpec("P")
R = TypeVar("R")


def process(process_id: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a service function as carrying out eTOM process ``process_id``.

    The function's first argument must have a ``session`` (a request or job
    context, or a Session itself). The run is recorded in that session, so a
    failed (rolled back) run is not counted.
    """
    if process_id not in CATALOG.processes:
        raise ValueError(f"unknown eTOM process id {process_id}")

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        operation = f"{fn.__module__.removeprefix('openbss.')}.{fn.__qualname__}"
        register_implementation(process_id, operation)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            first: Any = args[0] if args else kwargs.get("ctx")
            session: Session = first if isinstance(first, Session) else first.session
            insert_at_commit(
                session,
                RUN_TABLE,
                {
                    "process_id": process_id,
                    "operation": operation,
                    "at": clock.now(),
                    "duration_us": int((time.perf_counter() - started) * 1_000_000),
                },
            )
            return result

        return wrapper

    return decorate


@dataclass(frozen=True)
class RunStats:
    runs: int
    total_us: int
    last_run: datetime | None


def run_stats(session: Session) -> dict[str, RunStats]:
    """Per process: the folded totals plus the ``process_run`` rows still kept."""
    out = {
        pid: RunStats(runs=int(runs), total_us=int(total), last_run=last)
        for pid, runs, total, last in session.execute(
            select(ProcessRunTotal.process_id, ProcessRunTotal.runs, ProcessRunTotal.total_us, ProcessRunTotal.last_run)
        )
    }
    rows = session.execute(
        select(ProcessRun.process_id, func.count(), func.sum(ProcessRun.duration_us), func.max(ProcessRun.at)).group_by(
            ProcessRun.process_id
        )
    ).all()
    for pid, count, total, last in rows:
        if isinstance(last, str):  # SQLite returns max() of a timestamp as text
            last = datetime.fromisoformat(last).replace(tzinfo=clock.now().tzinfo)
        folded = out.get(pid)
        if folded is not None:
            count += folded.runs
            total = int(total or 0) + folded.total_us
            last = max(last, folded.last_run) if folded.last_run is not None else last
        out[pid] = RunStats(runs=int(count), total_us=int(total or 0), last_run=last)
    return out


def process_tree(session: Session) -> list[dict[str, Any]]:
    """The catalog as a tree, each node with implementation and run figures."""
    stats = run_stats(session)

    def node(p: ProcessDef) -> dict[str, Any]:
        s = stats.get(p.id)
        kids = [node(c) for c in sorted(CATALOG.children(p.id), key=lambda d: _sort_key(d.id))]
        ops = CATALOG.implementations.get(p.id, [])
        out: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "level": p.level,
            "implemented": bool(ops),
            "operations": ops,
            "runs": s.runs if s else 0,
            "averageDurationMs": round(s.total_us / s.runs / 1000, 3) if s and s.runs else None,
            "lastRun": clock.isoformat(s.last_run) if s and s.last_run else None,
        }
        if kids:
            out["implementedDescendants"] = sum(1 for c in _descendants(p.id) if CATALOG.implementations.get(c.id))
            out["subProcess"] = kids
        return out

    roots = [p for p in CATALOG.processes.values() if p.parent is None or p.parent not in CATALOG.processes]
    return [node(r) for r in sorted(roots, key=lambda d: _sort_key(d.id))]


def _descendants(pid: str) -> list[ProcessDef]:
    out: list[ProcessDef] = []
    for child in CATALOG.children(pid):
        out.append(child)
        out.extend(_descendants(child.id))
    return out


def _sort_key(pid: str) -> tuple[int, ...]:
    return tuple(int(x) for x in pid.split(".") if x.isdigit())


@dataclass(frozen=True)
class CoverageRow:
    id: str
    name: str
    level: int
    leaves: int
    implemented: int


def coverage(level_max: int = 3) -> list[CoverageRow]:
    """Per L2/L3 process: how many of its leaf processes have real logic."""
    rows: list[CoverageRow] = []
    for p in sorted(CATALOG.processes.values(), key=lambda d: _sort_key(d.id)):
        if p.level < 2 or p.level > level_max:
            continue
        desc = _descendants(p.id)
        leaves = [d for d in desc if not CATALOG.children(d.id)] or [p]
        done = sum(1 for d in leaves if CATALOG.implementations.get(d.id))
        rows.append(CoverageRow(id=p.id, name=p.name, level=p.level, leaves=len(leaves), implemented=done))
    return rows
