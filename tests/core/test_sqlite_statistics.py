"""The SQLite planner's statistics follow growing tables (core.sqlite_statistics)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from openbss.core.db import Database
from openbss.core.sqlite_statistics import MIN_ROWS, StatisticsKeeper, statistics_marker
from polling import eventually

# the shape that went wrong: without statistics SQLite looked an order's service orders up
# through the index on (current, status) and read every open one
SCHEMA = (
    "CREATE TABLE sb (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, current BOOLEAN NOT NULL, status TEXT)",
    "CREATE INDEX ix_sb_order_id ON sb (order_id)",
    "CREATE INDEX ix_sb_open ON sb (current, status)",
)
LOOKUP = "SELECT id FROM sb WHERE order_id = :o AND current IS 1"


@dataclass
class Files:
    """A database with the ``sb`` table, and a keeper with a connection of its own on the same file."""

    database: Database
    path: str
    keeper: StatisticsKeeper
    connection: sqlite3.Connection


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Files]:
    path = str(tmp_path / "stats.db")
    database = Database(f"sqlite:///{path}")
    with database.session(write=True) as session:
        for statement in SCHEMA:
            session.execute(text(statement))
    connection = sqlite3.connect(path)
    try:
        yield Files(database, path, StatisticsKeeper(path, nullcontext), connection)
    finally:
        connection.close()
        database.dispose()


def _add_orders(database: Database, first: int, count: int) -> None:
    with database.session(write=True) as session:
        session.execute(
            text("INSERT INTO sb (order_id, current, status) VALUES (:o, 1, 'inProgress')"),
            [{"o": f"order-{n}"} for n in range(first, first + count)],
        )


def _plan(database: Database) -> str:
    with database.session() as session:
        rows = session.execute(text("EXPLAIN QUERY PLAN " + LOOKUP), {"o": "order-1"}).all()
    return " ".join(str(row[-1]) for row in rows)


def test_a_table_is_analysed_once_it_has_rows_and_again_as_it_doubles(files: Files) -> None:
    keeper, connection = files.keeper, files.connection
    _add_orders(files.database, 0, MIN_ROWS - 1)
    assert keeper.stale_tables(connection) == []  # too small for any plan to matter
    _add_orders(files.database, MIN_ROWS - 1, 1)
    assert keeper.stale_tables(connection) == ["sb"]
    assert keeper.refresh(connection) == ["sb"]
    stats = connection.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'sb' ORDER BY idx").fetchall()
    assert [row[0] for row in stats] == ["ix_sb_open", "ix_sb_order_id"]
    assert keeper.stale_tables(connection) == []
    assert keeper.refresh(connection) == []  # nothing due: no ANALYZE, no new marker
    _add_orders(files.database, MIN_ROWS, MIN_ROWS - 1)
    assert keeper.stale_tables(connection) == []  # grown, but not yet twice the size
    _add_orders(files.database, 2 * MIN_ROWS - 1, 1)
    assert keeper.stale_tables(connection) == ["sb"]
    assert keeper.runs == 1


def test_statistics_written_by_another_process_reach_the_pooled_connections(files: Files) -> None:
    _add_orders(files.database, 0, 3000)
    assert "ix_sb_open" in _plan(files.database)  # the fixed guesses pick the wrong index
    marker = statistics_marker(files.path)
    assert not os.path.exists(marker)
    assert files.keeper.refresh(files.connection) == ["sb"]
    assert os.path.exists(marker)
    # the same pooled connection would keep its old plan; it is replaced at a checkout after the
    # process looked at the marker again (at most MARKER_LOOK_SECONDS later)
    assert eventually(lambda: "ix_sb_order_id" in _plan(files.database))


def test_a_keeper_started_on_an_analysed_database_does_not_analyse_again(files: Files) -> None:
    _add_orders(files.database, 0, 500)
    assert files.keeper.refresh(files.connection) == ["sb"]
    second = StatisticsKeeper(files.path, nullcontext)  # a restarted server
    assert second.stale_tables(files.connection) == []


def test_the_checkpoint_thread_keeps_the_statistics(files: Files) -> None:
    database = files.database
    checkpointer = database.start_background_checkpoints(interval=0.01, statistics_interval=0.01)
    assert checkpointer is not None and checkpointer.statistics is not None
    try:
        _add_orders(database, 0, 3000)
        statistics = checkpointer.statistics
        assert eventually(lambda: statistics.runs >= 1, seconds=30)
        assert eventually(lambda: "ix_sb_order_id" in _plan(database))
    finally:
        database.stop_background_checkpoints()


def test_no_statistics_thread_when_asked_for_none(files: Files) -> None:
    checkpointer = files.database.start_background_checkpoints(interval=0.01, statistics_interval=None)
    try:
        assert checkpointer is not None and checkpointer.statistics is None
    finally:
        files.database.stop_background_checkpoints()


def test_a_table_without_rowids_is_counted_and_analysed(files: Files) -> None:
    with files.database.session(write=True) as session:
        session.execute(text("CREATE TABLE entry (k TEXT, v TEXT, PRIMARY KEY (k, v)) WITHOUT ROWID"))
        session.execute(text("CREATE INDEX ix_entry_v ON entry (v, k)"))
        session.execute(
            text("INSERT INTO entry VALUES (:k, :v)"), [{"k": f"k{n}", "v": f"v{n % 7}"} for n in range(MIN_ROWS)]
        )
    keeper, connection = files.keeper, files.connection
    assert keeper.stale_tables(connection) == ["entry"]  # sb is empty: not due
    assert keeper.refresh(connection) == ["entry"]
    stats = connection.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'entry' ORDER BY idx").fetchall()
    assert [row[0] for row in stats] == ["entry", "ix_entry_v"]  # the primary key is the table itself
    assert keeper.stale_tables(connection) == []
