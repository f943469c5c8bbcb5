"""Pure rules of the product catalog (TMF620): no database, no HTTP.

* the lifecycle every catalog entry follows, and what may change in which state;
* validity periods;
* the shape of a product offering (bundles, bundle options);
* whether an offering may be ordered: lifecycle, validity, channel and
  customer-category eligibility (``marketSegment``).

Every check returns :class:`~openbss.core.problems.FieldProblem` values naming
the JSON path of the offending attribute; the service raises or returns them.
Characteristics have their own module, :mod:`openbss.catalog.characteristics`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openbss.core.problems import FieldProblem

Doc = dict[str, Any]

# --- lifecycle ------------------------------------------------------------------------------------

IN_STUDY = "In study"
IN_DESIGN = "In design"
IN_TEST = "In test"
ACTIVE = "Active"
LAUNCHED = "Launched"
RETIRED = "Retired"
OBSOLETE = "Obsolete"
REJECTED = "Rejected"

LIFECYCLE_TRANSITIONS: dict[str, frozenset[str]] = {
    IN_STUDY: frozenset({IN_DESIGN, REJECTED}),
    IN_DESIGN: frozenset({IN_STUDY, IN_TEST, ACTIVE, LAUNCHED, REJECTED}),
    IN_TEST: frozenset({IN_DESIGN, ACTIVE, LAUNCHED, REJECTED}),
    ACTIVE: frozenset({LAUNCHED, RETIRED}),
    LAUNCHED: frozenset({RETIRED}),
    RETIRED: frozenset({OBSOLETE}),
    OBSOLETE: frozenset(),
    REJECTED: frozenset(),
    "@create": frozenset({IN_STUDY, IN_TEST, ACTIVE, LAUNCHED}),
}
"""In study -> In design -> In test -> Active -> Launched -> Retired -> Obsolete.

Design may go back and forth (In study, In design, In test) and may be
rejected; Active and Launched are the states in which an entry is in use
(an offering can be sold); a Retired entry is no longer sold but still
describes what customers have; Obsolete and Rejected are final. A new
entry starts In design unless it says otherwise.
"""

INITIAL = IN_DESIGN
IN_USE = frozenset({ACTIVE, LAUNCHED})
"""States in which an offering may be ordered (and a price or specification used)."""
RELEASED = frozenset({ACTIVE, LAUNCHED, RETIRED})
"""States once released: what customers may have bought no longer changes."""
FINAL = frozenset({OBSOLETE, REJECTED})
DELETABLE = frozenset({IN_STUDY, IN_DESIGN, IN_TEST, REJECTED})
"""Only an entry that was never released may be deleted; a released one is retired instead."""

FROZEN_WHEN_RELEASED: dict[str, frozenset[str]] = {
    "productSpecification": frozenset({"productSpecCharacteristic", "isBundle", "bundledProductSpecification"}),
    "productOffering": frozenset(
        {"productSpecification", "isBundle", "bundledProductOffering", "prodSpecCharValueUse"}
    ),
    "productOfferingPrice": frozenset(
        {
            "priceType",
            "price",
            "percentage",
            "recurringChargePeriodType",
            "recurringChargePeriodLength",
            "recurringChargeTiming",
            "unitOfMeasure",
            "tierMode",
            "priceTier",
            "includedQuantity",
            "applicationDuration",
            "tax",
            "isBundle",
            "bundledPopRelationship",
            "popRelationship",
            "prodSpecCharValueUse",
        }
    ),
    "catalog": frozenset(),
    "category": frozenset(),
}
"""Attributes that define what a customer buys: fixed once an entry is released.

A new price or characteristic is a new entry (with its own ``validFor``)
that replaces the old one, which is retired.
"""

_ALWAYS_CHANGEABLE = frozenset({"lifecycleStatus", "lastUpdate", "statusReason"})


def change_problems(path: str, old: Doc, new: Doc) -> list[FieldProblem]:
    """What may not change from ``old`` to ``new`` given ``old``'s lifecycle status."""
    status = old.get("lifecycleStatus")
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if status in FINAL:
        return [
            FieldProblem(key, "catalog.final", f"the entry is {status}; it no longer changes")
            for key in changed
            if key not in ("lastUpdate",)
        ]
    if status in RELEASED:
        frozen = FROZEN_WHEN_RELEASED.get(path, frozenset()) - _ALWAYS_CHANGEABLE
        return [
            FieldProblem(
                key,
                "catalog.released",
                f"'{key}' cannot change once the entry is {status}; create a new entry and retire this one",
            )
            for key in changed
            if key in frozen
        ]
    return []


# --- time -------------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """A stored date-time (TMF wire form) as an aware datetime; None when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def period_problems(period: Any, field: str) -> list[FieldProblem]:
    """A ``validFor`` must end after it starts."""
    if not isinstance(period, dict):
        return []
    start, end = parse_time(period.get("startDateTime")), parse_time(period.get("endDateTime"))
    if start is not None and end is not None and end <= start:
        return [FieldProblem(f"{field}.endDateTime", "validFor.order", "must be after startDateTime")]
    return []


def within(period: Any, at: datetime) -> bool:
    """``at`` lies in ``period`` (start inclusive, end exclusive; open ends are unbounded)."""
    if not isinstance(period, dict):
        return True
    start, end = parse_time(period.get("startDateTime")), parse_time(period.get("endDateTime"))
    return (start is None or start <= at) and (end is None or at < end)


# --- product offering shape -------------------------------------------------------------------------


def offering_shape_problems(doc: Doc, own_id: str | None) -> list[FieldProblem]:
    """Bundles: ``isBundle`` and ``bundledProductOffering`` agree; parts are distinct and not the offering."""
    problems = period_problems(doc.get("validFor"), "validFor")
    parts = [p for p in doc.get("bundledProductOffering") or [] if isinstance(p, dict)]
    if doc.get("isBundle") is True and not parts:
        problems.append(
            FieldProblem("bundledProductOffering", "offering.bundle", "a bundle (isBundle true) lists its offerings")
        )
    if doc.get("isBundle") is not True and parts:
        problems.append(
            FieldProblem("isBundle", "offering.bundle", "an offering with bundledProductOffering must be isBundle true")
        )
    seen: set[str] = set()
    for index, part in enumerate(parts):
        where = f"bundledProductOffering[{index}]"
        part_id = str(part.get("id"))
        if own_id is not None and part_id == own_id:
            problems.append(FieldProblem(f"{where}.id", "offering.bundleCycle", "a bundle cannot contain itself"))
        if part_id in seen:
            problems.append(FieldProblem(f"{where}.id", "offering.bundleDuplicate", f"'{part_id}' is listed twice"))
        seen.add(part_id)
        option = part.get("bundledProductOfferingOption")
        if isinstance(option, dict):
            problems += _option_problems(option, f"{where}.bundledProductOfferingOption")
    return problems


def _option_problems(option: Mapping[str, Any], where: str) -> list[FieldProblem]:
    low, default, high = (
        option.get("numberRelOfferLowerLimit"),
        option.get("numberRelOfferDefault"),
        option.get("numberRelOfferUpperLimit"),
    )
    problems = []
    for key, value in (
        ("numberRelOfferLowerLimit", low),
        ("numberRelOfferDefault", default),
        ("numberRelOfferUpperLimit", high),
    ):
        if isinstance(value, int) and value < 0:
            problems.append(FieldProblem(f"{where}.{key}", "offering.bundleOption", "must not be negative"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        problems.append(
            FieldProblem(
                f"{where}.numberRelOfferUpperLimit", "offering.bundleOption", "must not be below the lower limit"
            )
        )
    if isinstance(default, int) and (
        (isinstance(low, int) and default < low) or (isinstance(high, int) and default > high)
    ):
        problems.append(
            FieldProblem(f"{where}.numberRelOfferDefault", "offering.bundleOption", "must lie within the limits")
        )
    return problems


def bundle_cycle(start_id: str, parts_of: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A chain of bundles leading from ``start_id`` back to itself, or None."""
    stack: list[tuple[str, list[str]]] = [(start_id, [start_id])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for part in parts_of.get(node, ()):
            if part == start_id:
                return [*path, part]
            if part not in visited:
                visited.add(part)
                stack.append((part, [*path, part]))
    return None


# --- orderability -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaleContext:
    """Where and to whom an offering is being sold."""

    at: datetime
    channel_ids: Sequence[str] = ()
    customer_category: str | None = None


def orderability_problems(offering: Doc, sale: SaleContext, field: str) -> list[FieldProblem]:
    """Why ``offering`` may not be ordered in ``sale`` (empty when it may).

    * its ``lifecycleStatus`` is Active or Launched;
    * ``sale.at`` lies within its ``validFor``;
    * it is sellable on its own (``isSellable`` is not false);
    * when it lists channels, the sale names one of them;
    * when it lists market segments (customer categories), the customer's
      category is one of them (by id or name, ignoring case).
    """
    name = offering.get("name") or offering.get("id")
    problems = []
    status = offering.get("lifecycleStatus")
    if status not in IN_USE:
        problems.append(
            FieldProblem(
                field,
                "offering.lifecycle",
                f"offering '{name}' is {status}; only Active or Launched offerings can be ordered",
            )
        )
    if not within(offering.get("validFor"), sale.at):
        period = offering.get("validFor") or {}
        problems.append(
            FieldProblem(
                field,
                "offering.validFor",
                f"offering '{name}' is valid from {period.get('startDateTime', '-')} "
                f"to {period.get('endDateTime', '-')}, not at {sale.at.isoformat()}",
            )
        )
    if offering.get("isSellable") is False:
        problems.append(
            FieldProblem(field, "offering.notSellable", f"offering '{name}' is sold only as part of a bundle")
        )
    channels = {str(c.get("id")) for c in offering.get("channel") or [] if isinstance(c, dict)}
    if channels and not channels.intersection(sale.channel_ids):
        problems.append(
            FieldProblem(
                field,
                "offering.channel",
                f"offering '{name}' is sold through channel(s) {', '.join(sorted(channels))} only",
            )
        )
    segments = [s for s in offering.get("marketSegment") or [] if isinstance(s, dict)]
    if segments and not _eligible(segments, sale.customer_category):
        labels = ", ".join(sorted(str(s.get("name") or s.get("id")) for s in segments))
        who = f"category '{sale.customer_category}'" if sale.customer_category else "no category"
        problems.append(
            FieldProblem(
                field,
                "offering.eligibility",
                f"offering '{name}' is for customers of {labels}; the customer has {who}",
            )
        )
    return problems


def _eligible(segments: Sequence[Mapping[str, Any]], category: str | None) -> bool:
    if not category:
        return False
    wanted = category.strip().casefold()
    return any(
        isinstance(label, str) and label.strip().casefold() == wanted
        for segment in segments
        for label in (segment.get("id"), segment.get("name"))
    )
