"""Pure catalog rules: lifecycle and frozen attributes, characteristics, offering shape,
bundle cycles and orderability. No database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbss.catalog import characteristics, rules
from openbss.catalog.rules import SaleContext

AT = datetime(2026, 3, 1, tzinfo=UTC)
D = Decimal


def found(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


# --- lifecycle ---------------------------------------------------------------------------------------


def test_the_lifecycle_runs_from_design_to_obsolete() -> None:
    path = ["In study", "In design", "In test", "Active", "Launched", "Retired", "Obsolete"]
    for old, new in pairwise(path):
        assert new in rules.LIFECYCLE_TRANSITIONS[old]
    assert rules.LIFECYCLE_TRANSITIONS["Obsolete"] == frozenset()
    assert rules.LIFECYCLE_TRANSITIONS["Rejected"] == frozenset()
    assert "In design" not in rules.LIFECYCLE_TRANSITIONS["Launched"]
    assert "Launched" not in rules.LIFECYCLE_TRANSITIONS["Retired"]


def test_released_prices_keep_what_was_sold() -> None:
    old = {"lifecycleStatus": "Launched", "price": {"unit": "EUR", "value": D(10)}, "name": "a"}
    assert found(rules.change_problems("productOfferingPrice", old, {**old, "name": "b"})) == []
    assert found(
        rules.change_problems("productOfferingPrice", old, {**old, "price": {"unit": "EUR", "value": D(9)}})
    ) == [("price", "catalog.released")]
    assert found(rules.change_problems("productOfferingPrice", old, {**old, "lifecycleStatus": "Retired"})) == []


def test_an_entry_in_design_may_change_anything_and_a_final_one_nothing() -> None:
    old = {"lifecycleStatus": "In design", "priceType": "oneTime"}
    assert rules.change_problems("productOfferingPrice", old, {**old, "priceType": "recurring"}) == []
    obsolete = {"lifecycleStatus": "Obsolete", "name": "x"}
    assert found(rules.change_problems("catalog", obsolete, {**obsolete, "name": "y"})) == [("name", "catalog.final")]


def test_validity_periods() -> None:
    assert found(
        rules.period_problems({"startDateTime": "2026-01-02T00:00:00Z", "endDateTime": "2026-01-01"}, "validFor")
    )
    assert rules.within({"startDateTime": "2026-03-01T00:00:00Z"}, AT)
    assert not rules.within({"endDateTime": "2026-03-01T00:00:00Z"}, AT)  # the end is exclusive
    assert rules.within(None, AT)


# --- characteristic definitions -----------------------------------------------------------------------

SPEED = {
    "name": "speed",
    "valueType": "integer",
    "minCardinality": 1,
    "maxCardinality": 1,
    "productSpecCharacteristicValue": [{"value": 100}, {"value": 500, "isDefault": True}],
}
COLOUR = {
    "name": "colour",
    "valueType": "string",
    "productSpecCharacteristicValue": [{"value": "red"}, {"value": "blue"}],
}
VOLUME = {
    "name": "volume",
    "valueType": "number",
    "minCardinality": 1,
    "productSpecCharacteristicValue": [{"valueFrom": "1", "valueTo": "10", "rangeInterval": "closedBottom"}],
}
CODE = {"name": "code", "valueType": "string", "regex": "[A-Z]{3}"}
FIXED = {
    "name": "fixed",
    "valueType": "boolean",
    "configurable": False,
    "productSpecCharacteristicValue": [{"value": True, "isDefault": True}],
}
SPEC = [SPEED, COLOUR, VOLUME, CODE, FIXED]


def test_well_defined_characteristics_have_no_problems() -> None:
    assert characteristics.characteristic_definition_problems(SPEC) == []


@pytest.mark.parametrize(
    ("chars", "expected"),
    [
        ([SPEED, SPEED], ("productSpecCharacteristic[1].name", "characteristic.duplicate")),
        (
            [{"name": "x", "minCardinality": 2, "maxCardinality": 1}],
            ("productSpecCharacteristic[0].maxCardinality", "characteristic.cardinality"),
        ),
        (
            [{"name": "x", "minCardinality": -1}],
            ("productSpecCharacteristic[0].minCardinality", "characteristic.cardinality"),
        ),
        (
            [{"name": "x", "valueType": "integer", "productSpecCharacteristicValue": [{"value": "ten"}]}],
            ("productSpecCharacteristic[0].productSpecCharacteristicValue[0].value", "characteristic.valueType"),
        ),
        (
            [{"name": "x", "valueType": "number", "productSpecCharacteristicValue": [{"valueFrom": 5, "valueTo": 1}]}],
            ("productSpecCharacteristic[0].productSpecCharacteristicValue[0].valueTo", "characteristic.range"),
        ),
        ([{"name": "x", "regex": "(["}], ("productSpecCharacteristic[0].regex", "characteristic.regex")),
        (
            [
                {
                    "name": "x",
                    "productSpecCharacteristicValue": [
                        {"value": 1, "isDefault": True},
                        {"value": 2, "isDefault": True},
                    ],
                }
            ],
            ("productSpecCharacteristic[0].productSpecCharacteristicValue", "characteristic.default"),
        ),
        (
            [
                {
                    "name": "x",
                    "valueType": "string",
                    "productSpecCharacteristicValue": [{"value": "a", "valueType": "integer"}],
                }
            ],
            ("productSpecCharacteristic[0].productSpecCharacteristicValue[0].valueType", "characteristic.valueType"),
        ),
    ],
)
def test_characteristic_definition_problems(chars: list[dict[str, Any]], expected: tuple[str, str]) -> None:
    assert expected in found(characteristics.characteristic_definition_problems(chars))


@pytest.mark.parametrize(
    ("value", "value_type", "ok"),
    [
        ("a", "string", True),
        (1, "string", False),
        (3, "integer", True),
        (D("3.0"), "integer", True),
        (D("3.5"), "integer", False),
        (True, "integer", False),
        (D("3.5"), "number", True),
        (True, "boolean", True),
        (0, "boolean", False),
        ("2026-01-01T10:00:00Z", "dateTime", True),
        ("yesterday", "dateTime", False),
        ({"a": 1}, "object", True),
        ("anything", None, True),
    ],
)
def test_value_types(value: Any, value_type: str | None, ok: bool) -> None:
    assert (characteristics.value_type_problem(value, value_type) is None) is ok


# --- item characteristics -----------------------------------------------------------------------------

RULES = characteristics.characteristic_rules(SPEC)


def item(**values: Any) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def test_valid_item_characteristics() -> None:
    assert (
        characteristics.item_characteristic_problems(
            RULES, item(speed=100, colour="red", volume=D("2.5"), code="ABC"), "c"
        )
        == []
    )


def test_a_mandatory_characteristic_with_a_default_may_be_left_out() -> None:
    # speed is mandatory but defaults to 500; volume is mandatory without a default
    assert found(characteristics.item_characteristic_problems(RULES, [], "c")) == [("c", "characteristic.mandatory")]
    assert characteristics.effective_characteristics(RULES, [])["speed"] == 500


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (item(volume=1, nope=1), ("c[1].name", "characteristic.unknown")),
        (item(volume=1, speed="fast"), ("c[1].value", "characteristic.valueType")),
        (item(volume=1, speed=200), ("c[1].value", "characteristic.allowedValue")),
        (item(volume=10), ("c[0].value", "characteristic.allowedValue")),  # closedBottom: 10 is outside
        (item(volume=D("0.5")), ("c[0].value", "characteristic.allowedValue")),
        (item(volume=1, code="abcd"), ("c[1].value", "characteristic.regex")),
        (item(volume=1, fixed=False), ("c[1].value", "characteristic.notConfigurable")),
        ([*item(volume=1), {"name": "volume", "value": 2}], ("c", "characteristic.maxCardinality")),
        ([{"name": "volume"}], ("c[0].value", "required")),
        ([{"name": "volume", "value": 2, "valueType": "string"}], ("c[0].valueType", "characteristic.valueType")),
        (["volume"], ("c[0]", "type.object")),
    ],
)
def test_item_characteristic_problems(given_: list[Any], expected: tuple[str, str]) -> None:
    assert expected in found(characteristics.item_characteristic_problems(RULES, given_, "c"))


def test_an_offering_narrows_the_allowed_values_and_the_default() -> None:
    narrowed = characteristics.characteristic_rules(
        SPEC, [{"name": "speed", "productSpecCharacteristicValue": [{"value": 100, "isDefault": True}]}]
    )
    assert found(characteristics.item_characteristic_problems(narrowed, item(volume=1, speed=500), "c")) == [
        ("c[1].value", "characteristic.allowedValue")
    ]
    assert characteristics.effective_characteristics(narrowed, [])["speed"] == 100


def test_value_uses_must_name_known_characteristics_and_allowed_values() -> None:
    uses = [{"name": "speed", "productSpecCharacteristicValue": [{"value": 200}]}, {"name": "ghost"}]
    assert found(characteristics.value_use_problems(uses, SPEC, "prodSpecCharValueUse")) == [
        ("prodSpecCharValueUse[0].productSpecCharacteristicValue[0].value", "characteristic.allowedValue"),
        ("prodSpecCharValueUse[1].name", "characteristic.unknown"),
    ]


def test_value_use_conditions_for_prices() -> None:
    uses = [{"name": "installation", "productSpecCharacteristicValue": [{"value": "technician"}]}]
    assert characteristics.value_use_applies(uses, {"installation": "technician"})
    assert not characteristics.value_use_applies(uses, {"installation": "self"})
    assert characteristics.value_use_applies(None, {})


@given(st.integers(min_value=-1000, max_value=1000))
def test_closed_ranges_hold_exactly_their_bounds(value: int) -> None:
    spec_rules = characteristics.characteristic_rules(
        [{"name": "n", "valueType": "integer", "productSpecCharacteristicValue": [{"valueFrom": -5, "valueTo": 5}]}]
    )
    ok = characteristics.item_characteristic_problems(spec_rules, item(n=value), "c") == []
    assert ok is (-5 <= value <= 5)


# --- offering shape and bundles -----------------------------------------------------------------------


def test_bundle_shape() -> None:
    assert found(rules.offering_shape_problems({"isBundle": True}, None)) == [
        ("bundledProductOffering", "offering.bundle")
    ]
    assert found(rules.offering_shape_problems({"bundledProductOffering": [{"id": "a"}]}, None)) == [
        ("isBundle", "offering.bundle")
    ]
    parts = {
        "isBundle": True,
        "bundledProductOffering": [
            {"id": "me"},
            {"id": "a"},
            {"id": "a", "bundledProductOfferingOption": {"numberRelOfferLowerLimit": 2, "numberRelOfferUpperLimit": 1}},
        ],
    }
    assert found(rules.offering_shape_problems(parts, "me")) == [
        ("bundledProductOffering[0].id", "offering.bundleCycle"),
        ("bundledProductOffering[2].id", "offering.bundleDuplicate"),
        ("bundledProductOffering[2].bundledProductOfferingOption.numberRelOfferUpperLimit", "offering.bundleOption"),
    ]


def test_bundle_cycles_are_found_through_nested_bundles() -> None:
    assert rules.bundle_cycle("a", {"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert rules.bundle_cycle("a", {"a": ["b", "c"], "b": ["c"], "c": []}) is None


# --- orderability -------------------------------------------------------------------------------------

OFFERING = {
    "id": "o",
    "name": "Fibre",
    "lifecycleStatus": "Launched",
    "validFor": {"startDateTime": "2026-01-01T00:00:00.000Z", "endDateTime": "2027-01-01T00:00:00.000Z"},
    "channel": [{"id": "web"}],
    "marketSegment": [{"id": "residential", "name": "Residential"}],
}


def sale(**kw: Any) -> SaleContext:
    return SaleContext(
        at=kw.pop("at", AT),
        channel_ids=kw.pop("channels", ("web",)),
        customer_category=kw.pop("category", "residential"),
    )


def test_a_launched_offering_in_its_validity_channel_and_segment_is_orderable() -> None:
    assert rules.orderability_problems(OFFERING, sale(), "item") == []
    assert rules.orderability_problems(OFFERING, sale(category="RESIDENTIAL "), "item") == []  # by name or id, any case


@pytest.mark.parametrize(
    ("offering", "context", "rule"),
    [
        ({**OFFERING, "lifecycleStatus": "In design"}, {}, "offering.lifecycle"),
        ({**OFFERING, "lifecycleStatus": "Retired"}, {}, "offering.lifecycle"),
        (OFFERING, {"at": datetime(2027, 1, 1, tzinfo=UTC)}, "offering.validFor"),
        (OFFERING, {"at": datetime(2025, 12, 31, tzinfo=UTC)}, "offering.validFor"),
        (OFFERING, {"channels": ("shop",)}, "offering.channel"),
        (OFFERING, {"channels": ()}, "offering.channel"),
        (OFFERING, {"category": "business"}, "offering.eligibility"),
        (OFFERING, {"category": None}, "offering.eligibility"),
        ({**OFFERING, "isSellable": False}, {}, "offering.notSellable"),
    ],
)
def test_orderability_problems(offering: dict[str, Any], context: dict[str, Any], rule: str) -> None:
    assert found(rules.orderability_problems(offering, sale(**context), "item")) == [("item", rule)]


def test_an_offering_without_channels_or_segments_is_open_to_all() -> None:
    open_offering = {k: v for k, v in OFFERING.items() if k not in ("channel", "marketSegment")}
    assert rules.orderability_problems(open_offering, sale(channels=(), category=None), "item") == []
