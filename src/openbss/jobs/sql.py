"""Small SQL building blocks the claim logic shares on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def rows_affected(session: Session, statement: Executable) -> int:
    """Execute an UPDATE/DELETE and return how many rows it changed (the claim test: 1 wins)."""
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return cast(CursorResult[Any], result).rowcount


def insert_if_absent(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows, silently skipping any that would break a unique constraint."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))
    elif dialect == "sqlite":
        session.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"insert_if_absent on {dialect}")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
