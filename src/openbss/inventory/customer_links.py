"""The inventory's part in the customer domain: merges and the customer 360 view.

* When customer A is merged into B (1.3.4.2.4), A's products become B's: every
  ``relatedParty`` reference to A (and, when the two engage different parties,
  to A's party) names B (or B's party) instead; owner columns follow and the
  history of each product says so.
* The customer view (``GET /customer360/{id}``) gets a ``products`` section:
  the customer's products with their status, offering, billing account, dates
  and prices.
"""

from __future__ import annotations

import copy
from typing import Any

from openbss.customers.models import CustomerRow
from openbss.customers.service import register_merge_handler
from openbss.customers.view import register_view_section
from openbss.inventory import repository, trail
from openbss.inventory.resource import PRODUCT
from openbss.inventory.service import _as_system
from openbss.tmf import service as engine
from openbss.tmf.context import Context

MAX_VIEW_PRODUCTS = 200


def _moved(ref: Any, moves: dict[str, dict[str, Any]]) -> Any:
    if not isinstance(ref, dict):
        return ref
    target = moves.get(str(ref.get("id")))
    if target is None:
        return ref
    out = {**ref, "id": target["id"]}
    for key in ("@referredType", "name"):
        if target.get(key):
            out[key] = target[key]
    if isinstance(ref.get("href"), str):
        out["href"] = ref["href"].replace(str(ref.get("id")), str(target["id"]))
    return out


def move_products_on_merge(ctx: Context, loser: CustomerRow, survivor: CustomerRow) -> int:
    """Customer ``loser`` is merged into ``survivor``: its products become the survivor's."""
    moves: dict[str, dict[str, Any]] = {
        loser.id: {"id": survivor.id, "@referredType": "Customer", "name": survivor.doc.get("name")}
    }
    engaged = survivor.doc.get("engagedParty")
    if (
        loser.engaged_party_id
        and survivor.engaged_party_id
        and loser.engaged_party_id != survivor.engaged_party_id
        and isinstance(engaged, dict)
    ):
        moves[loser.engaged_party_id] = engaged
    ids = repository.referring_to(ctx.session, list(moves))
    reason = f"customer {loser.customer_number or loser.id} merged into {survivor.customer_number or survivor.id}"
    changed = 0
    system = _as_system(ctx)
    with trail.noted("merge", None, reason, actor=ctx.principal.key):
        for row in repository.rows_by_ids(ctx.session, ids, for_update=True):
            new = copy.deepcopy(row.doc)
            new["relatedParty"] = [_moved(ref, moves) for ref in new.get("relatedParty") or []]
            for price in new.get("productPrice") or []:
                if isinstance(price, dict) and isinstance(price.get("billingAccount"), dict):
                    price["billingAccount"] = _moved(price["billingAccount"], moves)
            before = row.version
            engine.replace_doc(system, PRODUCT, row, new)
            changed += int(row.version != before)
    return changed


register_merge_handler(move_products_on_merge)


def _summary(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "href",
        "name",
        "status",
        "isBundle",
        "productOffering",
        "productSpecification",
        "billingAccount",
        "startDate",
        "terminationDate",
        "productPrice",
        "productRelationship",
    )
    return {k: doc[k] for k in keys if k in doc}


def products_section(ctx: Context, customer: CustomerRow) -> list[dict[str, Any]]:
    """The customer's products (newest last), at most :data:`MAX_VIEW_PRODUCTS`."""
    rows = repository.of_customer(ctx.session, customer.id, customer.engaged_party_id, limit=MAX_VIEW_PRODUCTS)
    return [_summary(ctx, engine.render(ctx, PRODUCT, row)) for row in rows if engine.visible(ctx, PRODUCT, row)]


register_view_section("products", products_section)

__all__ = ["move_products_on_merge", "products_section"]
