"""Whatever a client sends as an order, the answer is 201 or a 4xx (never a 500), and every
captured order is decided by its job (never left waiting, never a failed job)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from order_helpers import ORDERS, Shop
from sqlalchemy import select

from openbss.core import jsoncodec
from openbss.jobs.models import Job
from openbss.ordering.models import ProductOrderRow

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=3),
    st.decimals(min_value=-5, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", "1", "2", "x", "add", "modify", "delete", "noChange", "EUR", "oneTime", "2026-01-01T00:00:00Z"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2),
        st.dictionaries(
            st.sampled_from(["id", "name", "value", "unit", "priceType", "price", "@referredType", "role"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)
ITEM_KEYS = [
    "id",
    "action",
    "quantity",
    "product",
    "productOffering",
    "itemPrice",
    "billingAccount",
    "productOrderItemRelationship",
    "productOrderItem",
    "state",
]
ORDER_KEYS = [
    "relatedParty",
    "billingAccount",
    "channel",
    "requestedCompletionDate",
    "orderTotalPrice",
    "note",
    "state",
]


def items(offering_id: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries(
        {"id": st.sampled_from(["1", "2", "3"]), "action": st.sampled_from(["add", "modify", "delete", "noChange"])},
        optional={
            key: values if key != "productOffering" else st.one_of(values, st.just({"id": offering_id}))
            for key in ITEM_KEYS
            if key not in ("id", "action")
        },
    )
    return st.lists(item, min_size=0, max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_orders_never_break_capture_or_handling(shop: Shop, data: st.DataObject) -> None:
    if not shop.offerings:
        shop.make_offering("Email", services=())
    offering_id = shop.offerings["Email"]["id"]
    body: dict[str, Any] = {"productOrderItem": data.draw(items(offering_id))}
    for key in data.draw(st.lists(st.sampled_from(ORDER_KEYS), max_size=3, unique=True)):
        body[key] = data.draw(values)
    if data.draw(st.booleans()):  # a real customer and account, so that validation goes deeper
        body.update({k: v for k, v in shop.order_body().items() if k != "productOrderItem"})
    headers = {**shop.headers, "Content-Type": "application/json"}
    response = shop.client.post(ORDERS, headers=headers, content=jsoncodec.dumps(body))
    assert response.status_code in (201, 400, 403, 409), response.text
    shop.run_jobs()
    with shop.db.session() as session:
        waiting = session.execute(select(ProductOrderRow.id).where(ProductOrderRow.needs_validation.is_(True))).all()
        broken = session.execute(select(Job.name, Job.last_error).where(Job.attempts > 0, Job.status != "done")).all()
    assert waiting == []
    assert [b for b in broken if b[0].startswith("ordering.") and b[0] != "ordering.send_southbound"] == []
