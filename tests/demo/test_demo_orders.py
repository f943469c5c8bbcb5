"""The demo's catalog, products and orders: placed through order handling, fulfilled by the OSS simulator."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openbss.core import clock
from openbss.core.db import Database
from openbss.demo.dataset import build_dataset
from openbss.demo.loader import DemoResult, load_demo
from openbss.demo.orders import order_external_id, plan_orders
from openbss.inventory.models import ProductRow
from openbss.ordering.models import ProductOrderRow

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
INVENTORY = "/tmf-api/productInventory/v4/product"
OFFERINGS = "/tmf-api/productCatalogManagement/v4/productOffering"

Doc = dict[str, Any]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_order_plan_is_reproducible_and_reaches_a_third_of_the_customers() -> None:
    data = build_dataset(42, 300)
    plan = plan_orders(data, 180)
    assert plan == plan_orders(build_dataset(42, 300), 180)
    assert plan != plan_orders(build_dataset(43, 300), 180)
    buyers = {o.customer for o in plan if o.fate != "rejected"}
    assert 0.30 <= len(buyers) / 300 <= 0.40
    products = Counter(o.customer for o in plan for _ in o.items)
    assert max(products.values()) <= 4  # 1-3 products; the reviewed business order has 4 lines
    fates = Counter(o.fate for o in plan)
    assert {f: fates[f] for f in ("held", "released", "rejected", "partial", "jeopardy", "cancelled")} == dict.fromkeys(
        ("held", "released", "rejected", "partial", "jeopardy", "cancelled"), 1
    )
    assert [o.placed for o in plan] == sorted(o.placed for o in plan)
    assert all(timedelta(0) < o.placed < timedelta(days=180) for o in plan)
    assert len({o.external_id for o in plan}) == len(plan)
    for order in plan:
        if order.fate != "rejected":  # the demo catalog is in EUR: euro customers, approved
            spec = data.customers[order.customer]
            assert spec.status == "approved" and spec.party.currency == "EUR"


@pytest.fixture
def loaded(db: Database) -> DemoResult:
    return load_demo(db, seed=7, customers=40)


def _orders(client: TestClient, headers: dict[str, str]) -> dict[str, Doc]:
    listed = client.get(ORDERS, params={"limit": 200}, headers=headers)
    assert listed.status_code in (200, 206), listed.text
    return {o["externalId"]: o for o in listed.json()}


def test_demo_loads_the_catalog_products_and_orders(
    db: Database, loaded: DemoResult, client: TestClient, agent: dict[str, str]
) -> None:
    plan = plan_orders(build_dataset(7, 40), 180)
    assert loaded.created["ProductOrder"] == len(plan)
    assert loaded.created["ProductOffering"] == 6

    offerings = client.get(OFFERINGS, headers=agent).json()
    assert {o["name"] for o in offerings} >= {"Fibre 100", "Fibre 500", "Fibre 1000", "Fibre 500 + TV"}

    orders = _orders(client, agent)
    assert set(orders) == {o.external_id for o in plan}
    by_fate = {o.fate: orders[o.external_id] for o in plan if o.fate != "completed"}
    completed = [orders[o.external_id] for o in plan if o.fate == "completed"]
    assert completed and all(o["state"] == "completed" for o in completed)
    assert loaded.order_states == Counter(o["state"] for o in orders.values())

    # dates: spread over the months before the load, each order completed after it was placed
    now = clock.now()
    placed = sorted(_when(o["orderDate"]) for o in orders.values())
    assert placed[-1] < now and now - placed[0] > timedelta(days=60)
    for order in completed:
        assert _when(order["orderDate"]) < _when(order["completionDate"]) < now

    # products: in the inventory, the customer's, with the order in their trail
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(ProductRow)).scalar_one() == loaded.created["Product"]
    sample = completed[0]
    product_id = sample["productOrderItem"][0]["product"]["id"]
    product = client.get(f"{INVENTORY}/{product_id}", headers=agent).json()
    assert product["status"] == "active"
    assert product["productOrderItem"][0]["productOrderId"] == sample["id"]
    assert product["relatedParty"][0]["id"] == sample["relatedParty"][0]["id"]
    assert product["realizingService"]
    assert product["startDate"] <= sample["completionDate"]

    held = by_fate["held"]
    assert held["state"] == "held" and held["errorMessage"][0]["code"].startswith("policy.review")
    released = by_fate["released"]
    assert released["state"] == "completed"
    assert [m["name"] for m in released["milestone"]][:3] == ["heldForReview", "released", "issued"]
    rejected = by_fate["rejected"]
    assert rejected["state"] == "rejected"
    assert "customer.notActive" in {e["code"] for e in rejected["errorMessage"]}
    partial = by_fate["partial"]
    assert partial["state"] == "partial"
    assert [e["code"] for e in partial["errorMessage"]] == ["fallout.failed"]
    fallout = client.get(f"{ORDERS}/{partial['id']}/fallout", headers=agent).json()
    assert fallout[0]["status"] == "open" and "HLR" in str(fallout[0]["reason"])
    jeopardy = by_fate["jeopardy"]
    assert jeopardy["state"] == "inProgress"
    assert {a["name"] for a in jeopardy["jeopardyAlert"]} == {"atRisk", "overdue"}
    cancelled = by_fate["cancelled"]
    assert cancelled["state"] == "cancelled" and cancelled["cancellationReason"]


def test_demo_orders_are_loaded_once(db: Database, loaded: DemoResult) -> None:
    again = load_demo(db, seed=7, customers=40)
    assert again.already_loaded and not again.created
    with db.session() as session:
        count = session.execute(select(func.count()).select_from(ProductOrderRow)).scalar_one()
        first = session.execute(
            select(ProductOrderRow.id).where(ProductOrderRow.doc["externalId"].as_string() == order_external_id(1))
        ).all()
    assert count == loaded.created["ProductOrder"]
    assert len(first) == 1
    assert clock.now() - datetime.now(clock.now().tzinfo) < timedelta(seconds=5)  # the real clock is back
