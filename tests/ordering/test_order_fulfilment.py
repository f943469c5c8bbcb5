"""Order handling end to end against the TMF641 simulator over real HTTP, driven by the test clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from order_helpers import CANCELS, INVENTORY, ORDERS, Shop, created, item_states

from openbss.core import clock
from openbss.oss.simulator_thread import RunningSimulator


def test_three_items_one_fails_partial_then_retry_completes(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    shop.make_offering("TV", services=("cfs-tv",))
    shop.make_offering("Phone", services=("cfs-voice",))
    oss_simulator.force_specification("cfs-tv", "fail")
    order = shop.place(shop.item("1", "Fibre"), shop.item("2", "TV"), shop.item("3", "Phone"))
    partial = shop.wait_for(order["id"], lambda o: o["state"] in ("partial", "completed", "failed"))
    assert partial["state"] == "partial", partial
    assert item_states(partial) == {"1": "completed", "2": "failed", "3": "completed"}
    oss_simulator.force_specification("cfs-tv", None)
    retried = shop.post(f"/tmf-api/productOrderingManagement/v4/productOrder/{order['id']}/retry", {"itemId": "2"})
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "inProgress"
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    assert item_states(done) == {"1": "completed", "2": "completed", "3": "completed"}
    assert [(e["code"], e["status"]) for e in done["errorMessage"]] == [("fallout.failed", "retried")]
    print(done)


def _complete_when_in_progress(simulator: RunningSimulator, service_order_id: str) -> None:
    """Finish a hanging service order once the simulator has moved it to inProgress (it does so in
    real time, later on a busy machine; finishing it before is refused)."""
    simulator.wait_for_state(service_order_id, "inProgress", timeout=15.0)
    simulator.complete(service_order_id)


def _southbound(shop: Shop, order_id: str) -> list[dict[str, object]]:
    response = shop.client.get(f"{ORDERS}/{order_id}/southboundOrder", headers=shop.headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()
    return rows


def _fallout(shop: Shop, order_id: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = shop.client.get(f"{ORDERS}/{order_id}/fallout", headers=shop.headers).json()
    return rows


def test_products_appear_in_the_inventory_with_their_services_and_dates(
    net_shop: Shop, oss_simulator: RunningSimulator
) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre", "rfs-ont"))
    order = shop.place(shop.item("1", "Fibre"), requestedStartDate="2020-01-01T00:00:00Z")
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    product_id = done["productOrderItem"][0]["product"]["id"]
    product = shop.client.get(f"{INVENTORY}/{product_id}", headers=shop.headers).json()
    assert product["status"] == "active"
    assert done["orderDate"] <= product["startDate"] <= done["completionDate"]
    assert len(product["realizingService"]) == 2
    [sent] = _southbound(shop, order["id"])
    service_order = oss_simulator.order(str(sent["serviceOrderId"]))
    assert service_order["externalId"] == sent["id"]
    assert {i["service"]["serviceSpecification"]["id"] for i in service_order["serviceOrderItem"]} == {
        "cfs-fibre",
        "rfs-ont",
    }
    assert service_order["relatedParty"][0]["id"] == shop.customer["id"]


def test_cancel_mid_flight_cancels_the_service_orders(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    shop.make_offering("TV", services=("cfs-tv",))
    oss_simulator.force_specification("cfs-fibre", "hang")
    oss_simulator.force_specification("cfs-tv", "hang")
    order = shop.place(shop.item("1", "Fibre"), shop.item("2", "TV"))
    shop.wait_for(
        order["id"],
        lambda o: o["state"] == "inProgress" and all(s["serviceOrderId"] for s in _southbound(shop, o["id"])),
    )
    task = created(
        shop.client.post(
            CANCELS,
            headers=shop.headers,
            json={"productOrder": {"id": order["id"]}, "cancellationReason": "moved house"},
        )
    )
    assert task["state"] == "acknowledged"
    assert shop.get(order["id"])["state"] == "assessingCancellation"
    again = shop.client.post(CANCELS, headers=shop.headers, json={"productOrder": {"id": order["id"]}})
    assert again.status_code == 409
    cancelled = shop.wait_for(order["id"], lambda o: o["state"] == "cancelled")
    assert item_states(cancelled) == {"1": "cancelled", "2": "cancelled"}
    assert cancelled["cancellationReason"] == "moved house"
    assert cancelled["cancellationDate"]
    for sent in _southbound(shop, order["id"]):
        assert oss_simulator.order(str(sent["serviceOrderId"]))["state"] == "cancelled"
    done = shop.client.get(f"{CANCELS}/{task['id']}", headers=shop.headers).json()
    assert done["state"] == "done"
    assert done["effectiveCancellationDate"]
    names = [m["name"] for m in cancelled["milestone"]]
    assert names[-3:] == ["cancellationRequested", "cancelled", "closed"]


def test_cancellation_refused_after_the_point_of_no_return(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    shop.make_offering("TV", services=("cfs-tv",))
    oss_simulator.force_specification("cfs-tv", "hang")
    order = shop.place(shop.item("1", "Fibre"), shop.item("2", "TV"))
    shop.wait_for(order["id"], lambda o: item_states(o)["1"] == "completed")
    task = created(shop.client.post(CANCELS, headers=shop.headers, json={"productOrder": {"id": order["id"]}}))
    shop.run_jobs()
    refused = shop.client.get(f"{CANCELS}/{task['id']}", headers=shop.headers).json()
    assert refused["state"] == "terminatedWithError"
    assert "already delivered" in refused["errorMessage"][0]["message"]
    back = shop.get(order["id"])
    assert back["state"] == "inProgress"
    assert item_states(back) == {"1": "completed", "2": "inProgress"}
    [tv] = [s for s in _southbound(shop, order["id"]) if s["orderItemId"] == "2"]
    _complete_when_in_progress(oss_simulator, str(tv["serviceOrderId"]))
    assert shop.wait_for(order["id"], lambda o: o["state"] == "completed")["state"] == "completed"
    final = shop.client.post(CANCELS, headers=shop.headers, json={"productOrder": {"id": order["id"]}})
    assert final.status_code == 409
    assert final.json()["details"][0]["rule"] == "cancellation.orderState"


def test_oss_rejection_is_fallout_completed_by_hand(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    oss_simulator.force_specification("cfs-fibre", "reject")
    order = shop.place(shop.item("1", "Fibre"))
    failed = shop.wait_for(order["id"], lambda o: o["state"] == "failed")
    [record] = _fallout(shop, order["id"])
    assert record["kind"] == "rejected" and record["status"] == "open"
    assert "refused" in str(record["reason"])
    agent = shop.auth_as("agent")
    assert failed["errorMessage"][-1]["code"] == "fallout.rejected"
    done = shop.client.post(
        f"{ORDERS}/{order['id']}/completeItem", headers=agent, json={"itemId": "1", "note": "provisioned by field team"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed"
    [record] = _fallout(shop, order["id"])
    assert record["status"] == "resolved" and record["resolution"] == "completedManually"
    assert "field team" in done.json()["note"][-1]["text"]


def test_unreachable_oss_ends_in_fallout_after_the_retries(shop: Shop) -> None:
    from openbss.jobs.models import Job

    shop.make_offering("Fibre", services=("cfs-fibre",))
    order = shop.place(shop.item("1", "Fibre"))
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "inProgress"
    with shop.db.session(write=True) as session:  # the retries are spent: the last attempt is now
        job = session.query(Job).filter(Job.name == "ordering.send_southbound").one()
        job.attempts = job.max_attempts - 1
        job.run_at = job.created_at
    shop.run_jobs()
    failed = shop.get(order["id"])
    assert failed["state"] == "failed"
    assert [r["kind"] for r in _fallout(shop, order["id"])] == ["unreachable"]


def _events(shop: Shop, order_id: str, event_type: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from openbss.events.models import OutboxEvent

    with shop.db.session() as session:
        rows = session.execute(
            select(OutboxEvent).where(OutboxEvent.resource_id == order_id, OutboxEvent.event_type == event_type)
        ).scalars()
        return [r.payload for r in rows]


def _sweep(shop: Shop) -> dict[str, object]:
    response = shop.client.post("/admin/ordering/jeopardySweep", headers=shop.headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_slow_oss_puts_the_order_in_jeopardy_and_escalates_at_the_configured_times(
    net_shop: Shop, oss_simulator: RunningSimulator
) -> None:
    shop = net_shop
    policy = {
        "expectedDuration": {"default": "PT2H"},
        "jeopardy": {
            "levels": [
                {"level": 1, "name": "atRisk", "offset": "-PT30M", "escalateTo": "orderDesk"},
                {"level": 2, "name": "overdue", "offset": "PT0S", "escalateTo": "orderDeskSupervisor"},
                {"level": 3, "name": "critical", "offset": "PT4H", "escalateTo": "operationsManager"},
            ]
        },
    }
    assert shop.client.patch("/admin/ordering/policy", headers=shop.headers, json=policy).status_code == 200
    shop.make_offering("Fibre", services=("cfs-fibre",))
    oss_simulator.force_specification("cfs-fibre", "hang")
    order = shop.place(shop.item("1", "Fibre"))
    issued = shop.wait_for(order["id"], lambda o: o["state"] == "inProgress")
    committed = issued["expectedCompletionDate"]
    assert _sweep(shop)["ordersAlerted"] == 0

    clock.clock.advance(timedelta(hours=1, minutes=29))
    assert _sweep(shop)["ordersAlerted"] == 0
    clock.clock.advance(timedelta(minutes=2))  # 29 minutes before the committed date
    assert _sweep(shop)["ordersAlerted"] == 1
    assert _sweep(shop)["ordersAlerted"] == 0  # once per level
    alerts = shop.get(order["id"])["jeopardyAlert"]
    assert [(a["name"], a["exception"], a["jeopardyType"]) for a in alerts] == [("atRisk", "orderDesk", "level1")]
    assert alerts[0]["@schemaLocation"].endswith("/JeopardyAlert.schema.json")
    assert committed in alerts[0]["message"]
    assert alerts[0]["productOrderItem"][0]["itemId"] == "1"

    clock.clock.advance(timedelta(minutes=30))  # the committed date has passed: the scheduler's sweep
    shop.run_jobs()
    clock.clock.advance(timedelta(hours=4))
    shop.run_jobs()
    in_jeopardy = shop.get(order["id"])
    assert [a["name"] for a in in_jeopardy["jeopardyAlert"]] == ["atRisk", "overdue", "critical"]
    assert in_jeopardy["state"] == "inProgress"
    assert len(_events(shop, order["id"], "ProductOrderInformationRequiredEvent")) == 3
    found = shop.client.get(ORDERS, headers=shop.headers, params={"jeopardyAlert.name": "critical", "fields": "id"})
    assert [o["id"] for o in found.json()] == [order["id"]]
    assert [m["name"] for m in in_jeopardy["milestone"] if m["name"].startswith("jeopardy")] == [
        "jeopardy.atRisk",
        "jeopardy.overdue",
        "jeopardy.critical",
    ]

    [sent] = _southbound(shop, order["id"])
    _complete_when_in_progress(oss_simulator, str(sent["serviceOrderId"]))
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    assert len(done["jeopardyAlert"]) == 3
    report = shop.client.get("/admin/ordering/report", headers=shop.headers).json()
    assert report["totals"]["jeopardyRate"] == 1


def test_no_answer_by_the_deadline_is_timeout_fallout_until_the_oss_completes(
    net_shop: Shop, oss_simulator: RunningSimulator
) -> None:
    shop = net_shop
    shop.client.patch(
        "/admin/ordering/policy",
        headers=shop.headers,
        json={"expectedDuration": {"default": "PT1H"}, "fallout": {"southboundTimeout": "PT1H"}},
    )
    shop.make_offering("Fibre", services=("cfs-fibre",))
    oss_simulator.force_specification("cfs-fibre", "hang")
    order = shop.place(shop.item("1", "Fibre"))
    shop.wait_for(order["id"], lambda o: o["state"] == "inProgress" and _southbound(shop, o["id"])[0]["serviceOrderId"])
    clock.clock.advance(timedelta(hours=2, minutes=1))
    failed = shop.wait_for(order["id"], lambda o: o["state"] == "failed")
    assert failed["errorMessage"][-1]["code"] == "fallout.timeout"
    [record] = _fallout(shop, order["id"])
    assert record["kind"] == "timeout"
    [sent] = _southbound(shop, order["id"])
    _complete_when_in_progress(oss_simulator, str(sent["serviceOrderId"]))
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    assert item_states(done) == {"1": "completed"}
    [record] = _fallout(shop, order["id"])
    assert record["resolution"] == "completedLate"


def test_polling_finds_what_lost_events_did_not_say(
    net_shop: Shop, oss_simulator: RunningSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openbss.core.settings import reset_settings

    monkeypatch.setenv("OPENBSS_OSS_LISTENER_URL", "http://127.0.0.1:9")  # events go nowhere
    reset_settings()
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    order = shop.place(shop.item("1", "Fibre"))
    shop.run_jobs()
    [sent] = _southbound(shop, order["id"])
    oss_simulator.wait_for_state(str(sent["serviceOrderId"]), "completed")
    shop.run_jobs()
    assert shop.get(order["id"])["state"] == "inProgress"  # no event arrived
    clock.clock.advance(timedelta(seconds=31))  # the watch job polls again
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    assert done["state"] == "completed"


def test_unresolved_fallout_escalates(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.client.patch(
        "/admin/ordering/policy",
        headers=shop.headers,
        json={"fallout": {"escalateAfter": ["PT1H", "PT3H"], "escalateTo": ["orderDesk", "fulfilmentLead"]}},
    )
    shop.make_offering("Fibre", services=("cfs-fibre",))
    oss_simulator.force_specification("cfs-fibre", "fail")
    order = shop.place(shop.item("1", "Fibre"))
    shop.wait_for(order["id"], lambda o: o["state"] == "failed")
    clock.clock.advance(timedelta(minutes=61))
    assert _sweep(shop)["falloutEscalated"] == 1
    assert _fallout(shop, order["id"])[0]["escalationLevel"] == 1
    clock.clock.advance(timedelta(hours=2))
    assert _sweep(shop)["falloutEscalated"] == 1
    assert _sweep(shop)["falloutEscalated"] == 0
    escalated = shop.get(order["id"])
    messages = [m["message"] for m in escalated["milestone"] if m["name"] == "falloutEscalated"]
    assert "level 1 (orderDesk)" in messages[0] and "level 2 (fulfilmentLead)" in messages[1]
    manual = shop.client.post(f"{ORDERS}/{order['id']}/escalate", headers=shop.auth_as("agent"), json={"reason": "VIP"})
    assert manual.status_code == 200
    assert _fallout(shop, order["id"])[0]["escalationLevel"] == 3
    assert len(_events(shop, order["id"], "ProductOrderInformationRequiredEvent")) == 3
