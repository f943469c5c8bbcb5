"""The catalog's service interface (what ordering and the shopping cart call), on the demo catalog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from catalog_helpers import BASE, Headers, monthly_price, patch, post, ref
from fastapi.testclient import TestClient

from openbss.catalog import pricing, repository, service
from openbss.catalog.demo import load_demo_catalog
from openbss.catalog.resource import PRODUCT_OFFERING
from openbss.core.db import Database
from openbss.core.errors import NotFound, ValidationFailed
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.patch import MERGE_PATCH

AT = datetime(2026, 3, 1, tzinfo=UTC)
D = Decimal
FIELD = "productOrderItem[0].productOffering"


@pytest.fixture
def demo(db: Database) -> Database:
    with db.session(write=True) as session:
        load_demo_catalog(session)
    return db


@pytest.fixture
def ctx(demo: Database) -> Iterator[Context]:
    """A read context of a customer: the catalog answers whatever the caller's role."""
    with demo.session() as session:
        yield Context(
            session=session, principal=Principal(subject="c", role="customer", party_id="p"), settings=get_settings()
        )


def rules_of(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


def values(prices: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    return [(p["productOfferingPrice"]["id"], p["price"]["dutyFreeAmount"]["value"]) for p in prices]


# --- get_offering, bundled_offering_ids, service_specifications ----------------------------------------


def test_get_offering(ctx: Context) -> None:
    offering = service.get_offering(ctx, "demo-po-fibre-500")
    assert offering is not None
    assert offering["name"] == "Fibre 500" and offering["href"].endswith("/productOffering/demo-po-fibre-500")
    assert service.get_offering(ctx, "nope") is None


def test_bundled_offering_ids(ctx: Context) -> None:
    assert service.bundled_offering_ids(ctx, "demo-po-bundle-fibre500-tv") == ["demo-po-fibre-500", "demo-po-tv"]
    assert service.bundled_offering_ids(ctx, "demo-po-fibre-500") == []
    assert service.bundled_offering_ids(ctx, "nope") == []


def test_service_specifications(ctx: Context) -> None:
    assert [s["id"] for s in service.service_specifications(ctx, "demo-po-fibre-100")] == [
        "ss-fibre-access",
        "ss-internet",
    ]
    assert [s["id"] for s in service.service_specifications(ctx, "demo-po-mobile")] == [
        "ss-mobile-voice",
        "ss-mobile-data",
    ]
    assert service.service_specifications(ctx, "demo-po-bundle-fibre500-tv") == []
    assert service.service_specifications(ctx, "nope") == []


# --- check_orderable -----------------------------------------------------------------------------------


def orderable(ctx: Context, offering: str, **kw: Any) -> list[tuple[str, str]]:
    return rules_of(
        service.check_orderable(
            ctx,
            offering,
            at=kw.get("at", AT),
            channel_ids=kw.get("channels", ["web"]),
            customer_category=kw.get("category", "residential"),
            field=FIELD,
        )
    )


def test_a_launched_offering_is_orderable(ctx: Context) -> None:
    assert orderable(ctx, "demo-po-fibre-500") == []
    assert orderable(ctx, "demo-po-bundle-fibre500-tv") == []
    assert orderable(ctx, "demo-po-fibre-1000", category="Business", channels=["callcentre"]) == []


def test_why_an_offering_is_not_orderable(ctx: Context) -> None:
    assert orderable(ctx, "nope") == [(f"{FIELD}.id", "reference.exists")]
    assert orderable(ctx, "demo-po-fibre-500", at=datetime(2024, 12, 31, tzinfo=UTC)) == [(FIELD, "offering.validFor")]
    assert orderable(ctx, "demo-po-mobile", channels=["callcentre"]) == [(FIELD, "offering.channel")]
    assert orderable(ctx, "demo-po-fibre-500", category="business") == [(FIELD, "offering.eligibility")]
    assert orderable(ctx, "demo-po-fibre-500", category=None, channels=[]) == [
        (FIELD, "offering.channel"),
        (FIELD, "offering.eligibility"),
    ]


def test_offerings_in_design_or_retired_are_not_orderable(client: TestClient, admin: Headers, demo: Database) -> None:
    draft = post(client, admin, "productOffering", {"name": "draft"})
    retired = post(client, admin, "productOffering", {"name": "old", "lifecycleStatus": "Launched"})
    assert patch(client, admin, "productOffering", retired["id"], {"lifecycleStatus": "Retired"}).status_code == 200
    with demo.session() as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="agent"), settings=get_settings())
        assert orderable(ctx, draft["id"], channels=[], category=None) == [(FIELD, "offering.lifecycle")]
        assert orderable(ctx, retired["id"], channels=[], category=None) == [(FIELD, "offering.lifecycle")]


def test_a_bundle_is_not_orderable_when_a_part_has_expired(client: TestClient, admin: Headers, demo: Database) -> None:
    response = patch(
        client,
        admin,
        "productOffering",
        "demo-po-tv",
        {"validFor": {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2026-02-01T00:00:00Z"}},
    )
    assert response.status_code == 200, response.text
    with demo.session() as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="agent"), settings=get_settings())
        assert orderable(ctx, "demo-po-bundle-fibre500-tv") == [
            (f"{FIELD}.bundledProductOffering[1]", "offering.validFor")
        ]


# --- check_characteristics ------------------------------------------------------------------------------

CHARS = "productOrderItem[0].product.productCharacteristic"


def test_characteristics_of_an_order_item(ctx: Context) -> None:
    ok = [{"name": "installation", "value": "technician"}, {"name": "staticIp", "value": True}]
    assert service.check_characteristics(ctx, "demo-po-fibre-500", ok, CHARS) == []
    assert service.check_characteristics(ctx, "demo-po-fibre-500", [], CHARS) == []  # defaults fill the mandatory ones
    bad = [
        {"name": "installation", "value": "drone"},
        {"name": "downloadSpeed", "value": 1000},
        {"name": "colour", "value": "red"},
    ]
    assert rules_of(service.check_characteristics(ctx, "demo-po-fibre-500", bad, CHARS)) == [
        (f"{CHARS}[0].value", "characteristic.allowedValue"),
        (f"{CHARS}[1].value", "characteristic.notConfigurable"),
        (f"{CHARS}[2].name", "characteristic.unknown"),
    ]
    assert rules_of(
        service.check_characteristics(ctx, "demo-po-mobile", [{"name": "portInNumber", "value": "0612"}], CHARS)
    ) == [(f"{CHARS}[0].value", "characteristic.regex")]
    assert rules_of(service.check_characteristics(ctx, "nope", [], CHARS)) == [(CHARS, "reference.exists")]


def test_a_mandatory_characteristic_without_default_must_be_given(
    client: TestClient, admin: Headers, demo: Database
) -> None:
    spec = post(
        client,
        admin,
        "productSpecification",
        {"name": "SIM", "productSpecCharacteristic": [{"name": "iccid", "valueType": "string", "minCardinality": 1}]},
    )
    offering = post(client, admin, "productOffering", {"name": "SIM", "productSpecification": ref(spec)})
    with demo.session() as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="agent"), settings=get_settings())
        assert rules_of(service.check_characteristics(ctx, offering["id"], [], CHARS)) == [
            (CHARS, "characteristic.mandatory")
        ]
        assert service.check_characteristics(ctx, offering["id"], [{"name": "iccid", "value": "8944"}], CHARS) == []


# --- price_item and total_prices -------------------------------------------------------------------------


def test_price_of_fibre_500_with_a_technician(ctx: Context) -> None:
    prices = service.price_item(
        ctx, "demo-po-fibre-500", quantity=1, characteristics=[{"name": "installation", "value": "technician"}], at=AT
    )
    assert values(prices) == [("demo-pop-fibre500-monthly", D("39.99")), ("demo-pop-install-technician", D("99.00"))]
    monthly, install = prices
    assert monthly["priceType"] == "recurring" and monthly["recurringChargePeriod"] == "month"
    assert monthly["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": D("47.99")}
    (discount,) = monthly["priceAlteration"]
    assert discount["applicationDuration"] == 3
    assert discount["price"]["percentage"] == D(50)
    assert discount["price"]["dutyFreeAmount"] == {"unit": "EUR", "value": D("-20.00")}
    assert discount["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": D("-24.00")}  # from the rounded -20.00
    assert install["priceType"] == "oneTime" and "priceAlteration" not in install
    totals = service.total_prices(prices)
    assert [(t["priceType"], t["price"]["taxIncludedAmount"]["value"]) for t in totals] == [
        ("oneTime", D("118.80")),
        ("recurring", D("47.99")),
    ]


def test_self_installation_is_the_default(ctx: Context) -> None:
    prices = service.price_item(ctx, "demo-po-fibre-100", quantity=2, characteristics=[], at=AT)
    assert values(prices) == [("demo-pop-fibre100-monthly", D("59.98")), ("demo-pop-install-self", D("38.00"))]


def test_mobile_usage_prices_carry_their_unit_and_rate(ctx: Context) -> None:
    prices = service.price_item(ctx, "demo-po-mobile", quantity=1, characteristics=[], at=AT)
    usage = {p["productOfferingPrice"]["id"]: p for p in prices if p["priceType"] == "usage"}
    assert usage["demo-pop-mobile-data"]["unitOfMeasure"] == "GB"
    assert usage["demo-pop-mobile-data"]["price"]["dutyFreeAmount"]["value"] == D("2.00")
    assert usage["demo-pop-mobile-voice"]["price"]["taxIncludedAmount"]["value"] == D("0.06")
    assert [t["priceType"] for t in service.total_prices(prices)] == ["recurring"]


def test_a_bundled_item_gets_the_bundle_discount(ctx: Context) -> None:
    alone = service.price_item(ctx, "demo-po-tv", quantity=1, characteristics=[], at=AT)
    assert "priceAlteration" not in alone[0]
    bundled = service.price_item(
        ctx, "demo-po-tv", quantity=1, characteristics=[], at=AT, bundle_offering_id="demo-po-bundle-fibre500-tv"
    )
    assert bundled[0]["priceAlteration"][0]["price"]["dutyFreeAmount"]["value"] == D("-5.00")
    assert service.price_item(ctx, "demo-po-bundle-fibre500-tv", quantity=1, characteristics=[], at=AT) == []


def test_prices_outside_their_validity_do_not_apply(ctx: Context) -> None:
    assert (
        service.price_item(
            ctx, "demo-po-fibre-500", quantity=1, characteristics=[], at=datetime(2024, 1, 1, tzinfo=UTC)
        )
        == []
    )


def test_price_item_refuses_unknown_offerings_and_no_quantity(ctx: Context) -> None:
    with pytest.raises(NotFound):
        service.price_item(ctx, "nope", quantity=1, characteristics=[], at=AT)
    with pytest.raises(ValidationFailed):
        service.price_item(ctx, "demo-po-tv", quantity=0, characteristics=[], at=AT)


def test_a_price_change_takes_effect_on_its_date(client: TestClient, admin: Headers, demo: Database) -> None:
    change = "2026-06-01T00:00:00Z"
    new = monthly_price(client, admin, "11.99", lifecycleStatus="Launched", validFor={"startDateTime": change})
    old_end = patch(
        client,
        admin,
        "productOfferingPrice",
        "demo-pop-tv-monthly",
        {"validFor": {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": change}},
    )
    assert old_end.status_code == 200, old_end.text
    offering = client.get(f"{BASE}/productOffering/demo-po-tv", headers=admin).json()
    response = patch(
        client,
        admin,
        "productOffering",
        "demo-po-tv",
        {"productOfferingPrice": [*offering["productOfferingPrice"], ref(new)]},
    )
    assert response.status_code == 200, response.text
    with demo.session() as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="agent"), settings=get_settings())
        before = service.price_item(ctx, "demo-po-tv", quantity=1, characteristics=[], at=AT)
        after = service.price_item(
            ctx, "demo-po-tv", quantity=1, characteristics=[], at=datetime(2026, 6, 1, tzinfo=UTC)
        )
    assert values(before) == [("demo-pop-tv-monthly", D("9.99"))]
    assert values(after) == [(new["id"], D("11.99"))]


def test_the_demo_data_price_rates_usage_as_documented(ctx: Context) -> None:
    pop = repository.get_doc(ctx.session, "productOfferingPrice", "demo-pop-mobile-data")
    assert pop is not None
    tiers, included = pricing.tiers_of(pop), D(pop["includedQuantity"]["amount"])
    assert pricing.rate_usage(D(35), tiers=tiers, mode=pop["tierMode"], included=included).amount == D("45.00")
    assert pricing.rate_usage(D(35), tiers=tiers, mode="volume", included=included).amount == D("25.00")


def test_catalog_reads_are_remembered_only_within_a_transaction_and_until_a_catalog_write(
    client: TestClient, admin: Headers, demo: Database
) -> None:
    with demo.session(write=True) as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="admin"), settings=get_settings())
        assert len(service.price_item(ctx, "demo-po-tv", quantity=1, characteristics=[], at=AT)) == 1
        engine.update(ctx, PRODUCT_OFFERING, "demo-po-tv", MERGE_PATCH, {"productOfferingPrice": []}, None)
        assert service.price_item(ctx, "demo-po-tv", quantity=1, characteristics=[], at=AT) == []
    with demo.session() as session:
        ctx = Context(session=session, principal=Principal(subject="a", role="agent"), settings=get_settings())
        assert (service.get_offering(ctx, "demo-po-tv") or {})["name"] == "TV add-on"
        session.commit()  # the next read is a new transaction
        assert patch(client, admin, "productOffering", "demo-po-tv", {"name": "TV"}).status_code == 200
        assert (service.get_offering(ctx, "demo-po-tv") or {})["name"] == "TV"
