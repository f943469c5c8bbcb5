"""cart: TMF663 shopping carts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shopping_cart",
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("valid_until", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_cart")),
    )
    with op.batch_alter_table("shopping_cart", schema=None) as batch_op:
        for column in (
            "created_at",
            "customer_id",
            "name",
            "order_id",
            "owner_party_id",
            "status",
            "type",
            "updated_at",
            "valid_until",
        ):
            batch_op.create_index(batch_op.f(f"ix_shopping_cart_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("shopping_cart")
