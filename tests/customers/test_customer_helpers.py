"""Shared helpers of the customer API tests (no tests here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from openbss.core.db import Database
from openbss.events.models import OutboxEvent

PARTY = "/tmf-api/party/v4"
CM = "/tmf-api/customerManagement/v4"
CUSTOMERS = f"{CM}/customer"
ACCOUNTS = "/tmf-api/accountManagement/v4"

Headers = dict[str, str]
Auth = Callable[..., Headers]


def email(address: str, **extra: Any) -> dict[str, Any]:
    return {"mediumType": "email", "characteristic": {"emailAddress": address}, **extra}


def phone(number: str, **extra: Any) -> dict[str, Any]:
    return {"mediumType": "phone", "characteristic": {"phoneNumber": number}, **extra}


def postal(street: str, city: str, country: str = "GB", **extra: Any) -> dict[str, Any]:
    return {
        "mediumType": "postalAddress",
        "characteristic": {"street1": street, "city": city, "postCode": "SW1A 1AA", "country": country},
        **extra,
    }


def passport(number: str = "X1234567") -> dict[str, Any]:
    return {"identificationType": "passport", "identificationId": number}


def individual(
    client: TestClient, headers: Headers, given: str = "Jane", family: str = "Doe", **fields: Any
) -> dict[str, Any]:
    body = {"givenName": given, "familyName": family, **fields}
    response = client.post(f"{PARTY}/individual", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def organization(client: TestClient, headers: Headers, name: str = "Acme Ltd", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "tradingName": name, **fields}
    response = client.post(f"{PARTY}/organization", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def customer(
    client: TestClient, headers: Headers, party: dict[str, Any], name: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = {
        "name": name or party.get("givenName") or party.get("name") or "Customer",
        "engagedParty": {"id": party["id"], "@referredType": party["@type"]},
        **fields,
    }
    response = client.post(CUSTOMERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def characteristic(doc: dict[str, Any], name: str) -> Any:
    for item in doc.get("characteristic") or []:
        if item.get("name") == name:
            return item.get("value")
    return None


def number_of(doc: dict[str, Any]) -> str:
    value = characteristic(doc, "customerNumber")
    assert isinstance(value, str)
    return value


def events(db: Database, resource_id: str, event_type: str | None = None) -> list[OutboxEvent]:
    with db.session() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == resource_id).order_by(OutboxEvent.seq)
        if event_type:
            stmt = stmt.where(OutboxEvent.event_type == event_type)
        return list(session.execute(stmt).scalars())


def error_fields(response: Any) -> list[str]:
    return [d["field"] for d in response.json().get("details", [])]
