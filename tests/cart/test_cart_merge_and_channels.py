"""Carts follow a customer merge; the sales channel of whoever changes the cart decides what may be sold."""

from __future__ import annotations

from collections.abc import Callable

from cart_helpers import CARTS, CUSTOMERS, Headers, created, customer, details, individual, offering, price
from fastapi.testclient import TestClient

from openbss.cart.service import move_carts_on_merge
from openbss.customers.service import MERGE_HANDLERS

Auth = Callable[..., Headers]


def test_merge_moves_open_carts(client: TestClient, agent: Headers, auth: Auth) -> None:
    assert move_carts_on_merge in MERGE_HANDLERS
    survivor_party, loser_party = individual(client, agent, "Jane"), individual(client, agent, "J")
    survivor, loser = customer(client, agent, survivor_party), customer(client, agent, loser_party)
    ref = [{"id": loser["id"], "@referredType": "Customer", "role": "customer"}]
    cart = created(client.post(CARTS, json={"relatedParty": ref}, headers=agent))
    merged = client.post(f"{CUSTOMERS}/{loser['id']}/merge", json={"mergeInto": survivor["id"]}, headers=agent)
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"]["move_carts_on_merge"] == 1
    moved = client.get(f"{CARTS}/{cart['id']}", headers=auth("customer", party=survivor_party))
    assert moved.status_code == 200 and moved.json()["relatedParty"][0]["id"] == survivor["id"]
    assert client.get(CARTS, headers=auth("customer", party=loser_party)).json() == []


def test_channel_restricted_offering(client: TestClient, admin: Headers, agent: Headers, auth: Auth) -> None:
    shop_only = offering(
        client,
        admin,
        "In-store deal",
        [price(client, admin, "deal", "oneTime", "1.00")],
        channel=[{"id": "assisted", "name": "shop"}],
    )
    party = individual(client, agent)
    jane = customer(client, agent, party)
    body = {
        "relatedParty": [{"id": jane["id"], "@referredType": "Customer"}],
        "cartItem": [{"productOffering": {"id": shop_only["id"]}}],
    }
    assert client.post(CARTS, json=body, headers=agent).status_code == 201
    online = client.post(CARTS, json=body, headers=auth("customer", party=party))
    assert online.status_code == 400 and details(online) == [("cartItem[0].productOffering", "offering.channel")]
