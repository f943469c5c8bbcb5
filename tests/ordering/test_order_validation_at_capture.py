"""Validation at capture (the policy's ``validateAtCapture``, on by default): the POST answers
with the order decided - issued, rejected, held or pending - written once, with the same
events and process runs as when the job ``ordering.process_order`` decides it; with the
setting off, or when validation fails unexpectedly, the job decides."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from order_helpers import ORDERS, Shop, created, item_states
from sqlalchemy import select

from openbss.core.processes import ProcessRun
from openbss.events.models import OutboxEvent
from openbss.jobs.models import Job
from openbss.ordering import validation
from openbss.ordering.models import OrderItemRow, ProductOrderRow, SouthboundOrderRow
from openbss.tmf.models import SearchEntry

POLICY = "/admin/ordering/policy"


def _events(shop: Shop, order_id: str) -> list[tuple[str, Any]]:
    """(event type, the order's state in it) of the order's events, in outbox order."""
    with shop.db.session() as session:
        rows = session.execute(
            select(OutboxEvent.event_type, OutboxEvent.payload)
            .where(OutboxEvent.resource_id == order_id)
            .order_by(OutboxEvent.seq)
        ).all()
    return [(kind, payload["event"]["productOrder"]["state"]) for kind, payload in rows]


def _jobs(shop: Shop, order_id: str) -> list[str]:
    with shop.db.session() as session:
        jobs = session.execute(select(Job.name, Job.payload).order_by(Job.id)).all()
    return [name for name, payload in jobs if payload.get("order") == order_id]


def _runs(shop: Shop) -> dict[str, int]:
    with shop.db.session() as session:
        ids = session.execute(select(ProcessRun.process_id)).scalars().all()
    counts: dict[str, int] = {}
    for pid in ids:
        counts[pid] = counts.get(pid, 0) + 1
    return counts


def _row(shop: Shop, order_id: str) -> ProductOrderRow:
    with shop.db.session() as session:
        row = session.get(ProductOrderRow, order_id)
        assert row is not None
        return row


def _codes(order: dict[str, Any]) -> set[str]:
    return {e["code"] for e in order.get("errorMessage") or []}


# --- the verdicts -----------------------------------------------------------------------------------


def test_a_valid_order_is_issued_by_its_post(shop: Shop) -> None:
    shop.make_offering("Fibre", services=("cfs-access", "cfs-ip"))
    response = shop.client.post(ORDERS, headers=shop.headers, json=shop.order_body(shop.item("1", "Fibre")))
    order = created(response)
    assert order["state"] == "inProgress"
    assert item_states(order) == {"1": "inProgress"}
    assert [m["name"] for m in order["milestone"]] == ["issued"]
    assert "1 service order(s)" in order["milestone"][0]["message"]  # one service order per item
    assert order["expectedCompletionDate"] > order["orderDate"]
    assert {p["priceType"] for p in order["productOrderItem"][0]["itemPrice"]} == {"oneTime", "recurring"}
    assert [t["priceType"] for t in order["orderTotalPrice"]] == ["oneTime", "recurring"]
    # stored as answered, in one write: version 1, and the search index holds the decided document
    assert response.headers["etag"] == '"1"'
    assert shop.get(order["id"]) == order
    found = shop.client.get(ORDERS, headers=shop.headers, params={"milestone.name": "issued", "fields": "id"})
    assert [o["id"] for o in found.json()] == [order["id"]]
    row = _row(shop, order["id"])
    assert row.status == "inProgress" and row.version == 1 and not row.needs_validation
    assert row.issued_at is not None and row.order_date is not None and row.issued_at >= row.order_date
    assert row.committed_date is not None
    with shop.db.session() as session:
        (sb,) = session.execute(select(SouthboundOrderRow).where(SouthboundOrderRow.order_id == order["id"])).scalars()
        (item,) = session.execute(select(OrderItemRow).where(OrderItemRow.order_id == order["id"])).scalars()
    assert sb.status == "toSend" and sb.item_id == "1"
    assert len(sb.request["serviceOrderItem"]) == 2
    assert sb.request["externalReference"][0]["name"] == f"{order['id']}/1"
    assert item.state == "inProgress" and item.expected_date is not None
    assert _jobs(shop, order["id"]) == ["ordering.send_southbound"]  # nothing left to validate
    assert _events(shop, order["id"]) == [
        ("ProductOrderCreateEvent", "inProgress"),
        ("ProductOrderAttributeValueChangeEvent", "inProgress"),
        ("ProductOrderStateChangeEvent", "inProgress"),
    ]


def test_an_order_needing_no_network_work_is_delivered_by_a_job(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "inProgress"
    assert _jobs(shop, order["id"]) == ["ordering.deliver_order"]
    shop.run_jobs()
    done = shop.get(order["id"])
    assert done["state"] == "completed"
    assert [m["name"] for m in done["milestone"]] == ["issued", "delivered", "completed", "closed"]
    assert [kind for kind, _ in _events(shop, order["id"])][:3] == [
        "ProductOrderCreateEvent",
        "ProductOrderAttributeValueChangeEvent",
        "ProductOrderStateChangeEvent",
    ]
    assert ("ProductOrderStateChangeEvent", "completed") in _events(shop, order["id"])


def test_an_invalid_order_is_rejected_by_its_post_with_the_reasons(shop: Shop) -> None:
    shop.make_offering("Old", services=(), status="In design")
    before = _runs(shop)
    order = shop.place(shop.item("1", "Old"), {"id": "2", "action": "modify", "product": {"id": "no-such-product"}})
    assert order["state"] == "rejected"
    assert item_states(order) == {"1": "rejected", "2": "rejected"}
    assert {"offering.lifecycle", "product.exists"} <= _codes(order)
    assert [m["name"] for m in order["milestone"]] == ["rejected", "closed"]
    assert _row(shop, order["id"]).version == 1
    assert _jobs(shop, order["id"]) == []
    assert _events(shop, order["id"]) == [
        ("ProductOrderCreateEvent", "rejected"),
        ("ProductOrderAttributeValueChangeEvent", "rejected"),
        ("ProductOrderStateChangeEvent", "rejected"),
    ]
    runs = _runs(shop)
    for pid in ("1.3.3.10.1", "1.3.3.10.3", "1.3.3.18.2", "1.3.3.17"):
        assert runs.get(pid, 0) == before.get(pid, 0) + 1, pid
    assert runs.get("1.3.3.10.4", 0) == before.get("1.3.3.10.4", 0)  # not issued
    # a rejected order is final: it may be deleted at once
    assert shop.client.delete(f"{ORDERS}/{order['id']}", headers=shop.headers).status_code == 204


def test_an_order_for_review_is_held_by_its_post_and_released_later(shop: Shop, agent: dict[str, str]) -> None:
    shop.make_offering("Big", services=(), one_time="900.00")
    shop.client.patch(POLICY, headers=shop.headers, json={"holdForReview": {"oneTimeTotalAbove": "500"}})
    before = _runs(shop)
    order = shop.place(shop.item("1", "Big"))
    assert order["state"] == "held"
    assert item_states(order) == {"1": "held"}
    assert "policy.review.amount" in _codes(order)
    assert order["orderTotalPrice"]  # priced, as the job would have
    assert _events(shop, order["id"]) == [
        ("ProductOrderCreateEvent", "held"),
        ("ProductOrderAttributeValueChangeEvent", "held"),
        ("ProductOrderStateChangeEvent", "held"),
        ("ProductOrderInformationRequiredEvent", "held"),
    ]
    assert _runs(shop).get("1.3.1.2.16", 0) == before.get("1.3.1.2.16", 0) + 1
    assert _jobs(shop, order["id"]) == []
    released = shop.client.post(f"{ORDERS}/{order['id']}/release", headers=agent, json={})
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "completed"  # released, issued and (no network work) delivered at once


def test_an_order_to_pay_first_is_pending_after_its_post(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.client.patch(POLICY, headers=shop.headers, json={"upfrontPayment": {"required": True}})
    order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "pending"
    assert order["milestone"][-1]["name"] == "awaitingPayment" and "50" in order["milestone"][-1]["message"]
    row = _row(shop, order["id"])
    assert row.payment_required and row.issued_at is None and row.version == 1
    paid = shop.client.post(
        f"{ORDERS}/{order['id']}/payment", headers=shop.auth_as("billing"), json={"paymentRef": "PAY-9"}
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["state"] == "completed"  # paid: issued and, needing no network work, delivered


def test_an_order_is_decided_as_the_job_would_whoever_posts_it(shop: Shop) -> None:
    """Validation reads as order handling, not as the caller: a customer's order naming another
    customer's product is refused because it is not theirs (the job's verdict), not as unknown."""
    shop.make_offering("Email", services=())
    first = shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    product_id = shop.get(first["id"])["productOrderItem"][0]["product"]["id"]
    made = shop.make_customer(name="Eve Other")
    eve = shop.auth_as("customer", party=made["party"]["id"])
    body = shop.order_body({"id": "1", "action": "delete", "product": {"id": product_id}})
    body["relatedParty"] = [{"id": made["party"]["id"], "@referredType": "Individual", "role": "customer"}]
    del body["billingAccount"]
    order = created(shop.client.post(ORDERS, headers=eve, json=body))
    assert order["state"] == "rejected"
    assert "product.notOwned" in _codes(order) and "product.exists" not in _codes(order)


def test_cart_like_callers_get_the_decided_order_and_its_events_in_order(shop: Shop) -> None:
    from openbss.core.settings import get_settings
    from openbss.ordering.fulfilment import job_context
    from openbss.ordering.service import capture_order

    shop.make_offering("Email", services=())
    with shop.db.session(write=True) as session:
        order = capture_order(job_context(session, get_settings()), shop.order_body(shop.item("1", "Email")))
    assert order["state"] == "inProgress"
    assert [kind for kind, _ in _events(shop, order["id"])] == [
        "ProductOrderCreateEvent",
        "ProductOrderAttributeValueChangeEvent",
        "ProductOrderStateChangeEvent",
    ]


# --- the setting off, and failures ------------------------------------------------------------------


def test_with_the_setting_off_the_job_validates_as_before(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    changed = shop.client.patch(POLICY, headers=shop.headers, json={"validateAtCapture": False})
    assert changed.status_code == 200 and changed.json()["policy"]["validateAtCapture"] is False
    order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "acknowledged"
    assert item_states(order) == {"1": "acknowledged"}
    assert "milestone" not in order and "orderTotalPrice" not in order
    assert _row(shop, order["id"]).needs_validation
    assert _jobs(shop, order["id"]) == ["ordering.process_order"]
    assert _events(shop, order["id"]) == [("ProductOrderCreateEvent", "acknowledged")]
    shop.run_jobs()
    done = shop.get(order["id"])
    assert done["state"] == "completed"
    assert [kind for kind, _ in _events(shop, order["id"])][:3] == [
        "ProductOrderCreateEvent",
        "ProductOrderAttributeValueChangeEvent",
        "ProductOrderStateChangeEvent",
    ]
    assert _events(shop, order["id"])[2] == ("ProductOrderStateChangeEvent", "inProgress")


def test_the_default_policy_validates_at_capture(shop: Shop) -> None:
    assert shop.client.get(POLICY, headers=shop.headers).json()["policy"]["validateAtCapture"] is True
    refused = shop.client.patch(POLICY, headers=shop.headers, json={"validateAtCapture": "sometimes"})
    assert refused.status_code == 400
    assert "validateAtCapture" in {d["field"] for d in refused.json()["details"]}


def test_a_rule_that_fails_leaves_the_order_to_the_job(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def flaky(*_args: Any) -> validation.CreditDecision:
        calls.append("called")
        if len(calls) == 1:
            raise RuntimeError("credit bureau unreachable")
        return validation.CreditDecision("ok")

    monkeypatch.setattr(validation, "CREDIT_CHECKS", [flaky])
    shop.make_offering("Email", services=())
    with caplog.at_level(logging.ERROR, logger="openbss.ordering"):
        order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "acknowledged"
    assert item_states(order) == {"1": "acknowledged"}
    assert "milestone" not in order  # nothing of the abandoned decision was kept
    assert any("validating a new order at capture failed" in r.message for r in caplog.records)
    assert _jobs(shop, order["id"]) == ["ordering.process_order"]
    assert [kind for kind, _ in _events(shop, order["id"])] == ["ProductOrderCreateEvent"]
    with shop.db.session() as session:
        assert (
            session.execute(select(SouthboundOrderRow).where(SouthboundOrderRow.order_id == order["id"])).first()
            is None
        )
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "completed"
    assert len(calls) == 2


def test_an_unreadable_policy_does_not_stop_capture(shop: Shop) -> None:
    from openbss.core import clock
    from openbss.ordering.models import OrderPolicyRow

    shop.make_offering("Email", services=())
    with shop.db.session(write=True) as session:  # e.g. written by a newer openbss with an attribute unknown here
        session.add(
            OrderPolicyRow(version=1, doc={"maxItems": 5, "futureRule": True}, created_at=clock.now(), created_by="x")
        )
    order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "acknowledged"
    assert _jobs(shop, order["id"]) == ["ordering.process_order"]


def test_malformed_orders_are_still_refused_before_validation(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    with shop.db.session() as session:
        entries = len(session.execute(select(SearchEntry.resource_id)).all())
    response = shop.client.post(ORDERS, headers=shop.headers, json=shop.order_body(shop.item("1", "Email", quantity=0)))
    assert response.status_code == 400
    assert {(d["field"], d["rule"]) for d in response.json()["details"]} == {
        ("productOrderItem[0].quantity", "item.quantity")
    }
    with shop.db.session() as session:
        assert session.execute(select(ProductOrderRow)).first() is None
        assert len(session.execute(select(SearchEntry.resource_id)).all()) == entries


def test_a_catalog_change_reaches_the_next_order_through_the_shared_catalog_cache(shop: Shop) -> None:
    """Catalog documents are cached across requests (core.generations); a change through the API
    is seen by the very next order, which is decided at capture."""
    from order_helpers import CATALOG

    from openbss.catalog import repository

    shop.make_offering("Email", services=())
    first = shop.place(shop.item("1", "Email"))
    assert first["state"] == "inProgress"
    offering_id = shop.offerings["Email"]["id"]
    with shop.db.session() as session:  # the first order's validation left the offering in the cache
        cached = repository._DOCS.entries(session)
        assert cached[("productOffering", offering_id)] is not None
    response = shop.client.patch(
        f"{CATALOG}/productOffering/{offering_id}", headers=shop.headers, json={"lifecycleStatus": "Retired"}
    )
    assert response.status_code == 200, response.text
    with shop.db.session() as session:
        assert ("productOffering", offering_id) not in repository._DOCS.entries(session)
    second = shop.place(shop.item("1", "Email"))
    assert second["state"] == "rejected"
    assert "offering.lifecycle" in {e["code"] for e in second["errorMessage"]}
