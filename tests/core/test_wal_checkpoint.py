"""SQLite write-ahead-log checkpoints run by a thread instead of in commits (core.wal_checkpoint)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from openbss.core.db import Database
from openbss.core.wal_checkpoint import WalCheckpointer


def _autocheckpoint(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def _write_rows(database: Database, count: int) -> None:
    with database.session(write=True) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
        for i in range(count):
            session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 500 + str(i)})


def test_commits_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'ckpt.db'}")
    try:
        assert _autocheckpoint(database) == 1000  # SQLite's default: the committing writer checkpoints
        checkpointer = database.start_background_checkpoints(interval=0.02)
        assert checkpointer is not None
        assert _autocheckpoint(database) == 0
        _write_rows(database, 2000)
        deadline = time.monotonic() + 30
        while checkpointer.pages_copied == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert checkpointer.pages_copied > 0
        checkpointer.stop(final=False)  # a checkpoint by hand while the thread's own runs would report busy
        result = checkpointer.checkpoint()
        assert not result.busy
        assert result.checkpointed_pages == result.log_pages  # nothing left behind in the log
    finally:
        database.stop_background_checkpoints()
    assert _autocheckpoint(database) == 1000  # stopped: commits checkpoint again
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == 2000
    database.dispose()


def test_the_log_stays_bounded_under_continuous_writes(tmp_path: Path) -> None:
    path = tmp_path / "bounded.db"
    database = Database(f"sqlite:///{path}")
    checkpointer = database.start_background_checkpoints(interval=0.01)
    assert checkpointer is not None
    try:
        for _ in range(40):
            _write_rows(database, 200)
            time.sleep(0.005)
        assert checkpointer.pages_copied > 0  # the thread kept up while the writes went on
        checkpointer.stop(final=False)  # from here on, checkpoints by hand, none running beside them
        assert not checkpointer.checkpoint().busy
        _write_rows(database, 1)  # the next writer starts the log again from its beginning
        pages = checkpointer.checkpoint().log_pages
        assert 0 <= pages < 50, pages
    finally:
        database.dispose()


def test_no_checkpointer_for_memory_databases() -> None:
    database = Database("sqlite://")
    try:
        assert database.start_background_checkpoints() is None
    finally:
        database.dispose()


def test_the_log_restarts_under_back_to_back_writes(tmp_path: Path) -> None:
    """A writer that never pauses still finds the log restarted: the thread's second pass holds the writer's turn.

    Without it every transaction begins before the unlocked checkpoint ends, appends to the log
    instead of restarting it, and the log file grows by every page ever written.
    """
    path = tmp_path / "restart.db"
    database = Database(f"sqlite:///{path}")
    try:
        with database.session(write=True) as session:
            session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        checkpointer = database.start_background_checkpoints(interval=0.01, restart_log_pages=64)
        assert checkpointer is not None
        transactions, largest_log = 0, 0
        began = time.monotonic()

        def settled() -> bool:
            # Each transaction appends at least one page, so a log that never restarts holds at
            # least as many pages as there were transactions. A restarting log stops growing at a
            # high-water mark, however long a starved checkpoint thread (a busy host) let it grow
            # first: the writes go on until they are twice that mark, or the time is up.
            return (
                time.monotonic() - began >= 1.5
                and checkpointer.tail_passes >= 3
                and largest_log // 4096 < transactions // 2
            )

        while not settled() and time.monotonic() - began < 60:
            with database.session(write=True) as session:
                session.execute(text("SELECT count(*) FROM t")).scalar_one()  # the transaction reads, then writes
                session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": "x" * 3000})
            transactions += 1
            largest_log = max(largest_log, (path.parent / f"{path.name}-wal").stat().st_size)
        assert checkpointer.tail_passes >= 3
        assert largest_log // 4096 < transactions // 2, (largest_log // 4096, transactions)
    finally:
        database.dispose()
    with Database(f"sqlite:///{path}").session() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar_one() == transactions


def test_one_checkpointer_per_file_works_and_another_takes_over_when_it_stops(tmp_path: Path) -> None:
    path = str(tmp_path / "two.db")
    database = Database(f"sqlite:///{path}")
    first = WalCheckpointer(path, interval=0.01)
    second = WalCheckpointer(path, interval=0.01)
    try:
        _write_rows(database, 10)
        first.start()
        deadline = time.monotonic() + 10
        while not first.leading and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.leading
        second.start()  # as a second server process would
        _write_rows(database, 200)
        deadline = time.monotonic() + 10
        while first.checkpoints < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.checkpoints >= 10
        assert (second.leading, second.checkpoints) == (False, 0)  # it never took the writers' turn
        first.stop(final=False)
        _write_rows(database, 200)
        deadline = time.monotonic() + 10
        while second.pages_copied == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert second.leading
        assert second.pages_copied > 0
    finally:
        first.stop(final=False)
        second.stop(final=False)
        database.dispose()
