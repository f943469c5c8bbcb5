"""Pure rules of TMF622 order handling: state machines, what may change when, item checks.

No I/O here; the services apply these rules to stored orders.

Order lifecycle (``state``), TMF622 v4 states::

    acknowledged --validate--> inProgress | pending | held | rejected
    pending (waits for payment) --> inProgress | held | rejected
    held (a person decides) --> inProgress | pending | rejected
    inProgress --> completed | partial | failed | held | pending
    partial | failed --retry / manual completion--> inProgress | partial | completed
    acknowledged | pending | held | inProgress | failed --cancel--> assessingCancellation
    assessingCancellation --> pendingCancellation --> cancelled
    assessingCancellation --cancellation refused--> the state it came from
    completed, cancelled, rejected: final

``partial`` and ``failed`` are not final in openbss: fallout is resolved by a
retry or by an agent completing the failed items (1.3.3.12.1.3), after which
the order completes. Every other change of state is refused with 409.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from openbss.core.clock import parse_instant
from openbss.core.problems import FieldProblem
from openbss.tmf import patch as patching

Doc = dict[str, Any]

# --- states -----------------------------------------------------------------------------------------

ACKNOWLEDGED: Final = "acknowledged"
REJECTED: Final = "rejected"
PENDING: Final = "pending"
HELD: Final = "held"
IN_PROGRESS: Final = "inProgress"
ASSESSING_CANCELLATION: Final = "assessingCancellation"
PENDING_CANCELLATION: Final = "pendingCancellation"
CANCELLED: Final = "cancelled"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
PARTIAL: Final = "partial"

ORDER_STATES: Final = (
    ACKNOWLEDGED,
    REJECTED,
    PENDING,
    HELD,
    IN_PROGRESS,
    CANCELLED,
    COMPLETED,
    FAILED,
    PARTIAL,
    ASSESSING_CANCELLATION,
    PENDING_CANCELLATION,
)

ORDER_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    ACKNOWLEDGED: frozenset({REJECTED, PENDING, HELD, IN_PROGRESS, ASSESSING_CANCELLATION}),
    PENDING: frozenset({IN_PROGRESS, HELD, REJECTED, ASSESSING_CANCELLATION}),
    HELD: frozenset({IN_PROGRESS, PENDING, REJECTED, ASSESSING_CANCELLATION}),
    IN_PROGRESS: frozenset({COMPLETED, PARTIAL, FAILED, HELD, PENDING, ASSESSING_CANCELLATION}),
    ASSESSING_CANCELLATION: frozenset({PENDING_CANCELLATION, ACKNOWLEDGED, PENDING, HELD, IN_PROGRESS, FAILED}),
    PENDING_CANCELLATION: frozenset({CANCELLED}),
    PARTIAL: frozenset({IN_PROGRESS, COMPLETED}),
    FAILED: frozenset({IN_PROGRESS, PARTIAL, COMPLETED, ASSESSING_CANCELLATION}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
    REJECTED: frozenset(),
    "@create": frozenset(),
}

ITEM_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    ACKNOWLEDGED: frozenset({IN_PROGRESS, PENDING, HELD, REJECTED, COMPLETED, ASSESSING_CANCELLATION}),
    PENDING: frozenset({IN_PROGRESS, HELD, REJECTED, COMPLETED, ASSESSING_CANCELLATION}),
    HELD: frozenset({IN_PROGRESS, PENDING, REJECTED, COMPLETED, ASSESSING_CANCELLATION}),
    IN_PROGRESS: frozenset({COMPLETED, FAILED, ASSESSING_CANCELLATION}),
    ASSESSING_CANCELLATION: frozenset({PENDING_CANCELLATION, ACKNOWLEDGED, PENDING, HELD, IN_PROGRESS}),
    PENDING_CANCELLATION: frozenset({CANCELLED}),
    FAILED: frozenset({IN_PROGRESS, COMPLETED, CANCELLED}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
    REJECTED: frozenset(),
}

FINAL_STATES: Final = frozenset({COMPLETED, CANCELLED, REJECTED})
"""Nothing happens to an order in these states any more."""

OPEN_STATES: Final = frozenset({ACKNOWLEDGED, PENDING, HELD, IN_PROGRESS, ASSESSING_CANCELLATION, PENDING_CANCELLATION})
"""Orders still being handled (the jeopardy sweep watches these, plus partial and failed)."""

WATCHED_STATES: Final = OPEN_STATES | {PARTIAL, FAILED}
"""Orders whose committed completion date still matters."""

CANCELLABLE_STATES: Final = frozenset({ACKNOWLEDGED, PENDING, HELD, IN_PROGRESS, FAILED})

ITEM_OPEN_STATES: Final = frozenset({ACKNOWLEDGED, PENDING, HELD, IN_PROGRESS})


def illegal_transition(transitions: Mapping[str, frozenset[str]], old: str | None, new: str) -> str | None:
    """Why ``old -> new`` is not allowed, or None when it is (``old == new`` is no change)."""
    if old == new:
        return None
    allowed = transitions.get(str(old), frozenset())
    if new in allowed:
        return None
    options = ", ".join(sorted(allowed)) or "none (final state)"
    return f"cannot go from '{old}' to '{new}'; allowed from '{old}': {options}"


def aggregate_state(item_states: Iterable[str]) -> str:
    """The order state that its items' states add up to during fulfilment."""
    states = [s for s in item_states]
    if not states:
        return COMPLETED
    if any(s in ITEM_OPEN_STATES for s in states):
        return IN_PROGRESS
    done = [s for s in states if s != CANCELLED]
    if not done:
        return CANCELLED
    completed = sum(1 for s in done if s == COMPLETED)
    if completed == len(done):
        return COMPLETED
    if completed == 0 and all(s in (FAILED, REJECTED) for s in done):
        return FAILED
    return PARTIAL


# --- what may change in which state (1.3.3.10.2) -----------------------------------------------------

SYSTEM_ATTRIBUTES: Final = frozenset(
    {
        "state",
        "orderDate",
        "completionDate",
        "expectedCompletionDate",
        "cancellationDate",
        "cancellationReason",
        "jeopardyAlert",
        "milestone",
        "errorMessage",
    }
)
"""Set by openbss only; a client neither sends them on create nor changes them."""

ORDER_CONTENT: Final = frozenset(
    {
        "productOrderItem",
        "billingAccount",
        "relatedParty",
        "channel",
        "requestedCompletionDate",
        "requestedStartDate",
        "agreement",
        "payment",
        "quote",
        "orderTotalPrice",
        "productOfferingQualification",
        "category",
        "externalId",
    }
)
"""What the order is: it changes only before the order is issued, and is validated again."""

ANNOTATIONS: Final = frozenset({"description", "priority", "notificationContact"})
"""Attributes about the order that may change while it is worked on."""

_ANNOTATED_STATES: Final = frozenset({IN_PROGRESS, PARTIAL, FAILED, ASSESSING_CANCELLATION, PENDING_CANCELLATION})
EDITABLE_CONTENT_STATES: Final = frozenset({ACKNOWLEDGED, PENDING, HELD})


def changeable_attributes(state: str) -> frozenset[str]:
    """The attributes a client may change on an order in ``state`` (notes are only appended)."""
    if state in EDITABLE_CONTENT_STATES:
        return ORDER_CONTENT | ANNOTATIONS | {"note", "@type", "@baseType", "@schemaLocation"}
    if state in _ANNOTATED_STATES:
        return ANNOTATIONS | {"note"}
    return frozenset({"note"})


def change_problems(state: str, old: Doc, new: Doc) -> list[FieldProblem]:
    """What a client's change of an order in ``state`` breaks (empty when allowed)."""
    problems: list[FieldProblem] = []
    allowed = changeable_attributes(state)
    for key in sorted(set(old) | set(new)):
        if patching.json_equal(old.get(key), new.get(key)) or key in ("id", "href"):
            continue
        if key in SYSTEM_ATTRIBUTES:
            problems.append(FieldProblem(key, "readOnly", f"'{key}' is set by openbss and cannot be changed"))
        elif key not in allowed and key in ORDER_CONTENT | ANNOTATIONS | {"note"}:
            when = (
                "while the order is acknowledged, pending or held (before it is issued)"
                if key in ORDER_CONTENT
                else "until the order is completed, cancelled or rejected"
            )
            problems.append(
                FieldProblem(
                    key,
                    "order.changeNotAllowed",
                    f"'{key}' cannot change while the order is {state}; it may change {when}",
                )
            )
    if "note" in allowed:
        problems += _note_problems(old.get("note"), new.get("note"))
    return problems


def _note_problems(old: Any, new: Any) -> list[FieldProblem]:
    before = list(old or [])
    after = list(new or [])
    if len(after) < len(before) or not all(patching.json_equal(a, b) for a, b in zip(before, after, strict=False)):
        return [
            FieldProblem("note", "note.appendOnly", "notes are only added: keep the existing notes and append new ones")
        ]
    return []


def item_state_problems(old_items: Any, new_items: Any) -> list[FieldProblem]:
    """Item states are set by openbss: a client change must keep each existing item's state."""
    before = {str(i.get("id")): i.get("state") for i in iter_items(old_items)}
    problems = []
    for path, item in iter_items_with_path(new_items, "productOrderItem"):
        item_id = str(item.get("id"))
        if item.get("state") is not None and item.get("state") != before.get(item_id):
            problems.append(
                FieldProblem(f"{path}.state", "readOnly", "an item's state is set by openbss and cannot be changed")
            )
    return problems


# --- order items -------------------------------------------------------------------------------------

MAX_ITEM_DEPTH: Final = 3


def iter_items(items: Any) -> Iterator[Doc]:
    """Every item of an order, nested ones (bundle components) after their parent."""
    for _path, item in iter_items_with_path(items, "productOrderItem"):
        yield item


def iter_items_with_path(items: Any, prefix: str, depth: int = 1) -> Iterator[tuple[str, Doc]]:
    for index, item in enumerate(items or []):
        if not isinstance(item, dict):
            continue
        path = f"{prefix}[{index}]"
        yield path, item
        if depth < MAX_ITEM_DEPTH + 1:
            yield from iter_items_with_path(item.get("productOrderItem"), f"{path}.productOrderItem", depth + 1)


def structure_problems(doc: Doc) -> list[FieldProblem]:
    """Mistakes in the shape of an order that make it unusable: a 400, nothing written."""
    problems: list[FieldProblem] = []
    seen: dict[str, str] = {}
    items = list(iter_items_with_path(doc.get("productOrderItem"), "productOrderItem"))
    for path, item in items:
        item_id = str(item.get("id"))
        if path.count("productOrderItem") > MAX_ITEM_DEPTH:
            problems.append(
                FieldProblem(path, "item.depth", f"items nest at most {MAX_ITEM_DEPTH} levels (bundle components)")
            )
        if item_id in seen:
            problems.append(
                FieldProblem(
                    f"{path}.id", "item.duplicateId", f"item id '{item_id}' is already used by {seen[item_id]}"
                )
            )
        else:
            seen[item_id] = path
        quantity = item.get("quantity")
        if quantity is not None and quantity < 1:
            problems.append(FieldProblem(f"{path}.quantity", "item.quantity", "the quantity is at least 1"))
    for path, item in items:
        for index, relation in enumerate(item.get("productOrderItemRelationship") or []):
            target = relation.get("id") if isinstance(relation, dict) else None
            field = f"{path}.productOrderItemRelationship[{index}].id"
            if target is None:
                problems.append(FieldProblem(field, "required", "a relationship names the related item's id"))
            elif str(target) == str(item.get("id")):
                problems.append(FieldProblem(field, "item.relationship", "an item cannot be related to itself"))
            elif str(target) not in seen:
                problems.append(FieldProblem(field, "item.relationship", f"there is no item '{target}' in this order"))
    return problems


def item_content_problems(doc: Doc) -> list[FieldProblem]:
    """What each item must say for its action (checked at validation: a rejection, not a 400)."""
    problems: list[FieldProblem] = []
    for path, item in iter_items_with_path(doc.get("productOrderItem"), "productOrderItem"):
        action = item.get("action")
        offering = item.get("productOffering")
        product = sub(item, "product")
        if action == "add":
            if not (isinstance(offering, dict) and offering.get("id")):
                problems.append(
                    FieldProblem(
                        f"{path}.productOffering.id", "item.offeringRequired", "an 'add' item names the offering sold"
                    )
                )
        elif not product.get("id"):
            problems.append(
                FieldProblem(
                    f"{path}.product.id",
                    "item.productRequired",
                    f"a '{action}' item names the customer's product (product.id) it changes",
                )
            )
    return problems


# --- dates and durations -----------------------------------------------------------------------------

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (``P3D``, ``PT4H``, ``-PT30M``)."""
    match = _DURATION.match(text or "")
    if match is None or text in ("P", "-P") or text.endswith("T"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as P3D, PT4H or P1DT12H")
    parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
    delta = timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    return -delta if match.group("sign") else delta


def format_duration(delta: timedelta) -> str:
    """The ISO 8601 form of ``delta`` (days, hours, minutes, seconds)."""
    sign = "-" if delta < timedelta(0) else ""
    total = abs(int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}P{days}D" if days else f"{sign}P"
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    if time:
        out += "T" + time
    return out if out not in ("P", "-P") else "PT0S"


def committed_date(now: datetime, durations: Sequence[timedelta], requested: datetime | None) -> datetime:
    """The completion date openbss commits to: the longest item's duration from now, or later if requested."""
    planned = now + max(durations, default=timedelta(0))
    if requested is not None and requested > planned:
        return requested
    return planned


# --- jeopardy ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JeopardyLevel:
    """Reached when ``now >= committed date + offset`` (a negative offset is before the date)."""

    level: int
    name: str
    offset: timedelta
    escalate_to: str | None = None


def jeopardy_level(committed: datetime, now: datetime, levels: Sequence[JeopardyLevel]) -> JeopardyLevel | None:
    """The highest level an order committed for ``committed`` has reached at ``now``."""
    reached = [lv for lv in levels if now >= committed + lv.offset]
    return max(reached, key=lambda lv: lv.level) if reached else None


def earliest_offset(levels: Sequence[JeopardyLevel]) -> timedelta:
    return min((lv.offset for lv in levels), default=timedelta(0))


def with_item_states(items: Any, states: Mapping[str, str]) -> list[Doc]:
    """A copy of ``items`` (nested ones too) with the states in ``states`` (by item id) applied."""
    out: list[Doc] = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        copy = dict(item)
        state = states.get(str(item.get("id")))
        if state is not None:
            copy["state"] = state
        if item.get("productOrderItem"):
            copy["productOrderItem"] = with_item_states(item["productOrderItem"], states)
        out.append(copy)
    return out


def item_states(items: Any) -> dict[str, str]:
    """Each item's state by item id (nested items too)."""
    return {str(i.get("id")): str(i.get("state") or ACKNOWLEDGED) for i in iter_items(items)}


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON document (dicts, lists and immutable scalars); several times cheaper
    than :func:`copy.deepcopy`, which keeps a memo for shared and cyclic objects JSON cannot have."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def sub(doc: Any, key: str) -> Doc:
    """``doc[key]`` when it is an object, else an empty one (reading optional TMF structures)."""
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else {}


moment = parse_instant  # a date-time attribute of a stored document, or None
