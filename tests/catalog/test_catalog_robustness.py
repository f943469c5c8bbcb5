"""Whatever a client sends to the catalog, the answer is a TMF answer, never a 500; and the
OpenAPI document describes the catalog."""

from __future__ import annotations

from typing import Any

from catalog_helpers import BASE, Headers, create, patch, post
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbss.catalog import service
from openbss.core.db import get_database
from openbss.core.security import ANONYMOUS_ADMIN
from openbss.core.settings import get_settings
from openbss.tmf.context import Context

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.decimals(min_value=-10, max_value=10, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "EUR", "month", "usage", "discount", "Launched", "2026-01-01T00:00:00Z", "(["]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "value",
                    "unit",
                    "valueFrom",
                    "valueTo",
                    "price",
                    "fromQuantity",
                    "toQuantity",
                    "amount",
                    "units",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=8,
)
PRICE_KEYS = [
    "priceType",
    "price",
    "percentage",
    "recurringChargePeriodType",
    "recurringChargePeriodLength",
    "recurringChargeTiming",
    "unitOfMeasure",
    "tierMode",
    "priceTier",
    "includedQuantity",
    "applicationDuration",
    "tax",
    "isBundle",
    "bundledPopRelationship",
    "popRelationship",
    "prodSpecCharValueUse",
    "validFor",
    "lifecycleStatus",
]
OFFERING_KEYS = [
    "isBundle",
    "bundledProductOffering",
    "productSpecification",
    "productOfferingPrice",
    "channel",
    "marketSegment",
    "prodSpecCharValueUse",
    "validFor",
    "lifecycleStatus",
    "isSellable",
    "category",
]
SPEC_KEYS = [
    "productSpecCharacteristic",
    "isBundle",
    "bundledProductSpecification",
    "serviceSpecification",
    "lifecycleStatus",
]
BODIES = {
    "productOfferingPrice": st.dictionaries(st.sampled_from(PRICE_KEYS), values, max_size=6),
    "productOffering": st.dictionaries(st.sampled_from(OFFERING_KEYS), values, max_size=5),
    "productSpecification": st.dictionaries(st.sampled_from(SPEC_KEYS), values, max_size=4),
}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert body["@type"] == "Error" and body["code"]


@FUZZ
@given(path=st.sampled_from(sorted(BODIES)), data=st.data())
def test_random_bodies_never_break_the_server(
    client: TestClient, admin: Headers, path: str, data: st.DataObject
) -> None:
    body = {"name": "fuzz", **data.draw(BODIES[path])}
    created = create(client, admin, path, body)
    _check(created)
    if created.status_code == 201:
        change = data.draw(BODIES[path])
        _check(patch(client, admin, path, created.json()["id"], change))
        _check(client.delete(f"{BASE}/{path}/{created.json()['id']}", headers=admin))


@FUZZ
@given(chars=st.lists(st.dictionaries(st.sampled_from(["name", "value", "valueType"]), values, max_size=3), max_size=3))
def test_random_characteristics_never_break_the_checks(client: TestClient, admin: Headers, chars: list[Any]) -> None:
    spec = post(
        client,
        admin,
        "productSpecification",
        {
            "name": "s",
            "productSpecCharacteristic": [
                {
                    "name": "value",
                    "valueType": "number",
                    "productSpecCharacteristicValue": [{"valueFrom": "1", "valueTo": "5"}],
                }
            ],
        },
    )
    offering = post(client, admin, "productOffering", {"name": "o", "productSpecification": {"id": spec["id"]}})
    with get_database().session() as session:
        ctx = Context(session=session, principal=ANONYMOUS_ADMIN, settings=get_settings())
        service.check_characteristics(ctx, offering["id"], chars, "c")


def test_the_openapi_document_describes_the_catalog(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert f"{BASE}/productOfferingPrice" in document["paths"]
    assert "ProductOfferingPrice" in document["components"]["schemas"]
