"""customer_match_key without the party keys

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22 14:00:00

Duplicate detection stored a ``party:<id>`` key for every customer so that
two customers of the same party were found as candidates. The customer table
already indexes ``engaged_party_id``, which the detection now asks directly,
so the key only cost every create two index rows (and on each commit the
pages of a group of keys growing in the middle of the index).
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a range on the key index (';' follows ':'), not LIKE: SQLite's LIKE ignores case and the index
    op.execute("DELETE FROM customer_match_key WHERE \"key\" >= 'party:' AND \"key\" < 'party;'")


def downgrade() -> None:
    op.execute(
        'INSERT INTO customer_match_key (customer_id, "key") '
        "SELECT id, 'party:' || engaged_party_id FROM customer "
        "WHERE engaged_party_id IS NOT NULL AND (status IS NULL OR status != 'merged')"
    )
