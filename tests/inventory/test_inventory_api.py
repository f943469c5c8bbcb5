"""TMF637 over REST: admin-only writes, reads for staff, customers see only their own products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inventory_helpers import (
    PRODUCTS,
    Headers,
    billing_account,
    customer,
    events,
    history,
    individual,
    offering,
    product_doc,
    row,
)

from openbss.core.db import Database

Auth = Callable[..., Headers]


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def details(response: Any) -> list[tuple[str, str]]:
    return [(d["field"], d["rule"]) for d in response.json().get("details", [])]


@pytest.fixture
def world(client: TestClient, agent: Headers, admin: Headers) -> dict[str, Any]:
    """Two customers, each with a billing account and a product."""
    jane_party, john_party = individual(client, agent, "Jane"), individual(client, agent, "John")
    jane, john = customer(client, agent, jane_party), customer(client, agent, john_party, "John Doe")
    jane_account, john_account = billing_account(client, agent, jane["id"]), billing_account(client, agent, john["id"])
    fibre, tv = offering(client, admin), offering(client, admin, "TV")
    jane_product = created(
        client.post(
            PRODUCTS, json=product_doc(jane["id"], jane_account["id"], productOffering={"id": fibre}), headers=admin
        )
    )
    john_product = created(
        client.post(
            PRODUCTS,
            json=product_doc(john["id"], john_account["id"], productOffering={"id": tv}, status="created"),
            headers=admin,
        )
    )
    return {
        "jane": jane,
        "john": john,
        "jane_party": jane_party,
        "john_party": john_party,
        "jane_account": jane_account,
        "john_account": john_account,
        "jane_product": jane_product,
        "fibre": fibre,
        "tv": tv,
        "john_product": john_product,
    }


def test_admin_creates_with_columns_owner_dates_event_and_history(
    client: TestClient, db: Database, world: dict[str, Any]
) -> None:
    product = world["jane_product"]
    assert product["status"] == "active" and product["startDate"].endswith("Z")
    assert product["productPrice"][0]["price"]["taxIncludedAmount"]["value"] == 29.90
    stored = row(db, product["id"])
    assert (stored.customer_id, stored.owner_party_id) == (world["jane"]["id"], world["jane_party"])
    assert (stored.billing_account_id, stored.offering_id) == (world["jane_account"]["id"], world["fibre"])
    assert events(db, product["id"]) == ["ProductCreateEvent"]
    assert [h.action for h in history(db, product["id"])] == ["create"]


def test_money_keeps_its_digits(client: TestClient, admin: Headers, world: dict[str, Any]) -> None:
    raw = client.get(f"{PRODUCTS}/{world['jane_product']['id']}", headers=admin).text
    assert '"value":29.90' in raw


@pytest.mark.parametrize("role", ["agent", "billing"])
def test_staff_read_everything_but_do_not_write(
    client: TestClient, auth: Auth, db: Database, world: dict[str, Any], role: str
) -> None:
    headers = auth(role)
    listed = client.get(PRODUCTS, headers=headers)
    assert listed.status_code == 200 and len(listed.json()) == 2
    product_id = world["jane_product"]["id"]
    assert client.get(f"{PRODUCTS}/{product_id}", headers=headers).status_code == 200
    assert client.post(PRODUCTS, json=product_doc(world["jane"]["id"]), headers=headers).status_code == 403
    assert client.patch(f"{PRODUCTS}/{product_id}", json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(f"{PRODUCTS}/{product_id}", headers=headers).status_code == 403
    assert row(db, product_id).doc["name"] == "Fibre 500"
    assert events(db, product_id) == ["ProductCreateEvent"]


@pytest.mark.parametrize("role", ["customer", "partner"])
def test_party_tokens_see_only_their_own(client: TestClient, auth: Auth, world: dict[str, Any], role: str) -> None:
    jane = auth(role, party=world["jane_party"])
    listed = client.get(PRODUCTS, headers=jane)
    assert [p["id"] for p in listed.json()] == [world["jane_product"]["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    assert client.get(f"{PRODUCTS}/{world['jane_product']['id']}", headers=jane).status_code == 200
    other = client.get(f"{PRODUCTS}/{world['john_product']['id']}", headers=jane)
    assert other.status_code == 404 and other.json()["code"] == "ERR_NOT_FOUND"
    assert client.get(f"{PRODUCTS}/{world['john_product']['id']}/history", headers=jane).status_code == 404
    assert client.get(f"{PRODUCTS}?status=created", headers=jane).json() == []
    assert (
        client.patch(f"{PRODUCTS}/{world['jane_product']['id']}", json={"name": "x"}, headers=jane).status_code == 403
    )
    assert client.post(PRODUCTS, json=product_doc(world["jane"]["id"]), headers=jane).status_code == 403


def test_filters_on_typed_columns_and_attributes(client: TestClient, agent: Headers, world: dict[str, Any]) -> None:
    def ids(query: str) -> list[str]:
        response = client.get(f"{PRODUCTS}?{query}", headers=agent)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    jane, john = world["jane_product"]["id"], world["john_product"]["id"]
    assert ids("status=created") == [john]
    assert ids(f"billingAccount.id={world['jane_account']['id']}") == [jane]
    assert ids(f"productOffering.id={world['tv']}") == [john]
    assert ids(f"relatedParty.id={world['jane']['id']}") == [jane]
    assert ids(f"id={jane}") == [jane]
    assert ids("sort=-name&fields=status") == [jane, john]


def test_status_change_by_patch_sets_dates_and_is_checked(
    client: TestClient, admin: Headers, db: Database, world: dict[str, Any]
) -> None:
    product_id = world["jane_product"]["id"]
    refused = client.patch(f"{PRODUCTS}/{product_id}", json={"status": "created"}, headers=admin)
    assert refused.status_code == 409 and details(refused) == [("status", "lifecycle.transition")]
    done = client.patch(f"{PRODUCTS}/{product_id}", json={"status": "terminated"}, headers=admin)
    assert done.status_code == 200 and done.json()["terminationDate"].endswith("Z")
    assert events(db, product_id) == [
        "ProductCreateEvent",
        "ProductAttributeValueChangeEvent",
        "ProductStateChangeEvent",
    ]
    frozen = client.patch(f"{PRODUCTS}/{product_id}", json={"name": "renamed"}, headers=admin)
    assert frozen.status_code == 409 and details(frozen) == [("status", "product.final")]
    assert row(db, product_id).doc["name"] == "Fibre 500"


def test_bad_documents_are_refused_with_fields(client: TestClient, admin: Headers, world: dict[str, Any]) -> None:
    jane = world["jane"]["id"]
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({"name": "x"}, [("status", "required")]),
        ({"status": "aborted", "relatedParty": [{"id": jane, "@referredType": "Customer"}]}, [("status", "enum")]),
        ({"status": "created"}, [("relatedParty", "required")]),
        (
            product_doc("nobody"),
            [("relatedParty[0].id", "reference.exists")],
        ),
        (
            product_doc(jane, world["john_account"]["id"]),
            [("billingAccount.id", "billingAccount.owner")],
        ),
        (product_doc(jane, "no-such-account"), [("billingAccount.id", "reference.exists")]),
        (product_doc(jane, productOffering={"id": "po-none"}), [("productOffering.id", "reference.exists")]),
        (
            product_doc(jane, status="terminated", startDate="2026-01-02T00:00:00Z", terminationDate="2026-01-01"),
            [("terminationDate", "terminationDate.beforeStart")],
        ),
        (product_doc(jane, status="suspended"), [("startDate", "required")]),
        (product_doc(jane, productPrice=[{"price": {}}]), [("productPrice[0].priceType", "required")]),
        (
            product_doc(jane, productRelationship=[{"relationshipType": "isBundledIn", "product": {"id": "none"}}]),
            [("productRelationship", "reference.exists")],
        ),
        (
            product_doc(jane, product=[{"id": world["john_product"]["id"]}]),
            [("product[0].id", "bundle.owner")],
        ),
        (product_doc(jane, loyalty="gold"), [("loyalty", "unknownAttribute")]),
    ]
    for body, expected in cases:
        response = client.post(PRODUCTS, json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        assert details(response) == expected, body
    assert len(client.get(PRODUCTS, headers=admin).json()) == 2


def test_unknown_product_is_404(client: TestClient, agent: Headers, world: dict[str, Any]) -> None:
    response = client.get(f"{PRODUCTS}/55a2163b-489e-4138-93e9-8becb24272f2", headers=agent)
    assert response.status_code == 404 and response.json()["@type"] == "Error"


def test_ended_customer_cannot_take_on_a_product(client: TestClient, agent: Headers, admin: Headers) -> None:
    ended = customer(client, agent, individual(client, agent))
    assert (
        client.post(
            f"/tmf-api/customerManagement/v4/customer/{ended['id']}/terminate", json={}, headers=agent
        ).status_code
        == 200
    )
    response = client.post(PRODUCTS, json=product_doc(ended["id"]), headers=admin)
    assert response.status_code == 409 and details(response) == [("relatedParty[0]", "owner.status")]
    historic = client.post(
        PRODUCTS,
        json=product_doc(
            ended["id"], status="terminated", startDate="2020-01-01T00:00:00Z", terminationDate="2021-01-01T00:00:00Z"
        ),
        headers=admin,
    )
    assert historic.status_code == 201, historic.text  # migrating history of an ended customer is fine


def test_bundle_links_both_ways_and_guards_delete(
    client: TestClient, admin: Headers, db: Database, world: dict[str, Any]
) -> None:
    jane = world["jane"]["id"]
    bundle = created(client.post(PRODUCTS, json=product_doc(jane, name="Triple play"), headers=admin))
    part = created(
        client.post(
            PRODUCTS,
            json=product_doc(
                jane,
                name="TV",
                productRelationship=[{"relationshipType": "isBundledIn", "product": {"id": bundle["id"]}}],
            ),
            headers=admin,
        )
    )
    parent = client.get(f"{PRODUCTS}/{bundle['id']}", headers=admin).json()
    assert parent["isBundle"] is True and [p["id"] for p in parent["product"]] == [part["id"]]
    assert row(db, part["id"]).parent_id == bundle["id"]
    loose = created(client.post(PRODUCTS, json=product_doc(jane, name="Phone"), headers=admin))
    patched = client.patch(
        f"{PRODUCTS}/{bundle['id']}", json={"product": [*parent["product"], {"id": loose["id"]}]}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    phone = client.get(f"{PRODUCTS}/{loose['id']}", headers=admin).json()
    assert phone["productRelationship"][0]["product"]["id"] == bundle["id"]
    assert row(db, loose["id"]).parent_id == bundle["id"]
    refused = client.delete(f"{PRODUCTS}/{bundle['id']}", headers=admin)
    assert refused.status_code == 409 and details(refused) == [("id", "product.hasParts")]
    for product_id in (part["id"], loose["id"], bundle["id"]):
        assert client.delete(f"{PRODUCTS}/{product_id}", headers=admin).status_code == 204
    assert client.get(f"{PRODUCTS}/{bundle['id']}", headers=admin).status_code == 404
    assert [h.action for h in history(db, bundle["id"])][-1] == "delete"


def test_history_endpoint(client: TestClient, admin: Headers, auth: Auth, world: dict[str, Any]) -> None:
    product_id = world["jane_product"]["id"]
    client.patch(f"{PRODUCTS}/{product_id}", json={"status": "suspended"}, headers=admin)
    entries = client.get(f"{PRODUCTS}/{product_id}/history", headers=auth("customer", party=world["jane_party"]))
    assert entries.status_code == 200
    assert [(e["action"], e["fromStatus"], e["toStatus"]) for e in entries.json()] == [
        ("create", None, "active"),
        ("status", "active", "suspended"),
    ]
    assert entries.json()[1]["actor"] == "admin:test-admin:"


def test_reference_checks_off_accepts_foreign_ids(
    client: TestClient, admin: Headers, auth: Auth, monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    from openbss.core.settings import reset_settings

    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "off")
    reset_settings()
    body = product_doc(
        "ext-42", "ext-ba", relatedParty=[{"id": "6838", "@referredType": "Individual", "role": "owner"}]
    )
    product = created(client.post(PRODUCTS, json=body, headers=admin))
    assert row(db, product["id"]).owner_party_id == "6838"
    assert len(client.get(PRODUCTS, headers=auth("customer", party="6838")).json()) == 1


def test_filter_by_href(client: TestClient, agent: Headers, world: dict[str, Any]) -> None:
    product = world["jane_product"]
    found = client.get(PRODUCTS, params={"href": product["href"]}, headers=agent)
    assert [p["id"] for p in found.json()] == [product["id"]]
    others = client.get(PRODUCTS, params={"href.ne": product["href"]}, headers=agent)
    assert [p["id"] for p in others.json()] == [world["john_product"]["id"]]
