"""Pure money rules of an order: quoted prices against the catalog's, totals by price type.

Amounts are :class:`~decimal.Decimal`; equality is numeric (``10.0`` equals
``10``) and the currency must be the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from openbss.core.problems import FieldProblem

Doc = dict[str, Any]
_AMOUNTS = ("taxIncludedAmount", "dutyFreeAmount")


def amount(money: Any) -> tuple[Decimal, str | None] | None:
    """``(value, currency)`` of a TMF Money, or None when it has no usable value."""
    if not isinstance(money, dict) or money.get("value") is None:
        return None
    try:
        return Decimal(str(money["value"])), (str(money["unit"]) if money.get("unit") else None)
    except InvalidOperation:
        return None


def _key(entry: Doc) -> tuple[Any, ...]:
    return (entry.get("priceType"), entry.get("recurringChargePeriod"), entry.get("unitOfMeasure"))


def _describe(entry: Doc) -> str:
    kind, period, unit = _key(entry)
    return " ".join(str(p) for p in (kind, period, unit) if p)


def _money_problems(quoted: Any, expected: Any, field: str) -> list[FieldProblem]:
    problems = []
    for name in _AMOUNTS:
        given = amount((quoted or {}).get(name) if isinstance(quoted, dict) else None)
        wanted = amount((expected or {}).get(name) if isinstance(expected, dict) else None)
        if given is None:
            continue
        if wanted is None or given[0] != wanted[0] or (given[1] and wanted[1] and given[1] != wanted[1]):
            shown = f"{wanted[0]} {wanted[1] or ''}".strip() if wanted else "no such amount"
            problems.append(
                FieldProblem(
                    f"{field}.{name}.value",
                    "price.mismatch",
                    f"the quoted {given[0]} {given[1] or ''} differs from the catalog price: {shown}".replace(
                        "  ", " "
                    ),
                )
            )
    return problems


def compare_prices(quoted: Sequence[Any], expected: Sequence[Doc], field: str) -> list[FieldProblem]:
    """Problems with ``quoted`` prices (an item's ``itemPrice`` or the ``orderTotalPrice``)."""
    problems: list[FieldProblem] = []
    remaining = list(expected)
    for index, entry in enumerate(quoted):
        if not isinstance(entry, dict):
            continue
        where = f"{field}[{index}]"
        match = next((e for e in remaining if _key(e) == _key(entry)), None)
        if match is None:
            problems.append(
                FieldProblem(where, "price.unknown", f"the catalog has no {_describe(entry) or 'such'} price here")
            )
            continue
        remaining.remove(match)
        problems += _money_problems(entry.get("price"), match.get("price"), f"{where}.price")
        for a_index, alteration in enumerate(entry.get("priceAlteration") or []):
            wanted = (match.get("priceAlteration") or [])[a_index : a_index + 1]
            if not wanted:
                problems.append(
                    FieldProblem(
                        f"{where}.priceAlteration[{a_index}]", "price.unknown", "the catalog grants no such discount"
                    )
                )
            elif isinstance(alteration, dict):
                problems += _money_problems(
                    alteration.get("price"), wanted[0].get("price"), f"{where}.priceAlteration[{a_index}].price"
                )
    for entry in remaining:
        problems.append(
            FieldProblem(field, "price.missing", f"the {_describe(entry)} price of the catalog is not in the quote")
        )
    return problems


def _total(totals: Sequence[Doc], kind: str) -> tuple[Decimal, str | None] | None:
    found: tuple[Decimal, str | None] | None = None
    for entry in totals:
        if not isinstance(entry, dict) or entry.get("priceType") != kind:
            continue
        price = entry.get("price")
        price = price if isinstance(price, dict) else {}
        value = amount(price.get("taxIncludedAmount")) or amount(price.get("dutyFreeAmount"))
        if value is None:
            continue
        found = value if found is None else (found[0] + value[0], found[1] or value[1])
    return found


def one_time_total(totals: Sequence[Doc]) -> tuple[Decimal, str | None] | None:
    """The one-time charges of an order (tax included), or None when it has none."""
    return _total(totals, "oneTime")


def recurring_total(totals: Sequence[Doc]) -> tuple[Decimal, str | None] | None:
    """The recurring charges of an order per their periods, added up (tax included)."""
    return _total(totals, "recurring")
