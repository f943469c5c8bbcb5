"""Migration 0013: search_entry and customer_match_key become WITHOUT ROWID tables on SQLite."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from openbss.core.db import Base, Database
from openbss.core.migrate import alembic_config, upgrade

ENTRIES = [
    ("TMF629.customer", "01a2-c1", "name", "Ada", "s"),
    ("TMF629.customer", "01a2-c1", "relatedParty.id", "p-1", "s"),
    ("TMF622.productOrder", "01a2-o1", "orderDate", "2026-11-22T02:45:00.000Z", "t"),
]
KEYS = [("01a2-c1", "email:ada@example.org"), ("01a2-c1", "phone:+447400123456")]


def _downgrade(database: Database, revision: str) -> None:
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _without_rowid(database: Database, table: str) -> bool:
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql("PRAGMA table_list").all()
    return {row[1]: bool(row[4]) for row in rows}[table]


def _contents(database: Database) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    with database.engine.connect() as connection:
        entries = connection.execute(text("SELECT * FROM search_entry ORDER BY kind, resource_id, path, value")).all()
        keys = connection.execute(text('SELECT customer_id, "key" FROM customer_match_key ORDER BY "key"')).all()
    return [tuple(r) for r in entries], [tuple(r) for r in keys]


def test_the_tables_are_rebuilt_with_their_rows_and_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        upgrade(database, "0012")
        with database.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO search_entry VALUES (:k, :r, :p, :v, :t)"),
                [dict(zip("krpvt", e, strict=True)) for e in ENTRIES],
            )
            connection.execute(
                text('INSERT INTO customer_match_key (customer_id, "key") VALUES (:c, :k)'),
                [{"c": c, "k": k} for c, k in KEYS],
            )
        assert not _without_rowid(database, "search_entry")
        before = _contents(database)  # with the entries the earlier migrations wrote for reference data
        assert set(ENTRIES) <= set(before[0])

        upgrade(database)
        assert _without_rowid(database, "search_entry")
        assert _without_rowid(database, "customer_match_key")
        assert _contents(database) == before
        assert before[1] == KEYS
        with database.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT resource_id FROM search_entry WHERE kind = 'TMF629.customer' "
                "AND path = 'name' AND value = 'Ada'"
            ).all()
            assert "ix_search_entry_lookup" in " ".join(str(r[-1]) for r in plan)
            # the migrated schema is the one the models describe (nothing for autogenerate to add)
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert [d for d in diff if "search_entry" in repr(d) or "customer_match_key" in repr(d)] == []

        _downgrade(database, "0012")
        assert not _without_rowid(database, "search_entry")
        assert not _without_rowid(database, "customer_match_key")
        assert _contents(database) == before
    finally:
        database.dispose()
