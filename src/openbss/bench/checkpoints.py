"""``openbss bench checkpoints``: SQLite commits with checkpoints in the commit or in a thread.

The same stream of small write transactions (eight rows with two random-key
indexes each, like a create with its index rows) runs twice against a fresh
SQLite file in a directory of the caller's choice: once with SQLite's default
automatic checkpoint (the commit that takes the write-ahead log past 1,000
pages copies it back and syncs), once with ``wal_autocheckpoint=0`` and the
server's :class:`~openbss.core.wal_checkpoint.WalCheckpointer` thread. It
prints transactions/s, CPU per transaction (every thread of the process) and
the p50/p99/max time of one transaction (tx), which is how long a writer holds
the turn every other writer waits for, and the largest size the log file
reached (a log that never restarts grows by every transaction's pages).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from openbss.core.db import WriterLock
from openbss.core.wal_checkpoint import WalCheckpointer

ROWS_PER_TRANSACTION = 8


@dataclass(frozen=True)
class CommitFigures:
    mode: str
    transactions: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]
    largest_log: int  # bytes of the write-ahead log file at its largest

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def _fresh(path: Path) -> sqlite3.Connection:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
    connection.execute("CREATE INDEX ix_item_a ON item (a)")
    connection.execute("CREATE INDEX ix_item_b ON item (b)")
    return connection


def measure(path: Path, transactions: int, *, background: bool) -> CommitFigures:
    connection = _fresh(path)
    checkpointer = None
    writer_lock = WriterLock(None)  # as in the server: held for each transaction
    if background:
        connection.execute("PRAGMA wal_autocheckpoint=0")
        checkpointer = WalCheckpointer(str(path), writer_turn=writer_lock.first_turn)
        checkpointer.start()
    latencies: list[float] = []
    largest_log = 0
    log_file = Path(f"{path}-wal")
    began, cpu_began = time.perf_counter(), time.process_time()
    try:
        for _ in range(transactions):
            start = time.perf_counter()
            writer_lock.acquire()
            try:
                connection.execute("BEGIN")
                for _ in range(ROWS_PER_TRANSACTION):
                    connection.execute(
                        "INSERT INTO item (a, b) VALUES (?, ?)", (os.urandom(24).hex(), os.urandom(24).hex())
                    )
                connection.execute("COMMIT")
            finally:
                writer_lock.release()
            latencies.append(time.perf_counter() - start)
            largest_log = max(largest_log, log_file.stat().st_size)
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        connection.close()
    mode = "a thread" if background else "commits"
    return CommitFigures(mode, transactions, seconds, cpu_seconds, latencies, largest_log)


def run_checkpoint_benchmark(console: Console, *, directory: str | None, transactions: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory(dir=directory, prefix="openbss-bench-") as folder:
        path = Path(folder) / "commits.db"
        console.print(f"{transactions:,} transactions of {ROWS_PER_TRANSACTION} rows each, in {folder}")
        results = [measure(path, transactions, background=bg) for _ in range(rounds) for bg in (False, True)]
    table = Table(title="openbss bench checkpoints: SQLite write transactions")
    for column in ("checkpoints in", "tx/s", "CPU µs/tx", "p50 ms", "p99 ms", "max ms", "largest log MB"):
        table.add_column(column, justify="left" if column == "checkpoints in" else "right", no_wrap=True)
    for r in results:
        table.add_row(
            r.mode,
            f"{r.transactions / r.seconds:,.0f}",
            f"{r.cpu_seconds / r.transactions * 1e6:,.0f}",
            f"{r.percentile(0.5) * 1000:.2f}",
            f"{r.percentile(0.99) * 1000:.2f}",
            f"{max(r.latencies) * 1000:.1f}",
            f"{r.largest_log / 1e6:,.1f}",
        )
    console.print(table)
    return 0
