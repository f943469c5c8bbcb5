"""Migration 0015: resource tables lose their unused ``updated_at`` indexes, and get them back on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from openbss.core.db import Base, Database
from openbss.core.migrate import alembic_config, upgrade
from openbss.tmf.models import ResourceRow


def _resource_tables() -> list[str]:
    return sorted(t.name for t in Base.metadata.sorted_tables if {"doc", "updated_at", "version"} <= set(t.c.keys()))


def _updated_at_indexes(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        inspector = inspect(connection)
        return {
            str(ix["name"])
            for table in inspector.get_table_names()
            for ix in inspector.get_indexes(table)
            if ix["column_names"] == ["updated_at"]
        }


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    yield db
    db.dispose()


def test_every_resource_table_loses_its_updated_at_index_and_gets_it_back(database: Database) -> None:
    tables = _resource_tables()
    assert "customer" in tables and "product_order" in tables
    assert all(issubclass(m.class_, ResourceRow) for m in Base.registry.mappers if m.local_table.name in tables)

    upgrade(database, "0014")
    assert _updated_at_indexes(database) == {f"ix_{t}_updated_at" for t in tables}

    upgrade(database)
    assert _updated_at_indexes(database) == set()
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if "updated_at" in repr(d)] == []  # the models say the same

    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    assert _updated_at_indexes(database) == {f"ix_{t}_updated_at" for t in tables}
