"""Pure rules of the account domain (TMF666): no database, no HTTP.

* money: ISO 4217 currencies, exact amounts within the currency's minor unit;
* the account currency and its consistency across the document;
* validity periods (``validFor``) that end after they start;
* who owns an account (the ``relatedParty`` that counts);
* what a customer or partner may change on its own account;
* the account lifecycle.

Every check returns :class:`~openbss.core.problems.FieldProblem` values naming
the JSON path of the offending attribute; the service raises them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry

from openbss.core.clock import parse_instant
from openbss.core.problems import FieldProblem, join_path

# --- lifecycle ------------------------------------------------------------------------------------

ACCOUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"active", "closed"}),
    "active": frozenset({"suspended", "closed"}),
    "suspended": frozenset({"active", "closed"}),
    "closed": frozenset(),
    "@create": frozenset({"active"}),
}
"""pending (new) -> active <-> suspended; any of them -> closed, which is final."""

CLOSED = "closed"

# --- money ------------------------------------------------------------------------------------------

# ISO 4217 minor units that are not 2 (the list's "Minor unit" column).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
# Codes without a minor unit: precious metals, bond units, SDR, testing, "no currency".
_NOT_MONEY = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"})
MAX_INTEGER_DIGITS = 15  # 999 trillion: beyond any credit limit or plan a real account carries


def minor_unit(currency: str) -> int:
    """Decimal places of ``currency`` (ISO 4217 minor unit)."""
    return _MINOR_UNITS.get(currency, 2)


def is_currency(code: str) -> bool:
    """True for an ISO 4217 alphabetic code of a real currency (upper case)."""
    if len(code) != 3 or not code.isalpha() or not code.isupper() or code in _NOT_MONEY:
        return False
    return pycountry.currencies.get(alpha_3=code) is not None


def normalise_currency(value: Any) -> str | None:
    """Upper-case text of a currency code, or None when ``value`` is not text."""
    return value.strip().upper() if isinstance(value, str) else None


def as_decimal(value: Any) -> Decimal | None:
    """The exact value of a JSON number (int or Decimal as our decoder gives them)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def money_problems(money: Any, field: str, *, non_negative: bool = True) -> list[FieldProblem]:
    """Check a TMF ``Money`` (``{unit, value}``) and upper-case its unit in place.

    A value needs a unit; the unit must be an ISO 4217 currency; the value must
    be a finite number with no more decimals than the currency's minor unit and
    at most 15 integer digits; with ``non_negative`` it must not be below zero.
    """
    if not isinstance(money, dict):
        return []
    problems: list[FieldProblem] = []
    unit = money.get("unit")
    value = money.get("value")
    if unit is not None:
        code = normalise_currency(unit)
        if code is None or not is_currency(code):
            problems.append(
                FieldProblem(
                    join_path(field, "unit"),
                    "currency.iso4217",
                    f"{unit!r} is not an ISO 4217 currency code (EUR, USD, ...)",
                )
            )
            unit = None
        else:
            money["unit"] = code
            unit = code
    elif value is not None:
        problems.append(
            FieldProblem(join_path(field, "unit"), "currency.required", "an amount needs its currency (ISO 4217 code)")
        )
    if value is None:
        return problems
    number = as_decimal(value)
    value_field = join_path(field, "value")
    if number is None:
        problems.append(FieldProblem(value_field, "type.number", "must be a number"))
        return problems
    if non_negative and number < 0:
        problems.append(FieldProblem(value_field, "money.nonNegative", f"must not be negative (got {number})"))
    exponent = int(number.as_tuple().exponent)
    if len(number.as_tuple().digits) + exponent > MAX_INTEGER_DIGITS:
        problems.append(
            FieldProblem(
                value_field, "money.range", f"has more than {MAX_INTEGER_DIGITS} digits before the decimal point"
            )
        )
        return problems
    places = minor_unit(unit) if isinstance(unit, str) else None
    if places is not None and -exponent > places and number != number.quantize(Decimal(1).scaleb(-places)):
        problems.append(
            FieldProblem(
                value_field, "money.minorUnit", f"{number} has more decimal places than {unit} allows ({places})"
            )
        )
    return problems


# --- currency of an account ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatedCurrency:
    """A currency the document states, and where."""

    code: str
    field: str


def stated_currencies(doc: Mapping[str, Any]) -> list[StatedCurrency]:
    """Currencies the account document states as its own (credit limit, ``currency`` characteristic)."""
    out: list[StatedCurrency] = []
    limit = doc.get("creditLimit")
    if isinstance(limit, dict) and isinstance(limit.get("unit"), str):
        out.append(StatedCurrency(limit["unit"].upper(), "creditLimit.unit"))
    for index, item in enumerate(doc.get("characteristic") or []):
        if isinstance(item, dict) and str(item.get("name", "")).lower() == "currency":
            code = normalise_currency(item.get("value"))
            out.append(StatedCurrency(code or str(item.get("value")), f"characteristic[{index}].value"))
    return out


def account_currency(doc: Mapping[str, Any]) -> StatedCurrency | None:
    """The currency the document states for the account, if any (the first statement wins)."""
    stated = stated_currencies(doc)
    return stated[0] if stated else None


def _money_fields(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """(path, Money, is a limit or a plan) of every amount of an account document.

    Limits and plans are non-negative amounts in the account currency; a
    balance may be negative (in credit) and, like a deposit or loyalty
    balance, may be kept in another currency.
    """
    if "creditLimit" in doc:
        yield "creditLimit", doc["creditLimit"], True
    for index, plan in enumerate(doc.get("paymentPlan") or []):
        if isinstance(plan, dict) and "totalAmount" in plan:
            yield f"paymentPlan[{index}].totalAmount", plan["totalAmount"], True
    for index, balance in enumerate(doc.get("accountBalance") or []):
        if isinstance(balance, dict) and "amount" in balance:
            yield f"accountBalance[{index}].amount", balance["amount"], False


def currency_problems(doc: dict[str, Any], current: str | None) -> list[FieldProblem]:
    """Check every amount of an account and that they all use the account currency.

    ``current`` is the currency the account already has (None for a new one).
    The account currency is the one the document states, else ``current``;
    payment plan amounts must be in it.
    """
    problems: list[FieldProblem] = []
    for field, money, non_negative in _money_fields(doc):
        problems += money_problems(money, field, non_negative=non_negative)
    stated = stated_currencies(doc)
    for item in stated:
        if item.field.startswith("characteristic") and not is_currency(item.code):
            problems.append(
                FieldProblem(item.field, "currency.iso4217", f"{item.code!r} is not an ISO 4217 currency code")
            )
    if problems:
        return problems
    for item in stated[1:]:
        if item.code != stated[0].code:
            problems.append(
                FieldProblem(
                    item.field,
                    "currency.consistent",
                    f"{item.code} differs from the account currency {stated[0].code} stated in {stated[0].field}",
                )
            )
    currency = stated[0].code if stated else current
    if currency is None:
        return problems
    for field, money, in_account_currency in _money_fields(doc):
        unit = money.get("unit") if isinstance(money, dict) else None
        if in_account_currency and isinstance(unit, str) and unit != currency and field != "creditLimit":
            problems.append(
                FieldProblem(
                    f"{field}.unit", "currency.consistent", f"amounts of this account are in {currency}, not {unit}"
                )
            )
    return problems


# --- validity periods -----------------------------------------------------------------------------------


def period_problems(period: Any, field: str) -> list[FieldProblem]:
    """A ``TimePeriod`` whose end is not after its start."""
    if not isinstance(period, dict):
        return []
    start, end = parse_instant(period.get("startDateTime")), parse_instant(period.get("endDateTime"))
    if start is None or end is None or end > start:
        return []
    return [
        FieldProblem(
            f"{field}.endDateTime",
            "validFor.order",
            "must be after startDateTime (a validity period ends after it starts)",
        )
    ]


def all_period_problems(doc: Any, path: str = "") -> list[FieldProblem]:
    """Check every ``validFor`` of a document, at any depth."""
    problems: list[FieldProblem] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            child = join_path(path, key)
            if key == "validFor":
                problems += period_problems(value, child)
            else:
                problems += all_period_problems(value, child)
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            problems += all_period_problems(item, join_path(path, index))
    return problems


# --- ownership -----------------------------------------------------------------------------------------

OWNER_ROLES = frozenset({"owner", "customer", "accountowner", "payer"})


def owner_index(related: Any) -> int | None:
    """Index of the related party that owns the account.

    The first one whose ``role`` is owner, customer, accountOwner or payer
    (any case); else the first one; None when there is none.
    """
    if not isinstance(related, list) or not related:
        return None
    for index, ref in enumerate(related):
        if isinstance(ref, dict) and str(ref.get("role") or "").replace("_", "").lower() in OWNER_ROLES:
            return index
    return 0


def owner_ref(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    related: list[Any] = list(doc.get("relatedParty") or [])
    index = owner_index(related)
    if index is None:
        return None
    ref = related[index]
    return ref if isinstance(ref, dict) else None


# --- what the account holder may change ------------------------------------------------------------------

HOLDER_EDITABLE = frozenset({"name", "description", "contact", "billStructure", "defaultPaymentMethod", "lastModified"})
"""Attributes a customer or partner token may change on its own account."""


def holder_problems(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldProblem]:
    """Changes an account holder may not make itself (credit limit, owners, ...)."""
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    problems = [
        FieldProblem(
            k,
            "auth.holderEditable",
            f"'{k}' of an account is changed by the service provider, not by the account holder",
        )
        for k in changed
        if k not in HOLDER_EDITABLE
    ]
    old_cycle = (old.get("billStructure") or {}).get("cycleSpecification")
    new_cycle = (new.get("billStructure") or {}).get("cycleSpecification")
    if old_cycle != new_cycle:
        problems.append(
            FieldProblem(
                "billStructure.cycleSpecification",
                "auth.holderEditable",
                "the billing cycle of an account is changed by the service provider",
            )
        )
    return problems
