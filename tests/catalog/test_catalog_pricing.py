"""Pure price logic: usage rating (per unit, tiered, volume, allowance), periods, discounts,
price definitions, item prices and totals. No database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbss.catalog import pricing
from openbss.catalog.pricing import Tier, rate_usage

D = Decimal
AT = datetime(2026, 3, 1, tzinfo=UTC)


def rules_of(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


# --- usage rating -------------------------------------------------------------------------------------

TIERS = [Tier(D(0), D(10), D("2.00")), Tier(D(10), D(50), D("1.50")), Tier(D(50), None, D("1.00"))]


def test_per_unit_usage_after_the_allowance() -> None:
    charge = rate_usage(D(12), unit_price=D("0.05"), included=D(10))
    assert charge.billable == D(2)
    assert charge.allowance_used == D(10) and charge.allowance_left == D(0)
    assert charge.amount == D("0.10")


def test_usage_within_the_allowance_is_free_and_leaves_the_rest() -> None:
    charge = rate_usage(D(4), unit_price=D(3), included=D(10))
    assert charge.amount == 0 and charge.billable == 0 and charge.allowance_left == D(6)


def test_tiered_charges_each_unit_at_its_tier() -> None:
    # 10 x 2.00 + 40 x 1.50 + 10 x 1.00
    assert rate_usage(D(60), tiers=TIERS, mode="tiered").amount == D("90.00")


def test_volume_charges_every_unit_at_the_reached_tier() -> None:
    assert rate_usage(D(60), tiers=TIERS, mode="volume").amount == D("60.00")
    assert rate_usage(D(9), tiers=TIERS, mode="volume").amount == D("18.00")
    # a tier's upper bound is exclusive: 10 units are in the second tier
    assert rate_usage(D(10), tiers=TIERS, mode="volume").amount == D("15.00")


def test_tiers_are_measured_after_the_allowance() -> None:
    # 25 units, 5 included: 20 billable = 10 x 2.00 + 10 x 1.50
    assert rate_usage(D(25), tiers=TIERS, mode="tiered", included=D(5)).amount == D("35.00")


def test_negative_usage_is_refused() -> None:
    with pytest.raises(ValueError):
        rate_usage(D(-1), unit_price=D(1))


quantities = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def tier_lists(draw: st.DrawFn, *, falling: bool = False) -> list[Tier]:
    bounds = sorted(set(draw(st.lists(st.integers(min_value=1, max_value=5_000), max_size=4))))
    unit_prices = draw(st.lists(prices, min_size=len(bounds) + 1, max_size=len(bounds) + 1))
    if falling:
        unit_prices = sorted(unit_prices, reverse=True)
    lowers = [D(0), *(D(b) for b in bounds)]
    uppers: list[Decimal | None] = [*(D(b) for b in bounds), None]
    return [Tier(lo, hi, p) for lo, hi, p in zip(lowers, uppers, unit_prices, strict=True)]


@given(tier_lists(), quantities, quantities, quantities)
@settings(max_examples=300)
def test_tiered_totals_never_fall_as_usage_grows(tiers: list[Tier], a: Decimal, b: Decimal, included: Decimal) -> None:
    low, high = sorted((a, b))
    assert (
        rate_usage(low, tiers=tiers, mode="tiered", included=included).amount
        <= rate_usage(high, tiers=tiers, mode="tiered", included=included).amount
    )


@given(tier_lists(falling=True), quantities)
@settings(max_examples=300)
def test_volume_never_costs_more_than_tiered_when_tier_prices_fall(tiers: list[Tier], quantity: Decimal) -> None:
    assert rate_usage(quantity, tiers=tiers, mode="volume").amount <= rate_usage(quantity, tiers=tiers).amount


@given(tier_lists(), quantities)
def test_volume_is_the_reached_tier_price_times_the_quantity(tiers: list[Tier], quantity: Decimal) -> None:
    reached = next(t for t in tiers if t.upper is None or quantity < t.upper)
    assert rate_usage(quantity, tiers=tiers, mode="volume").amount == quantity * reached.unit_price


@given(prices, quantities)
def test_one_tier_is_the_same_as_a_unit_price(price: Decimal, quantity: Decimal) -> None:
    one = [Tier(D(0), None, price)]
    flat = rate_usage(quantity, unit_price=price).amount
    assert rate_usage(quantity, tiers=one, mode="tiered").amount == flat
    assert rate_usage(quantity, tiers=one, mode="volume").amount == flat


@given(quantities, st.decimals(min_value=-100, max_value=10_000, places=2, allow_nan=False, allow_infinity=False))
def test_the_allowance_is_never_negative_nor_over_used(quantity: Decimal, included: Decimal) -> None:
    charge = rate_usage(quantity, unit_price=D(1), included=included)
    assert charge.allowance_left >= 0 and charge.allowance_used >= 0 and charge.billable >= 0
    assert charge.allowance_used + charge.billable == quantity
    assert charge.allowance_used <= max(included, D(0))


@given(tier_lists(), quantities, quantities)
def test_a_bigger_allowance_never_costs_more(tiers: list[Tier], quantity: Decimal, extra: Decimal) -> None:
    small = rate_usage(quantity, tiers=tiers, included=D(0)).amount
    big = rate_usage(quantity, tiers=tiers, included=extra).amount
    assert big <= small


# --- periods, discounts, rounding ---------------------------------------------------------------------


def test_month_periods_clamp_to_the_month_end() -> None:
    start = datetime(2026, 1, 31, tzinfo=UTC)
    assert pricing.add_period(start, "month") == datetime(2026, 2, 28, tzinfo=UTC)
    assert pricing.add_period(start, "month", 3) == datetime(2026, 4, 30, tzinfo=UTC)
    assert pricing.add_period(start, "year") == datetime(2027, 1, 31, tzinfo=UTC)
    assert pricing.add_period(start, "week", 2) == datetime(2026, 2, 14, tzinfo=UTC)
    assert pricing.add_period(start, "day") == datetime(2026, 2, 1, tzinfo=UTC)


def test_in_advance_is_charged_at_the_start_in_arrears_at_the_end() -> None:
    start, end = AT, pricing.add_period(AT, "month")
    assert pricing.charge_date(start, end, "inAdvance") == start
    assert pricing.charge_date(start, end, None) == start
    assert pricing.charge_date(start, end, "inArrears") == end


@given(prices, st.decimals(min_value=0, max_value=100, places=2), prices)
def test_a_discount_never_takes_off_more_than_the_price(base: Decimal, percentage: Decimal, amount: Decimal) -> None:
    for cut in (pricing.alteration_amount(base, percentage=percentage), pricing.alteration_amount(base, amount=amount)):
        assert D(0) <= cut <= base


def test_rounding_uses_the_currency_minor_unit_half_up() -> None:
    assert pricing.round_money(D("19.995"), "EUR") == D("20.00")
    assert pricing.round_money(D("100.5"), "JPY") == D("101")
    assert pricing.round_money(D("1.2345"), "KWD") == D("1.235")


# --- price definitions --------------------------------------------------------------------------------


def eur(value: str) -> dict[str, Any]:
    return {"unit": "EUR", "value": D(value)}


def test_a_well_formed_usage_price_has_no_problems() -> None:
    pop = {
        "name": "data",
        "priceType": "usage",
        "unitOfMeasure": {"amount": D(1), "units": "GB"},
        "includedQuantity": {"amount": D(10), "units": "GB"},
        "tierMode": "tiered",
        "priceTier": [
            {"fromQuantity": D(0), "toQuantity": D(20), "price": eur("2")},
            {"fromQuantity": D(20), "price": eur("1")},
        ],
    }
    assert pricing.price_definition_problems(pop) == []
    assert pricing.release_problems(pop) == []


def test_tiers_must_be_contiguous_from_zero_and_open_only_at_the_end() -> None:
    pop = {
        "priceType": "usage",
        "tierMode": "volume",
        "priceTier": [
            {"fromQuantity": D(1), "toQuantity": D(5), "price": eur("2")},
            {"fromQuantity": D(6), "price": eur("1")},
            {"fromQuantity": D(9), "toQuantity": D(8), "price": {"unit": "USD", "value": D(1)}},
        ],
    }
    found = rules_of(pricing.price_definition_problems(pop))
    assert ("priceTier[0].fromQuantity", "price.tiers") in found
    assert ("priceTier[1].fromQuantity", "price.tiers") in found
    assert ("priceTier[1].toQuantity", "price.tiers") in found
    assert ("priceTier[2].toQuantity", "price.tiers") in found
    assert ("priceTier[2].price.unit", "price.currency") in found


def test_attributes_belong_to_their_price_type() -> None:
    pop = {"priceType": "oneTime", "recurringChargePeriodType": "month", "percentage": D(10), "priceTier": []}
    found = rules_of(pricing.price_definition_problems(pop))
    assert ("recurringChargePeriodType", "price.attribute") in found
    assert ("percentage", "price.attribute") in found


@pytest.mark.parametrize(
    ("pop", "expected"),
    [
        ({"priceType": "recurring", "price": {"unit": "EUR", "value": D(-1)}}, ("price.value", "price.negative")),
        ({"priceType": "recurring", "price": {"unit": "EURO", "value": D(1)}}, ("price.unit", "currency.iso4217")),
        ({"priceType": "recurring", "price": {"value": D(1)}}, ("price.unit", "required")),
        ({"priceType": "recurring", "recurringChargePeriodLength": 0}, ("recurringChargePeriodLength", "price.period")),
        ({"priceType": "discount", "percentage": D(120)}, ("percentage", "price.percentage")),
        ({"priceType": "discount", "percentage": D(0)}, ("percentage", "price.percentage")),
        ({"priceType": "discount", "percentage": D(5), "price": eur("1")}, ("percentage", "price.discount")),
        ({"priceType": "discount", "applicationDuration": 0}, ("applicationDuration", "price.duration")),
        ({"priceType": "oneTime", "tax": [{"taxRate": D(150)}]}, ("tax[0].taxRate", "price.taxRate")),
        ({"priceType": "oneTime", "isBundle": True}, ("bundledPopRelationship", "price.bundle")),
        ({"priceType": "oneTime", "bundledPopRelationship": [{"id": "x"}]}, ("isBundle", "price.bundle")),
        (
            {
                "priceType": "usage",
                "unitOfMeasure": {"units": "GB"},
                "includedQuantity": {"amount": D(1), "units": "MB"},
            },
            ("includedQuantity.units", "price.allowance"),
        ),
        ({"priceType": "usage", "tierMode": "tiered"}, ("priceTier", "required")),
        (
            {"validFor": {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-01-01T00:00:00Z"}},
            ("validFor.endDateTime", "validFor.order"),
        ),
    ],
)
def test_price_definition_problems(pop: dict[str, Any], expected: tuple[str, str]) -> None:
    assert expected in rules_of(pricing.price_definition_problems(pop))


@pytest.mark.parametrize(
    ("pop", "expected"),
    [
        ({"name": "x"}, ("priceType", "price.incomplete")),
        ({"priceType": "oneTime"}, ("price", "price.incomplete")),
        ({"priceType": "recurring", "price": eur("1")}, ("recurringChargePeriodType", "price.incomplete")),
        ({"priceType": "usage", "price": eur("1")}, ("unitOfMeasure.units", "price.incomplete")),
        ({"priceType": "usage", "unitOfMeasure": {"units": "GB"}}, ("price", "price.incomplete")),
        ({"priceType": "discount"}, ("percentage", "price.incomplete")),
    ],
)
def test_an_incomplete_price_cannot_be_released(pop: dict[str, Any], expected: tuple[str, str]) -> None:
    assert expected in rules_of(pricing.release_problems(pop))


# --- item prices and totals ---------------------------------------------------------------------------


def monthly(pid: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "name": pid,
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "price": eur(value),
        **extra,
    }


def test_item_prices_multiply_round_and_tax() -> None:
    pops = [
        monthly("m", "10.005", tax=[{"taxRate": D(20)}]),
        {"id": "i", "name": "install", "priceType": "oneTime", "price": eur("50")},
    ]
    items = pricing.item_prices(pops, quantity=3)
    recurring = items[0]
    assert recurring["recurringChargePeriod"] == "month"
    assert recurring["price"]["dutyFreeAmount"] == {"unit": "EUR", "value": D("30.02")}  # 30.015 half up
    assert recurring["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": D("36.02")}  # 30.02 x 1.2 = 36.024
    assert recurring["productOfferingPrice"]["id"] == "m"
    assert items[1]["price"]["dutyFreeAmount"]["value"] == D("150.00")


def test_a_percentage_discount_for_three_months_alters_its_target_only() -> None:
    pops = [
        monthly("a", "39.99"),
        monthly("b", "10.00"),
        {
            "id": "d",
            "name": "half price",
            "priceType": "discount",
            "percentage": D(50),
            "applicationDuration": 3,
            "popRelationship": [{"id": "a"}],
        },
    ]
    a, b = pricing.item_prices(pops, quantity=1)
    (alteration,) = a["priceAlteration"]
    assert alteration["applicationDuration"] == 3
    assert alteration["price"]["percentage"] == D(50)
    assert alteration["price"]["dutyFreeAmount"]["value"] == D("-20.00")
    assert "priceAlteration" not in b


def test_an_untargeted_discount_alters_every_recurring_price_and_never_below_zero() -> None:
    pops = [
        monthly("a", "3.00"),
        {"id": "i", "name": "install", "priceType": "oneTime", "price": eur("50")},
        {"id": "d", "name": "5 off", "priceType": "discount", "price": eur("5.00")},
    ]
    a, install = pricing.item_prices(pops, quantity=1)
    assert a["priceAlteration"][0]["price"]["dutyFreeAmount"]["value"] == D("-3.00")
    assert "priceAlteration" not in install


def test_usage_item_price_shows_the_first_billable_rate_exactly() -> None:
    pop = {
        "id": "u",
        "name": "data",
        "priceType": "usage",
        "unitOfMeasure": {"amount": D(1), "units": "MB"},
        "tierMode": "tiered",
        "priceTier": [{"fromQuantity": D(0), "price": {"unit": "EUR", "value": D("0.0015")}}],
        "tax": [{"taxRate": D(20)}],
    }
    (item,) = pricing.item_prices([pop], quantity=4)
    assert item["unitOfMeasure"] == "MB"
    assert item["price"]["dutyFreeAmount"]["value"] == D("0.0015")
    assert item["price"]["taxIncludedAmount"]["value"] == D("0.0018")


def test_totals_group_by_type_and_period_and_sum_alterations() -> None:
    first = pricing.item_prices(
        [monthly("a", "10"), {"id": "d", "name": "promo", "priceType": "discount", "percentage": D(10)}], quantity=1
    )
    second = pricing.item_prices(
        [monthly("b", "5"), {"id": "i", "name": "x", "priceType": "oneTime", "price": eur("7")}], quantity=2
    )
    totals = pricing.total_prices(first + second)
    assert [t["priceType"] for t in totals] == ["oneTime", "recurring"]
    one_time, recurring = totals
    assert one_time["price"]["dutyFreeAmount"] == {"unit": "EUR", "value": D("14.00")}
    assert recurring["recurringChargePeriod"] == "month"
    assert recurring["price"]["dutyFreeAmount"]["value"] == D("20.00")
    assert recurring["priceAlteration"][0]["price"]["dutyFreeAmount"]["value"] == D("-1.00")


def test_totals_leave_usage_out_and_never_mix_currencies() -> None:
    usage = {"priceType": "usage", "price": {"dutyFreeAmount": eur("1"), "taxIncludedAmount": eur("1")}}
    assert pricing.total_prices([usage]) == []
    gbp = {
        "priceType": "oneTime",
        "price": {
            "dutyFreeAmount": {"unit": "GBP", "value": D(1)},
            "taxIncludedAmount": {"unit": "GBP", "value": D(1)},
        },
    }
    eur_price = {"priceType": "oneTime", "price": {"dutyFreeAmount": eur("1"), "taxIncludedAmount": eur("1")}}
    assert len(pricing.total_prices([gbp, eur_price])) == 2


@given(st.lists(st.tuples(prices, st.integers(min_value=1, max_value=20)), min_size=1, max_size=6))
def test_the_total_is_the_sum_of_the_rounded_item_prices(lines: list[tuple[Decimal, int]]) -> None:
    items = [
        item
        for index, (value, quantity) in enumerate(lines)
        for item in pricing.item_prices([monthly(str(index), str(value))], quantity=quantity)
    ]
    (total,) = pricing.total_prices(items)
    assert total["price"]["dutyFreeAmount"]["value"] == sum(
        (i["price"]["dutyFreeAmount"]["value"] for i in items), D(0)
    )


def test_price_applicability_follows_status_validity_and_characteristics() -> None:
    pop = {
        "lifecycleStatus": "Launched",
        "validFor": {"startDateTime": "2026-01-01T00:00:00.000Z", "endDateTime": "2026-06-01T00:00:00.000Z"},
        "prodSpecCharValueUse": [{"name": "installation", "productSpecCharacteristicValue": [{"value": "technician"}]}],
    }
    released = frozenset({"Active", "Launched"})
    assert pricing.applicable(pop, at=AT, values={"installation": "technician"}, released=released)
    assert not pricing.applicable(pop, at=AT, values={"installation": "self"}, released=released)
    assert not pricing.applicable(pop, at=AT, values={}, released=released)
    assert not pricing.applicable(
        pop, at=datetime(2026, 7, 1, tzinfo=UTC), values={"installation": "technician"}, released=released
    )
    assert not pricing.applicable(
        {**pop, "lifecycleStatus": "Retired"}, at=AT, values={"installation": "technician"}, released=released
    )
