"""Merging duplicate customers (1.3.4.2.4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_customer_helpers import (
    CUSTOMERS,
    Auth,
    Headers,
    customer,
    email,
    events,
    individual,
    number_of,
    phone,
)

from openbss.core.db import Database
from openbss.customers import service
from openbss.customers.models import CustomerRow
from openbss.tmf.context import Context


def merge(client: TestClient, headers: Headers, loser: str, survivor: str, **extra: Any) -> Any:
    return client.post(f"{CUSTOMERS}/{loser}/merge", json={"mergeInto": survivor, **extra}, headers=headers)


@pytest.fixture
def trio(client: TestClient, agent: Headers) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """survivor and loser share an e-mail; third shares only the loser's phone."""
    survivor = customer(
        client,
        agent,
        individual(client, agent, "Jane", "Doe"),
        contactMedium=[email("jane@example.org", preferred=True)],
        account=[{"id": "acc-1", "name": "main"}],
    )
    loser = customer(
        client,
        agent,
        individual(client, agent, "Jane", "Doe-Smith"),
        contactMedium=[email("jane@example.org"), phone("+447911123456", preferred=True)],
        account=[{"id": "acc-2", "name": "second"}],
    )
    third = customer(client, agent, individual(client, agent, "Tom", "Third"), contactMedium=[phone("07911 123456")])
    return survivor, loser, third


def test_merge_moves_references_and_closes_the_loser(
    client: TestClient, agent: Headers, db: Database, trio: tuple[dict[str, Any], ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    survivor, loser, third = trio
    calls: list[tuple[str, str]] = []

    def move_orders(ctx: Context, old: CustomerRow, new: CustomerRow) -> int:
        calls.append((old.id, new.id))
        return 3

    monkeypatch.setattr(service, "MERGE_HANDLERS", [])
    service.register_merge_handler(move_orders)
    before_events = len(events(db, survivor["id"]))

    response = merge(client, agent, loser["id"], survivor["id"], reason="same person, two sign-ups")
    assert response.status_code == 200, response.text
    body = response.json()
    merged, kept = body["customer"], body["mergedInto"]
    assert merged["status"] == "merged"
    assert number_of(survivor) in merged["statusReason"] and survivor["id"] in merged["statusReason"]
    assert "same person" in merged["statusReason"]
    assert merged["validFor"]["endDateTime"]
    assert body["moved"] == {
        "contactMedium": 1,
        "account": 1,
        "agreement": 0,
        "paymentMethod": 0,
        "duplicateCandidates": 1,
        "move_orders": 3,
    }
    assert calls == [(loser["id"], survivor["id"])]
    phones = [m for m in kept["contactMedium"] if m["mediumType"] == "phone"]
    assert phones == [{"mediumType": "phone", "characteristic": {"phoneNumber": "+447911123456"}, "preferred": False}]
    assert len([m for m in kept["contactMedium"] if m["mediumType"] == "email"]) == 1
    assert {a["id"] for a in kept["account"]} == {"acc-1", "acc-2"}

    candidates = client.get(f"{CUSTOMERS}/{survivor['id']}/duplicateCandidates", headers=agent).json()
    assert [c["customer"]["id"] for c in candidates] == [third["id"]]
    assert client.get(f"{CUSTOMERS}/{loser['id']}/duplicateCandidates", headers=agent).json() == []
    third_candidates = client.get(f"{CUSTOMERS}/{third['id']}/duplicateCandidates", headers=agent).json()
    assert [c["customer"]["id"] for c in third_candidates] == [survivor["id"]]

    loser_events = [e.event_type for e in events(db, loser["id"])]
    assert "CustomerStateChangeEvent" in loser_events
    assert "CustomerAttributeValueChangeEvent" in loser_events
    state = events(db, loser["id"], "CustomerStateChangeEvent")[-1]
    assert state.payload["event"]["customer"]["status"] == "merged"
    survivor_events = events(db, survivor["id"])[before_events:]
    assert [e.event_type for e in survivor_events] == ["CustomerAttributeValueChangeEvent"]

    # the loser stays readable by id and by number, and is final
    by_number = client.get(f"{CUSTOMERS}/byNumber/{number_of(loser)}", headers=agent)
    assert by_number.json()["status"] == "merged"
    patch = client.patch(f"{CUSTOMERS}/{loser['id']}", json={"name": "x"}, headers=agent)
    assert patch.status_code == 409
    back = client.patch(f"{CUSTOMERS}/{loser['id']}", json={"status": "approved"}, headers=agent)
    assert back.status_code == 409


def _snapshot(client: TestClient, headers: Headers, db: Database, ids: list[str]) -> list[Any]:
    docs = [client.get(f"{CUSTOMERS}/{i}", headers=headers) for i in ids]
    candidates = [client.get(f"{CUSTOMERS}/{i}/duplicateCandidates", headers=headers).json() for i in ids]
    return [[(d.json(), d.headers["ETag"]) for d in docs], candidates, [len(events(db, i)) for i in ids]]


def test_refused_merges_change_nothing(
    client: TestClient, agent: Headers, db: Database, trio: tuple[dict[str, Any], ...]
) -> None:
    survivor, loser, third = trio
    ids = [survivor["id"], loser["id"], third["id"]]
    before = _snapshot(client, agent, db, ids)
    itself = merge(client, agent, loser["id"], loser["id"])
    assert itself.status_code == 409
    assert "itself" in itself.json()["message"]
    missing = client.post(f"{CUSTOMERS}/{loser['id']}/merge", json={"reason": "x"}, headers=agent)
    assert missing.status_code == 400
    assert missing.json()["details"][0]["field"] == "mergeInto"
    unknown = merge(client, agent, loser["id"], "no-such-customer")
    assert unknown.status_code == 400
    assert unknown.json()["details"][0]["field"] == "mergeInto"
    typo = client.post(f"{CUSTOMERS}/{loser['id']}/merge", json={"mergeinto": survivor["id"]}, headers=agent)
    assert typo.status_code == 400
    assert merge(client, agent, "no-such-customer", survivor["id"]).status_code == 404
    assert _snapshot(client, agent, db, ids) == before

    assert merge(client, agent, loser["id"], survivor["id"]).status_code == 200
    after_first = _snapshot(client, agent, db, ids)
    again = merge(client, agent, loser["id"], survivor["id"])
    assert again.status_code == 409
    assert "already merged" in again.json()["message"]
    into_merged = merge(client, agent, third["id"], loser["id"])
    assert into_merged.status_code == 409
    assert "merged" in into_merged.json()["message"]
    assert client.post(f"{CUSTOMERS}/{third['id']}/terminate", json={}, headers=agent).status_code == 200
    into_terminated = merge(client, agent, survivor["id"], third["id"])
    assert into_terminated.status_code == 409
    assert "terminated" in into_terminated.json()["message"]
    final = _snapshot(client, agent, db, ids)
    assert final[0][:2] == after_first[0][:2]


def test_merge_is_idempotent_with_a_key_and_staff_only(
    client: TestClient, agent: Headers, auth: Auth, trio: tuple[dict[str, Any], ...]
) -> None:
    survivor, loser, _ = trio
    party_token = auth("customer", party=loser["engagedParty"]["id"])
    assert merge(client, party_token, loser["id"], survivor["id"]).status_code == 403
    keyed = {**agent, "Idempotency-Key": "merge-42"}
    first = merge(client, keyed, loser["id"], survivor["id"])
    second = merge(client, keyed, loser["id"], survivor["id"])
    assert first.status_code == second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first.json()
    assert merge(client, agent, loser["id"], survivor["id"]).status_code == 409
