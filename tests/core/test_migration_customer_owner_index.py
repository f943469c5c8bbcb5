"""Migration 0017: ``customer`` loses its ``owner_party_id`` index; a party-bound caller's customer list
narrows on the ``engaged_party_id`` index, which holds the same party."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from openbss.core.db import Base, Database
from openbss.core.migrate import alembic_config, upgrade
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.customers.resource import CUSTOMER
from openbss.tmf.context import Context
from openbss.tmf.service import visibility_clause


def _indexes(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return {str(ix["name"]) for ix in inspect(connection).get_indexes("customer")}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    yield db
    db.dispose()


def test_the_index_goes_and_lists_use_the_party_index(database: Database) -> None:
    upgrade(database, "0016")
    assert {"ix_customer_owner_party_id", "ix_customer_engaged_party_id"} <= _indexes(database)
    upgrade(database)
    assert "ix_customer_owner_party_id" not in _indexes(database)
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if "customer" in repr(d)] == []

    principal = Principal(subject="c", role="customer", party_id="p1")
    with database.session() as session:
        ctx = Context(session=session, principal=principal, settings=get_settings(), base_url="http://t")
        clause = visibility_clause(ctx, CUSTOMER)
        stmt = select(CUSTOMER.model.__table__.c.id).where(clause)
        sql = str(stmt.compile(database.engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(r[-1]) for r in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_customer_engaged_party_id" in plan

    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    assert "ix_customer_owner_party_id" in _indexes(database)
