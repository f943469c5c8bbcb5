"""Issue Customer Order (1.3.3.10.4) with delivery planning (1.3.3.13.1).

Issuing a valid order plans its delivery (each item's expected date from the
order policy, the committed completion date) and decomposes each item into
one TMF641 service order (one service order item per service specification
of the offering's product specification, or per service realising the
product for ``modify``/``delete``). The service orders are recorded in
``southbound_order`` as ``toSend`` in the order's transaction; the job
``ordering.send_southbound`` sends them (:mod:`openbss.ordering.fulfilment`).

It happens in two steps so that an order validated before it is stored
(:mod:`openbss.ordering.capture`) is written once:

* :func:`plan_issue` decides everything the order's document shows (item
  states, ``expectedCompletionDate``, the ``issued`` milestone) and what each
  item asks of the network, without writing;
* :func:`start_fulfilment` writes the service orders of the stored order and
  starts fulfilment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from openbss.catalog import service as catalog
from openbss.core.clock import isoformat
from openbss.core.ids import new_id
from openbss.core.processes import process
from openbss.inventory import service as inventory
from openbss.jobs.queue import enqueue
from openbss.ordering import extensions, repository, rules
from openbss.ordering.fulfilment import SEND_TASK, TO_SEND
from openbss.ordering.models import ProductOrderRow
from openbss.ordering.orders import OrderChange
from openbss.ordering.parties import customer_ref
from openbss.ordering.policy import current_policy
from openbss.ordering.resource import DELIVER_TASK
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

# --- decomposition -----------------------------------------------------------------------------------


def _offering_of(ctx: Context, item: Doc) -> str | None:
    offering = item.get("productOffering")
    if isinstance(offering, dict) and offering.get("id"):
        return str(offering["id"])
    product = rules.sub(item, "product")
    if product.get("id"):
        owned = inventory.get_product(ctx, str(product["id"]))
        ref = (owned or {}).get("productOffering")
        if isinstance(ref, dict) and ref.get("id"):
            return str(ref["id"])
    return None


def _service_characteristics(item: Doc) -> list[Doc]:
    product = rules.sub(item, "product")
    out = []
    for entry in product.get("productCharacteristic") or []:
        if isinstance(entry, dict) and entry.get("name"):
            out.append({k: entry[k] for k in ("name", "value", "valueType") if k in entry})
    return out


def decompose(ctx: Context, order: Doc, item: Doc) -> list[Doc]:
    """The TMF641 service order items that realise one product order item (empty: nothing to provision)."""
    action = str(item.get("action"))
    if action == "noChange":
        return []
    offering_id = _offering_of(ctx, item)
    specs = catalog.service_specifications(ctx, offering_id) if offering_id else []
    product = rules.sub(item, "product")
    existing: list[Doc] = []
    if action in ("modify", "delete") and product.get("id"):
        owned = inventory.get_product(ctx, str(product["id"])) or {}
        existing = [s for s in owned.get("realizingService") or [] if isinstance(s, dict) and s.get("id")]
    characteristics = _service_characteristics(item)
    places = [p for p in product.get("place") or [] if isinstance(p, dict)]
    out: list[Doc] = []
    targets: Sequence[Doc] = existing or specs
    for index, target in enumerate(targets, start=1):
        service: Doc = {"@type": "Service"}
        if existing:
            service["id"] = str(target["id"])
            if target.get("href"):
                service["href"] = target["href"]
        else:
            service["serviceSpecification"] = {
                k: target[k] for k in ("id", "href", "name", "version", "@referredType") if k in target
            }
        if characteristics and action != "delete":
            service["serviceCharacteristic"] = characteristics
        if places:
            service["place"] = places
        service["state"] = "terminated" if action == "delete" else "active"
        out.append({"id": str(index), "action": action, "quantity": int(item.get("quantity") or 1), "service": service})
    return out


def service_order(order_id: str, order: Doc, item: Doc, southbound_id: str, items: list[Doc], due: datetime) -> Doc:
    doc: Doc = {
        "externalId": southbound_id,
        "description": f"product order {order_id}, item {item.get('id')} ({item.get('action')})",
        "requestedCompletionDate": isoformat(due),
        "externalReference": [{"externalReferenceType": "ProductOrderItem", "name": f"{order_id}/{item.get('id')}"}],
        "serviceOrderItem": items,
        "@type": "ServiceOrder",
    }
    for key in ("priority", "category", "requestedStartDate"):
        if order.get(key):
            doc[key] = order[key]
    ref = customer_ref(order)
    if ref is not None:
        doc["relatedParty"] = [
            {"id": str(ref["id"]), "role": "customer", "@referredType": ref.get("@referredType") or "Customer"}
        ]
    return doc


# --- planning ------------------------------------------------------------------------------------------


@process("1.3.3.13.1")
def plan_delivery(ctx: Context, doc: Doc) -> tuple[dict[str, datetime], datetime]:
    """Plan Customer Order Delivery: each item's expected date and the committed completion date."""
    policy = current_policy(ctx)
    start = ctx.now
    requested_start = rules.moment(doc.get("requestedStartDate"))
    if requested_start is not None and requested_start > start:
        start = requested_start
    expected: dict[str, datetime] = {}
    for item in rules.iter_items(doc.get("productOrderItem")):
        offering = rules.sub(item, "productOffering")
        duration = policy.duration_for(str(item.get("action")), str(offering["id"]) if offering.get("id") else None)
        expected[str(item["id"])] = start + duration
    committed = rules.committed_date(
        ctx.now, [d - ctx.now for d in expected.values()], rules.moment(doc.get("requestedCompletionDate"))
    )
    return expected, committed


@dataclass(frozen=True)
class IssuePlan:
    """What issuing an order does: to its document (:meth:`changes`) and southbound (:func:`start_fulfilment`)."""

    doc: Doc  # the valid order, priced
    expected: dict[str, datetime]  # item id -> expected date
    committed: datetime
    southbound_timeout: timedelta
    work: dict[str, list[Doc]]  # item id -> its service order items; items absent need no network work
    at: datetime

    @property
    def service_orders(self) -> int:
        return len(self.work)

    def changes(self) -> OrderChange:
        """The change of the order's document."""
        values: Doc = {k: self.doc[k] for k in ("productOrderItem", "orderTotalPrice") if k in self.doc}
        values["expectedCompletionDate"] = isoformat(self.committed)
        return OrderChange(
            state=rules.IN_PROGRESS,
            values=values,
            item_states={item_id: rules.IN_PROGRESS for item_id in self.expected},
            milestones=[
                extensions.milestone(
                    None,
                    "issued",
                    self.at,
                    f"issued to fulfilment: {self.service_orders} service order(s); "
                    f"committed completion {isoformat(self.committed)}",
                )
            ],
        )


@process("1.3.3.10.4")
def plan_issue(ctx: Context, doc: Doc) -> IssuePlan:
    """Issue Customer Order: plan the delivery and decompose each item into its service order (no writes)."""
    expected, committed = plan_delivery(ctx, doc)
    work: dict[str, list[Doc]] = {}
    for item in rules.iter_items(doc.get("productOrderItem")):
        sb_items = decompose(ctx, doc, item)
        if sb_items:
            work[str(item["id"])] = sb_items
    timeout = rules.parse_duration(current_policy(ctx).policy.fallout.southboundTimeout)
    return IssuePlan(doc, expected, committed, timeout, work, ctx.now)


# --- writing -------------------------------------------------------------------------------------------


def _southbound_rows(ctx: Context, order_id: str, plan: IssuePlan) -> list[dict[str, Any]]:
    rows = []
    for item in rules.iter_items(plan.doc.get("productOrderItem")):
        item_id = str(item["id"])
        sb_items = plan.work.get(item_id)
        if not sb_items:
            continue
        southbound_id = new_id()
        due = plan.expected[item_id]
        rows.append(
            {
                "id": southbound_id,
                "order_id": order_id,
                "item_id": item_id,
                "attempt": 1,
                "status": TO_SEND,
                "current": True,
                "service_order_id": None,
                "request": service_order(order_id, plan.doc, item, southbound_id, sb_items, due),
                "services": None,
                "failure_kind": None,
                "failure_reason": None,
                "created_at": ctx.now,
                "sent_at": None,
                "updated_at": ctx.now,
                "deadline": max(due, ctx.now) + plan.southbound_timeout,
                "cancel_requested_at": None,
            }
        )
    return rows


def start_fulfilment(ctx: Context, row: ProductOrderRow, plan: IssuePlan, *, deliver_now: bool = True) -> None:
    """Write the service orders of the issued order ``row`` and queue their sending.

    Items that need no network work are delivered at once (``deliver_now``), or
    by the job ``ordering.deliver_order`` (an order issued as it is captured:
    its delivery writes the order again, which waits until the order exists).
    The item rows' expected dates are the caller's to write.
    """
    values = _southbound_rows(ctx, row.id, plan)
    sent = repository.insert_southbound(ctx.session, values, attach=deliver_now)
    if values:
        enqueue(ctx.session, SEND_TASK, {"order": row.id})
    if deliver_now:
        from openbss.ordering.completion import settle_items

        settle_items(ctx, row, southbound=sent)  # the order's only service orders: just written
    elif len(values) < len(plan.expected):
        enqueue(ctx.session, DELIVER_TASK, {"order": row.id})
