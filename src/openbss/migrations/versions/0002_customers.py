"""customer identity: number sequence, match keys, duplicate candidates, verifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00

Customers created before this revision get a customer number (in creation
order), stored in ``customer.customer_number`` and as the ``customerNumber``
characteristic of their document.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from stdnum import damm

import openbss.core.coltypes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_number_sequence",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_customer_number_sequence")),
    )
    op.create_table(
        "customer_match_key",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "key", name=op.f("pk_customer_match_key")),
    )
    op.create_index("ix_customer_match_key_key", "customer_match_key", ["key", "customer_id"], unique=False)
    op.create_table(
        "duplicate_candidate",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("detected_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "candidate_id", name=op.f("pk_duplicate_candidate")),
    )
    op.create_index(op.f("ix_duplicate_candidate_candidate_id"), "duplicate_candidate", ["candidate_id"], unique=False)
    op.create_table(
        "customer_verification",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("verified_at", openbss.core.coltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("verified_by", sa.String(length=120), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_verification")),
    )
    op.create_index(
        op.f("ix_customer_verification_customer_id"), "customer_verification", ["customer_id"], unique=False
    )
    _number_existing_customers()


def _number_existing_customers() -> None:
    """Issue numbers to customers that have none, oldest first, and start the sequence after them."""
    bind = op.get_bind()
    customer = sa.table(
        "customer",
        sa.column("id", sa.String),
        sa.column("customer_number", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("doc", sa.JSON),
    )
    entry = sa.table(
        "search_entry",
        sa.column("kind", sa.String),
        sa.column("resource_id", sa.String),
        sa.column("path", sa.String),
        sa.column("value", sa.String),
        sa.column("value_type", sa.String),
    )
    sequence = sa.table("customer_number_sequence", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    rows = bind.execute(
        sa.select(customer.c.id, customer.c.doc)
        .where(customer.c.customer_number.is_(None))
        .order_by(customer.c.created_at, customer.c.id)
    ).all()
    last = 0
    for last, (customer_id, doc) in enumerate(rows, start=1):
        digits = f"{last:09d}"
        number = f"C{digits}{damm.calc_check_digit(digits)}"
        data: dict[str, Any] = dict(doc or {})
        kept = [
            c
            for c in data.get("characteristic") or []
            if not (isinstance(c, dict) and c.get("name") == "customerNumber")
        ]
        data["characteristic"] = [{"name": "customerNumber", "valueType": "string", "value": number}, *kept]
        bind.execute(sa.update(customer).where(customer.c.id == customer_id).values(customer_number=number, doc=data))
        for path, value in (
            ("characteristic.name", "customerNumber"),
            ("characteristic.value", number),
            ("characteristic.valueType", "string"),
        ):
            exists = bind.execute(
                sa.select(sa.func.count())
                .select_from(entry)
                .where(
                    entry.c.kind == "TMF629.customer",
                    entry.c.resource_id == customer_id,
                    entry.c.path == path,
                    entry.c.value == value,
                )
            ).scalar_one()
            if not exists:
                bind.execute(
                    sa.insert(entry).values(
                        kind="TMF629.customer", resource_id=customer_id, path=path, value=value, value_type="s"
                    )
                )
    if last:
        bind.execute(sa.insert(sequence).values(name="customer", value=last))


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_verification_customer_id"), table_name="customer_verification")
    op.drop_table("customer_verification")
    op.drop_index(op.f("ix_duplicate_candidate_candidate_id"), table_name="duplicate_candidate")
    op.drop_table("duplicate_candidate")
    op.drop_index("ix_customer_match_key_key", table_name="customer_match_key")
    op.drop_table("customer_match_key")
    op.drop_table("customer_number_sequence")
