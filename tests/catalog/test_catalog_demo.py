"""The demo catalog: loads through the catalog rules, with stable ids, once; and the schema of migration 0004."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from catalog_helpers import BASE, Headers, event_types
from fastapi.testclient import TestClient

from openbss.catalog import models
from openbss.catalog.demo import DEMO_IDS, load_demo_catalog
from openbss.core.db import Base, Database


def test_the_demo_catalog_loads_once_with_stable_ids(db: Database, client: TestClient, agent: Headers) -> None:
    with db.session(write=True) as session:
        created = load_demo_catalog(session)
    assert created == {
        "ProductSpecification": 3,
        "ProductOfferingPrice": 11,
        "ProductOffering": 6,
        "Category": 4,
        "Catalog": 1,
    }
    with db.session(write=True) as session:
        assert load_demo_catalog(session) == {}
    for path, ids in DEMO_IDS.items():
        listed = client.get(f"{BASE}/{path}", headers=agent).json()
        assert sorted(doc["id"] for doc in listed) == sorted(ids)
        assert {doc["lifecycleStatus"] for doc in listed} == {"Launched"}
    assert event_types(db, "demo-po-fibre-500") == ["ProductOfferingCreateEvent"]
    web = client.get(f"{BASE}/productOffering", params={"channel.id": "web", "isBundle": "false"}, headers=agent).json()
    assert len(web) == 5
    usage = client.get(f"{BASE}/productOfferingPrice", params={"priceType": "usage"}, headers=agent).json()
    assert sorted(p["id"] for p in usage) == ["demo-pop-mobile-data", "demo-pop-mobile-voice"]


def test_migration_0004_creates_the_tables_the_models_declare(db: Database) -> None:
    tables = {
        m.__tablename__
        for m in (
            models.CatalogRow,
            models.CategoryRow,
            models.ProductSpecificationRow,
            models.ProductOfferingRow,
            models.ProductOfferingPriceRow,
        )
    }
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if any(t in repr(d) for t in tables)]
    assert ours == []
