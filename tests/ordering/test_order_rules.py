"""The pure rules of order handling: state machines, change rules, item checks, dates, prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from openbss.ordering import rules
from openbss.ordering.fulfilment import derived_item_state
from openbss.ordering.models import SouthboundOrderRow
from openbss.ordering.pricing import compare_prices, one_time_total, recurring_total

STATES = rules.ORDER_STATES
ITEM_STATES = tuple(s for s in rules.ORDER_STATES if s != rules.PARTIAL)

# --- state machines ----------------------------------------------------------------------------------

LEGAL_ORDER = {
    ("acknowledged", "inProgress"),
    ("acknowledged", "rejected"),
    ("acknowledged", "pending"),
    ("acknowledged", "held"),
    ("acknowledged", "assessingCancellation"),
    ("pending", "inProgress"),
    ("pending", "held"),
    ("pending", "rejected"),
    ("pending", "assessingCancellation"),
    ("held", "inProgress"),
    ("held", "pending"),
    ("held", "rejected"),
    ("held", "assessingCancellation"),
    ("inProgress", "completed"),
    ("inProgress", "partial"),
    ("inProgress", "failed"),
    ("inProgress", "held"),
    ("inProgress", "pending"),
    ("inProgress", "assessingCancellation"),
    ("assessingCancellation", "pendingCancellation"),
    ("assessingCancellation", "acknowledged"),
    ("assessingCancellation", "pending"),
    ("assessingCancellation", "held"),
    ("assessingCancellation", "inProgress"),
    ("assessingCancellation", "failed"),
    ("pendingCancellation", "cancelled"),
    ("partial", "inProgress"),
    ("partial", "completed"),
    ("failed", "inProgress"),
    ("failed", "partial"),
    ("failed", "completed"),
    ("failed", "assessingCancellation"),
}


@pytest.mark.parametrize("old", STATES)
@pytest.mark.parametrize("new", STATES)
def test_every_order_transition_is_decided(old: str, new: str) -> None:
    problem = rules.illegal_transition(rules.ORDER_TRANSITIONS, old, new)
    if old == new or (old, new) in LEGAL_ORDER:
        assert problem is None
    else:
        assert problem is not None and f"from '{old}' to '{new}'" in problem


def test_final_states_have_no_way_out() -> None:
    for state in rules.FINAL_STATES:
        assert rules.ORDER_TRANSITIONS[state] == frozenset()
        assert "none (final state)" in str(rules.illegal_transition(rules.ORDER_TRANSITIONS, state, "inProgress"))


def test_orders_cannot_be_created_in_another_state() -> None:
    assert rules.ORDER_TRANSITIONS["@create"] == frozenset()


def test_state_names_are_those_of_tmf622_v4() -> None:
    from typing import get_args

    from openbss.ordering.schemas import ProductOrderItemStateType, ProductOrderStateType

    assert set(get_args(ProductOrderStateType)) == set(rules.ORDER_STATES)
    assert set(get_args(ProductOrderItemStateType)) == set(ITEM_STATES)
    assert set(rules.ITEM_TRANSITIONS) == set(ITEM_STATES)


@pytest.mark.parametrize(
    ("old", "new", "legal"),
    [
        ("acknowledged", "inProgress", True),
        ("inProgress", "completed", True),
        ("inProgress", "failed", True),
        ("failed", "inProgress", True),
        ("failed", "completed", True),
        ("failed", "cancelled", True),
        ("pendingCancellation", "cancelled", True),
        ("completed", "inProgress", False),
        ("cancelled", "inProgress", False),
        ("rejected", "acknowledged", False),
        ("inProgress", "acknowledged", False),
        ("pendingCancellation", "inProgress", False),
    ],
)
def test_item_transitions(old: str, new: str, legal: bool) -> None:
    assert (rules.illegal_transition(rules.ITEM_TRANSITIONS, old, new) is None) is legal


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "completed"),
        (["completed", "completed"], "completed"),
        (["completed", "inProgress"], "inProgress"),
        (["completed", "failed"], "partial"),
        (["failed", "failed"], "failed"),
        (["failed", "rejected"], "failed"),
        (["cancelled", "cancelled"], "cancelled"),
        (["cancelled", "completed"], "completed"),
        (["acknowledged", "failed"], "inProgress"),
    ],
)
def test_aggregate_state(items: list[str], expected: str) -> None:
    assert rules.aggregate_state(items) == expected


# --- what may change in which state (1.3.3.10.2) ----------------------------------------------------

ORDER: dict[str, Any] = {
    "state": "acknowledged",
    "description": "new line",
    "note": [{"text": "first"}],
    "productOrderItem": [{"id": "1", "action": "add", "state": "acknowledged"}],
}


def _changed(**changes: Any) -> dict[str, Any]:
    return {**ORDER, **changes}


@pytest.mark.parametrize("state", ["acknowledged", "pending", "held"])
def test_content_changes_before_issue(state: str) -> None:
    new = _changed(productOrderItem=[{"id": "1", "action": "add"}, {"id": "2", "action": "add"}], category="b2c")
    assert rules.change_problems(state, ORDER, new) == []


@pytest.mark.parametrize("state", ["inProgress", "partial", "failed", "assessingCancellation", "completed"])
def test_content_is_fixed_once_issued(state: str) -> None:
    new = _changed(productOrderItem=[{"id": "1", "action": "delete"}])
    problems = rules.change_problems(state, ORDER, new)
    assert [(p.field, p.rule) for p in problems] == [("productOrderItem", "order.changeNotAllowed")]
    assert "acknowledged, pending or held" in problems[0].message


def test_annotations_change_until_the_order_ends() -> None:
    new = _changed(description="urgent", priority="1")
    assert rules.change_problems("inProgress", ORDER, new) == []
    problems = rules.change_problems("completed", ORDER, new)
    assert {p.field for p in problems} == {"description", "priority"}


@pytest.mark.parametrize("state", ["acknowledged", "inProgress", "completed", "cancelled", "rejected"])
def test_notes_are_only_appended(state: str) -> None:
    assert rules.change_problems(state, ORDER, _changed(note=[{"text": "first"}, {"text": "second"}])) == []
    problems = rules.change_problems(state, ORDER, _changed(note=[{"text": "rewritten"}]))
    assert [p.rule for p in problems] == ["note.appendOnly"]
    assert [p.rule for p in rules.change_problems(state, ORDER, _changed(note=[]))] == ["note.appendOnly"]


def test_system_attributes_are_read_only() -> None:
    problems = rules.change_problems("acknowledged", ORDER, _changed(jeopardyAlert=[{"name": "x"}]))
    assert [(p.field, p.rule) for p in problems] == [("jeopardyAlert", "readOnly")]


def test_item_states_are_kept() -> None:
    old = [{"id": "1", "state": "held"}]
    assert rules.item_state_problems(old, [{"id": "1"}]) == []
    assert rules.item_state_problems(old, [{"id": "1", "state": "held"}]) == []
    problems = rules.item_state_problems(old, [{"id": "1", "state": "completed"}])
    assert [(p.field, p.rule) for p in problems] == [("productOrderItem[0].state", "readOnly")]


# --- items -----------------------------------------------------------------------------------------


def test_structure_problems() -> None:
    doc = {
        "productOrderItem": [
            {"id": "1", "action": "add", "quantity": 0, "productOrderItemRelationship": [{"id": "9"}]},
            {
                "id": "2",
                "action": "add",
                "productOrderItem": [{"id": "1", "action": "add"}],
                "productOrderItemRelationship": [{"id": "2"}, {"id": "1", "relationshipType": "reliesOn"}],
            },
        ]
    }
    found = {(p.field, p.rule) for p in rules.structure_problems(doc)}
    assert found == {
        ("productOrderItem[0].quantity", "item.quantity"),
        ("productOrderItem[1].productOrderItem[0].id", "item.duplicateId"),
        ("productOrderItem[0].productOrderItemRelationship[0].id", "item.relationship"),
        ("productOrderItem[1].productOrderItemRelationship[0].id", "item.relationship"),
    }


def test_item_content_problems() -> None:
    doc = {
        "productOrderItem": [
            {"id": "1", "action": "add"},
            {"id": "2", "action": "modify", "product": {}},
            {"id": "3", "action": "delete", "product": {"id": "p1"}},
            {"id": "4", "action": "add", "productOffering": {"id": "o1"}},
        ]
    }
    found = [(p.field, p.rule) for p in rules.item_content_problems(doc)]
    assert found == [
        ("productOrderItem[0].productOffering.id", "item.offeringRequired"),
        ("productOrderItem[1].product.id", "item.productRequired"),
    ]


def test_item_states_nested() -> None:
    items = [{"id": "1", "productOrderItem": [{"id": "1.1"}]}]
    updated = rules.with_item_states(items, {"1.1": "inProgress"})
    assert rules.item_states(updated) == {"1": "acknowledged", "1.1": "inProgress"}
    assert items[0]["productOrderItem"][0] == {"id": "1.1"}  # the input is not changed


# --- durations, dates, jeopardy --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("P3D", timedelta(days=3)),
        ("PT4H", timedelta(hours=4)),
        ("-PT30M", timedelta(minutes=-30)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT0S", timedelta(0)),
        ("PT1.5S", timedelta(seconds=1.5)),
    ],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert rules.parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "P", "3D", "PT", "P1Y", "PXD", "P1DT"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        rules.parse_duration(text)


def test_format_duration_round_trips() -> None:
    for delta in (timedelta(days=3), timedelta(hours=-4), timedelta(days=1, minutes=5, seconds=7), timedelta(0)):
        assert rules.parse_duration(rules.format_duration(delta)) == delta


NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_committed_date() -> None:
    durations = [timedelta(days=1), timedelta(days=3)]
    assert rules.committed_date(NOW, durations, None) == NOW + timedelta(days=3)
    later = NOW + timedelta(days=10)
    assert rules.committed_date(NOW, durations, later) == later
    assert rules.committed_date(NOW, durations, NOW + timedelta(hours=1)) == NOW + timedelta(days=3)


LEVELS = [
    rules.JeopardyLevel(1, "atRisk", timedelta(hours=-4)),
    rules.JeopardyLevel(2, "overdue", timedelta(0)),
    rules.JeopardyLevel(3, "critical", timedelta(days=1)),
]


@pytest.mark.parametrize(
    ("before_due", "level"),
    [
        (timedelta(hours=5), None),
        (timedelta(hours=4), 1),
        (timedelta(minutes=1), 1),
        (timedelta(0), 2),
        (timedelta(hours=-23), 2),
        (timedelta(days=-1), 3),
        (timedelta(days=-30), 3),
    ],
)
def test_jeopardy_level(before_due: timedelta, level: int | None) -> None:
    reached = rules.jeopardy_level(NOW + before_due, NOW, LEVELS)
    assert (reached.level if reached else None) == level
    assert rules.earliest_offset(LEVELS) == timedelta(hours=-4)


# --- item state from its service orders ----------------------------------------------------------


def _sb(status: str, *, failure: str | None = None, cancel: bool = False) -> SouthboundOrderRow:
    return SouthboundOrderRow(
        status=status, failure_kind=failure, cancel_requested_at=NOW if cancel else None, current=True
    )


@pytest.mark.parametrize(
    ("current", "southbound", "children", "expected"),
    [
        ("inProgress", [], [], "completed"),
        ("inProgress", ["inProgress"], [], "inProgress"),
        ("inProgress", ["toSend"], [], "inProgress"),
        ("inProgress", ["completed"], [], "completed"),
        ("inProgress", ["failed"], [], "failed"),
        ("inProgress", ["rejected"], [], "failed"),
        ("inProgress", ["partial"], [], "failed"),
        ("inProgress", ["cancelled"], [], "failed"),
        ("inProgress", ["completed"], ["inProgress"], "inProgress"),
        ("inProgress", ["completed"], ["failed"], "failed"),
        ("inProgress", ["completed"], ["completed"], "completed"),
        ("failed", ["toSend"], [], "inProgress"),
        ("failed", ["completed"], [], "completed"),
        ("completed", ["failed"], [], "completed"),
        ("assessingCancellation", ["completed"], [], "assessingCancellation"),
    ],
)
def test_derived_item_state(current: str, southbound: list[str], children: list[str], expected: str) -> None:
    rows = [_sb(s) for s in southbound]
    assert derived_item_state(current, rows, children) == expected


def test_timeout_fails_an_item_until_the_oss_answers() -> None:
    assert derived_item_state("inProgress", [_sb("inProgress", failure="timeout")], []) == "failed"
    assert derived_item_state("failed", [_sb("completed", failure="timeout")], []) == "completed"
    assert derived_item_state("inProgress", [_sb("cancelled", cancel=True)], []) == "completed"


# --- prices ------------------------------------------------------------------------------------------


def _price(kind: str, value: str, period: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "priceType": kind,
        "price": {
            "dutyFreeAmount": {"unit": "EUR", "value": Decimal(value)},
            "taxIncludedAmount": {"unit": "EUR", "value": Decimal(value)},
        },
    }
    if period:
        entry["recurringChargePeriod"] = period
    return entry


CATALOG = [_price("oneTime", "50.00"), _price("recurring", "30.00", "month")]


def test_quoted_prices_match() -> None:
    quoted = [_price("recurring", "30", "month"), _price("oneTime", "50.0")]
    assert compare_prices(quoted, CATALOG, "itemPrice") == []


def test_quoted_price_mismatch_missing_and_unknown() -> None:
    quoted = [_price("oneTime", "45.00"), _price("usage", "1.00")]
    found = [(p.field, p.rule) for p in compare_prices(quoted, CATALOG, "itemPrice")]
    assert found == [
        ("itemPrice[0].price.taxIncludedAmount.value", "price.mismatch"),
        ("itemPrice[0].price.dutyFreeAmount.value", "price.mismatch"),
        ("itemPrice[1]", "price.unknown"),
        ("itemPrice", "price.missing"),
    ]


def test_currency_must_match() -> None:
    quoted = [_price("oneTime", "50.00"), _price("recurring", "30.00", "month")]
    quoted[0]["price"]["taxIncludedAmount"]["unit"] = "USD"
    assert [p.rule for p in compare_prices(quoted, CATALOG, "x")] == ["price.mismatch"]


def test_totals_are_exact() -> None:
    totals = [_price("oneTime", "0.10"), _price("oneTime", "0.20"), _price("recurring", "30.00", "month")]
    assert one_time_total(totals) == (Decimal("0.30"), "EUR")
    assert recurring_total(totals) == (Decimal("30.00"), "EUR")
    assert one_time_total([]) is None
