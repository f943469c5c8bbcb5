"""Migration 0014: process_run loses its process index; outbox events are indexed only until fanned out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import false, inspect, select

from openbss.core.db import Base, Database
from openbss.core.migrate import alembic_config, upgrade
from openbss.events.fanout import fan_out
from openbss.events.models import OutboxEvent

UNFANNED = "SELECT seq FROM outbox_event WHERE fanned_out = 0 ORDER BY seq LIMIT 10"


def _downgrade(database: Database, revision: str) -> None:
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _indexes(database: Database, table: str) -> set[str]:
    with database.engine.connect() as connection:
        return {str(ix["name"]) for ix in inspect(connection).get_indexes(table)}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    yield db
    db.dispose()


def test_the_indexes_change_and_change_back(database: Database) -> None:
    upgrade(database, "0013")
    assert "ix_process_run_process_id" in _indexes(database, "process_run")
    assert "ix_outbox_event_fanned_out" in _indexes(database, "outbox_event")

    upgrade(database)
    assert "ix_process_run_process_id" not in _indexes(database, "process_run")
    assert _indexes(database, "outbox_event") == {"ix_outbox_event_unfanned"}
    with database.engine.connect() as connection:
        plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + UNFANNED).all())
        assert "ix_outbox_event_unfanned" in plan
        # the migrated schema is the one the models describe
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if "outbox_event" in repr(d) or "process_run" in repr(d)] == []

    _downgrade(database, "0013")
    assert "ix_process_run_process_id" in _indexes(database, "process_run")
    assert _indexes(database, "outbox_event") == {"ix_outbox_event_fanned_out"}


def test_the_fan_out_finds_unfanned_events_through_the_partial_index(database: Database) -> None:
    upgrade(database)
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO outbox_event (event_id, api, event_type, resource_kind, resource_id, occurred_at, payload, "
            "fanned_out) VALUES (?, 'customerManagement', 'CustomerCreateEvent', 'customer', 'c', "
            "'2026-11-22 05:00:00.000000', '{}', ?)",
            [(f"e{n}", 1 if n % 3 == 0 else 0) for n in range(30)],
        )
    with database.session(write=True) as session:
        assert fan_out(session, limit=100) == 20  # the ten already fanned out are not taken again
    with database.session() as session:
        left = session.execute(select(OutboxEvent.seq).where(OutboxEvent.fanned_out == false())).all()
        assert left == []
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql(UNFANNED).all() == []
