"""Helpers of the cart tests: a small catalog, parties and customers, all through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PARTY = "/tmf-api/party/v4"
CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
CATALOG = "/tmf-api/productCatalogManagement/v4"
PRODUCTS = "/tmf-api/productInventory/v4/product"
CARTS = "/tmf-api/shoppingCart/v4/shoppingCart"
ACCOUNTS = "/tmf-api/accountManagement/v4/billingAccount"
Headers = dict[str, str]


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def details(response: Any) -> list[tuple[str, str]]:
    return [(d["field"], d["rule"]) for d in response.json().get("details", [])]


def individual(client: TestClient, headers: Headers, given: str = "Jane") -> str:
    return str(
        created(client.post(f"{PARTY}/individual", json={"givenName": given, "familyName": "Doe"}, headers=headers))[
            "id"
        ]
    )


def customer(client: TestClient, headers: Headers, party_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Jane Doe",
        "status": "approved",
        "engagedParty": {"id": party_id, "@referredType": "Individual"},
        **extra,
    }
    return created(client.post(CUSTOMERS, json=body, headers=headers))


def billing_account(client: TestClient, headers: Headers, owner: dict[str, Any]) -> dict[str, Any]:
    """An active billing account of customer ``owner`` (a checked-out order is charged to it)."""
    ref = {"id": owner["id"], "@referredType": "Customer", "role": "owner", "name": owner["name"]}
    return created(
        client.post(ACCOUNTS, json={"name": "main", "state": "active", "relatedParty": [ref]}, headers=headers)
    )


def _post(client: TestClient, headers: Headers, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return created(client.post(f"{CATALOG}/{path}", json=body, headers=headers))


def price(client: TestClient, headers: Headers, name: str, price_type: str, value: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "priceType": price_type,
        "price": {"unit": "EUR", "value": value},
        "lifecycleStatus": "Launched",
        **extra,
    }
    return _post(client, headers, "productOfferingPrice", body)


def specification(client: TestClient, headers: Headers) -> dict[str, Any]:
    body = {
        "name": "Fibre access",
        "lifecycleStatus": "Launched",
        "productSpecCharacteristic": [
            {
                "name": "speed",
                "valueType": "string",
                "configurable": True,
                "minCardinality": 1,
                "maxCardinality": 1,
                "productSpecCharacteristicValue": [
                    {"valueType": "string", "value": "500M", "isDefault": True},
                    {"valueType": "string", "value": "1G"},
                ],
            }
        ],
    }
    return _post(client, headers, "productSpecification", body)


def offering(
    client: TestClient,
    headers: Headers,
    name: str,
    prices: list[dict[str, Any]],
    spec: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "lifecycleStatus": "Launched",
        "productOfferingPrice": [{"id": p["id"], "name": p["name"]} for p in prices],
        **extra,
    }
    if spec is not None:
        body["productSpecification"] = {"id": spec["id"], "name": spec["name"]}
    return _post(client, headers, "productOffering", body)


def small_catalog(client: TestClient, admin: Headers) -> dict[str, Any]:
    """Fibre (monthly 29.90 + set-up 49.00, with a speed characteristic), TV (monthly 10.00),
    a bundle of both (monthly 5.00), a business-only offering and one still in design."""
    spec = specification(client, admin)
    fibre = offering(
        client,
        admin,
        "Fibre",
        [
            price(
                client,
                admin,
                "Fibre monthly",
                "recurring",
                "29.90",
                recurringChargePeriodType="month",
                recurringChargePeriodLength=1,
            ),
            price(client, admin, "Fibre set-up", "oneTime", "49.00"),
        ],
        spec,
    )
    tv_price = price(
        client,
        admin,
        "TV monthly",
        "recurring",
        "10.00",
        recurringChargePeriodType="month",
        recurringChargePeriodLength=1,
    )
    tv = offering(client, admin, "TV", [tv_price])
    bundle_price = price(
        client,
        admin,
        "Duo monthly",
        "recurring",
        "5.00",
        recurringChargePeriodType="month",
        recurringChargePeriodLength=1,
    )
    duo = offering(
        client,
        admin,
        "Duo",
        [bundle_price],
        isBundle=True,
        bundledProductOffering=[{"id": fibre["id"], "name": "Fibre"}, {"id": tv["id"], "name": "TV"}],
    )
    business = offering(
        client, admin, "Business line", [tv_price], marketSegment=[{"id": "business", "name": "business"}]
    )
    draft = _post(client, admin, "productOffering", {"name": "Not yet"})
    return {"fibre": fibre, "tv": tv, "duo": duo, "business": business, "draft": draft, "spec": spec}
