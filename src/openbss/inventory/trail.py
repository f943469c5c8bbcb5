"""The product's history: why each write happened, recorded beside the write.

A service operation says what it is doing (``with noted(action, order_ref,
reason)``) before it asks the engine to write; the resource's ``after_write``
hook then records one :class:`~openbss.inventory.models.ProductHistory` row
per write, whichever path made it (the service functions, an admin's REST
call, a customer merge, a bundle following its parent).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from openbss.core.clock import isoformat
from openbss.inventory import repository
from openbss.inventory.models import ProductHistory
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc


@dataclass(frozen=True)
class Note:
    action: str  # create, modify, status, merge
    order_ref: Mapping[str, Any] | None = None
    reason: str | None = None
    actor: str | None = None  # who asked, when the write runs under the system principal


_NOTE: ContextVar[Note | None] = ContextVar("inventory_note", default=None)


@contextmanager
def noted(
    action: str, order_ref: Mapping[str, Any] | None = None, reason: str | None = None, actor: str | None = None
) -> Iterator[Note]:
    outer = current()
    note = Note(action, order_ref, reason, actor or (outer.actor if outer is not None else None))
    token = _NOTE.set(note)
    try:
        yield note
    finally:
        _NOTE.reset(token)


def current() -> Note | None:
    return _NOTE.get()


def _last_order_item(doc: Doc) -> Mapping[str, Any] | None:
    items = [i for i in doc.get("productOrderItem") or [] if isinstance(i, dict)]
    return items[-1] if items else None


def record(ctx: Context, product_id: str, old: Doc | None, new: Doc | None) -> None:
    """Write the history row of one change of product ``product_id``."""
    note = current()
    before, after = old or {}, new or {}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) and k not in ("id", "href"))
    if new is None:
        action = "delete"
    elif old is None:
        action = "create"
    elif note is not None:
        action = note.action
    else:
        action = "status" if before.get("status") != after.get("status") else "modify"
    order_ref = note.order_ref if note is not None and note.order_ref else None
    if order_ref is None and old is None and new is not None:
        order_ref = _last_order_item(new)
    repository.add_history(
        ctx.session,
        product_id=product_id,
        at=ctx.now,
        action=action,
        from_status=before.get("status"),
        to_status=after.get("status"),
        changed=changed,
        order_id=str(order_ref["productOrderId"]) if order_ref and order_ref.get("productOrderId") else None,
        order_item_id=str(order_ref["orderItemId"]) if order_ref and order_ref.get("orderItemId") else None,
        reason=(note.reason[:1000] if note is not None and note.reason else None),
        actor=((note.actor if note is not None else None) or ctx.principal.key)[:120],
    )


def render(entry: ProductHistory) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": isoformat(entry.at),
        "action": entry.action,
        "fromStatus": entry.from_status,
        "toStatus": entry.to_status,
        "changed": list(entry.changed or []),
        "actor": entry.actor,
    }
    if entry.order_id:
        out["productOrderId"] = entry.order_id
        out["orderItemId"] = entry.order_item_id
    if entry.reason:
        out["reason"] = entry.reason
    return out
