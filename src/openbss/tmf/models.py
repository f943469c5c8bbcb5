"""Tables the REST engine keeps for every resource type.

* :class:`ResourceRow` is the mixin of every resource table: the columns the
  engine filters, sorts and authorises on, plus the TMF document itself.
* :class:`SearchEntry` holds one row per scalar leaf of every document
  (``relatedParty.id = 42``), so that any TMF630 attribute filter runs as an
  indexed SQL lookup instead of loading rows into Python.
* :class:`IdempotencyRecord` remembers the answer to a POST sent with an
  ``Idempotency-Key``.
* :class:`HubSubscription` is a listener registered through ``POST /hub``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from openbss.core.coltypes import UtcDateTime
from openbss.core.db import Base


class ResourceRow:
    """Columns common to every TMF resource table."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    status: Mapped[str | None] = mapped_column(String(40), index=True)
    owner_party_id: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)  # not indexed: no query selects or sorts by it
    doc: Mapped[dict[str, Any]] = mapped_column(JSON)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # Optimistic locking: every UPDATE says "WHERE version = <the version read>" and
        # bumps it, so a concurrent writer fails (StaleDataError) instead of losing an update.
        return {"version_id_col": cls.version}


class SearchEntry(Base):
    """One scalar leaf of one resource document, for filtering and sorting."""

    __tablename__ = "search_entry"

    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    value_type: Mapped[str] = mapped_column(String(1))  # s(tring) n(umber) b(oolean) t(ime)

    # on SQLite the primary key is the table (no rowid table beside it): see migration 0013
    __table_args__ = (
        Index("ix_search_entry_lookup", "kind", "path", "value", "resource_id"),
        {"sqlite_with_rowid": False},
    )


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"

    principal: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method_path: Mapped[str] = mapped_column(String(400))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class HubSubscription(Base):
    __tablename__ = "hub_subscription"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(60), index=True)
    callback: Mapped[str] = mapped_column(String(1000))
    query: Mapped[str | None] = mapped_column(String(2000))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
