"""Every query of the OSS event inbox (table ``oss_event``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from openbss.jobs.sql import rows_affected
from openbss.oss.models import OssEventRow

PENDING = "pending"
APPLIED = "applied"
FAILED = "failed"
ERROR_TEXT_LIMIT = 4000


def insert_event(session: Session, values: dict[str, Any]) -> int | None:
    """Store an event; its row id, or None when an event with the same ``event_id`` is already stored."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(OssEventRow).on_conflict_do_nothing(index_elements=["event_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(OssEventRow).on_conflict_do_nothing(index_elements=["event_id"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"insert_event on {dialect}")
    found = session.execute(statement.returning(OssEventRow.id), values).scalar_one_or_none()
    return int(found) if found is not None else None


def has_pending(session: Session, service_order_id: str) -> bool:
    """Whether any event about ``service_order_id`` waits to be applied (no lock: a hint)."""
    statement = (
        select(OssEventRow.id)
        .where(OssEventRow.service_order_id == service_order_id, OssEventRow.status == PENDING)
        .limit(1)
    )
    return session.execute(statement).first() is not None


def next_pending(session: Session, service_order_id: str) -> OssEventRow | None:
    """The oldest event about ``service_order_id`` still waiting, locked until the transaction ends.

    Not ``SKIP LOCKED``: a second worker waits here until the first has
    applied (or given up on) that event, and then moves on to the next one,
    so the events of one service order are applied one after the other in
    the order they arrived.
    """
    statement = (
        select(OssEventRow)
        .where(OssEventRow.service_order_id == service_order_id, OssEventRow.status == PENDING)
        .order_by(OssEventRow.id)
        .limit(1)
        .with_for_update()
    )
    return session.execute(statement).scalar_one_or_none()


def mark_applied(session: Session, row: OssEventRow, now: datetime) -> None:
    row.status = APPLIED
    row.applied_at = now
    row.last_error = None
    session.flush()


def record_failure(session: Session, event_pk: int, error: str, *, give_up: bool) -> bool:
    """Count a failed try of a still pending event; with ``give_up`` it becomes ``failed``."""
    statement = (
        update(OssEventRow)
        .where(OssEventRow.id == event_pk, OssEventRow.status == PENDING)
        .values(
            attempts=OssEventRow.attempts + 1,
            last_error=error[:ERROR_TEXT_LIMIT],
            status=FAILED if give_up else PENDING,
        )
    )
    return rows_affected(session, statement) == 1


def event(session: Session, event_pk: int) -> OssEventRow | None:
    return session.get(OssEventRow, event_pk)


def events_of(session: Session, service_order_id: str) -> list[OssEventRow]:
    """The stored events about one service order, in arrival order."""
    statement = select(OssEventRow).where(OssEventRow.service_order_id == service_order_id).order_by(OssEventRow.id)
    return list(session.execute(statement).scalars())
