"""Catalog maintenance: the rules that run when a catalog entry is created, changed or deleted.

Every entry (catalog, category, product specification, offering, price)
follows the lifecycle of :mod:`openbss.catalog.rules`. While in design an
entry may be incomplete; to become Active or Launched it must be complete
and everything it is built from must be in use too (an offering's
specification, prices and bundled offerings). Once released, what defines
the sale is fixed; an entry in use by a released one cannot be retired; only
entries that were never released may be deleted.

References between catalog entries are checked when
``OPENBSS_REFERENCE_CHECK=strict`` (the default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from openbss.catalog import characteristics, pricing, repository, rules
from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

__all__ = [
    "CatalogEntryHooks",
    "CategoryHooks",
    "OfferingHooks",
    "PriceHooks",
    "SpecificationHooks",
]

_TYPE_NAMES = {
    "catalog": "Catalog",
    "category": "Category",
    "productSpecification": "ProductSpecification",
    "productOffering": "ProductOffering",
    "productOfferingPrice": "ProductOfferingPrice",
}

# who may refer to an entry of each kind: (kind of referrer, attribute holding the id)
_USERS: dict[str, tuple[tuple[str, str], ...]] = {
    "catalog": (),
    "category": (("catalog", "category.id"), ("category", "subCategory.id"), ("category", "parentId")),
    "productSpecification": (
        ("productOffering", "productSpecification.id"),
        ("productSpecification", "bundledProductSpecification.id"),
    ),
    "productOffering": (("productOffering", "bundledProductOffering.id"), ("category", "productOffering.id")),
    "productOfferingPrice": (
        ("productOffering", "productOfferingPrice.id"),
        ("productOfferingPrice", "bundledPopRelationship.id"),
        ("productOfferingPrice", "popRelationship.id"),
    ),
}


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


def _strict(ctx: Context) -> bool:
    return ctx.settings.reference_check == "strict"


def _changed(old: Doc | None, new: Doc) -> set[str]:
    before = old or {}
    return {k for k in set(before) | set(new) if before.get(k) != new.get(k)}


def _ref_ids(refs: Any) -> list[tuple[int, str]]:
    return [(i, str(r["id"])) for i, r in enumerate(refs or []) if isinstance(r, dict) and r.get("id") is not None]


class CatalogEntryHooks(NoHooks):
    """Rules every catalog entry shares: lifecycle, lastUpdate, release, retirement and deletion."""

    guards_retirement = False
    """Refuse retiring the entry while a released entry is built from it (specifications, offerings)."""

    def __init__(self, path: str) -> None:
        self.path = path

    # -- what each kind adds --------------------------------------------------------------------------

    def columns(self, doc: Doc) -> dict[str, Any]:
        return {}

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        """Shape and reference problems of ``doc`` (only of the ``changed`` attributes where it matters)."""
        return rules.period_problems(doc.get("validFor"), "validFor")

    def release_problems(self, ctx: Context, doc: Doc, old: Doc | None) -> list[FieldProblem]:
        """What keeps ``doc`` from being Active or Launched (``old``: the entry before this change)."""
        return []

    # -- hooks ----------------------------------------------------------------------------------------

    def before_create(self, ctx: Context, doc: Doc) -> None:
        doc["lastUpdate"] = isoformat(ctx.now)
        _raise(self.problems(ctx, doc, None, set(doc)))
        if doc.get("lifecycleStatus") in rules.IN_USE:
            _raise(self.release_problems(ctx, doc, None))

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        changed = _changed(old, new)
        frozen = rules.change_problems(self.path, old, new)
        if frozen:
            raise Conflict(frozen[0].message, problems=frozen)
        _raise(self.problems(ctx, new, row.id, changed))
        status = new.get("lifecycleStatus")
        if status in rules.IN_USE and (old.get("lifecycleStatus") not in rules.IN_USE or changed - {"lastUpdate"}):
            _raise(self.release_problems(ctx, new, old))
        if (
            status in (rules.RETIRED, rules.OBSOLETE)
            and old.get("lifecycleStatus") != status
            and self.guards_retirement
        ):
            self._check_not_used_by_released(ctx, row.id, status)
        new["lastUpdate"] = isoformat(ctx.now)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        repository.catalog_changed(ctx.session)

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        repository.catalog_changed(ctx.session)
        status = row.doc.get("lifecycleStatus")
        if status not in rules.DELETABLE:
            raise Conflict(
                f"a {_TYPE_NAMES[self.path]} that has been {status} is not deleted; retire it "
                "(lifecycleStatus Retired, then Obsolete) so that what customers bought stays described",
                field="lifecycleStatus",
                rule="catalog.delete",
            )
        users = self._users(ctx, row.id, limit=3)
        if users:
            names = ", ".join(f"{path} {rid}" for path, rid in users)
            raise Conflict(
                f"this {_TYPE_NAMES[self.path]} is used by {names}; remove it there first",
                field="id",
                rule="catalog.inUse",
            )

    # -- helpers ---------------------------------------------------------------------------------------

    def _users(self, ctx: Context, own_id: str, limit: int | None = None) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for path, attribute in _USERS[self.path]:
            found += repository.referrers(ctx.session, [path], attribute, [own_id], exclude_id=own_id, limit=limit)
        return sorted(set(found))[:limit] if limit else sorted(set(found))

    def _check_not_used_by_released(self, ctx: Context, own_id: str, status: str) -> None:
        users = self._users(ctx, own_id)
        by_path: dict[str, list[str]] = {}
        for path, rid in users:
            by_path.setdefault(path, []).append(rid)
        in_use = sorted(
            f"{path} {rid}"
            for path, ids in by_path.items()
            for rid, user_status in repository.statuses(ctx.session, path, ids).items()
            if user_status in rules.IN_USE and path not in ("category", "catalog")
        )
        if in_use:
            raise Conflict(
                f"cannot be {status} while {', '.join(in_use[:3])} (Active or Launched) use(s) it; retire those first",
                field="lifecycleStatus",
                rule="catalog.inUse",
            )

    def _missing(
        self, ctx: Context, path: str, refs: Iterable[tuple[int, str]], where: Callable[[int], str]
    ) -> list[FieldProblem]:
        refs = list(refs)
        if not refs or not _strict(ctx):
            return []
        found = repository.existing_ids(ctx.session, path, [rid for _, rid in refs])
        return [
            FieldProblem(where(i), "reference.exists", f"no {_TYPE_NAMES[path]} with id '{rid}'")
            for i, rid in refs
            if rid not in found
        ]

    def _not_in_use(
        self, ctx: Context, path: str, refs: Iterable[tuple[int, str]], where: Callable[[int], str]
    ) -> list[FieldProblem]:
        refs = list(refs)
        found = repository.statuses(ctx.session, path, [rid for _, rid in refs])
        return [
            FieldProblem(
                where(i),
                "catalog.notReleased",
                f"{_TYPE_NAMES[path]} '{rid}' is {found[rid]}; it must be Active or Launched first",
            )
            for i, rid in refs
            if rid in found and found[rid] not in rules.IN_USE
        ]


class CategoryHooks(CatalogEntryHooks):
    """Categories form a tree (``parentId``, ``isRoot``) and list offerings."""

    def __init__(self) -> None:
        super().__init__("category")

    def columns(self, doc: Doc) -> dict[str, Any]:
        parent = doc.get("parentId")
        return {"parent_id": str(parent) if parent else None}

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        problems = super().problems(ctx, doc, own_id, changed)
        parent = doc.get("parentId")
        if parent and doc.get("isRoot") is True:
            problems.append(FieldProblem("isRoot", "category.root", "a root category has no parentId"))
        if parent and own_id is not None and parent == own_id:
            problems.append(FieldProblem("parentId", "category.cycle", "a category cannot be its own parent"))
        elif parent and "parentId" in changed:
            problems += self._missing(ctx, "category", [(0, str(parent))], lambda _: "parentId")
            if own_id is not None and self._is_descendant(ctx, str(parent), own_id):
                problems.append(
                    FieldProblem("parentId", "category.cycle", "the parent is a sub-category of this category")
                )
        if "subCategory" in changed:
            subs = _ref_ids(doc.get("subCategory"))
            problems += self._missing(ctx, "category", subs, lambda i: f"subCategory[{i}].id")
            problems += [
                FieldProblem(f"subCategory[{i}].id", "category.cycle", "a category cannot contain itself")
                for i, rid in subs
                if rid == own_id
            ]
        if "productOffering" in changed:
            problems += self._missing(
                ctx, "productOffering", _ref_ids(doc.get("productOffering")), lambda i: f"productOffering[{i}].id"
            )
        return problems

    def _is_descendant(self, ctx: Context, candidate: str, ancestor: str) -> bool:
        seen: set[str] = set()
        current: str | None = candidate
        while current and current not in seen:
            if current == ancestor:
                return True
            seen.add(current)
            doc = repository.get_doc(ctx.session, "category", current)
            current = str(doc["parentId"]) if doc and doc.get("parentId") else None
        return False


class CatalogHooks(CatalogEntryHooks):
    def __init__(self) -> None:
        super().__init__("catalog")

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        problems = super().problems(ctx, doc, own_id, changed)
        if "category" in changed:
            problems += self._missing(ctx, "category", _ref_ids(doc.get("category")), lambda i: f"category[{i}].id")
        return problems


class SpecificationHooks(CatalogEntryHooks):
    """Characteristics well defined; a bundle lists its specifications."""

    guards_retirement = True

    def __init__(self) -> None:
        super().__init__("productSpecification")

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        problems = super().problems(ctx, doc, own_id, changed)
        problems += characteristics.characteristic_definition_problems(doc.get("productSpecCharacteristic"))
        parts = _ref_ids(doc.get("bundledProductSpecification"))
        if doc.get("isBundle") is True and not parts:
            problems.append(
                FieldProblem(
                    "bundledProductSpecification", "specification.bundle", "a bundle (isBundle true) lists its parts"
                )
            )
        if doc.get("isBundle") is not True and parts:
            problems.append(
                FieldProblem("isBundle", "specification.bundle", "bundledProductSpecification needs isBundle true")
            )
        problems += [
            FieldProblem(f"bundledProductSpecification[{i}].id", "specification.bundleCycle", "cannot contain itself")
            for i, rid in parts
            if rid == own_id
        ]
        if "bundledProductSpecification" in changed:
            problems += self._missing(
                ctx, "productSpecification", parts, lambda i: f"bundledProductSpecification[{i}].id"
            )
        return problems

    def release_problems(self, ctx: Context, doc: Doc, old: Doc | None) -> list[FieldProblem]:
        parts = _ref_ids(doc.get("bundledProductSpecification"))
        return self._not_in_use(ctx, "productSpecification", parts, lambda i: f"bundledProductSpecification[{i}].id")


class OfferingHooks(CatalogEntryHooks):
    """An offering sells a specification at its prices, possibly as a bundle of offerings."""

    guards_retirement = True

    def __init__(self) -> None:
        super().__init__("productOffering")

    def columns(self, doc: Doc) -> dict[str, Any]:
        spec = doc.get("productSpecification")
        return {"product_specification_id": str(spec["id"]) if isinstance(spec, dict) and spec.get("id") else None}

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        problems = rules.offering_shape_problems(doc, own_id)
        spec_ref = doc.get("productSpecification")
        spec_id = str(spec_ref["id"]) if isinstance(spec_ref, dict) and spec_ref.get("id") else None
        if spec_id and changed & {"productSpecification", "prodSpecCharValueUse"}:
            spec = repository.get_doc(ctx.session, "productSpecification", spec_id)
            if spec is None:
                problems += self._missing(
                    ctx, "productSpecification", [(0, spec_id)], lambda _: "productSpecification.id"
                )
            else:
                problems += characteristics.value_use_problems(
                    doc.get("prodSpecCharValueUse"), spec.get("productSpecCharacteristic") or [], "prodSpecCharValueUse"
                )
        elif doc.get("prodSpecCharValueUse") and not spec_id:
            problems.append(
                FieldProblem(
                    "prodSpecCharValueUse",
                    "offering.specification",
                    "characteristic values are narrowed for the offering's productSpecification; name it",
                )
            )
        if "productOfferingPrice" in changed:
            problems += self._missing(
                ctx,
                "productOfferingPrice",
                _ref_ids(doc.get("productOfferingPrice")),
                lambda i: f"productOfferingPrice[{i}].id",
            )
        if "bundledProductOffering" in changed:
            parts = _ref_ids(doc.get("bundledProductOffering"))
            problems += self._missing(ctx, "productOffering", parts, lambda i: f"bundledProductOffering[{i}].id")
            if own_id is not None:
                problems += self._cycle_problems(ctx, own_id, [rid for _, rid in parts])
        if "category" in changed:
            problems += self._missing(ctx, "category", _ref_ids(doc.get("category")), lambda i: f"category[{i}].id")
        return problems

    def _cycle_problems(self, ctx: Context, own_id: str, parts: list[str]) -> list[FieldProblem]:
        graph: dict[str, list[str]] = {own_id: parts}
        frontier = [p for p in parts if p != own_id]
        while frontier:
            docs = repository.docs_by_ids(ctx.session, "productOffering", frontier)
            frontier = []
            for rid, doc in docs.items():
                graph[rid] = [pid for _, pid in _ref_ids(doc.get("bundledProductOffering"))]
                frontier += [p for p in graph[rid] if p not in graph]
        cycle = rules.bundle_cycle(own_id, graph)
        if cycle is None:
            return []
        return [
            FieldProblem(
                "bundledProductOffering",
                "offering.bundleCycle",
                f"bundles would contain themselves: {' -> '.join(cycle)}",
            )
        ]

    def release_problems(self, ctx: Context, doc: Doc, old: Doc | None) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        spec_ref = doc.get("productSpecification")
        if isinstance(spec_ref, dict) and spec_ref.get("id"):
            problems += self._not_in_use(
                ctx, "productSpecification", [(0, str(spec_ref["id"]))], lambda _: "productSpecification.id"
            )
        prices = _ref_ids(doc.get("productOfferingPrice"))
        # a released offering keeps the prices it had (a retired one simply stops applying);
        # prices it newly lists must be in use
        kept = (
            {rid for _, rid in _ref_ids(old.get("productOfferingPrice"))}
            if old is not None and old.get("lifecycleStatus") in rules.IN_USE
            else set()
        )
        problems += self._not_in_use(
            ctx,
            "productOfferingPrice",
            [(i, rid) for i, rid in prices if rid not in kept],
            lambda i: f"productOfferingPrice[{i}].id",
        )
        parts = _ref_ids(doc.get("bundledProductOffering"))
        problems += self._not_in_use(ctx, "productOffering", parts, lambda i: f"bundledProductOffering[{i}].id")
        pops = repository.docs_by_ids(ctx.session, "productOfferingPrice", [rid for _, rid in prices])
        currencies = sorted({c for c in (pricing.currency_of(p) for p in pops.values()) if c})
        if len(currencies) > 1:
            problems.append(
                FieldProblem(
                    "productOfferingPrice",
                    "offering.currency",
                    f"an offering is priced in one currency; its prices use {', '.join(currencies)}",
                )
            )
        return problems


class PriceHooks(CatalogEntryHooks):
    """A price says what its type needs; discounts name the prices they alter."""

    def __init__(self) -> None:
        super().__init__("productOfferingPrice")

    def columns(self, doc: Doc) -> dict[str, Any]:
        kind = doc.get("priceType")
        return {"price_type": str(kind) if kind else None}

    def problems(self, ctx: Context, doc: Doc, own_id: str | None, changed: set[str]) -> list[FieldProblem]:
        problems = pricing.price_definition_problems({**doc, "id": own_id} if own_id else doc)
        if "popRelationship" in changed:
            problems += self._missing(
                ctx, "productOfferingPrice", _ref_ids(doc.get("popRelationship")), lambda i: f"popRelationship[{i}].id"
            )
        if "bundledPopRelationship" in changed:
            problems += self._missing(
                ctx,
                "productOfferingPrice",
                _ref_ids(doc.get("bundledPopRelationship")),
                lambda i: f"bundledPopRelationship[{i}].id",
            )
        return problems

    def release_problems(self, ctx: Context, doc: Doc, old: Doc | None) -> list[FieldProblem]:
        problems = pricing.release_problems(doc)
        parts = _ref_ids(doc.get("bundledPopRelationship"))
        problems += self._not_in_use(ctx, "productOfferingPrice", parts, lambda i: f"bundledPopRelationship[{i}].id")
        return problems
