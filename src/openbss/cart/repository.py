"""Every query of the shopping cart domain."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openbss.cart.models import ShoppingCartRow
from openbss.tmf.models import SearchEntry

KIND = "TMF663.shoppingCart"


def carts_naming(session: Session, ids: Collection[str]) -> list[ShoppingCartRow]:
    """Open carts (not checked out) whose customer or any ``relatedParty.id`` is one of ``ids``, locked."""
    if not ids:
        return []
    named = select(SearchEntry.resource_id).where(
        SearchEntry.kind == KIND, SearchEntry.path == "relatedParty.id", SearchEntry.value.in_(sorted(ids))
    )
    stmt = (
        select(ShoppingCartRow)
        .where(
            ShoppingCartRow.order_id.is_(None),
            or_(ShoppingCartRow.customer_id.in_(sorted(ids)), ShoppingCartRow.id.in_(named)),
        )
        .order_by(ShoppingCartRow.id)
        .with_for_update()
    )
    return list(session.execute(stmt).scalars())
