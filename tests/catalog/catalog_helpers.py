"""Helpers of the catalog tests: catalog entries created through the API, and a service context."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from openbss.core import jsoncodec
from openbss.core.db import Database
from openbss.core.security import ANONYMOUS_ADMIN
from openbss.core.settings import get_settings
from openbss.events.models import OutboxEvent
from openbss.tmf.context import Context

BASE = "/tmf-api/productCatalogManagement/v4"
Headers = dict[str, str]
Doc = dict[str, Any]


def send(client: TestClient, method: str, url: str, headers: Headers, body: Any) -> Any:
    """A request with an exact JSON body (Decimals stay numbers)."""
    return client.request(
        method, url, content=jsoncodec.dumps(body), headers={**headers, "Content-Type": "application/json"}
    )


def create(client: TestClient, headers: Headers, path: str, body: Doc) -> Any:
    return send(client, "POST", f"{BASE}/{path}", headers, body)


def post(client: TestClient, headers: Headers, path: str, body: Doc) -> Doc:
    response = create(client, headers, path, body)
    assert response.status_code == 201, response.text
    result: Doc = jsoncodec.loads(response.content)
    return result


def patch(client: TestClient, headers: Headers, path: str, resource_id: str, body: Doc) -> Any:
    return send(client, "PATCH", f"{BASE}/{path}/{resource_id}", headers, body)


def launch(client: TestClient, headers: Headers, path: str, resource_id: str) -> Doc:
    response = patch(client, headers, path, resource_id, {"lifecycleStatus": "Launched"})
    assert response.status_code == 200, response.text
    result: Doc = response.json()
    return result


def eur(value: str) -> Doc:
    return {"unit": "EUR", "value": Decimal(value)}


def monthly_price(client: TestClient, headers: Headers, value: str = "20.00", **extra: Any) -> Doc:
    body = {
        "name": f"monthly {value}",
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "price": {"unit": "EUR", "value": Decimal(value)},
        **extra,
    }
    return post(client, headers, "productOfferingPrice", body)


def specification(client: TestClient, headers: Headers, **extra: Any) -> Doc:
    body = {
        "name": "Fibre",
        "productSpecCharacteristic": [
            {
                "name": "speed",
                "valueType": "integer",
                "minCardinality": 1,
                "productSpecCharacteristicValue": [{"value": 100}, {"value": 500}],
            }
        ],
        **extra,
    }
    return post(client, headers, "productSpecification", body)


def ref(doc: Doc) -> Doc:
    return {"id": doc["id"], "name": doc.get("name")}


def problems(response: Any) -> list[tuple[str, str]]:
    return [(d["field"], d["rule"]) for d in response.json().get("details", [])]


def context(db: Database, session: Any) -> Context:
    return Context(session=session, principal=ANONYMOUS_ADMIN, settings=get_settings())


def event_types(db: Database, resource_id: str) -> list[str]:
    with db.session() as session:
        return list(
            session.execute(
                select(OutboxEvent.event_type).where(OutboxEvent.resource_id == resource_id).order_by(OutboxEvent.seq)
            ).scalars()
        )
