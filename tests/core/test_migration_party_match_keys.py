"""Migration 0016: the ``party:`` duplicate-detection keys go (the customer table's party index answers
that question); a downgrade writes them again for the customers that are not merged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from openbss.core.db import Database
from openbss.core.migrate import alembic_config, upgrade

CUSTOMER = (
    "INSERT INTO customer (id, type, name, status, owner_party_id, version, created_at, updated_at, doc, "
    "engaged_party_id, customer_number) VALUES (?, 'Customer', ?, ?, ?, 1, '2026-11-22 14:00:00.000000', "
    "'2026-11-22 14:00:00.000000', '{}', ?, ?)"
)


def _keys(database: Database) -> set[tuple[str, str]]:
    with database.engine.connect() as connection:
        return {(r[0], r[1]) for r in connection.exec_driver_sql('SELECT customer_id, "key" FROM customer_match_key')}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    yield db
    db.dispose()


def test_party_keys_go_and_come_back(database: Database) -> None:
    upgrade(database, "0015")
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            CUSTOMER,
            [
                ("c1", "Ada", "approved", "p1", "p1", "C0000000013"),
                ("c2", "Ada again", "merged", "p1", "p1", "C0000000021"),
                ("c3", "Bo", "approved", None, None, "C0000000030"),
            ],
        )
        connection.exec_driver_sql(
            'INSERT INTO customer_match_key (customer_id, "key") VALUES (?, ?)',
            [("c1", "party:p1"), ("c1", "email:ada@example.com"), ("c3", "phone:+4930123456"), ("c3", "partyx")],
        )
    upgrade(database)
    assert _keys(database) == {("c1", "email:ada@example.com"), ("c3", "phone:+4930123456"), ("c3", "partyx")}

    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    # the merged customer had left the match index; the one without a party has no party key
    assert ("c1", "party:p1") in _keys(database)
    assert not any(k.startswith("party:") for c, k in _keys(database) if c != "c1")
