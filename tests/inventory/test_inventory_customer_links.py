"""Customer merges move products; the customer 360 view shows them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from inventory_helpers import (
    CUSTOMERS,
    PRODUCTS,
    Headers,
    customer,
    history,
    individual,
    product_doc,
    row,
)

from openbss.core.db import Database
from openbss.customers.service import MERGE_HANDLERS
from openbss.customers.view import VIEW_SECTIONS
from openbss.inventory.customer_links import move_products_on_merge, products_section


def test_registered() -> None:
    assert move_products_on_merge in MERGE_HANDLERS
    assert VIEW_SECTIONS["products"] is products_section


def test_merge_moves_products_to_the_survivor(
    client: TestClient, agent: Headers, admin: Headers, db: Database, auth: Callable[..., Headers]
) -> None:
    survivor_party, loser_party = individual(client, agent, "Jane"), individual(client, agent, "J")
    survivor, loser = customer(client, agent, survivor_party), customer(client, agent, loser_party, "J Doe")
    by_customer = client.post(PRODUCTS, json=product_doc(loser["id"]), headers=admin).json()
    by_party = client.post(
        PRODUCTS,
        json=product_doc(
            loser["id"], relatedParty=[{"id": loser_party, "@referredType": "Individual", "role": "owner"}]
        ),
        headers=admin,
    ).json()
    ended = client.post(
        PRODUCTS,
        json=product_doc(
            loser["id"], status="terminated", startDate="2024-01-01T00:00:00Z", terminationDate="2025-01-01T00:00:00Z"
        ),
        headers=admin,
    ).json()
    untouched = client.post(PRODUCTS, json=product_doc(survivor["id"]), headers=admin).json()

    response = client.post(f"{CUSTOMERS}/{loser['id']}/merge", json={"mergeInto": survivor["id"]}, headers=agent)
    assert response.status_code == 200, response.text
    assert response.json()["moved"]["move_products_on_merge"] == 3

    moved = row(db, by_customer["id"])
    assert (moved.customer_id, moved.owner_party_id) == (survivor["id"], survivor_party)
    assert moved.doc["relatedParty"][0]["@referredType"] == "Customer"
    assert row(db, by_party["id"]).owner_party_id == survivor_party
    assert row(db, ended["id"]).customer_id == survivor["id"]  # history follows the customer, even ended products
    assert history(db, by_customer["id"])[-1].action == "merge"
    assert "merged into" in str(history(db, by_customer["id"])[-1].reason)
    assert [h.action for h in history(db, untouched["id"])] == ["create"]
    seen = client.get(PRODUCTS, headers=auth("customer", party=survivor_party)).json()
    assert {p["id"] for p in seen} == {by_customer["id"], by_party["id"], ended["id"], untouched["id"]}
    assert client.get(PRODUCTS, headers=auth("customer", party=loser_party)).json() == []


def test_customer_view_has_products(
    client: TestClient, agent: Headers, admin: Headers, auth: Callable[..., Headers]
) -> None:
    party = individual(client, agent)
    jane = customer(client, agent, party)
    other = customer(client, agent, individual(client, agent, "John"), "John Doe")
    product = client.post(PRODUCTS, json=product_doc(jane["id"]), headers=admin).json()
    client.post(PRODUCTS, json=product_doc(other["id"]), headers=admin)
    for headers in (agent, auth("customer", party=party)):
        view = client.get(f"/customer360/{jane['id']}", headers=headers)
        assert view.status_code == 200, view.text
        products = view.json()["products"]
        assert [p["id"] for p in products] == [product["id"]]
        assert products[0]["status"] == "active" and products[0]["productPrice"][0]["priceType"] == "recurring"
