"""catalog: TMF620 catalogs, categories, product specifications, offerings and prices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00

One table per TMF620 resource, with the engine's columns plus the indexed
references the catalog rules look up: a category's parent, an offering's
product specification and a price's price type. No data: a demo catalog is
loaded by ``openbss.catalog.demo.load_demo_catalog``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_category",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_category")),
    )
    with op.batch_alter_table("catalog_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_category_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_owner_party_id"), ["owner_party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_category_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "product_catalog",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_catalog")),
    )
    with op.batch_alter_table("product_catalog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_catalog_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_owner_party_id"), ["owner_party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_catalog_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "product_offering",
        sa.Column("product_specification_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_offering")),
    )
    with op.batch_alter_table("product_offering", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_offering_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_owner_party_id"), ["owner_party_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_product_offering_product_specification_id"), ["product_specification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_product_offering_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "product_offering_price",
        sa.Column("price_type", sa.String(length=20), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_offering_price")),
    )
    with op.batch_alter_table("product_offering_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_offering_price_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_owner_party_id"), ["owner_party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_price_type"), ["price_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_offering_price_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "product_specification",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("owner_party_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_specification")),
    )
    with op.batch_alter_table("product_specification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_specification_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_specification_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_specification_owner_party_id"), ["owner_party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_specification_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_specification_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_specification_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_specification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_specification_updated_at"))
        batch_op.drop_index(batch_op.f("ix_product_specification_type"))
        batch_op.drop_index(batch_op.f("ix_product_specification_status"))
        batch_op.drop_index(batch_op.f("ix_product_specification_owner_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_specification_name"))
        batch_op.drop_index(batch_op.f("ix_product_specification_created_at"))

    op.drop_table("product_specification")
    with op.batch_alter_table("product_offering_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_price_updated_at"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_type"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_status"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_price_type"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_owner_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_name"))
        batch_op.drop_index(batch_op.f("ix_product_offering_price_created_at"))

    op.drop_table("product_offering_price")
    with op.batch_alter_table("product_offering", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_offering_updated_at"))
        batch_op.drop_index(batch_op.f("ix_product_offering_type"))
        batch_op.drop_index(batch_op.f("ix_product_offering_status"))
        batch_op.drop_index(batch_op.f("ix_product_offering_product_specification_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_owner_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_offering_name"))
        batch_op.drop_index(batch_op.f("ix_product_offering_created_at"))

    op.drop_table("product_offering")
    with op.batch_alter_table("product_catalog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_catalog_updated_at"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_type"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_status"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_owner_party_id"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_name"))
        batch_op.drop_index(batch_op.f("ix_product_catalog_created_at"))

    op.drop_table("product_catalog")
    with op.batch_alter_table("catalog_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_category_updated_at"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_parent_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_owner_party_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_name"))
        batch_op.drop_index(batch_op.f("ix_catalog_category_created_at"))

    op.drop_table("catalog_category")
