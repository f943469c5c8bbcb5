"""Helpers of the account tests: parties, customers and accounts created through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

ACCOUNTS = "/tmf-api/accountManagement/v4"
PARTY = "/tmf-api/party/v4"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
Headers = dict[str, str]


def individual(client: TestClient, headers: Headers, given: str = "Jane", family: str = "Doe") -> str:
    response = client.post(f"{PARTY}/individual", json={"givenName": given, "familyName": family}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def organization(client: TestClient, headers: Headers, name: str = "Acme Ltd") -> str:
    response = client.post(f"{PARTY}/organization", json={"name": name, "tradingName": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def customer(client: TestClient, headers: Headers, party_id: str, name: str = "Jane Doe") -> dict[str, Any]:
    response = client.post(
        CUSTOMERS, json={"name": name, "engagedParty": {"id": party_id, "@referredType": "Individual"}}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def party_ref(party_id: str, referred: str = "Individual", role: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"id": party_id, "@referredType": referred, "name": "someone"}
    if role:
        ref["role"] = role
    return ref


def billing_account(
    client: TestClient, headers: Headers, party_id: str, referred: str = "Individual", **extra: Any
) -> Any:
    body = {"name": "Home account", "relatedParty": [party_ref(party_id, referred)], **extra}
    return client.post(f"{ACCOUNTS}/billingAccount", json=body, headers=headers)


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def problem_fields(response: Any) -> list[str]:
    return [d["field"] for d in response.json().get("details", [])]
