"""Pure rules of the OSS simulator and its configuration (no HTTP)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openbss.oss.simulator_config import SimulatorConfig, config_problems
from openbss.oss.simulator_rules import (
    final_order_state,
    item_outcome,
    matches_filters,
    select_fields,
    service_state_after,
    validate_order,
    validate_patch,
)


def _item(**extra: Any) -> dict[str, Any]:
    return {"id": "1", "action": "add", "service": {"serviceSpecification": {"id": "s-1", "name": "Fibre"}}, **extra}


def _fields(problems: list[Any]) -> dict[str, str]:
    return {p.field: p.rule for p in problems}


def test_a_minimal_order_is_valid() -> None:
    assert validate_order({"serviceOrderItem": [_item()]}) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("text", {"body": "type.object"}),
        ({}, {"serviceOrderItem": "required"}),
        ({"serviceOrderItem": []}, {"serviceOrderItem": "required"}),
        ({"serviceOrderItem": ["x"]}, {"serviceOrderItem[0]": "type.object"}),
        ({"id": "7", "orderDate": "x", "serviceOrderItem": [_item()]}, {"id": "readOnly", "orderDate": "readOnly"}),
        ({"requestedStartDate": "tomorrow", "serviceOrderItem": [_item()]}, {"requestedStartDate": "type.dateTime"}),
        ({"externalId": 5, "serviceOrderItem": [_item()]}, {"externalId": "type.string"}),
        ({"simulatorOutcome": "explode", "serviceOrderItem": [_item()]}, {"simulatorOutcome": "simulator.outcome"}),
        ({"serviceOrderItem": [_item(id="")]}, {"serviceOrderItem[0].id": "required"}),
        ({"serviceOrderItem": [_item(quantity=0)]}, {"serviceOrderItem[0].quantity": "range"}),
        ({"serviceOrderItem": [_item(quantity=True)]}, {"serviceOrderItem[0].quantity": "range"}),
        ({"serviceOrderItem": [_item(action="noChange")]}, {"serviceOrderItem[0].service.id": "required"}),
        (
            {"serviceOrderItem": [_item(simulatorOutcome="maybe")]},
            {"serviceOrderItem[0].simulatorOutcome": "simulator.outcome"},
        ),
        (
            {"serviceOrderItem": [_item(serviceOrderItem=[_item()])]},
            {"serviceOrderItem[0].serviceOrderItem": "simulator.unsupported"},
        ),
    ],
)
def test_invalid_orders_name_the_field_and_rule(body: Any, expected: dict[str, str]) -> None:
    assert _fields(validate_order(body)) == expected


def test_a_bad_outcome_characteristic_is_named_by_its_position() -> None:
    item = _item()
    item["service"]["serviceCharacteristic"] = [{"name": "a", "value": 1}, {"name": "simulatorOutcome", "value": "x"}]

    assert _fields(validate_order({"serviceOrderItem": [item]})) == {
        "serviceOrderItem[0].service.serviceCharacteristic[1].value": "simulator.outcome"
    }


def test_valid_dates_pass() -> None:
    body = {"requestedCompletionDate": "2025-03-01T10:00:00Z", "serviceOrderItem": [_item()]}
    assert validate_order(body) == []


def _outcome(order: dict[str, Any], item: dict[str, Any], **rules: Any) -> str:
    return item_outcome(
        order,
        item,
        by_external_id=rules.get("by_external_id", {}),
        by_specification=rules.get("by_specification", {}),
        drawn=rules.get("drawn", "complete"),
    )


def test_outcome_precedence() -> None:
    item = _item()
    order: dict[str, Any] = {"externalId": "po-9", "serviceOrderItem": [item]}

    assert _outcome(order, item) == "complete"
    assert _outcome(order, item, drawn="fail") == "fail"
    assert _outcome(order, item, by_specification={"Fibre": "hang"}, drawn="fail") == "hang"
    assert _outcome(order, item, by_specification={"s-1": "hang"}) == "hang"
    assert _outcome(order, item, by_specification={"s-1": "hang"}, by_external_id={"po-9": "reject"}) == "reject"
    order["simulatorOutcome"] = "fail"
    assert _outcome(order, item, by_external_id={"po-9": "reject"}) == "fail"
    item["service"]["serviceCharacteristic"] = [{"name": "simulatorOutcome", "value": "hang"}]
    assert _outcome(order, item) == "hang"
    item["simulatorOutcome"] = "complete"
    assert _outcome(order, item) == "complete"


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["completed", "completed"], "completed"),
        (["failed", "failed"], "failed"),
        (["completed", "failed"], "partial"),
        (["completed", "cancelled"], "completed"),
        (["rejected", "rejected"], "rejected"),
        (["cancelled"], "cancelled"),
        (["completed", "inProgress"], None),
        (["acknowledged"], None),
    ],
)
def test_final_order_state(states: list[str], expected: str | None) -> None:
    assert final_order_state(states) == expected


def test_service_state_after_an_item() -> None:
    assert (service_state_after("add"), service_state_after("modify"), service_state_after("delete")) == (
        "active",
        "active",
        "terminated",
    )


def test_patch_rules() -> None:
    open_order = {"state": "inProgress"}
    assert validate_patch({"priority": "1", "note": []}, open_order) == ([], False)
    problems, _ = validate_patch({"state": "completed", "serviceOrderItem": [], "requestedStartDate": "x"}, open_order)
    assert _fields(problems) == {
        "state": "readOnly",
        "serviceOrderItem": "readOnly",
        "requestedStartDate": "type.dateTime",
    }
    assert validate_patch({"priority": "1"}, {"state": "completed"}) == ([], True)
    assert _fields(validate_patch([], open_order)[0]) == {"body": "type.object"}


def test_field_selection_and_filters() -> None:
    doc = {"id": "1", "href": "h", "@type": "ServiceOrder", "state": "completed", "externalId": "po", "note": []}
    assert select_fields(doc, "state") == {"id": "1", "href": "h", "@type": "ServiceOrder", "state": "completed"}
    assert select_fields(doc, None) == doc
    assert matches_filters(doc, {"state": "inProgress,completed", "externalId": "po"})
    assert not matches_filters(doc, {"state": "inProgress"})
    assert not matches_filters(doc, {"note": "x"})


def test_config_steps_fall_back_to_the_delay() -> None:
    config = SimulatorConfig(delay=0.5, item_delay=0.1)
    assert (config.step("start"), config.step("item"), config.step("cancel")) == (0.5, 0.1, 0.5)
    assert "secret" not in config.as_dict()
    assert config.as_dict()["failureRate"] == 0.0


def test_config_changes_are_checked() -> None:
    accepted, problems = config_problems(
        {"delay": Decimal("0.25"), "failureRate": 1, "seed": None, "startDelay": None, "deliveryLanes": 2}
    )
    assert problems == []
    assert accepted == {"delay": 0.25, "failure_rate": 1.0, "seed": None, "start_delay": None, "delivery_lanes": 2}
    _, problems = config_problems(
        {"delay": -1, "rejectRate": 1.5, "seed": "x", "deliveryLanes": 0, "secret": 3, "itemDelay": True}
    )
    assert _fields(problems) == {
        "delay": "range",
        "rejectRate": "range",
        "seed": "type.integer",
        "deliveryLanes": "type.integer",
        "secret": "type.string",
        "itemDelay": "range",
    }
