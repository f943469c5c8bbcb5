"""process_run without its process index; outbox events indexed while unfanned only

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 05:00:00

Every create or change writes process runs and an outbox event, so each
index on those tables costs pages written by every write transaction.

* ``ix_process_run_process_id`` goes. ``GET /processes`` counts the runs of
  every process at once, which reads the whole table with or without it, and
  nothing looks runs up by process. A create with three process steps wrote
  three of its leaf pages, one per process.
* ``ix_outbox_event_fanned_out`` (every event, by flag) becomes
  ``ix_outbox_event_unfanned``: the sequence numbers of the events not yet
  fanned out, which is all the fan-out asks for. A new event goes at the end
  of the index instead of at the end of the "not fanned out" half in the
  middle of it, and fanning an event out takes it out of the index instead of
  moving it. Retention picks fanned-out events by age and sequence through
  the table itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_process_run_process_id", table_name="process_run")
    op.drop_index("ix_outbox_event_fanned_out", table_name="outbox_event")
    op.create_index(
        "ix_outbox_event_unfanned",
        "outbox_event",
        ["seq"],
        unique=False,
        sqlite_where=sa.text("fanned_out = 0"),
        postgresql_where=sa.text("fanned_out = false"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_outbox_event_unfanned",
        table_name="outbox_event",
        sqlite_where=sa.text("fanned_out = 0"),
        postgresql_where=sa.text("fanned_out = false"),
    )
    op.create_index("ix_outbox_event_fanned_out", "outbox_event", ["fanned_out"], unique=False)
    op.create_index("ix_process_run_process_id", "process_run", ["process_id"], unique=False)
