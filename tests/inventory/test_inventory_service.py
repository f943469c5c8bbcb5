"""The inventory's service interface, as ordering and collections use it, driven by the test clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inventory_helpers import (
    Headers,
    billing_account,
    customer,
    events,
    history,
    individual,
    offering,
    order_ref,
    product_doc,
    row,
    runs,
    service_context,
)

from openbss.core import clock
from openbss.core.db import Database
from openbss.core.errors import Conflict, NotFound, ValidationFailed
from openbss.core.security import Principal
from openbss.inventory import service


@pytest.fixture
def jane(client: TestClient, agent: Headers, admin: Headers) -> dict[str, Any]:
    party = individual(client, agent)
    person = customer(client, agent, party)
    account = billing_account(client, agent, person["id"])
    fibre = offering(client, admin, "Fibre 1G")
    return {"party": party, "customer": person["id"], "account": account["id"], "offering": fibre}


def _create(db: Database, doc: dict[str, Any]) -> dict[str, Any]:
    with service_context(db) as ctx:
        return service.create_product(ctx, doc)


def test_order_lifecycle_with_dates_trail_history_and_events(db: Database, jane: dict[str, Any]) -> None:
    clock.clock.advance(timedelta(days=1))
    placed = clock.now()
    doc = product_doc(jane["customer"], jane["account"], status="created", productOrderItem=[order_ref("o-1", "1")])
    product = _create(db, doc)
    assert product["status"] == "created" and "startDate" not in product
    assert product["href"].endswith(f"/tmf-api/productInventory/v4/product/{product['id']}")

    clock.clock.advance(timedelta(hours=5))
    activated = clock.now()
    with service_context(db) as ctx:
        active = service.set_product_status(
            ctx,
            product["id"],
            "active",
            at=activated,
            reason="service order completed",
            order_ref=order_ref("o-1", "1"),
        )
    assert active["startDate"] == clock.isoformat(activated)
    assert active["productOrderItem"] == [order_ref("o-1", "1")]  # the same order item is not repeated

    clock.clock.advance(timedelta(days=30))
    with service_context(db) as ctx:
        changed = service.modify_product(
            ctx,
            product["id"],
            {"productCharacteristic": [{"name": "speed", "value": "1G"}], "productOffering": {"id": jane["offering"]}},
            order_ref=order_ref("o-2", "1", "modify"),
        )
    assert changed["productCharacteristic"] == [{"name": "speed", "value": "1G"}]
    assert [i["productOrderId"] for i in changed["productOrderItem"]] == ["o-1", "o-2"]
    assert row(db, product["id"]).offering_id == jane["offering"]

    clock.clock.advance(timedelta(days=60))
    ended = clock.now()
    with service_context(db) as ctx:
        gone = service.set_product_status(
            ctx, product["id"], "terminated", at=ended, reason=None, order_ref=order_ref("o-3", "1", "delete")
        )
    assert gone["terminationDate"] == clock.isoformat(ended)
    assert gone["startDate"] == clock.isoformat(activated)

    trail = [(h.action, h.from_status, h.to_status, h.order_id) for h in history(db, product["id"])]
    assert trail == [
        ("create", None, "created", "o-1"),
        ("status", "created", "active", "o-1"),
        ("modify", "active", "active", "o-2"),
        ("status", "active", "terminated", "o-3"),
    ]
    assert history(db, product["id"])[1].reason == "service order completed"
    assert history(db, product["id"])[0].actor == "agent:test-agent:"
    assert abs(history(db, product["id"])[0].at - placed) < timedelta(seconds=5)
    assert events(db, product["id"]) == [
        "ProductCreateEvent",
        "ProductAttributeValueChangeEvent",
        "ProductStateChangeEvent",
        "ProductAttributeValueChangeEvent",
        "ProductAttributeValueChangeEvent",
        "ProductStateChangeEvent",
    ]
    assert runs(db, "1.3.16.3") == 4


def test_illegal_transition_is_refused_and_changes_nothing(db: Database, jane: dict[str, Any]) -> None:
    product = _create(db, product_doc(jane["customer"], status="created"))
    with pytest.raises(Conflict) as refused, service_context(db) as ctx:
        service.set_product_status(ctx, product["id"], "suspended", at=clock.now(), reason=None, order_ref=None)
    assert refused.value.rule == "lifecycle.transition"
    assert "allowed from 'created': active, cancelled, pendingActive" in refused.value.message
    assert row(db, product["id"]).status == "created"
    assert len(history(db, product["id"])) == 1 and events(db, product["id"]) == ["ProductCreateEvent"]


def test_final_products_do_not_change(db: Database, jane: dict[str, Any]) -> None:
    product = _create(db, product_doc(jane["customer"], status="created"))
    with service_context(db) as ctx:
        service.set_product_status(
            ctx, product["id"], "cancelled", at=clock.now(), reason="order cancelled", order_ref=None
        )
    with pytest.raises(Conflict) as refused, service_context(db) as ctx:
        service.modify_product(ctx, product["id"], {"name": "again"}, order_ref=order_ref())
    assert refused.value.rule == "product.final"
    with pytest.raises(Conflict), service_context(db) as ctx:
        service.set_product_status(ctx, product["id"], "active", at=clock.now(), reason=None, order_ref=None)
    assert row(db, product["id"]).doc["status"] == "cancelled" and "terminationDate" not in row(db, product["id"]).doc


def test_same_status_again_is_a_no_op(db: Database, jane: dict[str, Any]) -> None:
    product = _create(db, product_doc(jane["customer"]))
    with service_context(db) as ctx:
        again = service.set_product_status(ctx, product["id"], "active", at=clock.now(), reason=None, order_ref=None)
    assert again["startDate"] == product["startDate"]
    assert events(db, product["id"]) == ["ProductCreateEvent"]


def test_bad_input_raises_validation_with_fields(db: Database, jane: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as bad_trail, service_context(db) as ctx:
        service.create_product(ctx, product_doc(jane["customer"], productOrderItem=[{"productOrderId": "o"}]))
    assert [p.field for p in bad_trail.value.problems] == ["productOrderItem[0].orderItemId"]
    product = _create(db, product_doc(jane["customer"]))
    with pytest.raises(ValidationFailed) as bad_ref, service_context(db) as ctx:
        service.modify_product(ctx, product["id"], {"name": "x"}, order_ref={"orderItemId": "1"})
    assert [p.field for p in bad_ref.value.problems] == ["order_ref.productOrderId"]
    with pytest.raises(ValidationFailed) as bad_change, service_context(db) as ctx:
        service.modify_product(ctx, product["id"], {"startDate": "yesterday"}, order_ref=order_ref())
    assert [(p.field, p.rule) for p in bad_change.value.problems] == [("startDate", "type.dateTime")]
    with pytest.raises(NotFound), service_context(db) as ctx:
        service.set_product_status(ctx, "nope", "active", at=clock.now(), reason=None, order_ref=None)
    assert len(history(db, product["id"])) == 1


def test_bundle_parts_follow_the_bundle(db: Database, jane: dict[str, Any]) -> None:
    bundle = _create(db, product_doc(jane["customer"], name="Triple play", isBundle=True))
    link = [{"relationshipType": "isBundledIn", "product": {"id": bundle["id"]}}]
    tv = _create(db, product_doc(jane["customer"], name="TV", productRelationship=link))
    phone = _create(db, product_doc(jane["customer"], name="Phone", status="pendingActive", productRelationship=link))
    with service_context(db) as ctx:
        service.set_product_status(ctx, bundle["id"], "suspended", at=clock.now(), reason="collections", order_ref=None)
    assert (row(db, tv["id"]).status, row(db, phone["id"]).status) == ("suspended", "pendingActive")
    assert history(db, tv["id"])[-1].reason == f"bundle {bundle['id']} went suspended"
    assert history(db, tv["id"])[-1].actor == "agent:test-agent:"
    with service_context(db) as ctx:
        service.set_product_status(ctx, bundle["id"], "active", at=clock.now(), reason="paid", order_ref=None)
    assert (row(db, tv["id"]).status, row(db, phone["id"]).status) == ("active", "pendingActive")
    with service_context(db) as ctx:
        service.set_product_status(ctx, bundle["id"], "terminated", at=clock.now(), reason=None, order_ref=None)
    assert (row(db, tv["id"]).status, row(db, phone["id"]).status) == ("terminated", "pendingActive")
    assert row(db, tv["id"]).doc["terminationDate"] == row(db, bundle["id"]).doc["terminationDate"]


def test_readers_apply_access_control(client: TestClient, agent: Headers, db: Database, jane: dict[str, Any]) -> None:
    mine = _create(db, product_doc(jane["customer"], jane["account"]))
    john_party = individual(client, agent, "John")
    john = customer(client, agent, john_party, "John Doe")["id"]
    theirs = _create(db, product_doc(john))
    by_party = _create(
        db, product_doc(jane["customer"], relatedParty=[{"id": jane["party"], "@referredType": "Individual"}])
    )
    with service_context(db) as ctx:
        assert [p["id"] for p in service.products_of_customer(ctx, jane["customer"])] == [mine["id"], by_party["id"]]
        assert service.get_product(ctx, theirs["id"]) is not None
        assert service.get_product(ctx, "nope") is None
    jane_token = Principal(subject="jane", role="customer", party_id=jane["party"])
    with service_context(db, jane_token) as ctx:
        assert service.get_product(ctx, theirs["id"]) is None
        assert service.get_product(ctx, mine["id"]) is not None
        assert len(service.products_of_customer(ctx, jane["customer"])) == 2
        with pytest.raises(NotFound):
            service.products_of_customer(ctx, john)
    assert runs(db, "1.3.16.4") == 2
