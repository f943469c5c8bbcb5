"""Hot statements run on the database driver's cursor: plain INSERTs compiled once, and probes.

The hottest writes of a request are INSERTs of rows built in Python: a new
resource's row, its search entries, a customer's match keys, the outbox
events and process runs written at commit. Run through SQLAlchemy Core, each
statement pays for its cache key, parameter processing, execution context
and result object, several times what SQLite needs to run it (measured on a
POST customer: about 40 µs of SQLAlchemy per statement against 5 to 15 µs in
SQLite).

:func:`insert_rows` compiles ``INSERT INTO table (columns) VALUES (...)``
once per table, column set and dialect, keeps the columns' bind processors
(JSON serialisation, SQLite's date-time strings, exact decimals as text) and
hands the rows straight to the driver's ``executemany`` on the connection of
the current transaction. Driver errors come back as SQLAlchemy's exceptions
(``IntegrityError`` and the others), as from ``Connection.execute``.

Rows whose table has Python-side column defaults for columns the rows leave
out go through Core instead, which knows how to compute them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from openbss.core.write_turn import claim_write_turn

__all__ = ["first_row", "insert_rows", "statement_record", "statement_row"]

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """A Core statement compiled for one dialect, ready for the driver."""

    sql: str
    names: tuple[str, ...]  # placeholder names, in placeholder order
    processors: tuple[Processor | None, ...]
    positional: bool
    writes: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)  # values the statement holds itself (literals)
    results: tuple[Processor | None, ...] = ()  # result processors of a SELECT's columns, in column order

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        """The driver's parameters; ``KeyError`` if ``values`` lacks one the statement does not hold."""
        processed = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.defaults[name]
            processed.append(process(value) if process is not None and value is not None else value)
        return tuple(processed) if self.positional else dict(zip(self.names, processed, strict=True))


def _compile(dialect: Dialect, statement: Any, column_keys: list[str] | None = None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.bind_names.values())
    processors = []
    for name in names:
        processor = compiled._bind_processors.get(name)  # the same processors Core applies
        if processor is not None and not callable(processor):
            raise TypeError(f"{name}: tuple-typed parameters are not supported here")
        processors.append(processor)
    defaults = {
        name: parameter.effective_value
        for parameter, name in compiled.bind_names.items()
        if parameter.value is not None or parameter.callable is not None
    }
    results = tuple(
        column.type._cached_result_processor(dialect, None) for column in getattr(compiled, "_result_columns", ())
    )
    return _Compiled(
        compiled.string,
        names,
        tuple(processors),
        bool(compiled.positional),
        bool(statement.is_dml),
        defaults,
        results,
    )


def _run(connection: Connection, sql: str, parameters: Any, *, many: bool = False) -> tuple[Any, ...] | None:
    """Run ``sql`` on the driver's cursor in the connection's transaction; its first row, if it returns rows."""
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
            return None
        cursor.execute(sql, parameters)
        row = cursor.fetchone() if cursor.description else None
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, parameters, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()
    return None if row is None else tuple(row)


_compiling = threading.Lock()
_inserts: dict[tuple[int, Table, tuple[str, ...]], _Compiled | None] = {}
_statements: dict[tuple[int, int], tuple[Any, _Compiled]] = {}


def _insert(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Compiled | None:
    """``INSERT`` of ``keys`` into ``table``; ``None`` if Core must run it (column defaults to compute)."""
    if any(c.default is not None for c in table.columns if c.key not in keys):
        return None
    try:
        compiled = _compile(dialect, table.insert(), list(keys))
    except TypeError:
        return None
    return compiled if sorted(compiled.names) == sorted(keys) else None


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in the connection's transaction."""
    if not rows:
        return
    keys = tuple(rows[0])
    cache_key = (id(connection.dialect), table, keys)
    if cache_key not in _inserts:
        with _compiling:
            _inserts[cache_key] = _insert(connection.dialect, table, keys)
    insert = _inserts[cache_key]
    try:
        if insert is None or any(len(row) != len(keys) for row in rows[1:]):
            raise KeyError(keys)
        parameters: list[Any] = [insert.parameters(row) for row in rows]
    except KeyError:  # rows with other keys than the first: Core inserts them
        connection.execute(table.insert(), list(rows))
        return
    claim_write_turn(connection)  # no engine events fire for the driver's cursor
    if len(parameters) == 1:
        _run(connection, insert.sql, parameters[0])
    else:
        _run(connection, insert.sql, parameters, many=True)


def first_row(connection: Connection, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a read-only ``sql``, written in the driver's own parameter style, or ``None``.

    For small probes on a hot path whose statement differs per dialect anyway;
    no type processing is applied to the parameters or the row.
    """
    return _run(connection, sql, parameters)


def _compiled_statement(connection: Connection, statement: Any) -> _Compiled:
    key = (id(connection.dialect), id(statement))
    cached = _statements.get(key)
    if cached is None or cached[0] is not statement:
        with _compiling:
            cached = _statements[key] = (statement, _compile(connection.dialect, statement))
    return cached[1]


def statement_row(connection: Connection, statement: Any, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run a Core ``statement`` (a module-level constant; no IN-list parameters) on the driver.

    Compiled once per dialect; the parameters get their types' bind
    processors, the first row comes back as the driver returns it (no result
    processing: for counters, ids and other plain values). A statement that
    writes claims the SQLite writer's turn first.
    """
    compiled = _compiled_statement(connection, statement)
    if compiled.writes:
        claim_write_turn(connection)
    return _run(connection, compiled.sql, compiled.parameters(values))


def statement_record(connection: Connection, statement: Any, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """:func:`statement_row` for a read-only ``SELECT`` whose columns need their types' result
    processing (JSON documents, date-times): the first row, each value as Core would return it."""
    compiled = _compiled_statement(connection, statement)
    if compiled.writes:
        raise ValueError("statement_record runs read-only statements")
    row = _run(connection, compiled.sql, compiled.parameters(values))
    if row is None:
        return None
    return tuple(
        process(value) if process is not None and value is not None else value
        for process, value in zip(compiled.results, row, strict=True)
    )
