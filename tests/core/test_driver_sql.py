"""INSERTs run on the driver's cursor (core.driver_sql) store exactly what Core stores, on SQLite
and PostgreSQL, and fail the way Core fails."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.exc import IntegrityError

from openbss.core.counters import increment_statement
from openbss.core.db import Database
from openbss.core.driver_sql import first_row, insert_rows, statement_record, statement_row
from openbss.customers.models import CustomerNumberSequence
from openbss.events.models import EventDelivery, OutboxEvent
from openbss.tmf.models import SearchEntry

OUTBOX = cast(Table, OutboxEvent.__table__)
DELIVERY = cast(Table, EventDelivery.__table__)
ENTRIES = cast(Table, SearchEntry.__table__)


def _event(event_id: str, **payload: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "api": "TMF629",
        "event_type": "CustomerCreateEvent",
        "resource_kind": "customer",
        "resource_id": "r-1",
        "occurred_at": datetime(2026, 11, 21, 23, 59, 58, 123456, tzinfo=UTC),
        "payload": {"amount": Decimal("12.30"), "name": "Zoë", "nested": [1, None, True], **payload},
        "fanned_out": False,
    }


def _stored(db: Database, event_ids: list[str]) -> list[tuple[Any, ...]]:
    """The rows as the database holds them (no SQLAlchemy type processing on the way back)."""
    with db.session() as session:
        rows = session.execute(
            text(
                "SELECT event_id, api, event_type, resource_kind, resource_id, occurred_at, "
                "CAST(payload AS TEXT), fanned_out FROM outbox_event WHERE event_id IN :ids ORDER BY event_id"
            ).bindparams(bindparam("ids", value=list(event_ids), expanding=True)),
        ).all()
    # the two paths wrote different ids; compare everything else
    return [tuple(row)[1:] for row in rows]


def test_the_driver_path_stores_what_core_stores(db: Database) -> None:
    with db.session(write=True) as session:
        session.connection().execute(OUTBOX.insert(), [_event("core-1"), _event("core-2", extra="x")])
        insert_rows(session.connection(), OUTBOX, [_event("fast-1"), _event("fast-2", extra="x")])
    assert _stored(db, ["core-1", "core-2"]) == _stored(db, ["fast-1", "fast-2"])
    with db.session() as session:
        loaded = session.execute(select(OutboxEvent).where(OutboxEvent.event_id == "fast-1")).scalar_one()
    assert loaded.payload["amount"] == Decimal("12.30")  # exact, not a float
    assert loaded.occurred_at == datetime(2026, 11, 21, 23, 59, 58, 123456, tzinfo=UTC)
    assert loaded.fanned_out is False


def test_one_row_and_many_rows(db: Database) -> None:
    rows = [
        {"kind": "customer", "resource_id": "c-1", "path": f"p{i}", "value": f"v{i}", "value_type": "s"}
        for i in range(5)
    ]
    with db.session(write=True) as session:
        insert_rows(session.connection(), ENTRIES, rows[:1])
        insert_rows(session.connection(), ENTRIES, rows[1:])
        insert_rows(session.connection(), ENTRIES, [])
    with db.session() as session:
        paths = session.execute(select(SearchEntry.path).where(SearchEntry.resource_id == "c-1")).scalars()
        assert sorted(paths) == ["p0", "p1", "p2", "p3", "p4"]


def test_a_constraint_violation_is_sqlalchemys_integrity_error_and_nothing_stays(db: Database) -> None:
    with pytest.raises(IntegrityError), db.session(write=True) as session:
        insert_rows(session.connection(), OUTBOX, [_event("twice"), _event("twice")])
    with db.session() as session:
        assert session.execute(select(OutboxEvent).where(OutboxEvent.event_id == "twice")).first() is None


def test_columns_left_to_python_defaults_go_through_core(db: Database) -> None:
    with db.session(write=True) as session:
        insert_rows(session.connection(), OUTBOX, [_event("with-delivery")])
        seq = session.execute(select(OutboxEvent.seq).where(OutboxEvent.event_id == "with-delivery")).scalar_one()
        # status and attempts are left out: their Python-side defaults must still be applied
        insert_rows(
            session.connection(),
            DELIVERY,
            [
                {
                    "event_seq": seq,
                    "subscription_id": "s-1",
                    "callback": "http://127.0.0.1:9/cb",
                    "next_attempt_at": datetime(2026, 11, 22, tzinfo=UTC),
                }
            ],
        )
    with db.session() as session:
        delivery = session.execute(select(EventDelivery).where(EventDelivery.event_seq == seq)).scalar_one()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_rows_may_list_their_keys_in_any_order(db: Database) -> None:
    first = _event("order-1")
    second = dict(reversed(list(_event("order-2").items())))
    with db.session(write=True) as session:
        insert_rows(session.connection(), OUTBOX, [first, second])
    assert _stored(db, ["order-1"]) == _stored(db, ["order-2"])


def test_a_core_statement_runs_on_the_driver_with_its_own_literals(db: Database) -> None:
    upsert = increment_statement(CustomerNumberSequence, db.engine.dialect.name, start=1).returning(
        CustomerNumberSequence.value
    )
    with db.session(write=True) as session:
        first = statement_row(session.connection(), upsert, {"name": "driver-test"})
        second = statement_row(session.connection(), upsert, {"name": "driver-test"})
        other = statement_row(session.connection(), upsert, {"name": "driver-test-2"})
    assert (first, second, other) == ((1,), (2,), (1,))
    with db.session() as session:
        stored = session.execute(
            select(CustomerNumberSequence.value).where(CustomerNumberSequence.name == "driver-test")
        ).scalar_one()
    assert stored == 2


def test_first_row_answers_none_when_nothing_matches(db: Database) -> None:
    sql = "SELECT 1 FROM outbox_event WHERE event_id = " + ("?" if db.engine.dialect.name == "sqlite" else "%s")
    with db.session(write=True) as session:
        insert_rows(session.connection(), OUTBOX, [_event("probe-1")])
        assert first_row(session.connection(), sql, ("probe-1",)) == (1,)
        assert first_row(session.connection(), sql, ("probe-2",)) is None


_EVENT_BY_ID = select(OutboxEvent.event_id, OutboxEvent.occurred_at, OutboxEvent.payload, OutboxEvent.fanned_out).where(
    OutboxEvent.event_id == bindparam("event_id")
)


def test_a_record_comes_back_as_core_returns_it(db: Database) -> None:
    with db.session(write=True) as session:
        insert_rows(session.connection(), OUTBOX, [_event("record-1")])
        record = statement_record(session.connection(), _EVENT_BY_ID, {"event_id": "record-1"})
        through_core = session.connection().execute(_EVENT_BY_ID, {"event_id": "record-1"}).one()
        missing = statement_record(session.connection(), _EVENT_BY_ID, {"event_id": "record-2"})
    assert record == tuple(through_core)
    assert record is not None
    assert record[1] == datetime(2026, 11, 21, 23, 59, 58, 123456, tzinfo=UTC)
    assert record[2]["amount"] == Decimal("12.30")  # the document decoded, amounts exact
    assert missing is None


def test_a_record_is_read_only(db: Database) -> None:
    upsert = increment_statement(CustomerNumberSequence, db.engine.dialect.name, start=1)
    with db.session(write=True) as session, pytest.raises(ValueError, match="read-only"):
        statement_record(session.connection(), upsert, {"name": "driver-test"})
