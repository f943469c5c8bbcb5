"""customer without its owner_party_id index

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 14:10:00

A customer's owner party is its engaged party, which ``engaged_party_id``
holds and indexes already; a party-bound caller's customer lists now narrow on
that index, so the second index of the same values only cost every create a
B-tree insert.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_customer_owner_party_id", table_name="customer")


def downgrade() -> None:
    op.create_index("ix_customer_owner_party_id", "customer", ["owner_party_id"], unique=False)
