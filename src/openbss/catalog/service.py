"""What other domains ask the product catalog (ordering, shopping cart, inventory, billing).

These functions read the catalog directly, whatever the caller's role (the
catalog is reference data), and never write. They do not raise on business
problems: the checks return :class:`~openbss.core.problems.FieldProblem`
lists whose ``field`` starts with the caller's ``field`` prefix, so an order
can carry them as its rejection reasons.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openbss.catalog import characteristics as charspec
from openbss.catalog import pricing, repository, rules
from openbss.catalog.resource import PRODUCT_OFFERING, PRODUCT_OFFERING_PRICE
from openbss.core.errors import NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf import service as engine
from openbss.tmf.context import Context

__all__ = [
    "bundled_offering_ids",
    "check_characteristics",
    "check_orderable",
    "get_offering",
    "price_item",
    "service_specifications",
    "total_prices",
]

Doc = dict[str, Any]
_MAX_BUNDLE_DEPTH = 8


def get_offering(ctx: Context, offering_id: str) -> Doc | None:
    """The product offering as the API renders it (with ``href``), or None when there is none."""
    doc = repository.cached_doc(ctx.session, "productOffering", offering_id)
    if doc is None:
        return None
    return {"id": offering_id, "href": engine.href(ctx, PRODUCT_OFFERING, offering_id), **copy.deepcopy(doc)}


def check_orderable(
    ctx: Context,
    offering_id: str,
    *,
    at: datetime,
    channel_ids: Sequence[str],
    customer_category: str | None,
    field: str,
) -> list[FieldProblem]:
    """Why the offering may not be ordered at ``at`` through ``channel_ids`` by a customer of
    ``customer_category`` (empty when it may): it exists, is Active or Launched, valid at ``at``,
    sellable on its own, offered through one of the channels and to the customer's category.
    For a bundle, each bundled offering must also be Active or Launched and valid at ``at``.
    """
    offering = repository.cached_doc(ctx.session, "productOffering", offering_id)
    if offering is None:
        return [FieldProblem(f"{field}.id", "reference.exists", f"no ProductOffering with id '{offering_id}'")]
    sale = rules.SaleContext(at=at, channel_ids=tuple(channel_ids), customer_category=customer_category)
    problems = rules.orderability_problems(offering, sale, field)
    parts = [p for p in offering.get("bundledProductOffering") or [] if isinstance(p, dict) and p.get("id")]
    docs = repository.cached_docs(ctx.session, "productOffering", [str(p["id"]) for p in parts])
    for index, part in enumerate(parts):
        where = f"{field}.bundledProductOffering[{index}]"
        doc = docs.get(str(part["id"]))
        if doc is None:
            problems.append(
                FieldProblem(f"{where}.id", "reference.exists", f"no ProductOffering with id '{part['id']}'")
            )
            continue
        problems += [
            p
            for p in rules.orderability_problems(doc, sale, where)
            if p.rule in ("offering.lifecycle", "offering.validFor")
        ]
    return problems


def _rules_for(ctx: Context, offering: Doc, at: datetime | None) -> dict[str, charspec.CharacteristicRule]:
    spec_ref = offering.get("productSpecification")
    spec = (
        repository.cached_doc(ctx.session, "productSpecification", str(spec_ref["id"]))
        if isinstance(spec_ref, dict) and spec_ref.get("id")
        else None
    )
    if spec is None:
        return {}
    return charspec.characteristic_rules(
        spec.get("productSpecCharacteristic") or [], offering.get("prodSpecCharValueUse") or [], at=at
    )


def check_characteristics(
    ctx: Context, offering_id: str, characteristics: Sequence[Doc], field: str
) -> list[FieldProblem]:
    """The characteristics of an item of this offering against its product specification
    (narrowed by the offering's ``prodSpecCharValueUse``): names known, value types, allowed
    values, configurability, cardinality, mandatory ones present. ``field`` is the path of the
    characteristic list (``productOrderItem[0].product.productCharacteristic``).
    """
    offering = repository.cached_doc(ctx.session, "productOffering", offering_id)
    if offering is None:
        return [FieldProblem(field, "reference.exists", f"no ProductOffering with id '{offering_id}'")]
    return charspec.item_characteristic_problems(_rules_for(ctx, offering, ctx.now), list(characteristics), field)


def _expand(ctx: Context, refs: Sequence[Any], depth: int = 0) -> list[Doc]:
    """The prices ``refs`` names, bundled prices replaced by their parts (in order, each once)."""
    ids = [str(r["id"]) for r in refs if isinstance(r, dict) and r.get("id")]
    docs = repository.cached_docs(ctx.session, "productOfferingPrice", ids)
    out: list[Doc] = []
    for pop_id in ids:
        doc = docs.get(pop_id)
        if doc is None:
            continue
        doc = {**doc, "id": pop_id}
        if doc.get("isBundle") is True and depth < _MAX_BUNDLE_DEPTH:
            parts = _expand(ctx, doc.get("bundledPopRelationship") or [], depth + 1)
            status, period = doc.get("lifecycleStatus"), doc.get("validFor")
            # a part counts only while its bundle does
            out += [
                {
                    **p,
                    "lifecycleStatus": status if p.get("lifecycleStatus") in rules.IN_USE else p.get("lifecycleStatus"),
                }
                | ({"validFor": period} if period and not p.get("validFor") else {})
                for p in parts
            ]
        elif doc.get("isBundle") is not True:
            out.append(doc)
    seen: set[str] = set()
    unique = []
    for doc in out:
        if doc["id"] not in seen:
            seen.add(doc["id"])
            unique.append(doc)
    return unique


def price_item(
    ctx: Context,
    offering_id: str,
    *,
    quantity: int,
    characteristics: Sequence[Doc],
    at: datetime,
    bundle_offering_id: str | None = None,
) -> list[Doc]:
    """The ``itemPrice`` list (TMF622/TMF663) of ``quantity`` of this offering at ``at``.

    The offering's prices that are Active or Launched, valid at ``at`` and
    whose ``prodSpecCharValueUse`` conditions hold for the item's
    characteristics (defaults filled in) count; see
    :func:`openbss.catalog.pricing.item_prices` for the shape.

    Each item is priced on its own: a bundle's item carries the bundle's own
    prices, and its bundled offerings are priced on their own items. Pass
    ``bundle_offering_id`` when pricing such a bundled item: the bundle's
    discounts that name this offering's prices (``popRelationship``) then
    apply to it as well. Raises NotFound for an unknown offering.
    """
    if quantity < 1:
        raise ValidationFailed.from_problems([FieldProblem("quantity", "quantity.min", "must be at least 1")])
    offering = repository.cached_doc(ctx.session, "productOffering", offering_id)
    if offering is None:
        raise NotFound(f"no ProductOffering with id '{offering_id}'", field="productOffering.id", rule="exists")
    values = charspec.effective_characteristics(_rules_for(ctx, offering, at), list(characteristics))
    refs = list(offering.get("productOfferingPrice") or [])
    own = {str(r.get("id")) for r in refs if isinstance(r, dict)}
    pops = _expand(ctx, refs)
    if bundle_offering_id is not None:
        pops += _bundle_discounts(ctx, bundle_offering_id, exclude=own)
    pops = [pop for pop in pops if pricing.applicable(pop, at=at, values=values, released=rules.IN_USE)]
    return pricing.item_prices(
        pops, quantity=quantity, href_of=lambda pop_id: engine.href(ctx, PRODUCT_OFFERING_PRICE, pop_id)
    )


def _bundle_discounts(ctx: Context, bundle_id: str, exclude: set[str]) -> list[Doc]:
    """The discounts of a bundle that name the prices they alter (they may alter a bundled item's)."""
    bundle = repository.cached_doc(ctx.session, "productOffering", bundle_id)
    if bundle is None or bundle.get("isBundle") is not True:
        raise NotFound(f"no bundle ProductOffering with id '{bundle_id}'", field="bundleOffering.id", rule="exists")
    return [
        pop
        for pop in _expand(ctx, bundle.get("productOfferingPrice") or [])
        if pop.get("priceType") == pricing.DISCOUNT and pop.get("popRelationship") and pop["id"] not in exclude
    ]


def total_prices(item_prices: Sequence[Doc]) -> list[Doc]:
    """Totals of item prices per price type, charge period and currency (see :func:`pricing.total_prices`)."""
    return pricing.total_prices(item_prices)


def bundled_offering_ids(ctx: Context, offering_id: str) -> list[str]:
    """The ids of the offerings a bundle offering bundles, in order (empty when not a bundle or unknown)."""
    offering = repository.cached_doc(ctx.session, "productOffering", offering_id)
    if offering is None or offering.get("isBundle") is not True:
        return []
    return [str(p["id"]) for p in offering.get("bundledProductOffering") or [] if isinstance(p, dict) and p.get("id")]


def service_specifications(ctx: Context, offering_id: str) -> list[Doc]:
    """The ``serviceSpecification`` references of the offering's product specification
    (what an order item decomposes into); empty when it has none or the offering is unknown."""
    offering = repository.cached_doc(ctx.session, "productOffering", offering_id)
    spec_ref = offering.get("productSpecification") if offering else None
    if not isinstance(spec_ref, dict) or not spec_ref.get("id"):
        return []
    spec = repository.cached_doc(ctx.session, "productSpecification", str(spec_ref["id"]))
    if spec is None:
        return []
    return [copy.deepcopy(ref) for ref in spec.get("serviceSpecification") or [] if isinstance(ref, dict)]
