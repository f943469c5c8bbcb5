"""The order policy at run time (1.3.3.18), reports (1.3.3.16, 1.3.1.2.17), the CLI, the sweep at scale
and the eTOM process figures."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

from order_helpers import Shop
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from openbss.core import clock
from openbss.core.settings import get_settings
from openbss.events.models import OutboxEvent
from openbss.ordering.fulfilment import job_context
from openbss.ordering.jeopardy import sweep_jeopardy
from openbss.ordering.models import ProductOrderRow

POLICY = "/admin/ordering/policy"


# --- policy ---------------------------------------------------------------------------------------


def test_default_policy_and_run_time_changes(shop: Shop) -> None:
    current = shop.client.get(POLICY, headers=shop.headers).json()
    assert current["version"] == 0
    assert current["policy"]["maxItems"] == 50
    assert [lv["name"] for lv in current["policy"]["jeopardy"]["levels"]] == ["atRisk", "overdue", "critical"]
    changed = shop.client.patch(
        POLICY, headers={**shop.headers, "X-Change-Reason": "peak season"}, json={"maxItems": 5, "creditCheck": False}
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 1
    assert changed.json()["policy"]["maxItems"] == 5
    assert changed.json()["policy"]["expectedDuration"]["default"] == "P3D"  # the rest is kept
    replaced = shop.client.put(POLICY, headers=shop.headers, json={"maxItems": 7})
    assert replaced.json()["version"] == 2
    assert replaced.json()["policy"]["creditCheck"] is True  # a defined policy starts from the defaults
    history = shop.client.get(f"{POLICY}/history", headers=shop.headers).json()
    assert [h["version"] for h in history] == [2, 1, 0]
    assert history[1]["reason"] == "peak season"


def test_bad_policies_are_refused_with_the_field(shop: Shop) -> None:
    cases = [
        ({"maxItems": 0}, "maxItems"),
        ({"maxItem": 3}, "maxItem"),
        ({"expectedDuration": {"default": "three days"}}, "expectedDuration.default"),
        ({"holdForReview": {"oneTimeTotalAbove": "-1"}}, "holdForReview.oneTimeTotalAbove"),
        ({"cancellation": {"pointOfNoReturn": "never"}}, "cancellation.pointOfNoReturn"),
        (
            {
                "jeopardy": {
                    "levels": [
                        {"level": 1, "name": "a", "offset": "PT1H"},
                        {"level": 2, "name": "b", "offset": "PT0S"},
                    ]
                }
            },
            "jeopardy.levels",
        ),
    ]
    for body, field in cases:
        response = shop.client.patch(POLICY, headers=shop.headers, json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in {d["field"] for d in response.json()["details"]}, response.json()
    assert shop.client.get(POLICY, headers=shop.headers).json()["version"] == 0


def test_only_admins_change_the_policy(shop: Shop) -> None:
    agent = shop.auth_as("agent")
    assert shop.client.get(POLICY, headers=agent).status_code == 200
    assert shop.client.patch(POLICY, headers=agent, json={"maxItems": 3}).status_code == 403
    customer = shop.auth_as("customer", party=shop.party["id"])
    assert shop.client.get(POLICY, headers=customer).status_code == 403
    assert shop.client.post("/admin/ordering/jeopardySweep", headers=customer).status_code == 403


def test_policy_changes_apply_to_the_next_order(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    first = shop.place(shop.item("1", "Email"), shop.item("2", "Email"))
    shop.run_jobs()
    assert shop.get(first["id"])["state"] == "completed"
    shop.client.patch(POLICY, headers=shop.headers, json={"maxItems": 1})
    second = shop.place(shop.item("1", "Email"), shop.item("2", "Email"))
    shop.run_jobs()
    assert shop.get(second["id"])["state"] == "rejected"


def test_expected_durations_set_the_committed_date(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    offering = shop.make_offering("Slow", services=())
    shop.client.patch(
        POLICY,
        headers=shop.headers,
        json={
            "expectedDuration": {"default": "PT2H", "byOffering": {offering["id"]: "P5D"}},
            "holdForReview": {"itemCountAbove": 0},
        },
    )
    order = shop.place(shop.item("1", "Email"), shop.item("2", "Slow"))
    shop.run_jobs()
    released = shop.client.post(
        f"/tmf-api/productOrderingManagement/v4/productOrder/{order['id']}/release", headers=shop.headers
    )
    doc = released.json()
    issued = next(m for m in doc["milestone"] if m["name"] == "issued")["milestoneDate"]
    from datetime import datetime

    committed = datetime.fromisoformat(doc["expectedCompletionDate"].replace("Z", "+00:00"))
    assert committed - datetime.fromisoformat(issued.replace("Z", "+00:00")) < timedelta(days=5, seconds=1)
    assert committed - datetime.fromisoformat(issued.replace("Z", "+00:00")) > timedelta(days=4, hours=23)


# --- reports --------------------------------------------------------------------------------------


def test_report_counts_cycle_times_and_rates(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.make_offering("Phone", services=())
    for _ in range(2):
        shop.place(shop.item("1", "Email"), channel=[{"id": "web"}])
    shop.place(shop.item("1", "Phone"), channel=[{"id": "shop"}])
    shop.place({"id": "1", "action": "add"})  # rejected
    shop.run_jobs()
    report = shop.client.get("/admin/ordering/report", headers=shop.headers, params={"period": "month"}).json()
    totals = report["totals"]
    assert totals["orders"] == 4
    assert totals["byState"] == {"completed": 3, "rejected": 1}
    assert totals["issued"] == 3
    assert Decimal(str(totals["falloutRate"])) == 0
    assert totals["cycleTimeHours"]["average"] is not None
    assert [(r["offering"], r["orders"]) for r in report["byOffering"]] == sorted(
        [(shop.offerings["Email"]["id"], 2), (shop.offerings["Phone"]["id"], 1), ("(none)", 1)]
    )
    assert {r["channel"]: r["orders"] for r in report["byChannel"]} == {"web": 2, "shop": 1, "(none)": 1}
    assert len(report["byPeriod"]) == 1 and report["byPeriod"][0]["orders"] == 4
    later = shop.client.get(
        "/admin/ordering/report", headers=shop.headers, params={"from": "2999-01-01", "groupBy": "channel"}
    ).json()
    assert later["totals"]["orders"] == 0 and "byPeriod" not in later
    bad = shop.client.get("/admin/ordering/report", headers=shop.headers, params={"period": "year"})
    assert bad.status_code == 400


def test_report_trend_per_period(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    clock.clock.advance(timedelta(days=1))
    for _ in range(3):
        shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    days = shop.client.get("/admin/ordering/report", headers=shop.headers, params={"groupBy": "period"}).json()[
        "byPeriod"
    ]
    assert [d["orders"] for d in days] == [1, 3]
    assert "change" not in days[0]
    assert days[1]["change"]["orders"] == 2


def test_cli_report_and_sweep(shop: Shop) -> None:
    from openbss.cli import app

    shop.make_offering("Email", services=())
    shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    runner = CliRunner()
    result = runner.invoke(app, ["orders", "report", "--database", shop.db.url, "--json", "--period", "week"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["totals"]["orders"] == 1 and report["period"] == "week"
    table = runner.invoke(app, ["orders", "report", "--database", shop.db.url])
    assert table.exit_code == 0 and "per offering" in table.output
    bad = runner.invoke(app, ["orders", "report", "--database", shop.db.url, "--period", "decade"])
    assert bad.exit_code == 2
    sweep = runner.invoke(app, ["orders", "jeopardy-sweep", "--database", shop.db.url])
    assert sweep.exit_code == 0 and "0 order(s) alerted" in sweep.output


# --- the sweep works on typed columns ------------------------------------------------------------


def test_sweep_reads_only_the_orders_at_risk(shop: Shop) -> None:
    """Thousands of open orders, a handful at risk: only those are touched (and quickly)."""
    now = clock.now()
    rows = []
    for n in range(5000):
        at_risk = n % 1000 == 0
        committed = now + (timedelta(hours=1) if at_risk else timedelta(days=3))
        rows.append(
            {
                "id": f"bulk-{n}",
                "type": "ProductOrder",
                "status": "inProgress",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "order_date": now,
                "committed_date": committed,
                "jeopardy_level": 0,
                "jeopardy_max": 0,
                "had_fallout": False,
                "payment_required": False,
                "needs_validation": False,
                "doc": {
                    "id": f"bulk-{n}",
                    "state": "inProgress",
                    "productOrderItem": [{"id": "1", "action": "add", "state": "inProgress"}],
                },
            }
        )
    with shop.db.session(write=True) as session:
        session.execute(insert(ProductOrderRow), rows)
    started = time.perf_counter()
    with shop.db.session(write=True) as session:
        result = sweep_jeopardy(job_context(session, get_settings()))
    elapsed = time.perf_counter() - started
    assert result.alerted == 5
    assert elapsed < 2.0
    with shop.db.session(write=True) as session:
        assert sweep_jeopardy(job_context(session, get_settings())).alerted == 0
    # written set-based, but as any change: version, level, document, search index, events
    with shop.db.session() as session:
        alerted = session.execute(select(ProductOrderRow).where(ProductOrderRow.jeopardy_level > 0)).scalars().all()
        assert sorted(r.id for r in alerted) == [f"bulk-{n}" for n in (0, 1000, 2000, 3000, 4000)]
        assert {(r.version, r.jeopardy_level, r.jeopardy_max) for r in alerted} == {(2, 1, 1)}
        doc = alerted[0].doc
        assert [a["name"] for a in doc["jeopardyAlert"]] == ["atRisk"]
        assert doc["jeopardyAlert"][0]["productOrderItem"] == [
            {"itemId": "1", "productOrderId": alerted[0].id, "@type": "ProductOrderItemRef"}
        ]
        assert [m["name"] for m in doc["milestone"]] == ["jeopardy.atRisk"]
        events = session.execute(
            select(OutboxEvent.event_type, func.count())
            .where(OutboxEvent.resource_id == alerted[0].id)
            .group_by(OutboxEvent.event_type)
        ).all()
        assert dict(events) == {
            "ProductOrderAttributeValueChangeEvent": 1,
            "ProductOrderInformationRequiredEvent": 1,
            "ProductOrderStateChangeEvent": 1,
        }
    found = shop.client.get(
        "/tmf-api/productOrderingManagement/v4/productOrder",
        headers=shop.headers,
        params={"jeopardyAlert.name": "atRisk", "fields": "id"},
    )
    assert sorted(o["id"] for o in found.json()) == [f"bulk-{n}" for n in (0, 1000, 2000, 3000, 4000)]


def test_sweep_expires_an_order_the_session_holds(shop: Shop) -> None:
    """The sweep writes with Core statements: a copy of the order loaded earlier in the same
    transaction is read again, not written back over the alert."""
    now = clock.now()
    with shop.db.session(write=True) as session:
        session.execute(
            insert(ProductOrderRow),
            [
                {
                    "id": "held-1",
                    "type": "ProductOrder",
                    "status": "inProgress",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "committed_date": now + timedelta(hours=1),
                    "jeopardy_level": 0,
                    "jeopardy_max": 0,
                    "doc": {"id": "held-1", "state": "inProgress", "productOrderItem": []},
                }
            ],
        )
    with shop.db.session(write=True) as session:
        held = session.get(ProductOrderRow, "held-1")
        assert held is not None and held.version == 1
        assert sweep_jeopardy(job_context(session, get_settings())).alerted == 1
        assert held.version == 2 and held.jeopardy_level == 1
        assert [a["name"] for a in held.doc["jeopardyAlert"]] == ["atRisk"]
        held.doc = {**held.doc, "description": "changed after the sweep"}  # an ordinary ORM change still works
    with shop.db.session() as session:
        again = session.get(ProductOrderRow, "held-1")
        assert again is not None and again.version == 3 and again.doc["jeopardyAlert"][0]["name"] == "atRisk"


# --- eTOM processes -------------------------------------------------------------------------------


def test_processes_show_the_order_handling_steps_as_run(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    shop.place(shop.item("1", "Email"))
    shop.run_jobs()
    tree = shop.client.get("/processes", headers=shop.headers).json()

    def find(nodes: list[dict[str, object]], pid: str) -> dict[str, object] | None:
        for node in nodes:
            if node["id"] == pid:
                return node
            found = find(node.get("subProcess", []), pid)  # type: ignore[arg-type]
            if found:
                return found
        return None

    for pid in (
        "1.3.3.10.1",
        "1.3.3.10.3",
        "1.3.3.10.4",
        "1.3.3.13.1",
        "1.3.3.13.2",
        "1.3.3.15",
        "1.3.3.17",
        "1.3.3.18.2",
    ):
        node = find(tree, pid)
        assert node is not None and node["implemented"] and node["runs"], (pid, node)
    for pid in ("1.3.3.3", "1.3.3.12.1.1", "1.3.3.12.1.3", "1.3.3.14.1", "1.3.3.11.1", "1.3.3.16", "1.3.1.2.17"):
        node = find(tree, pid)
        assert node is not None and node["implemented"], pid
