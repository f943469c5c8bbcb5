"""events: drop the outbox indexes no query uses

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 22:00:00

``outbox_event`` had indexes on ``api``, ``event_type`` and ``resource_id``.
The fan-out reads unfanned events by ``fanned_out`` and sequence, deliveries
join by sequence, and retention deletes by sequence; nothing looks events up
by those three columns. Each index still cost a B-tree page written by every
change that records an event.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DROPPED = ("api", "event_type", "resource_id")


def upgrade() -> None:
    for column in DROPPED:
        op.drop_index(f"ix_outbox_event_{column}", table_name="outbox_event")


def downgrade() -> None:
    for column in DROPPED:
        op.create_index(f"ix_outbox_event_{column}", "outbox_event", [column], unique=False)
