"""Capture (1.3.3.10.1), validation (1.3.3.10.3), change (1.3.3.10.2), review, payment and
completion into the inventory, over the API; nothing here needs the OSS (no service specs).

Orders are validated as they are captured (the default policy); ``run_jobs`` delivers them."""

from __future__ import annotations

from typing import Any

import pytest
from order_helpers import CANCELS, INVENTORY, ORDERS, Shop, created, item_states
from sqlalchemy import func, select

from openbss.events.models import OutboxEvent
from openbss.ordering.models import ProductOrderRow

BASE = "/tmf-api/productOrderingManagement/v4"


def _counts(shop: Shop) -> tuple[int, int]:
    with shop.db.session() as session:
        orders = session.execute(select(func.count()).select_from(ProductOrderRow)).scalar_one()
        events = session.execute(select(func.count()).select_from(OutboxEvent)).scalar_one()
    return int(orders), int(events)


def _codes(order: dict[str, Any]) -> set[str]:
    return {e["code"] for e in order.get("errorMessage") or []}


@pytest.fixture(params=[True, False], ids=["at-capture", "by-the-job"])
def at_capture(request: pytest.FixtureRequest, shop: Shop) -> bool:
    """Both ways an order is decided: in its POST (the default), or by the job (the policy's setting off)."""
    if not request.param:
        response = shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"validateAtCapture": False})
        assert response.status_code == 200, response.text
    return bool(request.param)


def _posted(order: dict[str, Any], at_capture: bool, state: str) -> None:
    """The state the POST answered: decided at capture, or acknowledged for the job."""
    assert order["state"] == (state if at_capture else "acknowledged")


# --- capture -------------------------------------------------------------------------------------


def test_capture_sets_the_order_date_and_decides(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"), externalId="web-42")
    # validated and issued in the POST (the policy's validateAtCapture; the acknowledged
    # path of the job is in test_order_validation_at_capture)
    assert order["state"] == "inProgress"
    assert order["orderDate"].endswith("Z")
    assert item_states(order) == {"1": "inProgress"}
    assert order["href"].endswith(f"/productOrder/{order['id']}")
    listed = shop.client.get(ORDERS, headers=shop.headers, params={"externalId": "web-42"}).json()
    assert [o["id"] for o in listed] == [order["id"]]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"productOrderItem": []}, "productOrderItem", "too_short"),
        ({}, "productOrderItem", "required"),
        ({"productOrderItem": [{"id": "1"}]}, "productOrderItem[0].action", "required"),
        ({"productOrderItem": [{"id": "1", "action": "replace"}]}, "productOrderItem[0].action", "enum"),
        (
            {"productOrderItem": [{"id": "1", "action": "add"}, {"id": "1", "action": "add"}]},
            "productOrderItem[1].id",
            "item.duplicateId",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "add", "productOrderItemRelationship": [{"id": "7"}]}]},
            "productOrderItem[0].productOrderItemRelationship[0].id",
            "item.relationship",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "add", "quantity": 0}]},
            "productOrderItem[0].quantity",
            "item.quantity",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "add", "state": "completed"}]},
            "productOrderItem[0].state",
            "lifecycle.initial",
        ),
        ({"productOrderItem": [{"id": "1", "action": "add"}], "state": "completed"}, "state", "lifecycle.initial"),
        (
            {"productOrderItem": [{"id": "1", "action": "add"}], "completionDate": "2025-01-01"},
            "completionDate",
            "readOnly",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "add"}], "cancellationReason": "x"},
            "cancellationReason",
            "readOnly",
        ),
        ({"productOrderItem": [{"id": "1", "action": "add"}], "orderedBy": "x"}, "orderedBy", "unknownAttribute"),
    ],
)
def test_malformed_orders_are_refused_and_nothing_is_written(
    shop: Shop, body: dict[str, Any], field: str, rule: str
) -> None:
    before = _counts(shop)
    response = shop.client.post(ORDERS, headers=shop.headers, json=body)
    assert response.status_code == 400, response.text
    details = response.json()["details"]
    assert (field, rule) in {(d["field"], d["rule"]) for d in details}, details
    assert _counts(shop) == before


# --- validation ------------------------------------------------------------------------------------


def test_valid_order_completes_into_the_inventory(shop: Shop, at_capture: bool) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    _posted(order, at_capture, "inProgress")
    shop.run_jobs()
    done = shop.get(order["id"])
    assert done["state"] == "completed"
    assert done["completionDate"] and done["expectedCompletionDate"]
    prices = done["productOrderItem"][0]["itemPrice"]
    assert {p["priceType"] for p in prices} == {"oneTime", "recurring"}
    assert [t["priceType"] for t in done["orderTotalPrice"]] == ["oneTime", "recurring"]
    product_id = done["productOrderItem"][0]["product"]["id"]
    product = shop.client.get(f"{INVENTORY}/{product_id}", headers=shop.headers).json()
    assert product["status"] == "active"
    # billing starts when the item is delivered, between the order's issue and its completion
    assert done["orderDate"] <= product["startDate"] <= done["completionDate"]
    assert product["billingAccount"]["id"] == shop.account["id"]
    assert product["productOffering"]["id"] == shop.offerings["Email"]["id"]
    assert product["productOrderItem"][-1]["productOrderId"] == order["id"]
    assert {p["priceType"] for p in product["productPrice"]} == {"oneTime", "recurring"}
    assert [m["name"] for m in done["milestone"]] == ["issued", "delivered", "completed", "closed"]
    assert all(m["@schemaLocation"].endswith("/Milestone.schema.json") for m in done["milestone"])


def test_rejected_with_the_reasons(shop: Shop, at_capture: bool) -> None:
    shop.make_offering("Email", services=())
    shop.make_offering("Old", services=(), status="In design")
    other = shop.make_customer(name="Bob Other")["customer"]
    foreign = shop.make_account(other)
    order = shop.place(
        shop.item("1", "Old"),
        shop.item("2", "Email", product={"productCharacteristic": [{"name": "speed", "value": "10G"}]}),
        shop.item(
            "3",
            "Email",
            itemPrice=[{"priceType": "oneTime", "price": {"taxIncludedAmount": {"unit": "EUR", "value": 1}}}],
        ),
        {"id": "4", "action": "modify", "product": {"id": "no-such-product"}},
        billingAccount={"id": foreign["id"]},
    )
    _posted(order, at_capture, "rejected")
    shop.run_jobs()
    rejected = shop.get(order["id"])
    assert rejected["state"] == "rejected"
    assert set(item_states(rejected).values()) == {"rejected"}
    assert {"offering.lifecycle", "billingAccount.notOwned", "price.mismatch", "product.exists"} <= _codes(rejected)
    assert any(c.startswith("characteristic") or "value" in c for c in _codes(rejected)), _codes(rejected)
    errors = {e["code"]: e for e in rejected["errorMessage"]}
    assert errors["billingAccount.notOwned"]["reason"] == "billingAccount.id"
    assert errors["price.mismatch"]["@schemaLocation"].endswith("/ProductOrderErrorMessage.schema.json")
    assert [m["name"] for m in rejected["milestone"]] == ["rejected", "closed"]


def test_inactive_customer_and_account_are_rejected(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    made = shop.make_customer(status="initialized", name="New Comer")
    shop.customer = made["customer"]
    shop.account = shop.make_account(shop.customer, state="pending")
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    assert {"customer.notActive", "billingAccount.notActive"} <= _codes(shop.get(order["id"]))


def test_party_reference_finds_the_customer(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    body = shop.order_body(shop.item("1", "Email"))
    body["relatedParty"] = [{"id": shop.party["id"], "@referredType": "Individual", "role": "customer"}]
    order = created(shop.client.post(ORDERS, headers=shop.headers, json=body))
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "completed"
    with shop.db.session() as session:  # resolved at capture and kept through every later change
        row = session.get(ProductOrderRow, order["id"])
        assert row is not None and row.customer_id == shop.customer["id"]
        assert row.owner_party_id == shop.party["id"]


def test_unknown_references_are_accepted_when_reference_checks_are_off(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openbss.core.settings import reset_settings

    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "off")
    reset_settings()
    shop.make_offering("Email", services=())
    body = shop.order_body(shop.item("1", "Email"))
    body["relatedParty"] = [{"id": "456-dd-df45", "@referredType": "Individual"}]
    body["billingAccount"] = {"id": "external-account"}
    order = created(shop.client.post(ORDERS, headers=shop.headers, json=body))
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "completed"


def test_modify_and_delete_change_the_customers_products(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    first = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    product_id = shop.get(first["id"])["productOrderItem"][0]["product"]["id"]
    modify = shop.place(
        {
            "id": "1",
            "action": "modify",
            "product": {"id": product_id, "productCharacteristic": [{"name": "speed", "value": "100M"}]},
        }
    )
    shop.run_jobs()
    assert shop.get(modify["id"])["state"] == "completed"
    product = shop.client.get(f"{INVENTORY}/{product_id}", headers=shop.headers).json()
    assert product["productCharacteristic"] == [{"name": "speed", "value": "100M"}]
    delete = shop.place({"id": "1", "action": "delete", "product": {"id": product_id}})
    shop.run_jobs()
    assert shop.get(delete["id"])["state"] == "completed"
    product = shop.client.get(f"{INVENTORY}/{product_id}", headers=shop.headers).json()
    assert product["status"] == "terminated"
    assert product["terminationDate"]
    assert [t["productOrderId"] for t in product["productOrderItem"]] == [first["id"], modify["id"], delete["id"]]


def test_products_of_another_customer_cannot_be_changed(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    first = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    product_id = shop.get(first["id"])["productOrderItem"][0]["product"]["id"]
    made = shop.make_customer(name="Eve Other")
    shop.customer, shop.account = made["customer"], shop.make_account(made["customer"])
    order = shop.place({"id": "1", "action": "delete", "product": {"id": product_id}})
    shop.run_jobs()
    assert "product.notOwned" in _codes(shop.get(order["id"]))


def test_channel_and_item_limits_of_the_policy(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.make_offering("Shop only", services=(), channels=("shop",))
    patched = shop.client.patch(
        "/admin/ordering/policy", headers=shop.headers, json={"maxItems": 2, "allowedChannels": ["web", "shop"]}
    )
    assert patched.status_code == 200, patched.text
    order = shop.place(
        shop.item("1", "Email"), shop.item("2", "Email"), shop.item("3", "Shop only"), channel=[{"id": "call-centre"}]
    )
    shop.run_jobs()
    assert {"policy.maxItems", "policy.channel", "offering.channel"} <= _codes(shop.get(order["id"]))
    ok = shop.place(shop.item("1", "Shop only"), channel=[{"id": "shop", "name": "shop"}])
    shop.run_jobs()
    assert shop.get(ok["id"])["state"] == "completed"


# --- review (held) and payment (pending) ---------------------------------------------------------


def test_held_for_review_then_released(shop: Shop, agent: dict[str, str], at_capture: bool) -> None:
    shop.make_offering("Big", services=(), one_time="900.00")
    shop.client.patch(
        "/admin/ordering/policy", headers=shop.headers, json={"holdForReview": {"oneTimeTotalAbove": "500"}}
    )
    order = shop.place(shop.item("1", "Big"))
    _posted(order, at_capture, "held")
    shop.run_jobs()
    held = shop.get(order["id"])
    assert held["state"] == "held"
    assert item_states(held) == {"1": "held"}
    assert "policy.review.amount" in _codes(held)
    assert (
        shop.client.post(f"{ORDERS}/{order['id']}/release", headers=shop.auth_as("billing"), json={}).status_code == 403
    )
    released = shop.client.post(f"{ORDERS}/{order['id']}/release", headers=agent, json={"note": "checked by phone"})
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "completed"
    again = shop.client.post(f"{ORDERS}/{order['id']}/release", headers=agent, json={})
    assert again.status_code == 409


def test_held_order_rejected_by_an_agent(shop: Shop, agent: dict[str, str]) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"holdForReview": {"itemCountAbove": 0}})
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    assert shop.client.post(f"{ORDERS}/{order['id']}/reject", headers=agent, json={}).status_code == 400
    rejected = shop.client.post(f"{ORDERS}/{order['id']}/reject", headers=agent, json={"reason": "fraud suspected"})
    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rejected"
    assert "order.rejectedByAgent" in _codes(rejected.json())


def test_upfront_payment_holds_fulfilment_until_paid(shop: Shop, at_capture: bool) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"upfrontPayment": {"required": True}})
    order = shop.place(shop.item("1", "Email"))
    _posted(order, at_capture, "pending")
    shop.run_jobs()
    pending = shop.get(order["id"])
    assert pending["state"] == "pending"
    assert pending["milestone"][-1]["name"] == "awaitingPayment"
    assert "50" in pending["milestone"][-1]["message"]
    billing = shop.auth_as("billing")
    paid = shop.client.post(f"{ORDERS}/{order['id']}/payment", headers=billing, json={"paymentRef": "PAY-1"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "completed"
    assert paid.json()["payment"][0]["id"] == "PAY-1"
    twice = shop.client.post(f"{ORDERS}/{order['id']}/payment", headers=billing, json={"paymentRef": "PAY-2"})
    assert twice.status_code == 409


def test_record_order_payment_service(shop: Shop) -> None:
    from openbss.ordering.fulfilment import job_context
    from openbss.ordering.service import record_order_payment

    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"upfrontPayment": {"required": True}})
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    from openbss.core.settings import get_settings

    with shop.db.session(write=True) as session:
        doc = record_order_payment(job_context(session, get_settings()), order["id"], "rcv-77")
    assert doc["state"] == "completed"


# --- change (1.3.3.10.2) and illegal transitions ---------------------------------------------------


def test_change_before_issue_is_validated_again(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"holdForReview": {"itemCountAbove": 1}})
    order = shop.place(shop.item("1", "Email"), shop.item("2", "Email"))
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "held"
    changed = shop.client.patch(
        f"{ORDERS}/{order['id']}",
        headers=shop.headers,
        json={"productOrderItem": [shop.item("1", "Email")], "description": "one is enough"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["state"] == "held"
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "completed"


def test_illegal_changes_are_refused_and_nothing_changes(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    done = shop.client.get(f"{ORDERS}/{order['id']}", headers=shop.headers)
    etag, before_events = done.headers["etag"], _counts(shop)[1]
    attempts = [
        ({"state": "inProgress"}, 409, "lifecycle.transition"),
        ({"state": "acknowledged"}, 409, "lifecycle.transition"),
        ({"productOrderItem": [{"id": "9", "action": "add"}]}, 409, "order.changeNotAllowed"),
        ({"description": "late change"}, 409, "order.changeNotAllowed"),
        ({"completionDate": "2020-01-01T00:00:00Z"}, 400, "readOnly"),
        ({"milestone": []}, 400, "readOnly"),
        ({"note": []}, 200, None),
    ]
    for body, status, rule in attempts[:-1]:
        response = shop.client.patch(f"{ORDERS}/{order['id']}", headers=shop.headers, json=body)
        assert response.status_code == status, (body, response.text)
        assert rule in {d["rule"] for d in response.json().get("details", [])}, response.json()
    after = shop.client.get(f"{ORDERS}/{order['id']}", headers=shop.headers)
    assert after.headers["etag"] == etag
    assert _counts(shop)[1] == before_events
    noted = shop.client.patch(f"{ORDERS}/{order['id']}", headers=shop.headers, json={"note": [{"text": "thanks"}]})
    assert noted.status_code == 200
    assert noted.json()["state"] == "completed"


def test_state_changes_only_through_operations(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"holdForReview": {"itemCountAbove": 0}})
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    etag = shop.client.get(f"{ORDERS}/{order['id']}", headers=shop.headers).headers["etag"]
    events = _counts(shop)[1]
    response = shop.client.patch(f"{ORDERS}/{order['id']}", headers=shop.headers, json={"state": "inProgress"})
    assert response.status_code == 409
    assert response.json()["details"][0]["rule"] == "order.stateByOperation"
    assert shop.get(order["id"])["state"] == "held"
    for path in ("retry", "completeItem", "escalate"):
        body = {"itemId": "1"} if path == "completeItem" else {"reason": "x"} if path == "escalate" else {}
        refused = shop.client.post(f"{ORDERS}/{order['id']}/{path}", headers=shop.headers, json=body)
        assert refused.status_code == 409, (path, refused.text)
    assert shop.client.get(f"{ORDERS}/{order['id']}", headers=shop.headers).headers["etag"] == etag
    assert _counts(shop)[1] == events
    for path in ("retry", "completeItem", "payment"):
        body = {"itemId": "1"} if path == "completeItem" else {"paymentRef": "x"} if path == "payment" else {}
        refused = shop.client.post(f"{ORDERS}/{order['id']}/{path}", headers=shop.headers, json=body)
        if path == "payment":
            assert refused.status_code == 200  # a payment may arrive early; it does not change the state
        else:
            assert refused.status_code == 409, (path, refused.text)
    assert shop.get(order["id"])["state"] == "held"


def test_delete_only_ended_orders(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    response = shop.client.delete(f"{ORDERS}/{order['id']}", headers=shop.headers)
    assert response.status_code == 409
    bad = shop.place({"id": "1", "action": "add"})
    shop.run_jobs()
    assert shop.client.delete(f"{ORDERS}/{bad['id']}", headers=shop.headers).status_code == 204
    assert shop.client.get(f"{ORDERS}/{bad['id']}", headers=shop.headers).status_code == 404


# --- access -----------------------------------------------------------------------------------------


def test_customers_order_and_see_only_their_own(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    mine = shop.auth_as("customer", party=shop.party["id"])
    body = shop.order_body(shop.item("1", "Email"))
    body["relatedParty"] = [{"id": shop.party["id"], "@referredType": "Individual", "role": "customer"}]
    own = shop.client.post(ORDERS, headers=mine, json=body)
    assert own.status_code == 201, own.text
    by_customer_ref = shop.client.post(ORDERS, headers=mine, json=shop.order_body(shop.item("1", "Email")))
    assert by_customer_ref.status_code == 201, by_customer_ref.text
    other = shop.make_customer(name="Mallory Other")
    theirs = shop.auth_as("customer", party=other["party"]["id"])
    assert shop.client.get(f"{ORDERS}/{own.json()['id']}", headers=theirs).status_code == 404
    assert shop.client.get(ORDERS, headers=theirs).json() == []
    assert shop.client.post(ORDERS, headers=theirs, json=body).status_code == 403
    assert len(shop.client.get(ORDERS, headers=mine).json()) == 2
    cancel = shop.client.post(CANCELS, headers=theirs, json={"productOrder": {"id": own.json()["id"]}})
    assert cancel.status_code == 400
    assert shop.client.get(f"{ORDERS}/{own.json()['id']}/fallout", headers=mine).status_code == 403


def test_extension_schemas_are_served(shop: Shop) -> None:
    for name in ("JeopardyAlert", "Milestone", "ProductOrderErrorMessage"):
        response = shop.client.get(f"{BASE}/schema/{name}.schema.json", headers=shop.headers)
        assert response.status_code == 200
        assert "properties" in response.json()
    assert shop.client.get(f"{BASE}/schema/Nope.schema.json", headers=shop.headers).status_code == 404


# --- the customer domain ---------------------------------------------------------------------------


def test_orders_follow_a_customer_merge_and_show_in_the_360_view(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    survivor = shop.make_customer(name="Ada King")["customer"]
    merged = shop.client.post(
        f"/tmf-api/customerManagement/v4/customer/{shop.customer['id']}/merge",
        headers=shop.headers,
        json={"mergeInto": survivor["id"], "reason": "same person"},
    )
    assert merged.status_code == 200, merged.text
    moved = shop.get(order["id"])
    assert moved["relatedParty"][0]["id"] == survivor["id"]
    view = shop.client.get(f"/customer360/{survivor['id']}", headers=shop.headers).json()
    assert [o["id"] for o in view["orders"]] == [order["id"]]
    assert view["orders"][0]["state"] == "completed"


def test_customers_cancel_their_own_orders(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch("/admin/ordering/policy", headers=shop.headers, json={"holdForReview": {"itemCountAbove": 0}})
    order = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    mine = shop.auth_as("customer", party=shop.party["id"])
    task = shop.client.post(
        CANCELS, headers=mine, json={"productOrder": {"id": order["id"]}, "cancellationReason": "no"}
    )
    assert task.status_code == 201, task.text
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "cancelled"
    assert shop.client.get(f"{CANCELS}/{task.json()['id']}", headers=mine).json()["state"] == "done"
    assert shop.client.patch(f"{CANCELS}/{task.json()['id']}", headers=shop.headers, json={}).status_code == 403


def test_bundle_components_are_delivered_before_the_bundle(shop: Shop, at_capture: bool) -> None:
    shop.make_offering("Triple play", services=())
    shop.make_offering("Email", services=())
    shop.make_offering("Phone", services=())
    bundle = shop.item("b", "Triple play")
    bundle["productOrderItem"] = [shop.item("b.1", "Email"), shop.item("b.2", "Phone")]
    order = shop.place(bundle)
    _posted(order, at_capture, "inProgress")
    shop.run_jobs()
    done = shop.get(order["id"])
    assert done["state"] == "completed"
    assert item_states(done) == {"b": "completed", "b.1": "completed", "b.2": "completed"}
    parts = [i["product"]["id"] for i in done["productOrderItem"][0]["productOrderItem"]]
    product = shop.client.get(
        f"{INVENTORY}/{done['productOrderItem'][0]['product']['id']}", headers=shop.headers
    ).json()
    assert product["isBundle"] is True
    assert sorted(p["id"] for p in product["product"]) == sorted(parts)
