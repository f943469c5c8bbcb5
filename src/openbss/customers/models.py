"""Tables of TMF629 customers and of the customer-identity processes around them.

* :class:`CustomerRow` - the TMF629 Customer resource (engine columns + document).
* :class:`CustomerNumberSequence` - the one-row counter that issues customer
  numbers (eTOM 1.3.4.2.5); incremented atomically with an upsert ... RETURNING.
* :class:`CustomerMatchKey` - blocking keys of each customer's identity, so
  that duplicate detection (1.3.4.2.4) only compares records sharing a key.
* :class:`DuplicateCandidate` - pairs of customers that probably describe the
  same person or organisation, with an exact score and the reasons.
* :class:`CustomerVerification` - every run of Verify Customer (1.3.4.2.1).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from openbss.core.coltypes import BigIntPK, UtcDateTime
from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal kept as text (SQLite has no exact numeric type).

    Values are written with a fixed number of places so that text order is
    numeric order for the non-negative values stored here (scores in 0..1).
    """

    impl = String(20)
    cache_ok = True

    def __init__(self, places: int = 4) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return f"{Decimal(value):.{self.places}f}"

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class CustomerRow(ResourceRow, Base):
    __tablename__ = "customer"

    customer_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    engaged_party_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # always the engaged party (ResourceType.owner_of): lists narrow on engaged_party_id's index
    owner_party_id: Mapped[str | None] = mapped_column(String(64))


class CustomerNumberSequence(Base):
    """Named counters; the row ``customer`` holds the last issued sequence value."""

    __tablename__ = "customer_number_sequence"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class CustomerMatchKey(Base):
    """One blocking key (``email:jane@example.org``) of one customer's identity."""

    __tablename__ = "customer_match_key"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(320), primary_key=True)

    # on SQLite the primary key is the table (no rowid table beside it): see migration 0013
    __table_args__ = (Index("ix_customer_match_key_key", "key", "customer_id"), {"sqlite_with_rowid": False})


class DuplicateCandidate(Base):
    """``candidate_id`` probably is the same customer as ``customer_id`` (stored both ways)."""

    __tablename__ = "duplicate_candidate"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    score: Mapped[Decimal] = mapped_column(DecimalText(4))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10))  # "match" (detected) or "merge" (moved by a merge)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CustomerVerification(Base):
    """The outcome of one Verify Customer run."""

    __tablename__ = "customer_verification"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    passed: Mapped[bool] = mapped_column(Boolean)
    checks: Mapped[list[Any]] = mapped_column(JSON)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    verified_by: Mapped[str] = mapped_column(String(120))
    party_id: Mapped[str | None] = mapped_column(String(64))
