"""Pure account rules: money, currency, validity periods, ownership, holder edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openbss.accounts.rules import (
    ACCOUNT_TRANSITIONS,
    account_currency,
    all_period_problems,
    currency_problems,
    holder_problems,
    is_currency,
    minor_unit,
    money_problems,
    owner_index,
)


def rules_of(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


@given(st.decimals(min_value=0, max_value=Decimal("999999999999999.99"), places=2, allow_nan=False))
def test_any_non_negative_cent_amount_is_a_valid_eur_limit(value: Decimal) -> None:
    assert money_problems({"unit": "EUR", "value": value}, "creditLimit") == []


@given(st.decimals(max_value=Decimal("-0.01"), min_value=Decimal("-1e12"), places=2, allow_nan=False))
def test_negative_limits_are_refused(value: Decimal) -> None:
    assert rules_of(money_problems({"unit": "EUR", "value": value}, "creditLimit")) == [
        ("creditLimit.value", "money.nonNegative")
    ]


def test_money_details() -> None:
    money: dict[str, Any] = {"unit": "usd", "value": Decimal("10.50")}
    assert money_problems(money, "m") == []
    assert money["unit"] == "USD"
    assert money_problems({"unit": "EUR", "value": Decimal("10.500")}, "m") == []  # trailing zero is exact
    assert rules_of(money_problems({"unit": "BHD", "value": Decimal("1.2345")}, "m")) == [
        ("m.value", "money.minorUnit")
    ]
    assert money_problems({"unit": "BHD", "value": Decimal("1.234")}, "m") == []
    assert money_problems({"unit": "EUR", "value": -5}, "balance", non_negative=False) == []
    assert money_problems({"unit": "EUR"}, "m") == []
    assert (minor_unit("JPY"), minor_unit("EUR"), minor_unit("KWD")) == (0, 2, 3)
    assert is_currency("EUR") and not is_currency("eur") and not is_currency("XXX") and not is_currency("ABC")


def test_account_currency_and_consistency() -> None:
    doc: dict[str, Any] = {"characteristic": [{"name": "currency", "value": "gbp"}]}
    stated = account_currency(doc)
    assert stated is not None and (stated.code, stated.field) == ("GBP", "characteristic[0].value")
    clash = {"creditLimit": {"unit": "EUR", "value": 1}, "characteristic": [{"name": "Currency", "value": "GBP"}]}
    assert rules_of(currency_problems(clash, None)) == [("characteristic[0].value", "currency.consistent")]
    plan = {"paymentPlan": [{"totalAmount": {"unit": "USD", "value": 3}}]}
    assert rules_of(currency_problems(plan, "EUR")) == [("paymentPlan[0].totalAmount.unit", "currency.consistent")]
    assert currency_problems(plan, None) == []
    balance = {"accountBalance": [{"amount": {"unit": "USD", "value": -3}}]}
    assert currency_problems(balance, "EUR") == []
    bad = {"characteristic": [{"name": "currency", "value": "Euro"}]}
    assert rules_of(currency_problems(bad, None)) == [("characteristic[0].value", "currency.iso4217")]


def test_validity_periods_at_any_depth() -> None:
    doc = {
        "validFor": {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"},
        "contact": [{"validFor": {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z"}}],
    }
    assert rules_of(all_period_problems(doc)) == [("contact[0].validFor.endDateTime", "validFor.order")]


def test_owner_index() -> None:
    assert owner_index([]) is None
    assert owner_index([{"id": "a"}, {"id": "b"}]) == 0
    assert owner_index([{"id": "a", "role": "contact"}, {"id": "b", "role": "AccountOwner"}]) == 1
    assert owner_index([{"id": "a", "role": "bill receiver"}, {"id": "b", "role": "payer"}]) == 1


def test_holder_edits() -> None:
    old = {
        "name": "a",
        "creditLimit": {"unit": "EUR", "value": 1},
        "billStructure": {"cycleSpecification": {"id": "c1"}},
    }
    assert holder_problems(old, {**old, "name": "b", "description": "x"}) == []
    assert [p.field for p in holder_problems(old, {**old, "creditLimit": None})] == ["creditLimit"]
    moved = {**old, "billStructure": {"cycleSpecification": {"id": "c2"}}}
    assert [p.field for p in holder_problems(old, moved)] == ["billStructure.cycleSpecification"]


def test_lifecycle_table() -> None:
    assert ACCOUNT_TRANSITIONS["closed"] == frozenset()
    assert "active" in ACCOUNT_TRANSITIONS["suspended"] and "suspended" in ACCOUNT_TRANSITIONS["active"]
    assert "suspended" not in ACCOUNT_TRANSITIONS["pending"]
