"""The v5-shaped extension attributes openbss writes on a v4 ProductOrder.

TMF622 v4 has no place for jeopardy alerts, milestones or error messages;
v5 has (``jeopardyAlert``, ``milestone``, ``errorMessage``). openbss writes
them in the v5 shapes, each element naming its schema with ``@type`` and
``@schemaLocation``; the schemas are served at
``{base}/tmf-api/productOrderingManagement/v4/schema/{name}.schema.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel

from openbss.core.clock import isoformat
from openbss.core.ids import new_id
from openbss.ordering import schemas

Doc = dict[str, Any]

SCHEMA_BASE: Final = "/tmf-api/productOrderingManagement/v4/schema"
SCHEMAS: Final[dict[str, type[BaseModel]]] = {
    "JeopardyAlert": schemas.JeopardyAlert,
    "Milestone": schemas.Milestone,
    "ProductOrderErrorMessage": schemas.ErrorMessage,
}


def schema_location(name: str) -> str:
    return f"{SCHEMA_BASE}/{name}.schema.json"


def _item_refs(order_id: str | None, item_ids: Sequence[str]) -> list[Doc]:
    if order_id is None:
        raise ValueError("an element naming order items needs the order's id")
    return [{"itemId": i, "productOrderId": order_id, "@type": "ProductOrderItemRef"} for i in item_ids]


def milestone(
    order_id: str | None,
    name: str,
    at: datetime,
    message: str,
    *,
    item_ids: Sequence[str] = (),
    status: str = "reached",
) -> Doc:
    out: Doc = {
        "id": new_id(),
        "name": name,
        "milestoneDate": isoformat(at),
        "status": status,
        "message": message,
        "@type": "Milestone",
        "@schemaLocation": schema_location("Milestone"),
    }
    if item_ids:
        out["productOrderItem"] = _item_refs(order_id, item_ids)
    return out


def error_message(
    order_id: str | None,
    code: str,
    reason: str,
    message: str,
    at: datetime,
    *,
    status: str,
    item_ids: Sequence[str] = (),
    reference: str | None = None,
) -> Doc:
    out: Doc = {
        "code": code,
        "reason": reason,
        "message": message,
        "status": status,
        "timestamp": isoformat(at),
        "@type": "ProductOrderErrorMessage",
        "@schemaLocation": schema_location("ProductOrderErrorMessage"),
    }
    if reference:
        out["referenceError"] = reference
    if item_ids:
        out["productOrderItem"] = _item_refs(order_id, item_ids)
    return out


def jeopardy_alert(
    order_id: str, level: int, name: str, at: datetime, message: str, *, exception: str, item_ids: Sequence[str] = ()
) -> Doc:
    out: Doc = {
        "id": new_id(),
        "name": name,
        "jeopardyType": f"level{level}",
        "alertDate": isoformat(at),
        "exception": exception,
        "message": message,
        "@type": "JeopardyAlert",
        "@schemaLocation": schema_location("JeopardyAlert"),
    }
    if item_ids:
        out["productOrderItem"] = _item_refs(order_id, item_ids)
    return out


def appended(doc: Doc, key: str, *entries: Doc) -> list[Doc]:
    """The list ``doc[key]`` with ``entries`` added at the end (a new list)."""
    return [*list(doc.get(key) or []), *entries]
