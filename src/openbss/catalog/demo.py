"""A small ISP and mobile catalog for demos and scenario tests, with stable ids.

:func:`load_demo_catalog` creates, as an admin and through the catalog's own
rules (the same hooks, search entries and create events as the API):

* product specifications: fibre broadband (speed, installation, static IP),
  mobile (SIM type, number to port), IPTV (channel package); each names the
  service specifications an order for it decomposes into;
* prices (EUR, 20% VAT): monthly fees of 29.99 / 39.99 / 59.99 for fibre
  100 / 500 / 1000 (in advance), a one-time installation fee that depends on
  the ``installation`` characteristic (self 19.00, technician 99.00), mobile
  15.00 a month plus data (10 GB included, then 2.00/GB up to 20 GB and
  1.00/GB beyond, graduated) and voice (300 minutes included, then 0.05 a
  minute), TV 9.99 a month, a 50% discount on the fibre 500 fee for the
  first 3 months, and a bundle saving of 5.00 a month on TV;
* offerings: Fibre 100, Fibre 500 (with the launch discount), Fibre 1000
  (residential and business), Mobile Unlimited Talk, TV add-on, and the
  bundle "Fibre 500 + TV";
* categories Broadband, Mobile, TV and Bundles in the catalog "Consumer catalog".

Everything is Launched and valid from 2025-01-01. Running it again changes
nothing: entries whose id exists are left as they are.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from openbss.catalog import repository
from openbss.catalog.resource import (
    CATALOG,
    CATEGORY,
    PRODUCT_OFFERING,
    PRODUCT_OFFERING_PRICE,
    PRODUCT_SPECIFICATION,
)
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.models import SearchEntry
from openbss.tmf.resource import ResourceType
from openbss.tmf.search_index import entries
from openbss.tmf.validation import validate_document

__all__ = ["DEMO_IDS", "load_demo_catalog"]

Doc = dict[str, Any]
_PRINCIPAL = Principal(subject="demo-catalog", role="admin")
_BASE_URL = "http://127.0.0.1:8000"
_VALID = {"startDateTime": "2025-01-01T00:00:00.000Z"}
_STATUS = "Launched"
_VAT = [{"taxCategory": "VAT", "taxRate": Decimal("20")}]
_CHANNELS = {
    "web": {"id": "web", "name": "Web shop", "@referredType": "SalesChannel"},
    "shop": {"id": "shop", "name": "Retail shops", "@referredType": "SalesChannel"},
    "callcentre": {"id": "callcentre", "name": "Call centre", "@referredType": "SalesChannel"},
}
_SEGMENTS = {
    "residential": {"id": "residential", "name": "Residential", "@referredType": "MarketSegment"},
    "business": {"id": "business", "name": "Business", "@referredType": "MarketSegment"},
}


def _eur(value: str) -> Doc:
    return {"unit": "EUR", "value": Decimal(value)}


def _ref(rt: ResourceType, resource_id: str, name: str) -> Doc:
    return {"id": resource_id, "href": f"{_BASE_URL}{rt.api.base_path}/{rt.path}/{resource_id}", "name": name}


def _value(value: Any, *, default: bool = False) -> Doc:
    entry: Doc = {"value": value}
    if default:
        entry["isDefault"] = True
    return entry


def _specifications() -> list[tuple[str, Doc]]:
    fibre = {
        "name": "Fibre broadband",
        "description": "Fibre-to-the-home internet access with a rented router",
        "brand": "openbss demo",
        "productNumber": "FIBRE",
        "productSpecCharacteristic": [
            {
                "name": "downloadSpeed",
                "description": "Download speed in Mbit/s",
                "valueType": "integer",
                "minCardinality": 1,
                "maxCardinality": 1,
                "configurable": False,
                "productSpecCharacteristicValue": [
                    {**_value(100), "unitOfMeasure": "Mbit/s"},
                    {**_value(500), "unitOfMeasure": "Mbit/s"},
                    {**_value(1000), "unitOfMeasure": "Mbit/s"},
                ],
            },
            {
                "name": "installation",
                "description": "Self installation (router posted) or by a technician",
                "valueType": "string",
                "minCardinality": 1,
                "maxCardinality": 1,
                "productSpecCharacteristicValue": [_value("self", default=True), _value("technician")],
            },
            {
                "name": "staticIp",
                "description": "A fixed public IPv4 address",
                "valueType": "boolean",
                "minCardinality": 0,
                "maxCardinality": 1,
                "productSpecCharacteristicValue": [_value(False, default=True), _value(True)],
            },
        ],
        "serviceSpecification": [
            {"id": "ss-fibre-access", "name": "Fibre access line", "@referredType": "ServiceSpecification"},
            {"id": "ss-internet", "name": "Internet access", "@referredType": "ServiceSpecification"},
        ],
    }
    mobile = {
        "name": "Mobile voice and data",
        "description": "A mobile line with voice, SMS and data",
        "brand": "openbss demo",
        "productNumber": "MOBILE",
        "productSpecCharacteristic": [
            {
                "name": "simType",
                "valueType": "string",
                "minCardinality": 1,
                "maxCardinality": 1,
                "productSpecCharacteristicValue": [_value("eSIM", default=True), _value("physical")],
            },
            {
                "name": "portInNumber",
                "description": "A number to bring from another operator, in international form",
                "valueType": "string",
                "minCardinality": 0,
                "maxCardinality": 1,
                "regex": r"\+[1-9][0-9]{7,14}",
            },
        ],
        "serviceSpecification": [
            {"id": "ss-mobile-voice", "name": "Mobile voice", "@referredType": "ServiceSpecification"},
            {"id": "ss-mobile-data", "name": "Mobile data", "@referredType": "ServiceSpecification"},
        ],
    }
    tv = {
        "name": "IPTV",
        "description": "Television over the broadband line",
        "brand": "openbss demo",
        "productNumber": "IPTV",
        "productSpecCharacteristic": [
            {
                "name": "channelPackage",
                "valueType": "string",
                "minCardinality": 1,
                "maxCardinality": 1,
                "productSpecCharacteristicValue": [_value("basic", default=True), _value("family")],
            }
        ],
        "serviceSpecification": [{"id": "ss-iptv", "name": "IPTV", "@referredType": "ServiceSpecification"}],
    }
    return [("demo-ps-fibre", fibre), ("demo-ps-mobile", mobile), ("demo-ps-iptv", tv)]


def _monthly(name: str, value: str) -> Doc:
    return {
        "name": name,
        "priceType": "recurring",
        "recurringChargePeriodType": "month",
        "recurringChargePeriodLength": 1,
        "recurringChargeTiming": "inAdvance",
        "price": _eur(value),
        "tax": _VAT,
    }


def _install(name: str, value: str, installation: str) -> Doc:
    return {
        "name": name,
        "priceType": "oneTime",
        "price": _eur(value),
        "tax": _VAT,
        "prodSpecCharValueUse": [{"name": "installation", "productSpecCharacteristicValue": [{"value": installation}]}],
    }


def _prices() -> list[tuple[str, Doc]]:
    pop = PRODUCT_OFFERING_PRICE
    return [
        ("demo-pop-fibre100-monthly", _monthly("Fibre 100 monthly fee", "29.99")),
        ("demo-pop-fibre500-monthly", _monthly("Fibre 500 monthly fee", "39.99")),
        ("demo-pop-fibre1000-monthly", _monthly("Fibre 1000 monthly fee", "59.99")),
        ("demo-pop-install-self", _install("Router delivery (self installation)", "19.00", "self")),
        ("demo-pop-install-technician", _install("Installation by a technician", "99.00", "technician")),
        ("demo-pop-mobile-monthly", _monthly("Mobile Unlimited Talk monthly fee", "15.00")),
        (
            "demo-pop-mobile-data",
            {
                "name": "Mobile data",
                "description": "10 GB a month included; then 2.00 per GB up to 20 GB and 1.00 per GB beyond",
                "priceType": "usage",
                "unitOfMeasure": {"amount": Decimal(1), "units": "GB"},
                "includedQuantity": {"amount": Decimal(10), "units": "GB"},
                "tierMode": "tiered",
                "priceTier": [
                    {"fromQuantity": Decimal(0), "toQuantity": Decimal(20), "price": _eur("2.00")},
                    {"fromQuantity": Decimal(20), "price": _eur("1.00")},
                ],
                "tax": _VAT,
            },
        ),
        (
            "demo-pop-mobile-voice",
            {
                "name": "Mobile voice",
                "description": "300 minutes a month included; then 0.05 a minute",
                "priceType": "usage",
                "unitOfMeasure": {"amount": Decimal(1), "units": "minute"},
                "includedQuantity": {"amount": Decimal(300), "units": "minute"},
                "price": _eur("0.05"),
                "tax": _VAT,
            },
        ),
        ("demo-pop-tv-monthly", _monthly("TV add-on monthly fee", "9.99")),
        (
            "demo-pop-fibre500-launch-discount",
            {
                "name": "Fibre 500 launch offer: 50% off for 3 months",
                "priceType": "discount",
                "percentage": Decimal(50),
                "applicationDuration": 3,
                "recurringChargePeriodType": "month",
                "popRelationship": [
                    {**_ref(pop, "demo-pop-fibre500-monthly", "Fibre 500 monthly fee"), "relationshipType": "discounts"}
                ],
            },
        ),
        (
            "demo-pop-bundle-tv-saving",
            {
                "name": "Bundle saving on TV",
                "priceType": "discount",
                "price": _eur("5.00"),
                "recurringChargePeriodType": "month",
                "popRelationship": [
                    {**_ref(pop, "demo-pop-tv-monthly", "TV add-on monthly fee"), "relationshipType": "discounts"}
                ],
            },
        ),
    ]


def _offering(
    name: str,
    spec: tuple[str, str] | None,
    prices: list[tuple[str, str]],
    *,
    channels: tuple[str, ...] = ("web", "shop", "callcentre"),
    segments: tuple[str, ...] = ("residential",),
    description: str | None = None,
    speed: int | None = None,
) -> Doc:
    doc: Doc = {
        "name": name,
        "isBundle": False,
        "isSellable": True,
        "channel": [_CHANNELS[c] for c in channels],
        "marketSegment": [_SEGMENTS[s] for s in segments],
        "productOfferingPrice": [_ref(PRODUCT_OFFERING_PRICE, pid, pname) for pid, pname in prices],
    }
    if description:
        doc["description"] = description
    if spec is not None:
        doc["productSpecification"] = _ref(PRODUCT_SPECIFICATION, *spec)
    if speed is not None:
        doc["prodSpecCharValueUse"] = [
            {"name": "downloadSpeed", "productSpecCharacteristicValue": [{"value": speed, "isDefault": True}]}
        ]
    return doc


def _offerings() -> list[tuple[str, Doc]]:
    fibre = ("demo-ps-fibre", "Fibre broadband")
    install = [
        ("demo-pop-install-self", "Router delivery (self installation)"),
        ("demo-pop-install-technician", "Installation by a technician"),
    ]
    return [
        (
            "demo-po-fibre-100",
            _offering(
                "Fibre 100", fibre, [("demo-pop-fibre100-monthly", "Fibre 100 monthly fee"), *install], speed=100
            ),
        ),
        (
            "demo-po-fibre-500",
            _offering(
                "Fibre 500",
                fibre,
                [
                    ("demo-pop-fibre500-monthly", "Fibre 500 monthly fee"),
                    *install,
                    ("demo-pop-fibre500-launch-discount", "Fibre 500 launch offer: 50% off for 3 months"),
                ],
                speed=500,
            ),
        ),
        (
            "demo-po-fibre-1000",
            _offering(
                "Fibre 1000",
                fibre,
                [("demo-pop-fibre1000-monthly", "Fibre 1000 monthly fee"), *install],
                segments=("residential", "business"),
                speed=1000,
            ),
        ),
        (
            "demo-po-mobile",
            _offering(
                "Mobile Unlimited Talk",
                ("demo-ps-mobile", "Mobile voice and data"),
                [
                    ("demo-pop-mobile-monthly", "Mobile Unlimited Talk monthly fee"),
                    ("demo-pop-mobile-data", "Mobile data"),
                    ("demo-pop-mobile-voice", "Mobile voice"),
                ],
                channels=("web", "shop"),
            ),
        ),
        (
            "demo-po-tv",
            _offering(
                "TV add-on",
                ("demo-ps-iptv", "IPTV"),
                [("demo-pop-tv-monthly", "TV add-on monthly fee")],
                description="IPTV for a fibre line",
            ),
        ),
        (
            "demo-po-bundle-fibre500-tv",
            {
                **_offering(
                    "Fibre 500 + TV",
                    None,
                    [("demo-pop-bundle-tv-saving", "Bundle saving on TV")],
                    description="Fibre 500 and the TV add-on, 5.00 a month less",
                ),
                "isBundle": True,
                "bundledProductOffering": [
                    {**_ref(PRODUCT_OFFERING, "demo-po-fibre-500", "Fibre 500"), "lifecycleStatus": _STATUS},
                    {**_ref(PRODUCT_OFFERING, "demo-po-tv", "TV add-on"), "lifecycleStatus": _STATUS},
                ],
            },
        ),
    ]


def _categories() -> list[tuple[str, Doc]]:
    def category(name: str, offerings: list[tuple[str, str]]) -> Doc:
        return {
            "name": name,
            "isRoot": True,
            "productOffering": [_ref(PRODUCT_OFFERING, oid, oname) for oid, oname in offerings],
        }

    return [
        (
            "demo-cat-broadband",
            category(
                "Broadband",
                [
                    ("demo-po-fibre-100", "Fibre 100"),
                    ("demo-po-fibre-500", "Fibre 500"),
                    ("demo-po-fibre-1000", "Fibre 1000"),
                ],
            ),
        ),
        ("demo-cat-mobile", category("Mobile", [("demo-po-mobile", "Mobile Unlimited Talk")])),
        ("demo-cat-tv", category("TV", [("demo-po-tv", "TV add-on")])),
        ("demo-cat-bundles", category("Bundles", [("demo-po-bundle-fibre500-tv", "Fibre 500 + TV")])),
    ]


def _catalogs() -> list[tuple[str, Doc]]:
    names = {
        "demo-cat-broadband": "Broadband",
        "demo-cat-mobile": "Mobile",
        "demo-cat-tv": "TV",
        "demo-cat-bundles": "Bundles",
    }
    return [
        (
            "demo-catalog-consumer",
            {
                "name": "Consumer catalog",
                "catalogType": "ProductCatalog",
                "description": "What the demo operator sells to homes and small businesses",
                "category": [_ref(CATEGORY, cid, cname) for cid, cname in names.items()],
            },
        )
    ]


_PLAN: tuple[tuple[ResourceType, Any], ...] = (
    (PRODUCT_SPECIFICATION, _specifications),
    (PRODUCT_OFFERING_PRICE, _prices),
    (PRODUCT_OFFERING, _offerings),
    (CATEGORY, _categories),
    (CATALOG, _catalogs),
)

DEMO_IDS: dict[str, tuple[str, ...]] = {rt.path: tuple(rid for rid, _ in build()) for rt, build in _PLAN}
"""The stable ids of the demo catalog, per resource path."""


def _create_with_id(ctx: Context, rt: ResourceType, resource_id: str, body: Doc) -> None:
    """Create one catalog entry with a chosen id, through the same rules as ``POST``."""
    doc = validate_document(rt.create_schema, body)
    doc.setdefault("@type", rt.type_name)
    rt.hooks.before_create(ctx, doc)
    rt.hooks.before_insert(ctx, doc)
    stored = {"id": resource_id, **doc}
    columns = rt.extra_columns(stored) if rt.extra_columns else {}
    row = rt.model(
        id=resource_id,
        type=rt.type_name,
        name=stored.get("name"),
        status=stored.get("lifecycleStatus"),
        owner_party_id=None,
        created_at=ctx.now,
        updated_at=ctx.now,
        doc=stored,
        **columns,
    )
    ctx.session.add(row)
    ctx.session.flush()
    rows = {(path, value): t for path, value, t in entries(stored)}
    if rows:
        ctx.session.execute(
            insert(SearchEntry),
            [
                {"kind": rt.kind, "resource_id": resource_id, "path": p, "value": v, "value_type": t}
                for (p, v), t in sorted(rows.items())
            ],
        )
    rt.hooks.after_write(ctx, row, None)
    engine.emit(ctx, rt, "Create", row)


def load_demo_catalog(session: Session) -> Counter[str]:
    """Create the demo catalog in ``session`` (not committed); returns how many entries of each type were created.

    Idempotent: an entry whose id already exists is skipped. Raises the
    catalog's ApiError if a rule refuses an entry (nothing is then committed
    by a caller that rolls back).
    """
    ctx = Context(session=session, principal=_PRINCIPAL, settings=get_settings(), base_url=_BASE_URL)
    created: Counter[str] = Counter()
    for rt, build in _PLAN:
        entries_ = build()
        existing = repository.existing_ids(session, rt.path, [rid for rid, _ in entries_])
        for resource_id, body in entries_:
            if resource_id in existing:
                continue
            _create_with_id(ctx, rt, resource_id, {**body, "lifecycleStatus": _STATUS, "validFor": dict(_VALID)})
            created[rt.type_name] += 1
    return created
