"""inventory: TMF637 products and their history

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("billing_account_id", sa.String(length=64), nullable=True),
        sa.Column("offering_id", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        for column in (
            "billing_account_id",
            "created_at",
            "customer_id",
            "name",
            "offering_id",
            "owner_party_id",
            "parent_id",
            "status",
            "type",
            "updated_at",
        ):
            batch_op.create_index(batch_op.f(f"ix_product_{column}"), [column], unique=False)

    op.create_table(
        "product_history",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=True),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("order_item_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_product_history")),
    )
    with op.batch_alter_table("product_history", schema=None) as batch_op:
        batch_op.create_index("ix_product_history_product", ["product_id", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_history_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_table("product_history")
    op.drop_table("product")
