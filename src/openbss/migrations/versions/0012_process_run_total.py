"""core: per-process totals of the process runs retention has deleted

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 23:00:00

``process_run`` gains a row for every process step that runs. Retention now
deletes the old ones, first adding their count, summed duration and latest
time to the process's row in ``process_run_total``, so ``GET /processes``
keeps showing every run. See ``openbss.housekeeping.process_rollup``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_run_total",
        sa.Column("process_id", sa.String(length=30), nullable=False),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("total_us", sa.BigInteger(), nullable=False),
        sa.Column("last_run", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_process_run_total")),
    )


def downgrade() -> None:
    op.drop_table("process_run_total")
