"""TMF663 carts: checked and priced by the catalog on every write, never by the client; customers own theirs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cart_helpers import CARTS, CUSTOMERS, PRODUCTS, Headers, created, customer, details, individual, small_catalog
from fastapi.testclient import TestClient

from openbss.core import clock

Auth = Callable[..., Headers]


@pytest.fixture
def shop(client: TestClient, admin: Headers, agent: Headers) -> dict[str, Any]:
    catalog = small_catalog(client, admin)
    party = individual(client, agent)
    jane = customer(client, agent, party)
    return {**catalog, "party": party, "jane": jane}


def jane_ref(shop: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": shop["jane"]["id"], "@referredType": "Customer", "role": "customer"}]


def item(offering: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"productOffering": {"id": offering["id"], "name": offering["name"]}, **extra}


def amounts(prices: list[dict[str, Any]]) -> dict[str, str]:
    return {p["priceType"]: str(p["price"]["taxIncludedAmount"]["value"]) for p in prices}


def test_prices_come_from_the_catalog_not_the_client(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    forged = {"priceType": "recurring", "price": {"taxIncludedAmount": {"unit": "EUR", "value": 0.01}}}
    body = {
        "relatedParty": jane_ref(shop),
        "cartItem": [item(shop["fibre"], quantity=2, itemPrice=[forged], ItemTotalPrice=[forged])],
        "cartTotalPrice": [forged],
    }
    cart = created(client.post(CARTS, json=body, headers=agent))
    line = cart["cartItem"][0]
    assert (line["id"], line["action"], line["status"]) == ("1", "add", "active")
    assert amounts(line["itemPrice"]) == {"recurring": "59.8", "oneTime": "98.0"}
    assert amounts(cart["cartTotalPrice"]) == {"recurring": "59.8", "oneTime": "98.0"}
    raw = client.get(f"{CARTS}/{cart['id']}", headers=agent).text
    assert '"value":59.80' in raw and '"value":98.00' in raw and "0.01" not in raw
    assert line["itemPrice"][0]["productOfferingPrice"]["href"].startswith("http://testserver/tmf-api/productCatalog")


def test_bundle_items_get_their_parts_and_totals_add_up(
    client: TestClient, agent: Headers, shop: dict[str, Any]
) -> None:
    cart = created(
        client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [item(shop["duo"])]}, headers=agent)
    )
    duo = cart["cartItem"][0]
    assert [c["productOffering"]["id"] for c in duo["cartItem"]] == [shop["fibre"]["id"], shop["tv"]["id"]]
    assert [c["id"] for c in duo["cartItem"]] == ["2", "3"]
    assert amounts(duo["itemPrice"]) == {"recurring": "5.0"}
    assert amounts(duo["ItemTotalPrice"]) == {"recurring": "44.9", "oneTime": "49.0"}
    assert amounts(cart["cartTotalPrice"]) == {"recurring": "44.9", "oneTime": "49.0"}
    wrong_part = item(shop["duo"], cartItem=[item(shop["business"])])
    refused = client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [wrong_part]}, headers=agent)
    assert refused.status_code == 400
    assert ("cartItem[0].cartItem[0].productOffering.id", "bundle.member") in details(refused)


def test_items_are_checked_against_the_catalog(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    def refused(*items: dict[str, Any]) -> list[tuple[str, str]]:
        response = client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": list(items)}, headers=agent)
        assert response.status_code == 400, response.text
        return details(response)

    assert refused(item(shop["draft"])) == [("cartItem[0].productOffering", "offering.lifecycle")]
    assert refused({"productOffering": {"id": "nope"}}) == [("cartItem[0].productOffering.id", "reference.exists")]
    assert refused(item(shop["business"])) == [("cartItem[0].productOffering", "offering.eligibility")]
    speed = {"productCharacteristic": [{"name": "speed", "valueType": "string", "value": "2G"}]}
    assert refused(item(shop["fibre"], product=speed))[0][0].startswith("cartItem[0].product.productCharacteristic")
    assert refused(item(shop["tv"], quantity=0)) == [("cartItem[0].quantity", "quantity.range")]
    assert refused({"quantity": 1}) == [("cartItem[0].productOffering", "required")]
    assert refused(item(shop["tv"], id="a"), item(shop["tv"], id="a")) == [("cartItem[1].id", "cartItem.id.duplicate")]
    assert refused({"action": "modify", "productOffering": {"id": shop["tv"]["id"]}}) == [
        ("cartItem[0].product.id", "required")
    ]
    assert client.get(CARTS, headers=agent).json() == []


def test_market_segment_follows_the_customer_category(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    consumer = client.post(
        CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [item(shop["business"])]}, headers=agent
    )
    assert consumer.status_code == 400 and details(consumer) == [
        ("cartItem[0].productOffering", "offering.eligibility")
    ]
    company = customer(
        client,
        agent,
        individual(client, agent, "Acme"),
        characteristic=[{"name": "customerCategory", "value": "business"}],
    )
    ref = [{"id": company["id"], "@referredType": "Customer", "role": "customer"}]
    assert (
        client.post(CARTS, json={"relatedParty": ref, "cartItem": [item(shop["business"])]}, headers=agent).status_code
        == 201
    )


def test_saved_for_later_items_stay_out_of_the_total(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    body = {"relatedParty": jane_ref(shop), "cartItem": [item(shop["tv"]), item(shop["fibre"], status="saveForLater")]}
    cart = created(client.post(CARTS, json=body, headers=agent))
    assert amounts(cart["cartTotalPrice"]) == {"recurring": "10.0"}
    assert amounts(cart["cartItem"][1]["itemPrice"]) == {"recurring": "29.9", "oneTime": "49.0"}


def test_patch_reprices_and_totals_are_read_only(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    cart = created(
        client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [item(shop["tv"])]}, headers=agent)
    )
    url = f"{CARTS}/{cart['id']}"
    more = client.patch(
        url, json={"cartItem": [{**cart["cartItem"][0], "quantity": 3}, item(shop["fibre"])]}, headers=agent
    )
    assert more.status_code == 200, more.text
    assert amounts(more.json()["cartTotalPrice"]) == {"recurring": "59.9", "oneTime": "49.0"}
    assert [i["id"] for i in more.json()["cartItem"]] == ["1", "2"]
    forged = client.patch(url, json={"cartTotalPrice": []}, headers=agent)
    assert forged.status_code == 400 and details(forged) == [("cartTotalPrice", "readOnly")]
    longer = client.patch(url, json={"validFor": {"endDateTime": "2099-01-01T00:00:00Z"}}, headers=agent)
    assert longer.status_code == 400 and details(longer) == [("validFor", "readOnly")]


def test_a_cart_expires_after_its_last_change(
    client: TestClient, agent: Headers, auth: Auth, shop: dict[str, Any]
) -> None:
    cart = created(client.post(CARTS, json={"relatedParty": jane_ref(shop)}, headers=agent))
    clock.clock.advance(timedelta(days=20))
    touched = client.patch(f"{CARTS}/{cart['id']}", json={"cartItem": [item(shop["tv"])]}, headers=agent).json()
    assert touched["validFor"]["startDateTime"] == cart["validFor"]["startDateTime"]
    assert touched["validFor"]["endDateTime"] > cart["validFor"]["endDateTime"]
    clock.clock.advance(timedelta(days=31))
    late = client.patch(f"{CARTS}/{cart['id']}", json={"cartItem": []}, headers=auth("agent"))  # a fresh token
    assert late.status_code == 409 and details(late) == [("validFor", "cart.expired")]


def test_customers_own_their_carts(client: TestClient, agent: Headers, auth: Auth, shop: dict[str, Any]) -> None:
    jane = auth("customer", party=shop["party"])
    mine = created(client.post(CARTS, json={"cartItem": [item(shop["tv"])]}, headers=jane))
    assert mine["relatedParty"][0]["id"] == shop["jane"]["id"]
    john_party = individual(client, agent, "John")
    john = customer(client, agent, john_party)
    john_ref = [{"id": john["id"], "@referredType": "Customer", "role": "customer"}]
    theirs = created(client.post(CARTS, json={"relatedParty": john_ref}, headers=agent))
    assert [c["id"] for c in client.get(CARTS, headers=jane).json()] == [mine["id"]]
    assert client.get(f"{CARTS}/{theirs['id']}", headers=jane).status_code == 404
    assert client.patch(f"{CARTS}/{theirs['id']}", json={"cartItem": []}, headers=jane).status_code == 404
    assert client.post(CARTS, json={"relatedParty": john_ref}, headers=jane).status_code == 403
    handed = client.patch(f"{CARTS}/{mine['id']}", json={"relatedParty": john_ref}, headers=jane)
    assert handed.status_code == 403
    assert client.delete(f"{CARTS}/{theirs['id']}", headers=jane).status_code == 404
    assert client.delete(f"{CARTS}/{mine['id']}", headers=jane).status_code == 204
    billing = auth("billing")
    assert client.get(f"{CARTS}/{theirs['id']}", headers=billing).status_code == 200
    assert client.post(CARTS, json={}, headers=billing).status_code == 403


def test_modify_items_name_a_product_of_the_cart_customer(
    client: TestClient, agent: Headers, admin: Headers, shop: dict[str, Any]
) -> None:
    other = customer(client, agent, individual(client, agent, "John"))

    def product(customer_id: str) -> str:
        body = {
            "status": "active",
            "relatedParty": [{"id": customer_id, "@referredType": "Customer", "role": "customer"}],
        }
        return str(created(client.post(PRODUCTS, json=body, headers=admin))["id"])

    own, foreign = product(shop["jane"]["id"]), product(other["id"])
    change = {"action": "modify", "product": {"id": own}, "productOffering": {"id": shop["tv"]["id"]}}
    cart = created(client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [change]}, headers=agent))
    assert amounts(cart["cartItem"][0]["itemPrice"]) == {"recurring": "10.0"}
    gone = created(
        client.post(
            CARTS,
            json={"relatedParty": jane_ref(shop), "cartItem": [{"action": "delete", "product": {"id": own}}]},
            headers=agent,
        )
    )
    assert "itemPrice" not in gone["cartItem"][0] and gone["cartTotalPrice"] == []
    refused = client.post(
        CARTS,
        json={"relatedParty": jane_ref(shop), "cartItem": [{"action": "delete", "product": {"id": foreign}}]},
        headers=agent,
    )
    assert refused.status_code == 400 and details(refused) == [("cartItem[0].product.id", "product.owner")]


def test_unknown_customer_and_ended_customer(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    unknown = client.post(CARTS, json={"relatedParty": [{"id": "nobody", "@referredType": "Customer"}]}, headers=agent)
    assert unknown.status_code == 400 and details(unknown) == [("relatedParty[0].id", "reference.exists")]
    assert client.post(f"{CUSTOMERS}/{shop['jane']['id']}/terminate", json={}, headers=agent).status_code == 200
    ended = client.post(CARTS, json={"relatedParty": jane_ref(shop)}, headers=agent)
    assert ended.status_code == 409 and details(ended) == [("relatedParty[0]", "owner.status")]


def test_filters(client: TestClient, agent: Headers, shop: dict[str, Any]) -> None:
    cart = created(
        client.post(CARTS, json={"relatedParty": jane_ref(shop), "cartItem": [item(shop["tv"])]}, headers=agent)
    )
    created(client.post(CARTS, json={}, headers=agent))
    assert [c["id"] for c in client.get(CARTS, params={"href": cart["href"]}, headers=agent).json()] == [cart["id"]]
    found = client.get(CARTS, params={"cartItem.productOffering.id": shop["tv"]["id"]}, headers=agent).json()
    assert [c["id"] for c in found] == [cart["id"]]
    assert len(client.get(CARTS, params={"relatedParty.id": shop["jane"]["id"]}, headers=agent).json()) == 1
