"""oss: the inbox of TMF641 events received from the OSS

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 21:00:00

The listener stores each event it accepts in ``oss_event`` and queues the
job ``oss.apply_events``, which runs the handlers on it outside the request.
``eventId`` is unique, so a second delivery of an event is not stored again.
See ``openbss.oss.inbox``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oss_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("event_name", sa.String(length=80), nullable=False),
        sa.Column("service_order_id", sa.String(length=120), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("applied_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oss_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_oss_event_event_id")),
    )
    with op.batch_alter_table("oss_event", schema=None) as batch_op:
        batch_op.create_index("ix_oss_event_pending", ["service_order_id", "status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("oss_event")
