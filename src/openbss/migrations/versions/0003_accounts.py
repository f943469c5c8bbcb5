"""accounts: standard bill presentation media

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00

Every database starts with the usual ways of presenting a bill (e-mail,
paper, self-service portal, PDF e-bill) as TMF666 BillPresentationMedia
reference rows with stable, readable ids, so a billing account's
``billStructure.presentationMedia`` can name them from day one. They are
ordinary catalogue entries: admin and billing users may rename or delete
them (while no account uses them) and add more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import openbss.core.coltypes

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KIND = "TMF666.billPresentationMedia"
TYPE = "BillPresentationMedia"
SEEDED_AT = datetime(2026, 11, 22, tzinfo=UTC)

MEDIA = (
    ("email", "email", "The bill is e-mailed to the billing contact, with the bill attached"),
    ("paper", "paper", "The bill is printed and posted to the billing address"),
    ("portal", "portal", "The bill is published in the self-service portal; the customer is notified"),
    ("ebill-pdf", "eBill/PDF", "The bill is a PDF e-bill, for download or electronic presentment"),
)

media_table = sa.table(
    "bill_presentation_media",
    sa.column("id", sa.String),
    sa.column("type", sa.String),
    sa.column("name", sa.String),
    sa.column("status", sa.String),
    sa.column("owner_party_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("created_at", openbss.core.coltypes.UtcDateTime()),
    sa.column("updated_at", openbss.core.coltypes.UtcDateTime()),
    sa.column("doc", sa.JSON),
)
entry_table = sa.table(
    "search_entry",
    sa.column("kind", sa.String),
    sa.column("resource_id", sa.String),
    sa.column("path", sa.String),
    sa.column("value", sa.String),
    sa.column("value_type", sa.String),
)


def upgrade() -> None:
    rows, entries = [], []
    for position, (media_id, name, description) in enumerate(MEDIA):
        doc = {"id": media_id, "name": name, "description": description, "@type": TYPE}
        at = SEEDED_AT + timedelta(seconds=position)  # lists show them in this order
        rows.append(
            {
                "id": media_id,
                "type": TYPE,
                "name": name,
                "status": None,
                "owner_party_id": None,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "doc": doc,
            }
        )
        entries += [
            {"kind": KIND, "resource_id": media_id, "path": path, "value": value, "value_type": "s"}
            for path, value in doc.items()
        ]
    op.bulk_insert(media_table, rows)
    op.bulk_insert(entry_table, entries)


def downgrade() -> None:
    ids = [media_id for media_id, _, _ in MEDIA]
    op.execute(entry_table.delete().where(entry_table.c.kind == KIND, entry_table.c.resource_id.in_(ids)))
    op.execute(media_table.delete().where(media_table.c.id.in_(ids)))
