"""Checkout: a cart becomes a TMF622 product order through ordering's capture_order.

Every test goes through the real ordering domain and reads the order it made
back through the TMF622 API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from cart_helpers import (
    CARTS,
    CATALOG,
    Headers,
    billing_account,
    created,
    customer,
    details,
    individual,
    offering,
    price,
    small_catalog,
)
from fastapi.testclient import TestClient

from openbss.cart.models import ShoppingCartRow
from openbss.core import clock, jsoncodec
from openbss.core.db import Database
from openbss.ordering import rules

Auth = Callable[..., Headers]


@pytest.fixture
def shop(client: TestClient, admin: Headers, agent: Headers) -> dict[str, Any]:
    catalog = small_catalog(client, admin)
    party = individual(client, agent)
    jane = customer(client, agent, party)
    return {**catalog, "party": party, "jane": jane, "account": billing_account(client, agent, jane)}


ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


def _orders(client: TestClient, headers: Headers, shop: dict[str, Any]) -> list[dict[str, Any]]:
    """The product orders of the shop's customer, as the TMF622 API returns them."""
    response = client.get(ORDERS, params={"relatedParty.id": shop["jane"]["id"]}, headers=headers)
    assert response.status_code == 200, response.text
    return list(jsoncodec.loads(response.content))  # amounts as exact decimals


def _cart(client: TestClient, headers: Headers, shop: dict[str, Any], *items: dict[str, Any]) -> dict[str, Any]:
    ref = [{"id": shop["jane"]["id"], "@referredType": "Customer", "role": "customer", "name": "Jane Doe"}]
    return created(client.post(CARTS, json={"relatedParty": ref, "cartItem": list(items)}, headers=headers))


def _item(offer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"productOffering": {"id": offer["id"], "name": offer["name"]}, **extra}


def test_checkout_sends_the_cart_as_an_order_and_closes_the_cart(
    client: TestClient, auth: Auth, agent: Headers, shop: dict[str, Any], db: Database
) -> None:
    jane = auth("customer", party=shop["party"])
    speed = {"productCharacteristic": [{"name": "speed", "valueType": "string", "value": "1G"}]}
    cart = _cart(
        client,
        jane,
        shop,
        _item(shop["duo"], cartItemRelationship=[{"id": "4", "relationshipType": "reliesOn"}]),
        _item(shop["fibre"], product=speed),
        _item(shop["tv"], status="saveForLater"),
    )
    account = {"id": shop["account"]["id"]}
    response = client.post(
        f"{CARTS}/{cart['id']}/checkout",
        json={"billingAccount": account, "requestedStartDate": "2027-01-01T00:00:00Z"},
        headers=jane,
    )
    assert response.status_code == 201, response.text
    (order,) = _orders(client, agent, shop)
    assert response.headers["Location"] == order["href"] and response.json()["id"] == order["id"]
    assert order["state"] == "inProgress", order.get("errorMessage")  # validated and issued by the checkout
    assert order["relatedParty"] == cart["relatedParty"]
    assert order["channel"] == [{"id": "selfService", "role": "sales", "@referredType": "SalesChannel"}]
    assert order["billingAccount"] == account and order["requestedStartDate"] == "2027-01-01T00:00:00.000Z"
    assert [i["id"] for i in order["productOrderItem"]] == ["1", "4"]  # the saved-for-later item stays behind
    bundle = order["productOrderItem"][0]
    assert [i["productOffering"]["id"] for i in bundle["productOrderItem"]] == [shop["fibre"]["id"], shop["tv"]["id"]]
    assert bundle["productOrderItemRelationship"] == [{"id": "4", "relationshipType": "reliesOn"}]
    assert order["productOrderItem"][1]["product"] == speed
    assert order["productOrderItem"][1]["action"] == "add" and order["productOrderItem"][1]["quantity"] == 1
    totals = {p["priceType"]: p["price"]["taxIncludedAmount"]["value"] for p in order["orderTotalPrice"]}
    assert totals == {"oneTime": Decimal("98.00"), "recurring": Decimal("74.80")}  # exact, re-priced at checkout
    assert order["note"][-1]["text"].endswith(f"/shoppingCart/{cart['id']}")

    closed = client.get(f"{CARTS}/{cart['id']}", headers=jane).json()
    assert closed["validFor"]["endDateTime"] <= clock.isoformat(clock.now())
    with db.session() as session:
        row = session.get(ShoppingCartRow, cart["id"])
        assert row is not None and row.order_id == order["id"]
    again = client.post(f"{CARTS}/{cart['id']}/checkout", json={}, headers=jane)
    assert again.status_code == 409 and details(again) == [("id", "cart.checkedOut")]
    frozen = client.patch(f"{CARTS}/{cart['id']}", json={"cartItem": []}, headers=jane)
    assert frozen.status_code == 409 and details(frozen) == [("id", "cart.checkedOut")]
    assert len(_orders(client, agent, shop)) == 1


def test_staff_checkout_uses_the_assisted_channel(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    cart = _cart(client, agent, shop, _item(shop["tv"]))
    assert client.post(f"{CARTS}/{cart['id']}/checkout", headers=agent).status_code == 201
    (order,) = _orders(client, agent, shop)
    assert order["channel"][0]["id"] == "assisted"


def test_checkout_re_checks_the_cart(
    client: TestClient, admin: Headers, agent: Headers, auth: Auth, shop: dict[str, Any]
) -> None:
    radio = offering(client, admin, "Radio", [price(client, admin, "Radio", "oneTime", "3.00")])
    cart = _cart(client, agent, shop, _item(radio))
    retired = client.patch(
        f"{CATALOG}/productOffering/{radio['id']}", json={"lifecycleStatus": "Retired"}, headers=admin
    )
    assert retired.status_code == 200, retired.text
    response = client.post(f"{CARTS}/{cart['id']}/checkout", headers=agent)
    assert response.status_code == 409 and response.json()["code"] == "ERR_CONFLICT"
    assert details(response) == [("cartItem[0].productOffering", "offering.lifecycle")]

    empty = _cart(client, agent, shop, _item(shop["tv"], status="saveForLater"))
    refused = client.post(f"{CARTS}/{empty['id']}/checkout", headers=agent)
    assert refused.status_code == 409 and details(refused) == [("cartItem", "cart.empty")]

    anonymous = created(client.post(CARTS, json={"cartItem": [_item(shop["tv"])]}, headers=agent))
    refused = client.post(f"{CARTS}/{anonymous['id']}/checkout", headers=agent)
    assert refused.status_code == 409 and details(refused) == [("relatedParty", "cart.customer")]

    fine = _cart(client, agent, shop, _item(shop["tv"]))
    bad = client.post(f"{CARTS}/{fine['id']}/checkout", json={"productOrderItem": []}, headers=agent)
    assert bad.status_code == 400 and details(bad) == [("productOrderItem", "unknownAttribute")]
    assert client.post(f"{CARTS}/{fine['id']}/checkout", content=b"[1]", headers=agent).status_code == 400

    other = auth("customer", party=individual(client, agent, "John"))
    assert client.post(f"{CARTS}/{fine['id']}/checkout", headers=other).status_code == 404
    assert client.post(f"{CARTS}/{fine['id']}/checkout", headers=auth("billing")).status_code == 403

    clock.clock.advance(timedelta(days=31))
    late = client.post(f"{CARTS}/{fine['id']}/checkout", headers=auth("agent"))
    assert late.status_code == 409 and details(late) == [("validFor", "cart.expired")]
    assert _orders(client, auth("agent"), shop) == []


def test_checkout_through_the_real_ordering_domain(
    client: TestClient, agent: Headers, auth: Auth, shop: dict[str, Any], db: Database
) -> None:
    jane = auth("customer", party=shop["party"])
    cart = _cart(client, jane, shop, _item(shop["duo"]), _item(shop["tv"], quantity=2))
    # ordering decides at once: without a billing account the order is rejected, and the cart stays open
    response = client.post(f"{CARTS}/{cart['id']}/checkout", json={"description": "my order"}, headers=jane)
    assert response.status_code == 201, response.text
    rejected = response.json()
    assert rejected["state"] == "rejected" and rejected["description"] == "my order"
    assert {e["code"] for e in rejected["errorMessage"]} == {"billingAccount.required"}
    assert response.headers["Location"] == rejected["href"]
    with db.session() as session:
        row = session.get(ShoppingCartRow, cart["id"])
        assert row is not None and row.order_id is None
    still_open = client.get(f"{CARTS}/{cart['id']}", headers=jane).json()
    assert still_open["validFor"]["endDateTime"] > clock.isoformat(clock.now())  # not ended: it may still change
    # fixed and checked out again: the order is issued and the cart closed
    account = {"billingAccount": {"id": shop["account"]["id"]}}
    response = client.post(f"{CARTS}/{cart['id']}/checkout", json=account, headers=jane)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["state"] == "inProgress" and order["id"] != rejected["id"]
    assert [i["id"] for i in order["productOrderItem"]] == ["1", "4"]
    assert [i["id"] for i in order["productOrderItem"][0]["productOrderItem"]] == ["2", "3"]
    assert set(rules.item_states(order.get("productOrderItem")).values()) == {"inProgress"}
    stored = client.get(order["href"].replace("http://testserver", ""), headers=jane)
    assert stored.status_code == 200 and stored.json() == order
    with db.session() as session:
        row = session.get(ShoppingCartRow, cart["id"])
        assert row is not None and row.order_id == order["id"]
    assert client.post(f"{CARTS}/{cart['id']}/checkout", headers=jane).status_code == 409


def test_checkout_with_validation_at_capture_off_answers_acknowledged(
    client: TestClient, admin: Headers, agent: Headers, shop: dict[str, Any], db: Database
) -> None:
    changed = client.patch("/admin/ordering/policy", json={"validateAtCapture": False}, headers=admin)
    assert changed.status_code == 200, changed.text
    cart = _cart(client, agent, shop, _item(shop["tv"]))
    response = client.post(f"{CARTS}/{cart['id']}/checkout", headers=agent)  # no billing account: not yet known
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "acknowledged"
    with db.session() as session:
        row = session.get(ShoppingCartRow, cart["id"])
        assert row is not None and row.order_id == response.json()["id"]
