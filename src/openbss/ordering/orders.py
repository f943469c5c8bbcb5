"""Reading and changing stored orders the one safe way.

Every change order handling makes goes through :func:`change_order`: it
checks the order's and the items' state machines (409 and nothing changed on
an illegal transition), appends milestones and error messages, and stores the
new document through the engine (events, search index, item rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, NotFound
from openbss.core.processes import process
from openbss.ordering import extensions, repository, rules
from openbss.ordering.models import ProductOrderRow
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc


def load_order(ctx: Context, order_id: str, *, for_update: bool = True) -> ProductOrderRow:
    """The order (locked for the transaction); 404 when absent or not the caller's."""
    row = repository.order(ctx.session, order_id, for_update=for_update)
    if row is None or not engine.visible(ctx, PRODUCT_ORDER, row):
        raise NotFound(f"no ProductOrder with id '{order_id}'", field="id", rule="exists")
    return row


def render(ctx: Context, row: ProductOrderRow) -> Doc:
    return engine.render(ctx, PRODUCT_ORDER, row)


class OrderChange(TypedDict, total=False):
    """The arguments of one :func:`change_order` / :func:`changed_doc`, for a change decided before it is made."""

    state: str | None
    item_states: Mapping[str, str] | None
    values: Mapping[str, Any] | None
    milestones: Sequence[Doc]
    errors: Sequence[Doc]
    notes: Sequence[str]


def change_order(ctx: Context, row: ProductOrderRow, **change: Unpack[OrderChange]) -> ProductOrderRow:
    """Apply one change of order handling to ``row`` (validated against both state machines; the
    change's attributes are those of :func:`changed_doc`)."""
    new = changed_doc(ctx, f"ProductOrder {row.id}", row.status, row.doc, **change)
    engine.replace_doc(ctx, PRODUCT_ORDER, row, new)
    return row


def changed_doc(
    ctx: Context,
    subject: str,
    status: str | None,
    old: Doc,
    *,
    state: str | None = None,
    item_states: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
    milestones: Sequence[Doc] = (),
    errors: Sequence[Doc] = (),
    notes: Sequence[str] = (),
) -> Doc:
    """The document ``old`` (of an order in state ``status``) after one change of order handling.

    Nothing is stored; ``old`` is not changed. 409 naming ``subject`` on an illegal transition
    of the order or of an item.
    """
    new: Doc = dict(old)  # top-level copy: every change below replaces a whole attribute, none edits in place
    for key, value in (values or {}).items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    if item_states:
        current = rules.item_states(old.get("productOrderItem"))
        for item_id, target in item_states.items():
            problem = rules.illegal_transition(rules.ITEM_TRANSITIONS, current.get(str(item_id)), target)
            if problem:
                raise Conflict(
                    f"item '{item_id}' of {subject} {problem}",
                    field=f"productOrderItem[id={item_id}].state",
                    rule="lifecycle.transition",
                )
        new["productOrderItem"] = rules.with_item_states(new.get("productOrderItem"), item_states)
    if milestones:
        new["milestone"] = extensions.appended(new, "milestone", *milestones)
    if errors:
        new["errorMessage"] = extensions.appended(new, "errorMessage", *errors)
    if notes:
        new["note"] = extensions.appended(
            new, "note", *[{"author": "openbss", "date": isoformat(ctx.now), "text": text} for text in notes]
        )
    if state is not None and state != status:
        problem = rules.illegal_transition(rules.ORDER_TRANSITIONS, status, state)
        if problem:
            raise Conflict(f"{subject} {problem}", field="state", rule="lifecycle.transition")
        new["state"] = state
    return new


def open_item_ids(row: ProductOrderRow) -> list[str]:
    return open_item_ids_of(row.doc)


def open_item_ids_of(doc: Doc) -> list[str]:
    return [i for i, s in rules.item_states(doc.get("productOrderItem")).items() if s in rules.ITEM_OPEN_STATES]


def item_doc(row: ProductOrderRow, item_id: str) -> Doc:
    for item in rules.iter_items(row.doc.get("productOrderItem")):
        if str(item.get("id")) == str(item_id):
            return item
    raise NotFound(f"ProductOrder {row.id} has no item '{item_id}'", field="itemId", rule="exists")


@process("1.3.1.2.16")
def notify(ctx: Context, row: ProductOrderRow, field_path: str) -> None:
    """Manage Order Management Notification: tell the order's listeners that someone must act."""
    engine.emit(ctx, PRODUCT_ORDER, "InformationRequired", row, {"fieldPath": field_path})
