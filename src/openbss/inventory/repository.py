"""Every query of the product inventory."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from openbss.inventory.models import ProductHistory, ProductRow
from openbss.tmf.models import SearchEntry

KIND = "TMF637.product"


def get_row(session: Session, product_id: str, *, for_update: bool = False) -> ProductRow | None:
    stmt = select(ProductRow).where(ProductRow.id == product_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def rows_by_ids(session: Session, ids: Collection[str], *, for_update: bool = False) -> list[ProductRow]:
    """Products with these ids, in id order (the order locks are taken in)."""
    if not ids:
        return []
    stmt = select(ProductRow).where(ProductRow.id.in_(sorted(ids))).order_by(ProductRow.id)
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def children_of(session: Session, parent_id: str, *, for_update: bool = False) -> list[ProductRow]:
    stmt = select(ProductRow).where(ProductRow.parent_id == parent_id).order_by(ProductRow.id)
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def of_customer(session: Session, customer_id: str, party_id: str | None, limit: int | None = None) -> list[ProductRow]:
    """Products of the customer: those naming it, and those naming only its party as owner."""
    condition = ProductRow.customer_id == customer_id
    if party_id:
        condition = or_(condition, and_(ProductRow.customer_id.is_(None), ProductRow.owner_party_id == party_id))
    stmt = select(ProductRow).where(condition).order_by(ProductRow.created_at, ProductRow.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def referring_to(session: Session, ids: Collection[str]) -> set[str]:
    """Ids of the products whose customer column or any ``relatedParty.id`` is one of ``ids``."""
    if not ids:
        return set()
    by_party = select(SearchEntry.resource_id).where(
        SearchEntry.kind == KIND, SearchEntry.path == "relatedParty.id", SearchEntry.value.in_(sorted(ids))
    )
    by_column = select(ProductRow.id).where(ProductRow.customer_id.in_(sorted(ids)))
    found = set(session.execute(by_party).scalars())
    found.update(session.execute(by_column).scalars())
    return found


def add_history(session: Session, **values: Any) -> None:
    session.execute(insert(ProductHistory), [values])


def history_of(session: Session, product_id: str, limit: int = 1000) -> list[ProductHistory]:
    stmt = (
        select(ProductHistory).where(ProductHistory.product_id == product_id).order_by(ProductHistory.seq).limit(limit)
    )
    return list(session.execute(stmt).scalars())


def all_rows(session: Session, *, after_id: str | None, limit: int) -> list[ProductRow]:
    """A page of every product in id order (for audits that walk the whole inventory)."""
    stmt = select(ProductRow).order_by(ProductRow.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(ProductRow.id > after_id)
    return list(session.execute(stmt).scalars())
