"""Pure price logic of the product catalog: no database, no HTTP.

* what a product offering price (POP) must say for its ``priceType``
  (one-time, recurring, usage, discount) and when it is complete enough to
  be released;
* usage rating: per-unit, tiered (graduated) and volume tiers, with an
  included allowance consumed first;
* charge periods of recurring prices (in advance or in arrears);
* price alterations (discounts: a percentage or an amount, for N periods);
* the TMF622/TMF663 ``itemPrice`` of an order or cart item, and totals.

Amounts are :class:`~decimal.Decimal`. Unit prices keep every digit they
were defined with; a charge (a price times a quantity, a tax, a discount) is
rounded half-up to the currency's minor unit where it is computed.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openbss.accounts.rules import is_currency, minor_unit
from openbss.catalog.characteristics import value_use_applies
from openbss.catalog.rules import period_problems, within
from openbss.core.problems import FieldProblem

Doc = dict[str, Any]

ONE_TIME, RECURRING, USAGE, DISCOUNT = "oneTime", "recurring", "usage", "discount"
HUNDRED = Decimal(100)


# --- money -------------------------------------------------------------------------------------------


def round_money(amount: Decimal, currency: str | None) -> Decimal:
    """``amount`` rounded half-up to the minor unit of ``currency`` (2 places when unknown)."""
    places = minor_unit(currency) if currency else 2
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money(value: Decimal, currency: str | None) -> Doc:
    return {"unit": currency, "value": value}


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


# --- usage rating --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """Units from ``lower`` (inclusive) up to ``upper`` (exclusive; None = no limit) cost ``unit_price`` each."""

    lower: Decimal
    upper: Decimal | None
    unit_price: Decimal


@dataclass(frozen=True)
class UsageCharge:
    billable: Decimal  # units charged after the allowance
    allowance_used: Decimal
    allowance_left: Decimal
    amount: Decimal  # unrounded


def rate_usage(
    quantity: Decimal,
    *,
    unit_price: Decimal | None = None,
    tiers: Sequence[Tier] = (),
    mode: str = "tiered",
    included: Decimal = Decimal(0),
) -> UsageCharge:
    """Charge for ``quantity`` units of usage.

    The allowance (``included``) is consumed first; the rest is billable.
    Without tiers every billable unit costs ``unit_price``. With tiers,
    ``tiered`` (graduated) charges each unit at the price of the tier it falls
    in; ``volume`` charges every unit at the price of the tier the whole
    billable quantity reaches. Tiers are measured on the billable quantity.
    """
    if quantity < 0:
        raise ValueError("usage quantity must not be negative")
    included = max(included, Decimal(0))
    used = min(quantity, included)
    billable = quantity - used
    if not tiers:
        amount = billable * (unit_price or Decimal(0))
    elif mode == "volume":
        amount = billable * _tier_of(tiers, billable).unit_price
    else:
        amount = Decimal(0)
        for tier in tiers:
            if billable <= tier.lower:
                break
            top = billable if tier.upper is None else min(billable, tier.upper)
            amount += (top - tier.lower) * tier.unit_price
    return UsageCharge(billable=billable, allowance_used=used, allowance_left=included - used, amount=amount)


def _tier_of(tiers: Sequence[Tier], quantity: Decimal) -> Tier:
    for tier in tiers:
        if tier.upper is None or quantity < tier.upper:
            return tier
    return tiers[-1]


def tiers_of(pop: Doc) -> list[Tier]:
    """The ``priceTier`` list of a usage price as :class:`Tier` values (well-formed prices only)."""
    out = []
    for entry in pop.get("priceTier") or []:
        price = _decimal((entry.get("price") or {}).get("value"))
        lower, upper = _decimal(entry.get("fromQuantity")), _decimal(entry.get("toQuantity"))
        if lower is not None and price is not None:
            out.append(Tier(lower, upper, price))
    return out


# --- charge periods --------------------------------------------------------------------------------


def add_period(start: datetime, period_type: str, length: int = 1) -> datetime:
    """``start`` plus ``length`` periods; a month after Jan 31 is the last day of February."""
    if period_type == "day":
        return start + timedelta(days=length)
    if period_type == "week":
        return start + timedelta(weeks=length)
    months = length * (12 if period_type == "year" else 1)
    if period_type not in ("month", "year"):
        raise ValueError(f"unknown period type {period_type!r}")
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def charge_date(period_start: datetime, period_end: datetime, timing: str | None) -> datetime:
    """When a recurring charge for a period is due: at its start (in advance, the default) or end (arrears)."""
    return period_end if timing == "inArrears" else period_start


# --- alterations --------------------------------------------------------------------------------------


def alteration_amount(base: Decimal, *, percentage: Decimal | None = None, amount: Decimal | None = None) -> Decimal:
    """How much a discount takes off ``base`` (positive, never more than ``base``, unrounded)."""
    if base <= 0:
        return Decimal(0)
    if percentage is not None:
        cut = base * percentage / HUNDRED
    elif amount is not None:
        cut = amount
    else:
        cut = Decimal(0)
    return max(Decimal(0), min(cut, base))


# --- definition checks ----------------------------------------------------------------------------------

_ONLY_FOR: dict[str, frozenset[str]] = {
    "recurringChargePeriodType": frozenset({RECURRING, DISCOUNT}),
    "recurringChargePeriodLength": frozenset({RECURRING, DISCOUNT}),
    "recurringChargeTiming": frozenset({RECURRING}),
    "tierMode": frozenset({USAGE}),
    "priceTier": frozenset({USAGE}),
    "includedQuantity": frozenset({USAGE}),
    "percentage": frozenset({DISCOUNT}),
    "applicationDuration": frozenset({DISCOUNT}),
}


def price_definition_problems(pop: Doc) -> list[FieldProblem]:
    """What is wrong with a product offering price, whatever its lifecycle status."""
    problems = period_problems(pop.get("validFor"), "validFor")
    kind = pop.get("priceType")
    for key, kinds in _ONLY_FOR.items():
        if pop.get(key) is not None and kind not in kinds:
            allowed = " or ".join(sorted(kinds))
            problems.append(FieldProblem(key, "price.attribute", f"only a {allowed} price has {key}"))
    problems += _money_problems(pop.get("price"), "price", positive=kind == DISCOUNT)
    length = pop.get("recurringChargePeriodLength")
    if isinstance(length, int) and length < 1:
        problems.append(FieldProblem("recurringChargePeriodLength", "price.period", "must be at least 1"))
    duration = pop.get("applicationDuration")
    if isinstance(duration, int) and duration < 1:
        problems.append(FieldProblem("applicationDuration", "price.duration", "must be at least 1 period"))
    percentage = _decimal(pop.get("percentage"))
    if percentage is not None and not (0 < percentage <= HUNDRED):
        problems.append(FieldProblem("percentage", "price.percentage", "must be more than 0 and at most 100"))
    if kind == DISCOUNT and pop.get("percentage") is not None and pop.get("price") is not None:
        problems.append(
            FieldProblem("percentage", "price.discount", "a discount is a percentage or an amount (price), not both")
        )
    for index, tax in enumerate(pop.get("tax") or []):
        rate = _decimal((tax or {}).get("taxRate"))
        if rate is not None and not (0 <= rate <= HUNDRED):
            problems.append(FieldProblem(f"tax[{index}].taxRate", "price.taxRate", "is a percentage from 0 to 100"))
    problems += _unit_problems(pop)
    problems += _tier_problems(pop)
    parts = pop.get("bundledPopRelationship") or []
    if pop.get("isBundle") is True and not parts:
        problems.append(
            FieldProblem("bundledPopRelationship", "price.bundle", "a bundled price (isBundle true) lists its parts")
        )
    if pop.get("isBundle") is not True and parts:
        problems.append(
            FieldProblem("isBundle", "price.bundle", "a price with bundledPopRelationship is isBundle true")
        )
    if pop.get("isBundle") is True and pop.get("price") is not None:
        problems.append(
            FieldProblem("price", "price.bundle", "a bundled price is the sum of its parts; it has no price")
        )
    own = pop.get("id")
    for index, part in enumerate(parts):
        if isinstance(part, dict) and own is not None and part.get("id") == own:
            problems.append(
                FieldProblem(
                    f"bundledPopRelationship[{index}].id", "price.bundleCycle", "a price cannot contain itself"
                )
            )
    return problems


def _money_problems(value: Any, where: str, *, positive: bool = False) -> list[FieldProblem]:
    if not isinstance(value, dict):
        return []
    problems = []
    unit, amount = value.get("unit"), _decimal(value.get("value"))
    if unit is not None and not (isinstance(unit, str) and is_currency(unit)):
        problems.append(FieldProblem(f"{where}.unit", "currency.iso4217", f"{unit!r} is not an ISO 4217 currency code"))
    if amount is not None and amount < 0:
        problems.append(FieldProblem(f"{where}.value", "price.negative", "a price is not negative (use a discount)"))
    if positive and amount is not None and amount == 0:
        problems.append(FieldProblem(f"{where}.value", "price.discount", "a discount amount is more than 0"))
    if amount is not None and unit is None:
        problems.append(FieldProblem(f"{where}.unit", "required", "an amount needs its currency"))
    return problems


def _unit_problems(pop: Doc) -> list[FieldProblem]:
    problems = []
    unit = pop.get("unitOfMeasure")
    if isinstance(unit, dict):
        amount = _decimal(unit.get("amount"))
        if amount is not None and amount <= 0:
            problems.append(FieldProblem("unitOfMeasure.amount", "price.unitOfMeasure", "must be more than 0"))
    included = pop.get("includedQuantity")
    if isinstance(included, dict):
        amount = _decimal(included.get("amount"))
        if amount is None or amount < 0:
            problems.append(
                FieldProblem("includedQuantity.amount", "price.allowance", "an allowance is a quantity of 0 or more")
            )
        units = (unit or {}).get("units") if isinstance(unit, dict) else None
        if included.get("units") is not None and included.get("units") != units:
            problems.append(
                FieldProblem(
                    "includedQuantity.units",
                    "price.allowance",
                    f"an allowance is counted in the price's units ({units})",
                )
            )
    return problems


def _tier_problems(pop: Doc) -> list[FieldProblem]:
    tiers = [t for t in pop.get("priceTier") or [] if isinstance(t, dict)]
    problems = []
    if tiers and pop.get("tierMode") is None:
        problems.append(FieldProblem("tierMode", "required", "usage tiers are 'tiered' (graduated) or 'volume'"))
    if pop.get("tierMode") is not None and not tiers:
        problems.append(FieldProblem("priceTier", "required", "tierMode needs the tiers"))
    currency = (pop.get("price") or {}).get("unit") if isinstance(pop.get("price"), dict) else None
    expected = Decimal(0)
    for index, tier in enumerate(tiers):
        where = f"priceTier[{index}]"
        low, high = _decimal(tier.get("fromQuantity")), _decimal(tier.get("toQuantity"))
        if low is not None and low != expected:
            problems.append(
                FieldProblem(
                    f"{where}.fromQuantity",
                    "price.tiers",
                    f"tiers are contiguous from 0: this one starts at {expected}",
                )
            )
        if high is None and index != len(tiers) - 1:
            problems.append(FieldProblem(f"{where}.toQuantity", "price.tiers", "only the last tier is open-ended"))
        if high is not None and low is not None and high <= low:
            problems.append(FieldProblem(f"{where}.toQuantity", "price.tiers", "must be above fromQuantity"))
        expected = high if high is not None else expected
        problems += _money_problems(tier.get("price"), f"{where}.price")
        tier_currency = (tier.get("price") or {}).get("unit")
        if currency is None:
            currency = tier_currency
        elif tier_currency is not None and tier_currency != currency:
            problems.append(FieldProblem(f"{where}.price.unit", "price.currency", f"all tiers are in {currency}"))
        if (tier.get("price") or {}).get("value") is None:
            problems.append(FieldProblem(f"{where}.price.value", "required", "is mandatory and missing"))
    return problems


def release_problems(pop: Doc) -> list[FieldProblem]:
    """What a price needs before it is Active or Launched (it may be incomplete while in design)."""
    kind = pop.get("priceType")
    if kind is None:
        return [FieldProblem("priceType", "price.incomplete", "a released price states its priceType")]
    problems: list[FieldProblem] = []
    has_price = isinstance(pop.get("price"), dict) and pop["price"].get("value") is not None
    if pop.get("isBundle") is True:
        return problems
    if kind in (ONE_TIME, RECURRING) and not has_price:
        problems.append(FieldProblem("price", "price.incomplete", f"a released {kind} price states its amount"))
    if kind == RECURRING and pop.get("recurringChargePeriodType") is None:
        problems.append(
            FieldProblem("recurringChargePeriodType", "price.incomplete", "a recurring price states its period")
        )
    if kind == USAGE:
        if not (isinstance(pop.get("unitOfMeasure"), dict) and pop["unitOfMeasure"].get("units")):
            problems.append(
                FieldProblem("unitOfMeasure.units", "price.incomplete", "a usage price states its unit of measure")
            )
        if not has_price and not pop.get("priceTier"):
            problems.append(FieldProblem("price", "price.incomplete", "a usage price has a unit price or tiers"))
    if kind == DISCOUNT and pop.get("percentage") is None and not has_price:
        problems.append(FieldProblem("percentage", "price.incomplete", "a discount is a percentage or an amount"))
    return problems


def currency_of(pop: Doc) -> str | None:
    price = pop.get("price")
    if isinstance(price, dict) and isinstance(price.get("unit"), str):
        return str(price["unit"])
    for tier in pop.get("priceTier") or []:
        unit = (tier.get("price") or {}).get("unit") if isinstance(tier, dict) else None
        if isinstance(unit, str):
            return unit
    return None


# --- item prices ----------------------------------------------------------------------------------------


def _period(pop: Doc) -> str | None:
    kind = pop.get("recurringChargePeriodType")
    if not isinstance(kind, str):
        return None
    length = pop.get("recurringChargePeriodLength") or 1
    return kind if length == 1 else f"{length} {kind}"


def _unit_of_measure(pop: Doc) -> str | None:
    unit = pop.get("unitOfMeasure")
    if not isinstance(unit, dict) or not unit.get("units"):
        return None
    amount = _decimal(unit.get("amount"))
    return str(unit["units"]) if amount in (None, Decimal(1)) else f"{amount} {unit['units']}"


def tax_rate(pop: Doc) -> Decimal:
    return sum(
        (
            Decimal(t["taxRate"])
            for t in pop.get("tax") or []
            if isinstance(t, dict) and _decimal(t.get("taxRate")) is not None
        ),
        Decimal(0),
    )


def _price(duty_free: Decimal, rate: Decimal, currency: str | None, *, exact: bool = False) -> Doc:
    """A TMF Price. A charge is rounded to the currency's minor unit, then its tax-included amount
    is computed from the rounded amount and rounded; a rate (``exact``) keeps its own precision."""
    if exact:
        places = max(minor_unit(currency) if currency else 2, -int(duty_free.as_tuple().exponent))
        included = (duty_free * (1 + rate / HUNDRED)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        duty_free = round_money(duty_free, currency)
        included = round_money(duty_free * (1 + rate / HUNDRED), currency)
    return {
        "taxRate": rate,
        "dutyFreeAmount": money(duty_free, currency),
        "taxIncludedAmount": money(included, currency),
    }


def pop_ref(pop: Doc, href_of: Callable[[str], str] | None = None) -> Doc:
    ref: Doc = {"id": pop.get("id"), "name": pop.get("name"), "@referredType": "ProductOfferingPrice"}
    if href_of is not None and pop.get("id"):
        ref["href"] = href_of(str(pop["id"]))
    return {k: v for k, v in ref.items() if v is not None}


def applicable(pop: Doc, *, at: datetime, values: Mapping[str, Any], released: frozenset[str]) -> bool:
    """A price counts for an item at ``at``: released, valid then, and its characteristic conditions hold."""
    return (
        pop.get("lifecycleStatus") in released
        and within(pop.get("validFor"), at)
        and value_use_applies(pop.get("prodSpecCharValueUse"), values)
    )


def item_prices(pops: Sequence[Doc], *, quantity: int, href_of: Callable[[str], str] | None = None) -> list[Doc]:
    """The ``itemPrice`` list of an item of ``quantity`` from its applicable, non-bundle prices.

    One-time and recurring prices are multiplied by ``quantity`` and rounded;
    a usage price shows its rate per unit (the first billable tier's when it
    has tiers), exact. Each discount is attached as a ``priceAlteration`` to
    the prices it names in ``popRelationship`` (to every recurring price when
    it names none); its ``price`` is the (negative) amount it takes off, and
    ``applicationDuration`` the number of periods it lasts.
    """
    if quantity < 1:
        raise ValueError("an item's quantity is at least 1")
    charges = [p for p in pops if p.get("priceType") in (ONE_TIME, RECURRING, USAGE)]
    discounts = [p for p in pops if p.get("priceType") == DISCOUNT]
    out: list[Doc] = []
    for pop in charges:
        currency = currency_of(pop)
        rate = tax_rate(pop)
        entry: Doc = {"name": pop.get("name"), "priceType": pop["priceType"]}
        if pop.get("description"):
            entry["description"] = pop["description"]
        if pop["priceType"] == RECURRING:
            entry["recurringChargePeriod"] = _period(pop)
        if pop["priceType"] == USAGE:
            entry["unitOfMeasure"] = _unit_of_measure(pop)
            tiers = tiers_of(pop)
            unit_price = tiers[0].unit_price if tiers else Decimal((pop.get("price") or {}).get("value") or 0)
            entry["price"] = _price(unit_price, rate, currency, exact=True)
        else:
            base = Decimal((pop.get("price") or {}).get("value") or 0) * quantity
            entry["price"] = _price(base, rate, currency)
        alterations = [
            _alteration(d, entry, rate, currency, quantity, href_of) for d in discounts if _discount_targets(d, pop)
        ]
        if alterations:
            entry["priceAlteration"] = alterations
        entry["productOfferingPrice"] = pop_ref(pop, href_of)
        out.append({k: v for k, v in entry.items() if v is not None})
    return out


def _discount_targets(discount: Doc, pop: Doc) -> bool:
    targets = {str(r.get("id")) for r in discount.get("popRelationship") or [] if isinstance(r, dict)}
    if targets:
        return str(pop.get("id")) in targets
    return pop.get("priceType") == RECURRING


def _alteration(
    discount: Doc,
    entry: Doc,
    rate: Decimal,
    currency: str | None,
    quantity: int,
    href_of: Callable[[str], str] | None,
) -> Doc:
    base = Decimal(entry["price"]["dutyFreeAmount"]["value"])
    percentage = _decimal(discount.get("percentage"))
    fixed = _decimal((discount.get("price") or {}).get("value"))
    exact = entry["priceType"] == USAGE
    cut = alteration_amount(
        base, percentage=percentage, amount=fixed * (1 if exact else quantity) if fixed is not None else None
    )
    price = _price(-cut, rate, currency, exact=exact)
    if percentage is not None:
        price["percentage"] = percentage
    alteration: Doc = {
        "name": discount.get("name"),
        "description": discount.get("description"),
        "priceType": entry["priceType"],
        "recurringChargePeriod": entry.get("recurringChargePeriod") or _period(discount),
        "applicationDuration": discount.get("applicationDuration"),
        "unitOfMeasure": entry.get("unitOfMeasure"),
        "price": price,
        "productOfferingPrice": pop_ref(discount, href_of),
    }
    return {k: v for k, v in alteration.items() if v is not None}


# --- totals ---------------------------------------------------------------------------------------------


def _add(total: Doc | None, price: Doc) -> Doc:
    if total is None:
        return {
            "dutyFreeAmount": dict(price["dutyFreeAmount"]),
            "taxIncludedAmount": dict(price["taxIncludedAmount"]),
        }
    for key in ("dutyFreeAmount", "taxIncludedAmount"):
        if total[key]["unit"] != price[key]["unit"]:
            raise ValueError("prices in different currencies are not added up")
        total[key] = money(Decimal(total[key]["value"]) + Decimal(price[key]["value"]), total[key]["unit"])
    return total


def total_prices(item_prices: Sequence[Doc]) -> list[Doc]:
    """Totals of item prices (TMF622 ``orderTotalPrice``, TMF663 ``cartTotalPrice``).

    One total per price type, charge period and currency, one-time before
    recurring; usage rates are not added up. A total's ``price`` is the sum
    of the undiscounted prices; its ``priceAlteration`` sums the alterations
    that share a name, duration and period.
    """
    groups: dict[tuple[str, str | None, str | None], Doc] = {}
    for entry in item_prices:
        kind = entry.get("priceType")
        price = entry.get("price")
        if kind not in (ONE_TIME, RECURRING) or not isinstance(price, dict):
            continue
        currency = price["dutyFreeAmount"].get("unit")
        key = (str(kind), entry.get("recurringChargePeriod"), currency)
        total = groups.setdefault(key, {"priceType": kind, "recurringChargePeriod": entry.get("recurringChargePeriod")})
        total["price"] = _add(total.get("price"), price)
        alterations: dict[tuple[Any, Any, Any], Doc] = total.setdefault("_alterations", {})
        for alteration in entry.get("priceAlteration") or []:
            a_key = (
                alteration.get("name"),
                alteration.get("applicationDuration"),
                alteration.get("recurringChargePeriod"),
            )
            current = alterations.get(a_key)
            summed = _add(current["price"] if current else None, alteration["price"])
            alterations[a_key] = {
                **{k: v for k, v in alteration.items() if k not in ("price", "productOfferingPrice")},
                "price": summed,
            }
    order = {ONE_TIME: 0, RECURRING: 1}
    out = []
    for key in sorted(groups, key=lambda k: (order[k[0]], k[1] or "", k[2] or "")):
        total = groups[key]
        alterations = total.pop("_alterations", {})
        if alterations:
            total["priceAlteration"] = list(alterations.values())
        out.append({k: v for k, v in total.items() if v is not None})
    return out
