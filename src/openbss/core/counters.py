"""Named counters in a table of ``(name, value)`` rows, incremented with one upsert.

``INSERT (name, <start>) ... ON CONFLICT (name) DO UPDATE SET value = value + 1``:
the first increment creates the row, every later one takes the row's write lock
(PostgreSQL row lock, SQLite database write lock) until the transaction ends.
Used by the customer numbers and by the shared caches' generations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite


def increment_statement(table: Any, dialect: str, *, start: Any) -> Any:
    """The upsert incrementing row ``:name`` of ``table`` (``start``: its first value, a literal or a bind
    parameter). Build it once per dialect: building costs more than running it."""
    values = {"name": bindparam("name"), "value": start}
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(**values)
        return pg.on_conflict_do_update(index_elements=["name"], set_={"value": table.value + 1})
    if dialect == "sqlite":
        lite = sqlite.insert(table).values(**values)
        return lite.on_conflict_do_update(index_elements=["name"], set_={"value": table.value + 1})
    raise RuntimeError(f"counters need SQLite or PostgreSQL, not {dialect}")  # pragma: no cover
