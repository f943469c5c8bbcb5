"""Order handling's part in the customer domain: merges and the customer 360 view.

* When customer A is merged into B, A's orders become B's: every
  ``relatedParty`` entry naming A (or A's party, when the two engage
  different parties) names B (or B's party) instead; the owner columns follow.
* The customer view (``GET /customer360/{id}``) gets an ``orders`` section:
  the customer's orders, newest first, with their state, dates and jeopardy.
"""

from __future__ import annotations

import copy
from typing import Any

from openbss.core.clock import isoformat
from openbss.customers.models import CustomerRow
from openbss.customers.service import register_merge_handler
from openbss.customers.view import register_view_section
from openbss.ordering import repository
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.tmf import service as engine
from openbss.tmf.context import Context

MAX_VIEW_ORDERS = 100


def move_orders_on_merge(ctx: Context, loser: CustomerRow, survivor: CustomerRow) -> int:
    """Customer ``loser`` is merged into ``survivor``: its orders become the survivor's."""
    moves: dict[str, dict[str, Any]] = {loser.id: {"id": survivor.id, "@referredType": "Customer"}}
    if loser.engaged_party_id and survivor.engaged_party_id and loser.engaged_party_id != survivor.engaged_party_id:
        moves[loser.engaged_party_id] = {"id": survivor.engaged_party_id}
    moved = 0
    for row in repository.orders_of_customer(ctx.session, loser.id, loser.engaged_party_id, for_update=True):
        new = copy.deepcopy(row.doc)
        related = []
        for ref in new.get("relatedParty") or []:
            target = moves.get(str(ref.get("id"))) if isinstance(ref, dict) else None
            related.append({**ref, **target} if target else ref)
        new["relatedParty"] = related
        engine.replace_doc(ctx, PRODUCT_ORDER, row, new)
        moved += 1
    return moved


def orders_section(ctx: Context, customer: CustomerRow) -> list[dict[str, Any]]:
    """The customer's orders, newest first (at most :data:`MAX_VIEW_ORDERS`)."""
    out = []
    for row in repository.orders_of_customer(ctx.session, customer.id, None, limit=MAX_VIEW_ORDERS, newest_first=True):
        if not engine.visible(ctx, PRODUCT_ORDER, row):
            continue
        doc = row.doc
        out.append(
            {
                "id": row.id,
                "href": engine.href(ctx, PRODUCT_ORDER, row.id),
                "state": row.status,
                "orderDate": doc.get("orderDate"),
                "expectedCompletionDate": doc.get("expectedCompletionDate"),
                "completionDate": doc.get("completionDate"),
                "jeopardyLevel": row.jeopardy_level,
                "items": len(doc.get("productOrderItem") or []),
                "updated": isoformat(row.updated_at),
            }
        )
    return out


register_merge_handler(move_orders_on_merge)
register_view_section("orders", orders_section)
