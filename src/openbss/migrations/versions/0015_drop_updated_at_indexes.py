"""resource tables without their updated_at indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22 13:40:00

Every resource table had an index on ``updated_at``, which no query reads:
lists sort by ``created_at`` and ``id``, filters and sorts on ``lastUpdate``
or other attributes go through the typed columns and ``search_entry``. Each
create added a row to it and each change moved one, so every write paid a
B-tree insert (and on a change a delete too) and the page it wrote.
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = (
    "bill_format",
    "bill_presentation_media",
    "billing_account",
    "billing_cycle_specification",
    "customer",
    "financial_account",
    "individual",
    "organization",
    "party_account",
    "party_role",
    "settlement_account",
    "catalog_category",
    "product_catalog",
    "product_offering",
    "product_offering_price",
    "product_specification",
    "product",
    "cancel_product_order",
    "product_order",
    "shopping_cart",
)


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"], unique=False)
