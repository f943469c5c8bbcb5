"""Unified customer view (1.3.6.5) and the basics of the TMF629 resource."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_customer_helpers import (
    ACCOUNTS,
    CUSTOMERS,
    Auth,
    Headers,
    customer,
    email,
    individual,
    number_of,
    organization,
    passport,
    phone,
    postal,
)

from openbss.customers import view
from openbss.customers.models import CustomerRow
from openbss.tmf.context import Context


def billing_account(
    client: TestClient, headers: Headers, name: str, party_id: str, referred: str = "Individual"
) -> dict[str, Any]:
    response = client.post(
        f"{ACCOUNTS}/billingAccount",
        headers=headers,
        json={"name": name, "relatedParty": [{"id": party_id, "role": "owner", "@referredType": referred}]},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_view_gathers_customer_party_contacts_accounts_and_more(client: TestClient, agent: Headers) -> None:
    party = individual(
        client,
        agent,
        birthDate="1980-02-01",
        individualIdentification=[passport()],
        contactMedium=[email("jane@example.org"), postal("1 High St", "London")],
    )
    jane = customer(client, agent, party, contactMedium=[email("JANE@example.org"), phone("+447911123456")])
    twin = customer(client, agent, individual(client, agent, "J", "Twin"), contactMedium=[phone("07911 123456")])
    account = billing_account(client, agent, "Jane main", party["id"])
    billing_account(client, agent, "Someone else", twin["engagedParty"]["id"])
    assert client.post(f"{CUSTOMERS}/{jane['id']}/verify", headers=agent).status_code == 200

    response = client.get(f"/customer360/{jane['id']}", headers=agent)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@type"] == "CustomerView"
    assert body["customerNumber"] == number_of(jane)
    assert body["customer"]["id"] == jane["id"]
    assert body["customer"]["status"] == "approved"
    assert body["party"]["id"] == party["id"]
    assert body["party"]["href"].endswith(f"/tmf-api/party/v4/individual/{party['id']}")
    media = {(m["mediumType"], tuple(m["source"])) for m in body["contactMedium"]}
    assert media == {("email", ("customer", "party")), ("phone", ("customer",)), ("postalAddress", ("party",))}
    assert [a["id"] for a in body["accounts"]] == [account["id"]]
    assert [c["customer"]["id"] for c in body["duplicateCandidates"]] == [twin["id"]]
    assert body["lastVerification"]["passed"] is True


def test_view_lists_accounts_naming_the_customer_itself(
    client: TestClient, agent: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = organization(client, agent, "Acme Ltd")
    acme = customer(client, agent, org)
    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "off")
    from openbss.core.settings import reset_settings

    reset_settings()
    account = billing_account(client, agent, "Acme billing", acme["id"], referred="Customer")
    body = client.get(f"/customer360/{acme['id']}", headers=agent).json()
    assert [a["id"] for a in body["accounts"]] == [account["id"]]
    assert body["party"]["@type"] == "Organization"


def test_customer_token_sees_only_its_own_view(client: TestClient, agent: Headers, auth: Auth) -> None:
    mine = individual(client, agent)
    own = customer(client, agent, mine)
    other = customer(client, agent, individual(client, agent, "Otto", "Other"))
    token = auth("customer", party=mine["id"])
    seen = client.get(f"/customer360/{own['id']}", headers=token)
    assert seen.status_code == 200
    assert "duplicateCandidates" not in seen.json()
    hidden = client.get(f"/customer360/{other['id']}", headers=token)
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "ERR_NOT_FOUND"
    assert client.get(f"/customer360/{own['id']}").status_code == 401
    assert client.get("/customer360/no-such-id", headers=agent).status_code == 404


def test_registered_sections_appear(client: TestClient, agent: Headers, monkeypatch: pytest.MonkeyPatch) -> None:
    created = customer(client, agent, individual(client, agent))

    def products(ctx: Context, row: CustomerRow) -> list[str]:
        return [f"product of {row.customer_number}"]

    monkeypatch.setattr(view, "VIEW_SECTIONS", dict(view.VIEW_SECTIONS))
    view.register_view_section("products", products)
    body = client.get(f"/customer360/{created['id']}", headers=agent).json()
    assert body["products"] == [f"product of {number_of(created)}"]
    with pytest.raises(ValueError, match="fixed part"):
        view.register_view_section("party", products)


def test_engaged_party_must_exist(client: TestClient, agent: Headers) -> None:
    response = client.post(
        CUSTOMERS,
        headers=agent,
        json={"name": "Ghost", "engagedParty": {"id": "no-such-party", "@referredType": "Individual"}},
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "engagedParty.id"
    created = customer(client, agent, individual(client, agent))
    patched = client.patch(
        f"{CUSTOMERS}/{created['id']}",
        headers=agent,
        json={"engagedParty": {"id": "no-such-party", "@referredType": "Individual"}},
    )
    assert patched.status_code == 400
    assert patched.json()["details"][0]["field"] == "engagedParty.id"
    missing = client.post(CUSTOMERS, headers=agent, json={"name": "No party"})
    assert missing.status_code == 400
    assert missing.json()["details"][0]["field"] == "engagedParty"


def test_customers_cannot_be_deleted(client: TestClient, agent: Headers, admin: Headers) -> None:
    created = customer(client, agent, individual(client, agent))
    assert client.delete(f"{CUSTOMERS}/{created['id']}", headers=admin).status_code == 405
