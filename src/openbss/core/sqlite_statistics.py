"""The SQLite query planner's statistics, kept up with tables that grow.

SQLite chooses an index from the statistics ``ANALYZE`` writes to
``sqlite_stat1``. A database that never had them (every new one) is planned
on fixed guesses, and those guesses can pick the wrong index: a lookup of an
order's service orders (``order_id = ? AND current``) then went through the
index on ``current``, reading every open service order instead of an order's
one or two, and fulfilment slowed down in step with the number of orders.
PostgreSQL analyses its tables by itself (autovacuum); SQLite does not.

:class:`StatisticsKeeper` does it for SQLite. The background checkpointer
(:mod:`openbss.core.wal_checkpoint`), one per database file among all the
processes, calls :meth:`StatisticsKeeper.refresh` every few seconds:

* a table is analysed once it holds :data:`MIN_ROWS` rows and has no
  statistics, and again each time it has grown :data:`GROWTH` times since
  this keeper last analysed it, so a table growing from empty to *n* rows is
  analysed about log2(*n*) times;
* ``PRAGMA analysis_limit`` bounds each ``ANALYZE`` to a sample of every
  index (a few milliseconds for millions of rows), and it runs during the
  writer's turn, because it writes ``sqlite_stat1``;
* the size of a table is read as its largest ``rowid``, one index seek (a
  table without rowids is counted, at most once a minute).

A connection reads the statistics when it opens and keeps them. After new
ones were written, the keeper touches the file ``<database>.statistics``; a
pooled connection whose file was touched since it opened is replaced when it
is next checked out (:func:`watch_statistics`; a process looks at the file's
time at most twice a second), so every process plans with the new
statistics within about half a second.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

__all__ = [
    "ANALYSIS_LIMIT",
    "GROWTH",
    "MIN_ROWS",
    "StatisticsKeeper",
    "statistics_marker",
    "watch_statistics",
]

log = logging.getLogger("openbss.db")

MIN_ROWS = 64
"""A table is first analysed once it holds this many rows (below, any plan is fast)."""
GROWTH = 2.0
"""A table is analysed again once it has grown this many times since it was last analysed."""
COUNT_SECONDS = 60.0
"""Seconds between two counts of a table without rowids (``search_entry``: millions of rows)."""
ANALYSIS_LIMIT = 1000
"""Rows ``ANALYZE`` samples per index (``PRAGMA analysis_limit``)."""

_SEEN = "openbss.statistics_seen"


def statistics_marker(path: str) -> str:
    """The file touched whenever new statistics of the database at ``path`` were written."""
    return f"{path}.statistics"


MARKER_LOOK_SECONDS = 0.5
"""Seconds a process goes on with the marker's time it read last (a ``stat`` per checkout was 2% of a server's time)."""


class _Marker:
    """The statistics marker's modification time, read again at most every :data:`MARKER_LOOK_SECONDS`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._time: int | None = None
        self._next_look = 0.0

    def time(self, *, fresh: bool = False) -> int | None:
        now = time.monotonic()
        if fresh or now >= self._next_look:
            try:
                self._time = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                self._time = None
            self._next_look = now + MARKER_LOOK_SECONDS
        return self._time


def watch_statistics(engine: Engine, path: str) -> None:
    """Replace a pooled connection of ``engine`` at checkout once newer statistics than its own exist."""
    marker = _Marker(statistics_marker(path))

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        # read before the connection loads the schema and statistics: at worst it is replaced once for nothing
        record.info[_SEEN] = marker.time(fresh=True)

    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get(_SEEN) != marker.time():
            raise DisconnectionError("newer planner statistics: the pool opens a new connection")


class StatisticsKeeper:
    """Analyses the tables of one SQLite file as they grow (see the module docstring)."""

    def __init__(self, path: str, writer_turn: Callable[[], AbstractContextManager[object]]) -> None:
        self.path = path
        self.writer_turn = writer_turn
        self.analysed: dict[str, int] = {}
        """Each table's size when this keeper last analysed it."""
        self.runs = 0
        self._counted: dict[str, tuple[float, int]] = {}  # WITHOUT ROWID tables: (when, rows) of the last count

    def stale_tables(self, connection: sqlite3.Connection) -> list[str]:
        """The tables due for ``ANALYZE``."""
        return list(self._due(connection))

    def _due(self, connection: sqlite3.Connection) -> dict[str, int]:
        """The tables due for ``ANALYZE``, with the size each has now."""
        stats: dict[str, int] = {}
        try:
            for table, stat in connection.execute("SELECT tbl, stat FROM sqlite_stat1"):
                rows = _leading_int(stat)
                if rows is not None:
                    stats[table] = max(rows, stats.get(table, 0))
        except sqlite3.OperationalError:
            pass  # no sqlite_stat1 yet: nothing was ever analysed
        due: dict[str, int] = {}
        for (table,) in connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall():
            size = self._size(connection, table)
            if size < MIN_ROWS:
                continue
            before = self.analysed.get(table, stats.get(table))
            if before is None or size >= before * GROWTH:
                due[table] = size
        return due

    def refresh(self, connection: sqlite3.Connection) -> list[str]:
        """Analyse the tables that are due; the ones analysed. Tells the pools when there were any."""
        due = self._due(connection)
        if not due:
            return []
        connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        with self.writer_turn():
            for table in due:
                connection.execute(f'ANALYZE "{table}"')
            if connection.in_transaction:
                connection.commit()
        self.analysed.update(due)
        self.runs += 1
        Path(statistics_marker(self.path)).touch()
        log.info("planner statistics of %s refreshed: %s", self.path, ", ".join(due))
        return list(due)

    def _size(self, connection: sqlite3.Connection, table: str) -> int:
        """About how many rows ``table`` holds: its largest rowid, one index seek.

        A table without rowids is counted instead, which reads it whole: at
        most every :data:`COUNT_SECONDS` (in between the last count stands).
        """
        largest = _largest_rowid(connection, table)
        if largest is not None:
            return largest
        counted = self._counted.get(table)
        if counted is None or time.monotonic() - counted[0] >= COUNT_SECONDS:
            rows = int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            counted = self._counted[table] = (time.monotonic(), rows)
        return counted[1]


def _leading_int(stat: str) -> int | None:
    head = stat.split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def _largest_rowid(connection: sqlite3.Connection, table: str) -> int | None:
    """``max(rowid)`` of ``table`` (0 when empty), or None for a table without rowids."""
    try:
        row = connection.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row and row[0] is not None else 0
