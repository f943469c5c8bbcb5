"""Builders for the ordering tests: a customer with a billing account and a small catalog,
all made through the public APIs, and helpers to run the job worker and place orders."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from openbss.core.db import Database
from openbss.core.settings import get_settings
from openbss.jobs.runner import Worker

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCELS = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
CATALOG = "/tmf-api/productCatalogManagement/v4"
PARTY = "/tmf-api/party/v4"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
ACCOUNTS = "/tmf-api/accountManagement/v4/billingAccount"
INVENTORY = "/tmf-api/productInventory/v4/product"

Doc = dict[str, Any]


def created(response: Any) -> Doc:
    assert response.status_code == 201, response.text
    body: Doc = response.json()
    return body


@dataclass
class Shop:
    """A customer who can order, and offerings to sell, on the test database."""

    client: TestClient
    headers: dict[str, str]
    db: Database
    customer: Doc = field(default_factory=dict)
    party: Doc = field(default_factory=dict)
    account: Doc = field(default_factory=dict)
    offerings: dict[str, Doc] = field(default_factory=dict)

    # --- parties and accounts ---------------------------------------------------------------------

    def make_customer(self, *, status: str = "approved", name: str = "Ada Lovelace") -> Doc:
        given, family = name.split(" ", 1)
        party = created(
            self.client.post(
                f"{PARTY}/individual", headers=self.headers, json={"givenName": given, "familyName": family}
            )
        )
        customer = created(
            self.client.post(
                CUSTOMERS,
                headers=self.headers,
                json={
                    "name": name,
                    "status": status,
                    "engagedParty": {"id": party["id"], "@referredType": "Individual"},
                },
            )
        )
        return {"party": party, "customer": customer}

    def make_account(self, customer: Doc, *, state: str = "active") -> Doc:
        return created(
            self.client.post(
                ACCOUNTS,
                headers=self.headers,
                json={
                    "name": "main",
                    "state": state,
                    "relatedParty": [
                        {"id": customer["id"], "@referredType": "Customer", "role": "owner", "name": customer["name"]}
                    ],
                    "creditLimit": {"unit": "EUR", "value": "500.00"},
                },
            )
        )

    def setup_customer(self) -> None:
        made = self.make_customer()
        self.customer, self.party = made["customer"], made["party"]
        self.account = self.make_account(self.customer)

    # --- catalog ----------------------------------------------------------------------------------

    def make_offering(
        self,
        name: str,
        *,
        one_time: str | None = "50.00",
        monthly: str | None = "30.00",
        services: tuple[str, ...] = ("cfs-access",),
        characteristics: bool = True,
        channels: tuple[str, ...] = (),
        status: str = "Launched",
    ) -> Doc:
        spec_chars = (
            [
                {
                    "name": "speed",
                    "valueType": "string",
                    "productSpecCharacteristicValue": [{"value": "100M", "isDefault": True}, {"value": "1G"}],
                },
                {"name": "simulatorOutcome", "valueType": "string", "minCardinality": 0},
            ]
            if characteristics
            else []
        )
        spec = created(
            self.client.post(
                f"{CATALOG}/productSpecification",
                headers=self.headers,
                json={
                    "name": f"{name} spec",
                    "lifecycleStatus": "Launched",
                    "productSpecCharacteristic": spec_chars,
                    "serviceSpecification": [{"id": s, "name": s} for s in services],
                },
            )
        )
        prices = []
        if one_time is not None:
            prices.append(
                created(
                    self.client.post(
                        f"{CATALOG}/productOfferingPrice",
                        headers=self.headers,
                        json={
                            "name": f"{name} installation",
                            "priceType": "oneTime",
                            "price": {"unit": "EUR", "value": one_time},
                            "lifecycleStatus": "Launched",
                        },
                    )
                )
            )
        if monthly is not None:
            prices.append(
                created(
                    self.client.post(
                        f"{CATALOG}/productOfferingPrice",
                        headers=self.headers,
                        json={
                            "name": f"{name} monthly",
                            "priceType": "recurring",
                            "recurringChargePeriodType": "month",
                            "price": {"unit": "EUR", "value": monthly},
                            "lifecycleStatus": "Launched",
                        },
                    )
                )
            )
        body: Doc = {
            "name": name,
            "lifecycleStatus": status,
            "productSpecification": {"id": spec["id"], "name": spec["name"]},
            "productOfferingPrice": [{"id": p["id"], "name": p["name"]} for p in prices],
        }
        if channels:
            body["channel"] = [{"id": c, "name": c} for c in channels]
        offering = created(self.client.post(f"{CATALOG}/productOffering", headers=self.headers, json=body))
        self.offerings[name] = offering
        return offering

    # --- orders -----------------------------------------------------------------------------------

    def item(
        self, item_id: str, offering: str, *, outcome: str | None = None, action: str = "add", **extra: Any
    ) -> Doc:
        chars = [{"name": "speed", "value": "1G"}]
        if outcome is not None:
            chars.append({"name": "simulatorOutcome", "value": outcome})
        item: Doc = {
            "id": item_id,
            "action": action,
            "quantity": 1,
            "productOffering": {"id": self.offerings[offering]["id"], "name": offering},
            "product": {"productCharacteristic": chars},
        }
        item.update(extra)
        return item

    def order_body(self, *items: Doc, **extra: Any) -> Doc:
        body: Doc = {
            "relatedParty": [
                {
                    "id": self.customer["id"],
                    "@referredType": "Customer",
                    "role": "customer",
                    "name": self.customer["name"],
                }
            ],
            "billingAccount": {"id": self.account["id"]},
            "productOrderItem": list(items),
        }
        body.update(extra)
        return body

    def place(self, *items: Doc, **extra: Any) -> Doc:
        return created(self.client.post(ORDERS, headers=self.headers, json=self.order_body(*items, **extra)))

    def get(self, order_id: str) -> Doc:
        response = self.client.get(f"{ORDERS}/{order_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        body: Doc = response.json()
        return body

    def auth_as(self, role: str, party: str | None = None) -> dict[str, str]:
        from openbss.core.security import create_token

        token = create_token(get_settings(), role=role, subject=f"test-{role}", party_id=party)
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: Doc | None = None) -> Any:
        return self.client.post(path, headers=self.headers, json=body or {})

    # --- the job worker ---------------------------------------------------------------------------

    def run_jobs(self, *, rounds: int = 30) -> None:
        """Tick the job worker until nothing is left to do now."""
        worker = Worker(self.db, get_settings(), poll_seconds=0.01)
        for _ in range(rounds):
            if not worker.run_once():
                return

    def wait_for(self, order_id: str, condition: Callable[[Doc], bool], *, timeout: float = 15.0) -> Doc:
        """Run jobs until the order meets ``condition`` (the OSS works in real time)."""
        deadline = time.monotonic() + timeout
        while True:
            self.run_jobs()
            order = self.get(order_id)
            if condition(order):
                return order
            if time.monotonic() > deadline:
                raise AssertionError(f"order {order_id} did not reach the condition: {order.get('state')} {order}")
            time.sleep(0.05)


def item_states(order: Doc) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(items: Any) -> None:
        for item in items or []:
            out[str(item["id"])] = item.get("state")
            walk(item.get("productOrderItem"))

    walk(order.get("productOrderItem"))
    return out
