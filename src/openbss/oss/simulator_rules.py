"""Pure rules of the TMF641 OSS simulator: what a service order must contain,
which outcome each item gets, and what state an order ends in. No I/O.

Forced outcomes (highest precedence first) for one item:

1. the item's own ``simulatorOutcome`` attribute, or a ``simulatorOutcome``
   entry in the item's ``service.serviceCharacteristic``;
2. the order's ``simulatorOutcome`` attribute;
3. a rule of the running simulator keyed by the order's ``externalId``;
4. a rule keyed by the item's ``service.serviceSpecification`` id or name;
5. the random draw: ``reject`` with ``reject_rate`` (once per order),
   ``fail`` with ``failure_rate`` (per item); else ``complete``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, cast

from openbss.core.problems import FieldProblem, join_path

Doc = dict[str, Any]
Outcome = Literal["complete", "fail", "reject", "hang"]
OUTCOMES: tuple[Outcome, ...] = ("complete", "fail", "reject", "hang")
OUTCOME_ATTRIBUTE = "simulatorOutcome"

ACTIONS = frozenset({"add", "modify", "delete", "noChange"})
# the order is past any change once in one of these
FINAL_STATES = frozenset({"completed", "failed", "partial", "rejected", "cancelled"})
CANCELLABLE_STATES = frozenset({"acknowledged", "pending", "held", "inProgress"})
FINAL_ITEM_STATES = frozenset({"completed", "failed", "rejected", "cancelled"})
# attributes the provider sets; a consumer may not send them on create (TMF641 ServiceOrder_Create)
SERVER_SET = (
    "id",
    "href",
    "state",
    "orderDate",
    "completionDate",
    "expectedCompletionDate",
    "startDate",
    "jeopardyAlert",
    "errorMessage",
    "milestone",
)
DATE_FIELDS = ("requestedCompletionDate", "requestedStartDate", "cancellationDate")
# what PATCH may change (ServiceOrder_Update without state and items, which the OSS drives)
PATCHABLE = frozenset(
    {
        "description",
        "expectedCompletionDate",
        "externalId",
        "notificationContact",
        "priority",
        "requestedCompletionDate",
        "requestedStartDate",
        "externalReference",
        "note",
        "orderRelationship",
        "relatedParty",
    }
)


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def outcome_problem(value: Any, field: str) -> FieldProblem | None:
    if value is None or value in OUTCOMES:
        return None
    return FieldProblem(field, "simulator.outcome", f"must be one of {', '.join(OUTCOMES)}")


def _characteristic_outcome(item: Doc) -> tuple[Any, int | None]:
    service = item.get("service")
    chars = service.get("serviceCharacteristic") if isinstance(service, dict) else None
    if isinstance(chars, list):
        for index, char in enumerate(chars):
            if isinstance(char, dict) and char.get("name") == OUTCOME_ATTRIBUTE:
                return char.get("value"), index
    return None, None


def validate_order(body: Any) -> list[FieldProblem]:
    """What is wrong with a ``POST /serviceOrder`` body (empty: acceptable)."""
    if not isinstance(body, dict):
        return [FieldProblem("body", "type.object", "must be a JSON object")]
    problems = [
        FieldProblem(name, "readOnly", "is set by the service order system; do not send it")
        for name in SERVER_SET
        if name in body
    ]
    for name in DATE_FIELDS:
        if name in body and not _is_datetime(body[name]):
            problems.append(FieldProblem(name, "type.dateTime", "must be an ISO 8601 date-time"))
    if "externalId" in body and not isinstance(body["externalId"], str):
        problems.append(FieldProblem("externalId", "type.string", "must be a string"))
    problem = outcome_problem(body.get(OUTCOME_ATTRIBUTE), OUTCOME_ATTRIBUTE)
    if problem:
        problems.append(problem)
    items = body.get("serviceOrderItem")
    if not isinstance(items, list) or not items:
        problems.append(FieldProblem("serviceOrderItem", "required", "at least one service order item is required"))
        return problems
    seen: set[str] = set()
    for index, item in enumerate(items):
        problems.extend(_item_problems(item, join_path("serviceOrderItem", index), seen))
    return problems


def _item_problems(item: Any, path: str, seen: set[str]) -> list[FieldProblem]:
    if not isinstance(item, dict):
        return [FieldProblem(path, "type.object", "must be a JSON object")]
    problems: list[FieldProblem] = []
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        problems.append(FieldProblem(f"{path}.id", "required", "every item needs an id (unique in the order)"))
    elif item_id in seen:
        problems.append(FieldProblem(f"{path}.id", "unique", f"item id '{item_id}' is used twice"))
    else:
        seen.add(item_id)
    action = item.get("action")
    if action not in ACTIONS:
        problems.append(FieldProblem(f"{path}.action", "enum", f"must be one of {', '.join(sorted(ACTIONS))}"))
    service = item.get("service")
    if not isinstance(service, dict):
        problems.append(FieldProblem(f"{path}.service", "required", "the service to act on is required"))
    elif action in ("modify", "delete", "noChange") and not isinstance(service.get("id"), str):
        problems.append(
            FieldProblem(f"{path}.service.id", "required", f"action '{action}' needs the id of an existing service")
        )
    quantity = item.get("quantity")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1):
        problems.append(FieldProblem(f"{path}.quantity", "range", "must be a whole number of at least 1"))
    problem = outcome_problem(item.get(OUTCOME_ATTRIBUTE), f"{path}.{OUTCOME_ATTRIBUTE}")
    if problem:
        problems.append(problem)
    value, index = _characteristic_outcome(item)
    if index is not None:
        problem = outcome_problem(value, f"{path}.service.serviceCharacteristic[{index}].value")
        if problem:
            problems.append(problem)
    nested = item.get("serviceOrderItem")
    if nested is not None:
        problems.append(
            FieldProblem(f"{path}.serviceOrderItem", "simulator.unsupported", "nested order items are not simulated")
        )
    return problems


def validate_patch(body: Any, order: Doc) -> tuple[list[FieldProblem], bool]:
    """Problems of a ``PATCH /serviceOrder/{id}`` body, and whether the order's state forbids any change."""
    if not isinstance(body, dict):
        return [FieldProblem("body", "type.object", "must be a JSON object")], False
    problems: list[FieldProblem] = []
    for name in body:
        if name == "state":
            problems.append(
                FieldProblem(
                    "state",
                    "readOnly",
                    "the state is driven by the service order system; use cancelServiceOrder to cancel",
                )
            )
        elif name not in PATCHABLE:
            problems.append(FieldProblem(name, "readOnly", "cannot be changed by PATCH"))
    for name in ("requestedCompletionDate", "requestedStartDate", "expectedCompletionDate"):
        if name in body and body[name] is not None and not _is_datetime(body[name]):
            problems.append(FieldProblem(name, "type.dateTime", "must be an ISO 8601 date-time"))
    return problems, order.get("state") in FINAL_STATES


def item_outcome(
    order: Doc,
    item: Doc,
    *,
    by_external_id: Mapping[str, Outcome],
    by_specification: Mapping[str, Outcome],
    drawn: Outcome,
) -> Outcome:
    """The outcome one item gets (see the module docstring for the precedence)."""
    own = item.get(OUTCOME_ATTRIBUTE)
    if own in OUTCOMES:
        return cast(Outcome, own)
    value, _ = _characteristic_outcome(item)
    if value in OUTCOMES:
        return cast(Outcome, value)
    whole = order.get(OUTCOME_ATTRIBUTE)
    if whole in OUTCOMES:
        return cast(Outcome, whole)
    external = order.get("externalId")
    if isinstance(external, str) and external in by_external_id:
        return by_external_id[external]
    service = item.get("service")
    spec = service.get("serviceSpecification") if isinstance(service, dict) else None
    if isinstance(spec, dict):
        for key in (spec.get("id"), spec.get("name")):
            if isinstance(key, str) and key in by_specification:
                return by_specification[key]
    return drawn


def final_order_state(item_states: Sequence[str]) -> str | None:
    """The order's closing state once every item is final; None while some item is still open."""
    if any(state not in FINAL_ITEM_STATES for state in item_states):
        return None
    completed = sum(1 for state in item_states if state == "completed")
    failed = sum(1 for state in item_states if state == "failed")
    if completed and failed:
        return "partial"
    if completed:
        return "completed"
    if failed:
        return "failed"
    if all(state == "rejected" for state in item_states):
        return "rejected"
    return "cancelled"


def service_state_after(action: str) -> str:
    """The TMF641 service state an item's service reaches when the item completes."""
    return "terminated" if action == "delete" else "active"


def select_fields(doc: Doc, fields: str | None) -> Doc:
    """TMF630 ``fields=a,b``: the named top-level attributes plus id, href and @type."""
    if not fields:
        return doc
    wanted = {name.strip() for name in fields.split(",") if name.strip()} | {"id", "href", "@type"}
    return {key: value for key, value in doc.items() if key in wanted}


def matches_filters(doc: Doc, filters: Mapping[str, str]) -> bool:
    """Equality filters on top-level text attributes (``state=inProgress,completed``, ``externalId=X``)."""
    for name, wanted in filters.items():
        value = doc.get(name)
        if not isinstance(value, str) or value not in wanted.split(","):
            return False
    return True
