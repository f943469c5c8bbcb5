"""core: generation counters of the process-wide caches

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 20:00:00

``cache_generation`` holds one counter per shared cache (the first is the
product catalog's): a transaction that changes the cached data increments
it, and every process drops its cached entries when it sees a new value.
See ``openbss.core.generations``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_generation",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_generation")),
    )


def downgrade() -> None:
    op.drop_table("cache_generation")
