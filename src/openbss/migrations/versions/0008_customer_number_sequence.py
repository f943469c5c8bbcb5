"""customers: customer numbers from a PostgreSQL sequence

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 16:00:00

On PostgreSQL customer numbers now come from the sequence
``customer_number_seq`` instead of the one-row counter, whose row lock made
every customer create wait for the previous one to commit. The sequence
starts after the last number the counter issued. SQLite keeps the counter
(its writers take turns anyway).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS customer_number_seq START WITH 1 MINVALUE 1")
    last = bind.execute(sa.text("SELECT value FROM customer_number_sequence WHERE name = 'customer'")).scalar()
    if last:
        bind.execute(sa.text("SELECT setval('customer_number_seq', :last, true)"), {"last": int(last)})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    last = bind.execute(
        sa.text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM customer_number_seq")
    ).scalar()
    if last:
        bind.execute(
            sa.text(
                "INSERT INTO customer_number_sequence (name, value) VALUES ('customer', :last) "
                "ON CONFLICT (name) DO UPDATE SET value = GREATEST(customer_number_sequence.value, :last)"
            ),
            {"last": int(last)},
        )
    op.execute("DROP SEQUENCE IF EXISTS customer_number_seq")
