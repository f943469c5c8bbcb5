"""Pure rules of the product inventory: the status lifecycle, dates, owners, order trail, bundles.

Lifecycle of a product (``status``)::

    created ---------> pendingActive ---> active <------> suspended
       |  \\________________________________^  |  \\          |  \\
       |                                       |   v         v   |
       +--> cancelled <-- pendingActive        |  pendingTerminate
                                               |      |    (back to active: termination withdrawn)
                                               v      v
                                              terminated      (terminated and cancelled are final)

=================  ===========================================================
from               may go to
=================  ===========================================================
created            pendingActive, active, cancelled
pendingActive      active, cancelled
active             suspended, pendingTerminate, terminated
suspended          active, pendingTerminate, terminated
pendingTerminate   active, terminated
terminated         (final)
cancelled          (final)
=================  ===========================================================

A product may be recorded in any status (data migration loads history); the
dates must then agree with it (:func:`date_problems`).

Nothing here reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from openbss.core.clock import isoformat, parse_instant
from openbss.core.problems import FieldProblem

CREATED: Final = "created"
PENDING_ACTIVE: Final = "pendingActive"
ACTIVE: Final = "active"
SUSPENDED: Final = "suspended"
PENDING_TERMINATE: Final = "pendingTerminate"
TERMINATED: Final = "terminated"
CANCELLED: Final = "cancelled"

STATUSES: Final = (CREATED, PENDING_ACTIVE, ACTIVE, SUSPENDED, PENDING_TERMINATE, TERMINATED, CANCELLED)
FINAL: Final = frozenset({TERMINATED, CANCELLED})
IN_SERVICE: Final = frozenset({ACTIVE, SUSPENDED, PENDING_TERMINATE})
"""Statuses of a product the customer has (it started and has not ended)."""

PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    CREATED: frozenset({PENDING_ACTIVE, ACTIVE, CANCELLED}),
    PENDING_ACTIVE: frozenset({ACTIVE, CANCELLED}),
    ACTIVE: frozenset({SUSPENDED, PENDING_TERMINATE, TERMINATED}),
    SUSPENDED: frozenset({ACTIVE, PENDING_TERMINATE, TERMINATED}),
    PENDING_TERMINATE: frozenset({ACTIVE, TERMINATED}),
    TERMINATED: frozenset(),
    CANCELLED: frozenset(),
    "@create": frozenset(STATUSES),
}
"""From -> allowed targets; ``@create`` lists the statuses a new product may be recorded in."""

OWNER_ROLES: Final = frozenset({"customer", "owner"})
BUNDLE_PARENT_TYPES: Final = frozenset({"isbundledin", "bundledin", "ispartof", "iscontainedin"})
"""``productRelationship.relationshipType`` values (any case) by which a product names its bundle."""
BUNDLE_PARENT_TYPE: Final = "isBundledIn"
TRAIL_ACTIONS: Final = frozenset({"add", "modify", "delete", "noChange"})


def allowed_targets(status: str | None) -> frozenset[str]:
    return PRODUCT_TRANSITIONS.get(str(status), frozenset())


def transition_problem(old: str | None, new: str) -> str | None:
    """Why ``old`` -> ``new`` is not allowed, or None when it is (staying put is allowed)."""
    if new not in STATUSES:
        return f"'{new}' is not a product status; one of {', '.join(STATUSES)}"
    if old == new:
        return None
    allowed = allowed_targets(old)
    if new in allowed:
        return None
    options = ", ".join(sorted(allowed)) or "none (final status)"
    return f"a product cannot go from '{old}' to '{new}'; allowed from '{old}': {options}"


# --- dates ---------------------------------------------------------------------------------------------


def status_dates(doc: Mapping[str, Any], old_status: str | None, at: datetime) -> dict[str, str]:
    """Dates a status change at ``at`` sets: ``startDate`` when the product first becomes
    active (unless given), ``terminationDate`` when it is terminated (always ``at``)."""
    status = doc.get("status")
    out: dict[str, str] = {}
    if status == old_status:
        return out
    if status == ACTIVE and not doc.get("startDate"):
        out["startDate"] = isoformat(at)
    if status == TERMINATED:
        out["terminationDate"] = isoformat(at)
    return out


def date_problems(doc: Mapping[str, Any]) -> list[FieldProblem]:
    """The dates of a product document must agree with each other and with its status."""
    problems: list[FieldProblem] = []
    start, end = parse_instant(doc.get("startDate")), parse_instant(doc.get("terminationDate"))
    if start is not None and end is not None and end < start:
        problems.append(FieldProblem("terminationDate", "terminationDate.beforeStart", "must not be before startDate"))
    status = doc.get("status")
    if status == TERMINATED and end is None:
        problems.append(FieldProblem("terminationDate", "required", "a terminated product has a terminationDate"))
    if status in IN_SERVICE and start is None:
        problems.append(FieldProblem("startDate", "required", f"a {status} product has a startDate"))
    return problems


# --- the customer ------------------------------------------------------------------------------------------


def owner_index(related: Any) -> int | None:
    """Which ``relatedParty`` entry is the product's owner.

    The first whose ``role`` is customer or owner (any case); else the first
    that refers to a Customer; else the first. None when there is none.
    """
    if not isinstance(related, list) or not related:
        return None
    refs = [r if isinstance(r, dict) else {} for r in related]
    for index, ref in enumerate(refs):
        if str(ref.get("role") or "").lower() in OWNER_ROLES:
            return index
    for index, ref in enumerate(refs):
        if ref.get("@referredType") == "Customer":
            return index
    return 0


def owner_ref(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    related = doc.get("relatedParty")
    index = owner_index(related)
    if index is None:
        return None
    assert isinstance(related, list)
    ref = related[index]
    return ref if isinstance(ref, dict) and ref.get("id") else None


def ref_id(value: Any) -> str | None:
    """The ``id`` of a reference object, if any."""
    if isinstance(value, dict) and value.get("id") not in (None, ""):
        return str(value["id"])
    return None


# --- bundles -------------------------------------------------------------------------------------------------


def parent_id(doc: Mapping[str, Any]) -> str | None:
    """The bundle this product is part of (a ``productRelationship`` of a bundle-parent type)."""
    for relation in doc.get("productRelationship") or []:
        if not isinstance(relation, dict):
            continue
        if str(relation.get("relationshipType") or "").lower() in BUNDLE_PARENT_TYPES:
            found = ref_id(relation.get("product"))
            if found:
                return found
    return None


def child_ids(doc: Mapping[str, Any]) -> list[str]:
    """The parts of a bundle named by reference in its ``product`` list."""
    out: list[str] = []
    for item in doc.get("product") or []:
        found = ref_id(item)
        if found and found not in out:
            out.append(found)
    return out


def with_parent(doc: Mapping[str, Any], parent: Mapping[str, Any]) -> list[Any]:
    """``doc``'s productRelationship list naming ``parent`` as its bundle (added once)."""
    relations = list(doc.get("productRelationship") or [])
    if parent_id(doc) == parent.get("id"):
        return relations
    return [*relations, {"relationshipType": BUNDLE_PARENT_TYPE, "product": dict(parent)}]


def with_child(doc: Mapping[str, Any], child: Mapping[str, Any]) -> list[Any]:
    """``doc``'s product list naming ``child`` as one of its parts (added once)."""
    items = list(doc.get("product") or [])
    if child.get("id") in child_ids(doc):
        return items
    return [*items, dict(child)]


def follows_bundle(parent_status: str, child_status: str | None) -> bool:
    """Whether a part follows its bundle into ``parent_status``.

    Parts are suspended, resumed, put in pendingTerminate, terminated and
    cancelled with their bundle, when their own lifecycle allows the move.
    """
    if parent_status not in (SUSPENDED, ACTIVE, PENDING_TERMINATE, TERMINATED, CANCELLED):
        return False
    if child_status == parent_status:
        return False
    if parent_status == ACTIVE and child_status not in (SUSPENDED, PENDING_TERMINATE):
        return False  # activating a bundle does not activate parts still being provisioned
    return parent_status in allowed_targets(child_status)


# --- the order trail --------------------------------------------------------------------------------------------


def order_ref_problems(order_ref: Any, field: str = "order_ref") -> list[FieldProblem]:
    """An order reference is a TMF RelatedProductOrderItem: productOrderId and orderItemId at least."""
    if not isinstance(order_ref, dict):
        return [FieldProblem(field, "type.object", "an order reference is an object")]
    problems = [
        FieldProblem(f"{field}.{name}", "required", "is mandatory and missing")
        for name in ("productOrderId", "orderItemId")
        if not isinstance(order_ref.get(name), str) or not order_ref.get(name)
    ]
    action = order_ref.get("orderItemAction")
    if action is not None and action not in TRAIL_ACTIONS:
        problems.append(
            FieldProblem(
                f"{field}.orderItemAction", "enum", f"'{action}' is not one of {', '.join(sorted(TRAIL_ACTIONS))}"
            )
        )
    return problems


def with_order_item(trail: Sequence[Any] | None, order_ref: Mapping[str, Any]) -> list[Any]:
    """The ``productOrderItem`` trail with ``order_ref`` appended (an identical entry is not repeated)."""
    entry = {k: v for k, v in order_ref.items() if v is not None}
    entry.setdefault("@referredType", "ProductOrderItem")
    items = list(trail or [])
    key = (entry.get("productOrderId"), entry.get("orderItemId"), entry.get("orderItemAction"))
    for item in items:
        if (
            isinstance(item, dict)
            and (
                item.get("productOrderId"),
                item.get("orderItemId"),
                item.get("orderItemAction"),
            )
            == key
        ):
            return items
    return [*items, entry]
