"""Reading one resource by id, straight through the database driver.

``GET /{resource}/{id}`` is the most frequent request a BSS answers (every
screen of an agent console, every integration lookup). Through an ORM session
it costs several times the query itself: the session, its transaction, the
statement's cache key, the result machinery. Here the statement is plain SQL
written once per resource table, run on a connection of its own that each
thread keeps in autocommit mode, so the database sees one ``SELECT`` and
nothing else (no ``BEGIN``/``ROLLBACK`` round trips on PostgreSQL).

The document column is read as text and decoded by :mod:`openbss.core.jsoncodec`
so that amounts stay exact ``Decimal`` values, as on every other path.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from openbss.core import jsoncodec
from openbss.core.db import Database
from openbss.tmf.resource import Doc, ResourceType

__all__ = ["PointReader", "ReadRow"]


@dataclass(frozen=True, slots=True)
class ReadRow:
    """The columns a response needs (the same names as a table row)."""

    id: str
    doc: Doc
    version: int
    owner_party_id: str | None


class PointReader:
    """Reads single rows by primary key for one :class:`Database`.

    Each thread gets its own driver connection, detached from the pool and
    switched to autocommit; a connection that fails is dropped and the read is
    tried once more on a new one (a restarted PostgreSQL, a dropped socket).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._local = threading.local()
        self._sql: dict[str, str] = {}
        self._placeholder = "?" if database.engine.dialect.name == "sqlite" else "%s"

    def _statement(self, rt: ResourceType) -> str:
        sql = self._sql.get(rt.kind)
        if sql is None:
            table = rt.model.__table__.name
            sql = self._sql[rt.kind] = (
                f'SELECT id, CAST(doc AS TEXT), version, owner_party_id FROM "{table}" WHERE id = {self._placeholder}'
            )
        return sql

    def _connection(self) -> Any:
        conn: Any = getattr(self._local, "conn", None)
        if conn is None:
            fairy = self._database.engine.raw_connection()
            fairy.detach()  # ours from now on: the pool neither resets nor reuses it
            conn = fairy.dbapi_connection
            if self._database.engine.dialect.name == "sqlite":
                conn.isolation_level = None  # each SELECT its own read transaction
            else:
                conn.autocommit = True
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):  # it is broken already; we only let go of it
                conn.close()

    def read(self, rt: ResourceType, resource_id: str) -> ReadRow | None:
        sql = self._statement(rt)
        for attempt in (1, 2):
            try:
                cursor = self._connection().cursor()
                try:
                    cursor.execute(sql, (resource_id,))
                    found = cursor.fetchone()
                finally:
                    cursor.close()
                break
            except self._database.engine.dialect.loaded_dbapi.OperationalError:
                self._drop()
                if attempt == 2:
                    raise
        if found is None:
            return None
        return ReadRow(str(found[0]), jsoncodec.loads(found[1]), int(found[2]), found[3])

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's storage goes)."""
        self._drop()


_readers: dict[int, PointReader] = {}
_readers_lock = threading.Lock()


def point_reader(database: Database) -> PointReader:
    """The reader of ``database`` (one per Database object)."""
    reader = _readers.get(id(database))
    if reader is None or reader._database is not database:
        with _readers_lock:
            reader = _readers[id(database)] = PointReader(database)
    return reader
