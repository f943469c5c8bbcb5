"""Every query of the product catalog.

References between catalog entries (an offering naming its prices, a bundle
its parts, a category its offerings) are found through the engine's search
entries, so "who refers to X" is one indexed lookup whatever the kind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbss.catalog.models import (
    CatalogRow,
    CategoryRow,
    ProductOfferingPriceRow,
    ProductOfferingRow,
    ProductSpecificationRow,
)
from openbss.core.generations import SharedCache, bump
from openbss.tmf.query import resources_holding

API_CODE = "TMF620"
Doc = dict[str, Any]

MODELS: dict[str, type[Any]] = {
    "catalog": CatalogRow,
    "category": CategoryRow,
    "productSpecification": ProductSpecificationRow,
    "productOffering": ProductOfferingRow,
    "productOfferingPrice": ProductOfferingPriceRow,
}
"""Resource path -> table."""


def kind_of(path: str) -> str:
    """Search-entry kind of a TMF620 resource path (``TMF620.productOffering``)."""
    return f"{API_CODE}.{path}"


def get_row(session: Session, path: str, resource_id: str, *, for_update: bool = False) -> Any:
    model = MODELS[path]
    stmt = select(model).where(model.id == resource_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def get_doc(session: Session, path: str, resource_id: str) -> Doc | None:
    model = MODELS[path]
    doc = session.execute(select(model.doc).where(model.id == resource_id)).scalar_one_or_none()
    return dict(doc) if doc is not None else None


def docs_by_ids(session: Session, path: str, ids: Collection[str]) -> dict[str, Doc]:
    """id -> document of the entries of kind ``path`` with these ids (missing ones left out)."""
    if not ids:
        return {}
    model = MODELS[path]
    rows = session.execute(select(model.id, model.doc).where(model.id.in_(sorted(set(ids))))).all()
    return {row_id: dict(doc) for row_id, doc in rows}


_DOCS: SharedCache[tuple[str, str], Doc | None] = SharedCache("catalog")
"""Catalog documents by (path, id), shared across transactions while the catalog is unchanged."""


def cached_docs(session: Session, path: str, ids: Collection[str]) -> dict[str, Doc]:
    """Like :func:`docs_by_ids`, remembered across transactions until the catalog changes.

    Every order line asks for its offering, specification and prices; the
    catalog changes a few times a day. The documents are kept in this process
    for as long as the catalog's generation counter is unchanged (see
    :mod:`openbss.core.generations`); every catalog write moves it with
    :func:`catalog_changed`. Callers must not modify the documents.
    """
    cache = _DOCS.entries(session)
    missing = [i for i in set(ids) if (path, i) not in cache]
    if missing:
        found = docs_by_ids(session, path, missing)
        for resource_id in missing:
            cache[(path, resource_id)] = found.get(resource_id)
    return {i: doc for i in ids if (doc := cache.get((path, i))) is not None}


def cached_doc(session: Session, path: str, resource_id: str) -> Doc | None:
    return cached_docs(session, path, [resource_id]).get(resource_id)


def catalog_changed(session: Session) -> None:
    """This transaction writes the catalog: cached documents are stale from its commit on, everywhere."""
    bump(session, _DOCS.name)


def existing_ids(session: Session, path: str, ids: Collection[str]) -> set[str]:
    if not ids:
        return set()
    model = MODELS[path]
    return set(session.execute(select(model.id).where(model.id.in_(sorted(set(ids))))).scalars())


def referrers(
    session: Session,
    paths: Iterable[str],
    attribute: str,
    ids: Collection[str],
    *,
    exclude_id: str | None = None,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """(path, id) of the entries of kinds ``paths`` whose ``attribute`` holds one of ``ids``."""
    kinds = {kind_of(p): p for p in paths}
    found = resources_holding(session, kinds, attribute, ids, exclude_id=exclude_id, limit=limit)
    return [(kinds[kind], rid) for kind, rid in found]


def statuses(session: Session, path: str, ids: Collection[str]) -> dict[str, str | None]:
    """id -> lifecycle status of the entries of kind ``path`` with these ids."""
    if not ids:
        return {}
    model = MODELS[path]
    rows = session.execute(select(model.id, model.status).where(model.id.in_(sorted(set(ids))))).all()
    return {row_id: status for row_id, status in rows}
