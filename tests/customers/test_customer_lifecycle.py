"""Terminate (1.3.4.4) and re-establish (1.3.4.3) customer relationships; the lifecycle rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_customer_helpers import CUSTOMERS, PARTY, Auth, Headers, customer, error_fields, events, individual

from openbss.core.db import Database
from openbss.core.processes import ProcessRun
from openbss.customers import service
from openbss.customers.models import CustomerRow
from openbss.tmf.context import Context


def post(client: TestClient, headers: Headers, customer_id: str, action: str, **body: Any) -> Any:
    return client.post(f"{CUSTOMERS}/{customer_id}/{action}", json=body, headers=headers)


def runs(db: Database, process_id: str) -> int:
    with db.session() as session:
        return int(
            session.execute(
                select(func.count()).select_from(ProcessRun).where(ProcessRun.process_id == process_id)
            ).scalar_one()
        )


def read(client: TestClient, headers: Headers, customer_id: str) -> tuple[dict[str, Any], str]:
    response = client.get(f"{CUSTOMERS}/{customer_id}", headers=headers)
    return response.json(), response.headers["ETag"]


def test_terminate_and_reestablish(client: TestClient, agent: Headers, db: Database) -> None:
    created = customer(client, agent, individual(client, agent), status="approved")
    terminated = post(client, agent, created["id"], "terminate", reason="moved abroad")
    assert terminated.status_code == 200, terminated.text
    body = terminated.json()
    assert body["status"] == "terminated"
    assert body["statusReason"] == "moved abroad"
    assert body["validFor"]["endDateTime"]
    assert terminated.headers["ETag"] == '"2"'
    state = events(db, created["id"], "CustomerStateChangeEvent")
    assert state[-1].payload["event"]["customer"]["status"] == "terminated"
    assert runs(db, "1.3.4.4") == 1

    before = read(client, agent, created["id"])
    twice = post(client, agent, created["id"], "terminate")
    assert twice.status_code == 409
    assert read(client, agent, created["id"]) == before

    back = post(client, agent, created["id"], "reestablish", reason="returned")
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "approved"
    assert back.json()["statusReason"] == "returned"
    assert set(back.json()["validFor"]) == {"startDateTime"}
    assert runs(db, "1.3.4.3") == 1


def test_illegal_transitions_are_409_and_change_nothing(client: TestClient, agent: Headers) -> None:
    created = customer(client, agent, individual(client, agent))
    assert created["status"] == "initialized"
    before = read(client, agent, created["id"])
    initial = post(client, agent, created["id"], "reestablish")
    assert initial.status_code == 409
    assert error_fields(initial) == ["status"]
    approved = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "approved"}, headers=agent)
    assert approved.status_code == 200
    before = read(client, agent, created["id"])
    assert post(client, agent, created["id"], "reestablish").status_code == 409
    merged = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "merged"}, headers=agent)
    assert merged.status_code == 409
    unknown = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "initialized"}, headers=agent)
    assert unknown.status_code == 409
    assert read(client, agent, created["id"]) == before
    assert post(client, agent, "no-such-id", "terminate").status_code == 404


def test_suspend_then_reestablish_keeps_the_period(client: TestClient, agent: Headers) -> None:
    created = customer(
        client, agent, individual(client, agent), status="approved", validFor={"startDateTime": "2024-01-01T00:00:00Z"}
    )
    suspended = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "suspended"}, headers=agent)
    assert suspended.status_code == 200
    back = post(client, agent, created["id"], "reestablish")
    assert back.status_code == 200
    period = back.json()["validFor"]
    assert set(period) == {"startDateTime"}
    start = datetime.fromisoformat(period["startDateTime"].replace("Z", "+00:00"))
    assert start == datetime(2024, 1, 1, tzinfo=UTC)


def test_patch_transitions_run_the_same_rules(client: TestClient, agent: Headers, db: Database) -> None:
    created = customer(client, agent, individual(client, agent), status="approved")
    ended = client.patch(
        f"{CUSTOMERS}/{created['id']}", headers=agent, json={"status": "terminated", "statusReason": "asked"}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["validFor"]["endDateTime"]
    assert runs(db, "1.3.4.4") == 1
    again = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "approved"}, headers=agent)
    assert again.status_code == 200
    assert "endDateTime" not in again.json()["validFor"]
    assert runs(db, "1.3.4.3") == 1


def test_a_guard_refuses_termination(
    client: TestClient, agent: Headers, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = customer(client, agent, individual(client, agent), status="approved")
    seen: list[str] = []

    def open_balance(ctx: Context, row: CustomerRow) -> str | None:
        seen.append(row.id)
        return "billing account BA-1 has an open balance of 12.50 GBP"

    monkeypatch.setattr(service, "TERMINATION_GUARDS", [])
    service.register_termination_guard(open_balance)
    before = read(client, agent, created["id"])
    count = len(events(db, created["id"]))
    by_patch = client.patch(f"{CUSTOMERS}/{created['id']}", json={"status": "terminated"}, headers=agent)
    for response in (post(client, agent, created["id"], "terminate", reason="x"), by_patch):
        assert response.status_code == 409
        assert "open balance" in response.json()["message"]
        assert response.json()["details"][0]["rule"] == "termination.refused"
    assert seen == [created["id"], created["id"]]
    assert read(client, agent, created["id"]) == before
    assert len(events(db, created["id"])) == count
    assert runs(db, "1.3.4.4") == 0


def test_reestablish_needs_an_active_party(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    created = customer(client, agent, party, status="approved")
    assert post(client, agent, created["id"], "terminate").status_code == 200
    died = client.patch(f"{PARTY}/individual/{party['id']}", json={"status": "deceaded"}, headers=agent)
    assert died.status_code == 200, died.text
    refused = post(client, agent, created["id"], "reestablish")
    assert refused.status_code == 409
    assert refused.json()["details"][0]["rule"] == "reestablish.partyEnded"


def test_operations_check_roles_and_bodies(client: TestClient, agent: Headers, auth: Auth) -> None:
    party = individual(client, agent)
    created = customer(client, agent, party, status="approved")
    token = auth("customer", party=party["id"])
    assert post(client, token, created["id"], "terminate").status_code == 403
    bad = post(client, agent, created["id"], "terminate", reason=42)
    assert bad.status_code == 400
    assert error_fields(bad) == ["reason"]
    not_json = client.post(f"{CUSTOMERS}/{created['id']}/terminate", content=b"{nope", headers=agent)
    assert not_json.status_code == 400
    empty = client.post(f"{CUSTOMERS}/{created['id']}/terminate", headers=agent)
    assert empty.status_code == 200
