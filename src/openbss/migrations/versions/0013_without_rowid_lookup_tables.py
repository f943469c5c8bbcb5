"""search_entry and customer_match_key without a rowid table on SQLite

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 02:45:00

Both tables are keyed by their primary key and looked up through one more
index; nobody reads them by rowid. As ordinary SQLite tables each row was
stored three times: in the rowid table, in the primary key's index and in
the lookup index. ``WITHOUT ROWID`` makes the primary key the table, so a
new order's fifty-odd search entries, or a customer's match keys, go into
two B-trees instead of three, with fewer pages written per commit.

SQLite cannot change this on an existing table: the table is rebuilt
(copied in key order, then the lookup index made again). PostgreSQL has no
rowid tables and is left as it is.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# table: (column definitions, primary key columns, lookup index name, lookup index columns)
TABLES = {
    "search_entry": (
        "kind VARCHAR(60) NOT NULL, resource_id VARCHAR(64) NOT NULL, path VARCHAR(200) NOT NULL, "
        "value VARCHAR(255) NOT NULL, value_type VARCHAR(1) NOT NULL",
        "kind, resource_id, path, value",
        "ix_search_entry_lookup",
        "kind, path, value, resource_id",
    ),
    "customer_match_key": (
        'customer_id VARCHAR(64) NOT NULL, "key" VARCHAR(320) NOT NULL',
        'customer_id, "key"',
        "ix_customer_match_key_key",
        '"key", customer_id',
    ),
}


def _rebuild(table: str, *, rowid: bool) -> None:
    columns, key, index, index_columns = TABLES[table]
    names = ", ".join(part.split()[0] for part in columns.split(", "))
    suffix = "" if rowid else " WITHOUT ROWID"
    op.execute(f"CREATE TABLE {table}_rebuilt ({columns}, CONSTRAINT pk_{table} PRIMARY KEY ({key})){suffix}")
    op.execute(f"INSERT INTO {table}_rebuilt ({names}) SELECT {names} FROM {table} ORDER BY {key}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    op.execute(f"CREATE INDEX {index} ON {table} ({index_columns})")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, rowid=True)
