"""Helpers of the inventory tests: parties, customers, accounts (through the API) and products."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openbss.core.db import Database
from openbss.core.processes import ProcessRun
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.events.models import OutboxEvent
from openbss.inventory.models import ProductHistory, ProductRow
from openbss.tmf.context import Context

PARTY = "/tmf-api/party/v4"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
ACCOUNTS = "/tmf-api/accountManagement/v4"
PRODUCTS = "/tmf-api/productInventory/v4/product"
CATALOG = "/tmf-api/productCatalogManagement/v4"
Headers = dict[str, str]
AGENT = Principal(subject="test-agent", role="agent")


def individual(client: TestClient, headers: Headers, given: str = "Jane", family: str = "Doe") -> str:
    response = client.post(f"{PARTY}/individual", json={"givenName": given, "familyName": family}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def customer(client: TestClient, headers: Headers, party_id: str, name: str = "Jane Doe") -> dict[str, Any]:
    body = {"name": name, "status": "approved", "engagedParty": {"id": party_id, "@referredType": "Individual"}}
    response = client.post(CUSTOMERS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def billing_account(client: TestClient, headers: Headers, customer_id: str) -> dict[str, Any]:
    body = {"name": "Home", "relatedParty": [{"id": customer_id, "@referredType": "Customer", "role": "owner"}]}
    response = client.post(f"{ACCOUNTS}/billingAccount", json=body, headers=headers)
    assert response.status_code == 201, response.text
    out: dict[str, Any] = response.json()
    return out


def offering(client: TestClient, headers: Headers, name: str = "Fibre 500") -> str:
    """A product offering in the catalog (in design: enough to be referred to)."""
    response = client.post(CATALOG + "/productOffering", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def owner(customer_id: str) -> list[dict[str, Any]]:
    return [{"id": customer_id, "@referredType": "Customer", "role": "customer", "name": "Jane Doe"}]


def product_doc(customer_id: str, account_id: str | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "Fibre 500",
        "status": "active",
        "relatedParty": owner(customer_id),
        "productCharacteristic": [{"name": "speed", "valueType": "string", "value": "500M"}],
        "productPrice": [
            {
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {"taxIncludedAmount": {"unit": "EUR", "value": "29.90"}},
            }
        ],
    }
    if account_id:
        doc["billingAccount"] = {"id": account_id}
    doc.update(extra)
    return doc


@contextmanager
def service_context(db: Database, principal: Principal = AGENT) -> Iterator[Context]:
    """A unit of work as a request or job would open it."""
    with db.session(write=True) as session:
        yield Context(session=session, principal=principal, settings=get_settings(), base_url="http://testserver")


def row(db: Database, product_id: str) -> ProductRow:
    with db.session() as session:
        found = session.get(ProductRow, product_id)
        assert found is not None
        return found


def history(db: Database, product_id: str) -> list[ProductHistory]:
    with db.session() as session:
        stmt = select(ProductHistory).where(ProductHistory.product_id == product_id).order_by(ProductHistory.seq)
        return list(session.execute(stmt).scalars())


def events(db: Database, product_id: str) -> list[str]:
    with db.session() as session:
        stmt = select(OutboxEvent.event_type).where(OutboxEvent.resource_id == product_id).order_by(OutboxEvent.seq)
        return list(session.execute(stmt).scalars())


def runs(db: Database, process_id: str) -> int:
    with db.session() as session:
        stmt = select(func.count()).select_from(ProcessRun).where(ProcessRun.process_id == process_id)
        return int(session.execute(stmt).scalar_one())


def order_ref(order_id: str = "o-1", item: str = "1", action: str = "add") -> dict[str, Any]:
    return {"productOrderId": order_id, "orderItemId": item, "orderItemAction": action}
