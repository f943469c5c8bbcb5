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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from openbss.core.write_turn import claim_write_turn

__all__ = ["first_row", "insert_rows", "statement_row"]

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Insert:
    sql: str
    keys: tuple[str, ...]  # row keys, in the order of the statement's placeholders (positional styles)
    names: tuple[str, ...]  # the placeholders' names (named styles), same order as ``keys``
    processors: tuple[Processor | None, ...]
    positional: bool

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = []
        for key, process in zip(self.keys, self.processors, strict=True):
            value = row[key]
            values.append(process(value) if process is not None and value is not None else value)
        if self.positional:
            return tuple(values)
        return dict(zip(self.names, values, strict=True))


_compiled: dict[tuple[int, Table, tuple[str, ...]], _Insert | None] = {}
_compiling = threading.Lock()


def _compile(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Insert | None:
    """The statement for ``keys`` of ``table``; ``None`` if Core must run it (column defaults to compute)."""
    missing = [c for c in table.columns if c.key not in keys]
    if any(c.default is not None for c in missing):
        return None
    columns = [table.columns[k] for k in keys]
    statement = table.insert().values({c.key: bindparam(f"p_{i}", type_=c.type) for i, c in enumerate(columns)})
    compiled = statement.compile(dialect=dialect)
    processors = compiled._bind_processors  # the same processors Core applies
    position = {f"p_{i}": key for i, key in enumerate(keys)}
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(position)
    if sorted(names) != sorted(position):  # a placeholder that is not one of the row's values
        return None
    found = [processors.get(name) for name in names]
    chosen: list[Processor | None] = []
    for processor in found:
        if processor is not None and not callable(processor):  # a tuple type's processors: Core's job
            return None
        chosen.append(processor)
    return _Insert(
        sql=compiled.string,
        keys=tuple(position[name] for name in names),
        names=names,
        processors=tuple(chosen),
        positional=bool(compiled.positional),
    )


def _statement(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Insert | None:
    cache_key = (id(dialect), table, keys)
    try:
        return _compiled[cache_key]
    except KeyError:
        with _compiling:
            if cache_key not in _compiled:
                _compiled[cache_key] = _compile(dialect, table, keys)
            return _compiled[cache_key]


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in the connection's transaction."""
    if not rows:
        return
    keys = tuple(rows[0])
    insert = _statement(connection.dialect, table, keys)
    try:
        if insert is None or any(len(row) != len(keys) for row in rows[1:]):
            raise KeyError(keys)
        parameters: list[Any] = [insert.parameters(row) for row in rows]
    except KeyError:  # rows with other keys than the first: Core inserts them
        connection.execute(table.insert(), list(rows))
        return
    claim_write_turn(connection)  # no engine events fire for the driver's cursor
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        if len(parameters) == 1:
            cursor.execute(insert.sql, parameters[0])
        else:
            cursor.executemany(insert.sql, parameters)
    except dbapi.Error as exc:
        raise DBAPIError.instance(insert.sql, parameters, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()


def first_row(connection: Connection, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of a read-only ``sql``, written in the driver's own parameter style, or ``None``.

    For small probes on a hot path whose statement differs per dialect anyway;
    no type processing is applied to the parameters or the row.
    """
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, parameters)
        row = cursor.fetchone()
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, parameters, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()
    return None if row is None else tuple(row)


@dataclass(frozen=True)
class _Statement:
    sql: str
    names: tuple[str, ...]  # placeholder names, in placeholder order (positional styles)
    processors: tuple[Processor | None, ...]
    defaults: Mapping[str, Any]  # the statement's own values (literals in it, bind parameters given a value)
    positional: bool
    writes: bool

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        processed = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.defaults[name]
            processed.append(process(value) if process is not None and value is not None else value)
        return tuple(processed) if self.positional else dict(zip(self.names, processed, strict=True))


_statements: dict[tuple[int, int], tuple[Any, _Statement]] = {}


def _compile_statement(dialect: Dialect, statement: Any) -> _Statement:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.bind_names.values())
    processors = []
    for name in names:
        processor = compiled._bind_processors.get(name)
        if processor is not None and not callable(processor):
            raise TypeError(f"{name}: tuple-typed parameters are not supported here")
        processors.append(processor)
    defaults = {
        name: parameter.effective_value
        for parameter, name in compiled.bind_names.items()
        if parameter.value is not None or parameter.callable is not None
    }
    return _Statement(
        compiled.string, names, tuple(processors), defaults, bool(compiled.positional), bool(statement.is_dml)
    )


def statement_row(connection: Connection, statement: Any, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run a Core ``statement`` (a module-level constant; no IN-list parameters) on the driver.

    Compiled once per dialect; the parameters get their types' bind
    processors, the first row comes back as the driver returns it (no result
    processing: for counters, ids and other plain values). A statement that
    writes claims the SQLite writer's turn first.
    """
    key = (id(connection.dialect), id(statement))
    cached = _statements.get(key)
    if cached is None or cached[0] is not statement:
        with _compiling:
            cached = _statements[key] = (statement, _compile_statement(connection.dialect, statement))
    compiled = cached[1]
    if compiled.writes:
        claim_write_turn(connection)
    parameters = compiled.parameters(values)
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.sql, parameters)
        row = cursor.fetchone() if cursor.description else None
    except dbapi.Error as exc:
        raise DBAPIError.instance(compiled.sql, parameters, exc, dbapi.Error, dialect=connection.dialect) from exc
    finally:
        cursor.close()
    return None if row is None else tuple(row)
