"""TMF620 through the API: defaults, authorisation, lifecycle, release, frozen attributes,
references, deletion and events."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from catalog_helpers import (
    BASE,
    Headers,
    create,
    eur,
    event_types,
    launch,
    monthly_price,
    patch,
    post,
    problems,
    ref,
    specification,
)
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openbss.catalog.models import ProductOfferingRow
from openbss.core.db import Database
from openbss.core.settings import get_settings

TokenFactory = Callable[..., dict[str, str]]
PATHS = ("catalog", "category", "productSpecification", "productOffering", "productOfferingPrice")


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# --- defaults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_new_entry_starts_in_design_with_a_last_update(
    path: str, client: TestClient, admin: Headers, db: Database
) -> None:
    body = post(client, admin, path, {"name": "x", "lastUpdate": "2000-01-01T00:00:00Z"})
    assert body["lifecycleStatus"] == "In design"
    assert body["lastUpdate"] != "2000-01-01T00:00:00.000Z"  # the server's time, not the client's
    assert body["href"].endswith(f"{BASE}/{path}/{body['id']}")
    assert event_types(db, body["id"]) == [f"{body['@type']}CreateEvent"]


def test_last_update_follows_every_change_and_is_read_only(client: TestClient, admin: Headers) -> None:
    spec = post(client, admin, "productSpecification", {"name": "x"})
    changed = patch(client, admin, "productSpecification", spec["id"], {"description": "y"}).json()
    assert changed["lastUpdate"] >= spec["lastUpdate"]
    response = patch(client, admin, "productSpecification", spec["id"], {"lastUpdate": "2030-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert problems(response) == [("lastUpdate", "readOnly")]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("productOfferingPrice", {"name": "x", "priceType": "monthly"}, "priceType"),
        ("productOffering", {"name": "x", "lifecycleStatus": "launched"}, "lifecycleStatus"),
        ("productOfferingPrice", {"name": "x", "recurringChargeTiming": "later"}, "recurringChargeTiming"),
        (
            "productSpecification",
            {"name": "x", "productSpecCharacteristic": [{"name": "c", "valueType": "text"}]},
            "productSpecCharacteristic[0].valueType",
        ),
    ],
)
def test_unknown_values_are_refused(
    path: str, body: dict[str, str], field: str, client: TestClient, admin: Headers
) -> None:
    response = create(client, admin, path, body)
    assert response.status_code == 400, response.text
    assert (field, "enum") in problems(response)


# --- authorisation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "billing", "customer", "partner"])
def test_every_role_reads_the_catalog_only_admins_write_it(
    role: str, client: TestClient, admin: Headers, auth: TokenFactory, db: Database
) -> None:
    headers = auth(role, party="p1") if role in ("customer", "partner") else auth(role)
    offering = post(client, admin, "productOffering", {"name": "Fibre"})
    assert client.get(f"{BASE}/productOffering", headers=headers).json()[0]["id"] == offering["id"]
    assert client.get(f"{BASE}/productOffering/{offering['id']}", headers=headers).status_code == 200
    assert create(client, headers, "productOffering", {"name": "y"}).status_code == 403
    assert patch(client, headers, "productOffering", offering["id"], {"name": "z"}).status_code == 403
    assert client.delete(f"{BASE}/productOffering/{offering['id']}", headers=headers).status_code == 403
    assert count(db, ProductOfferingRow) == 1
    assert client.get(f"{BASE}/productOffering/{offering['id']}", headers=admin).json()["name"] == "Fibre"


def test_anonymous_is_refused(client: TestClient) -> None:
    assert client.get(f"{BASE}/productOffering").status_code == 401


# --- lifecycle and release ---------------------------------------------------------------------------


def test_illegal_transitions_are_refused_and_change_nothing(client: TestClient, admin: Headers, db: Database) -> None:
    price = monthly_price(client, admin)
    launch(client, admin, "productOfferingPrice", price["id"])
    response = patch(client, admin, "productOfferingPrice", price["id"], {"lifecycleStatus": "In design"})
    assert response.status_code == 409
    assert problems(response) == [("lifecycleStatus", "lifecycle.transition")]
    for status in ("Retired", "Obsolete"):
        assert patch(client, admin, "productOfferingPrice", price["id"], {"lifecycleStatus": status}).status_code == 200
    response = patch(client, admin, "productOfferingPrice", price["id"], {"name": "again"})
    assert response.status_code == 409
    assert problems(response) == [("name", "catalog.final")]
    events = event_types(db, price["id"])
    assert events.count("ProductOfferingPriceStateChangeEvent") == 3  # Launched, Retired, Obsolete; no more


def test_a_price_is_released_only_when_complete(client: TestClient, admin: Headers) -> None:
    draft = post(client, admin, "productOfferingPrice", {"name": "CTK-like", "priceType": "recurring"})
    response = patch(client, admin, "productOfferingPrice", draft["id"], {"lifecycleStatus": "Active"})
    assert response.status_code == 400
    assert problems(response) == [
        ("price", "price.incomplete"),
        ("recurringChargePeriodType", "price.incomplete"),
    ]
    response = create(
        client, admin, "productOfferingPrice", {"name": "x", "priceType": "oneTime", "lifecycleStatus": "Launched"}
    )
    assert response.status_code == 400
    assert problems(response) == [("price", "price.incomplete")]


def test_an_offering_is_released_only_with_released_parts(client: TestClient, admin: Headers) -> None:
    spec = specification(client, admin)
    price = monthly_price(client, admin)
    offering = post(
        client,
        admin,
        "productOffering",
        {"name": "Fibre", "productSpecification": ref(spec), "productOfferingPrice": [ref(price)]},
    )
    response = patch(client, admin, "productOffering", offering["id"], {"lifecycleStatus": "Launched"})
    assert response.status_code == 400
    assert problems(response) == [
        ("productSpecification.id", "catalog.notReleased"),
        ("productOfferingPrice[0].id", "catalog.notReleased"),
    ]
    launch(client, admin, "productSpecification", spec["id"])
    launch(client, admin, "productOfferingPrice", price["id"])
    assert launch(client, admin, "productOffering", offering["id"])["lifecycleStatus"] == "Launched"


def test_an_offering_is_priced_in_one_currency(client: TestClient, admin: Headers) -> None:
    eur_price = monthly_price(client, admin, lifecycleStatus="Launched")
    gbp_price = post(
        client,
        admin,
        "productOfferingPrice",
        {
            "name": "install",
            "priceType": "oneTime",
            "price": {"unit": "GBP", "value": Decimal(10)},
            "lifecycleStatus": "Launched",
        },
    )
    response = create(
        client,
        admin,
        "productOffering",
        {"name": "x", "productOfferingPrice": [ref(eur_price), ref(gbp_price)], "lifecycleStatus": "Launched"},
    )
    assert response.status_code == 400
    assert problems(response) == [("productOfferingPrice", "offering.currency")]


def test_released_prices_and_offerings_keep_what_was_sold(client: TestClient, admin: Headers) -> None:
    price = monthly_price(client, admin, lifecycleStatus="Launched")
    response = patch(client, admin, "productOfferingPrice", price["id"], {"price": eur("25.00")})
    assert response.status_code == 409
    assert problems(response) == [("price", "catalog.released")]
    assert client.get(f"{BASE}/productOfferingPrice/{price['id']}", headers=admin).json()["price"]["value"] == 20
    renamed = patch(
        client,
        admin,
        "productOfferingPrice",
        price["id"],
        {"name": "Monthly fee", "validFor": {"endDateTime": "2030-01-01T00:00:00Z"}},
    )
    assert renamed.status_code == 200, renamed.text
    offering = post(
        client,
        admin,
        "productOffering",
        {"name": "o", "productOfferingPrice": [ref(price)], "lifecycleStatus": "Launched"},
    )
    response = patch(client, admin, "productOffering", offering["id"], {"isBundle": True})
    assert response.status_code == 409


def test_a_specification_in_use_by_a_launched_offering_cannot_be_retired(client: TestClient, admin: Headers) -> None:
    spec = specification(client, admin, lifecycleStatus="Launched")
    offering = post(
        client,
        admin,
        "productOffering",
        {"name": "o", "productSpecification": ref(spec), "lifecycleStatus": "Launched"},
    )
    response = patch(client, admin, "productSpecification", spec["id"], {"lifecycleStatus": "Retired"})
    assert response.status_code == 409
    assert problems(response) == [("lifecycleStatus", "catalog.inUse")]
    assert patch(client, admin, "productOffering", offering["id"], {"lifecycleStatus": "Retired"}).status_code == 200
    assert patch(client, admin, "productSpecification", spec["id"], {"lifecycleStatus": "Retired"}).status_code == 200


# --- references --------------------------------------------------------------------------------------


def test_references_must_exist(client: TestClient, admin: Headers) -> None:
    response = create(
        client,
        admin,
        "productOffering",
        {
            "name": "x",
            "productSpecification": {"id": "9881"},
            "productOfferingPrice": [{"id": "nope"}],
            "category": [{"id": "none"}],
        },
    )
    assert response.status_code == 400
    assert problems(response) == [
        ("productSpecification.id", "reference.exists"),
        ("productOfferingPrice[0].id", "reference.exists"),
        ("category[0].id", "reference.exists"),
    ]


def test_reference_check_off_accepts_outside_references(
    client: TestClient, admin: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "off")
    get_settings.cache_clear()
    body = post(client, admin, "productOffering", {"name": "x", "productSpecification": {"id": "9881"}})
    assert body["productSpecification"]["id"] == "9881"


def test_value_uses_must_fit_the_specification(client: TestClient, admin: Headers) -> None:
    spec = specification(client, admin)
    response = create(
        client,
        admin,
        "productOffering",
        {
            "name": "x",
            "productSpecification": ref(spec),
            "prodSpecCharValueUse": [{"name": "speed", "productSpecCharacteristicValue": [{"value": 250}]}],
        },
    )
    assert response.status_code == 400
    assert problems(response) == [
        ("prodSpecCharValueUse[0].productSpecCharacteristicValue[0].value", "characteristic.allowedValue")
    ]


def test_characteristic_definitions_are_checked(client: TestClient, admin: Headers) -> None:
    response = create(
        client,
        admin,
        "productSpecification",
        {
            "name": "x",
            "productSpecCharacteristic": [
                {"name": "speed", "valueType": "integer", "productSpecCharacteristicValue": [{"value": "fast"}]},
                {"name": "speed", "minCardinality": 2, "maxCardinality": 1},
            ],
        },
    )
    assert response.status_code == 400
    assert problems(response) == [
        ("productSpecCharacteristic[0].productSpecCharacteristicValue[0].value", "characteristic.valueType"),
        ("productSpecCharacteristic[1].name", "characteristic.duplicate"),
        ("productSpecCharacteristic[1].maxCardinality", "characteristic.cardinality"),
    ]


def test_bundles_cannot_contain_themselves(client: TestClient, admin: Headers) -> None:
    a = post(client, admin, "productOffering", {"name": "a"})
    b = post(client, admin, "productOffering", {"name": "b", "isBundle": True, "bundledProductOffering": [ref(a)]})
    response = patch(client, admin, "productOffering", a["id"], {"isBundle": True, "bundledProductOffering": [ref(b)]})
    assert response.status_code == 400
    assert problems(response) == [("bundledProductOffering", "offering.bundleCycle")]


def test_categories_form_a_tree(client: TestClient, admin: Headers) -> None:
    root = post(client, admin, "category", {"name": "root", "isRoot": True})
    child = post(client, admin, "category", {"name": "child", "parentId": root["id"]})
    grandchild = post(client, admin, "category", {"name": "grandchild", "parentId": child["id"]})
    response = patch(client, admin, "category", root["id"], {"isRoot": False, "parentId": grandchild["id"]})
    assert response.status_code == 400
    assert problems(response) == [("parentId", "category.cycle")]
    response = create(client, admin, "category", {"name": "x", "isRoot": True, "parentId": root["id"]})
    assert problems(response) == [("isRoot", "category.root")]
    listed = client.get(f"{BASE}/category", params={"parentId": root["id"]}, headers=admin).json()
    assert [c["id"] for c in listed] == [child["id"]]


# --- deletion ----------------------------------------------------------------------------------------


def test_only_entries_never_released_are_deleted(client: TestClient, admin: Headers, db: Database) -> None:
    price = monthly_price(client, admin, lifecycleStatus="Launched")
    response = client.delete(f"{BASE}/productOfferingPrice/{price['id']}", headers=admin)
    assert response.status_code == 409
    assert problems(response) == [("lifecycleStatus", "catalog.delete")]
    draft = monthly_price(client, admin)
    assert client.delete(f"{BASE}/productOfferingPrice/{draft['id']}", headers=admin).status_code == 204
    assert event_types(db, draft["id"])[-1] == "ProductOfferingPriceDeleteEvent"


def test_an_entry_in_use_is_not_deleted(client: TestClient, admin: Headers) -> None:
    spec = specification(client, admin)
    offering = post(client, admin, "productOffering", {"name": "o", "productSpecification": ref(spec)})
    response = client.delete(f"{BASE}/productSpecification/{spec['id']}", headers=admin)
    assert response.status_code == 409
    assert problems(response) == [("id", "catalog.inUse")]
    assert client.delete(f"{BASE}/productOffering/{offering['id']}", headers=admin).status_code == 204
    assert client.delete(f"{BASE}/productSpecification/{spec['id']}", headers=admin).status_code == 204


# --- filters -----------------------------------------------------------------------------------------


def test_offerings_filter_by_specification_channel_and_status(
    client: TestClient, admin: Headers, agent: Headers
) -> None:
    spec = specification(client, admin)
    web = post(
        client, admin, "productOffering", {"name": "web", "productSpecification": ref(spec), "channel": [{"id": "web"}]}
    )
    post(client, admin, "productOffering", {"name": "shop", "channel": [{"id": "shop"}]})
    by_spec = client.get(
        f"{BASE}/productOffering", params={"productSpecification.id": spec["id"]}, headers=agent
    ).json()
    assert [o["id"] for o in by_spec] == [web["id"]]
    by_channel = client.get(f"{BASE}/productOffering", params={"channel.id": "shop"}, headers=agent).json()
    assert [o["name"] for o in by_channel] == ["shop"]
    in_design = client.get(f"{BASE}/productOffering", params={"lifecycleStatus": "In design"}, headers=agent)
    assert len(in_design.json()) == 2


def test_a_launched_offering_keeps_its_retired_prices_but_adds_only_released_ones(
    client: TestClient, admin: Headers
) -> None:
    old = monthly_price(client, admin, lifecycleStatus="Launched")
    offering = post(
        client,
        admin,
        "productOffering",
        {"name": "o", "productOfferingPrice": [ref(old)], "lifecycleStatus": "Launched"},
    )
    assert patch(client, admin, "productOfferingPrice", old["id"], {"lifecycleStatus": "Retired"}).status_code == 200
    assert patch(client, admin, "productOffering", offering["id"], {"description": "still sold"}).status_code == 200
    draft = monthly_price(client, admin, "30.00")
    response = patch(client, admin, "productOffering", offering["id"], {"productOfferingPrice": [ref(old), ref(draft)]})
    assert response.status_code == 400
    assert problems(response) == [("productOfferingPrice[1].id", "catalog.notReleased")]
