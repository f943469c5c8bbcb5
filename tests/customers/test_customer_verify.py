"""Verify Customer (1.3.4.2.1)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_customer_helpers import (
    CUSTOMERS,
    Auth,
    Headers,
    characteristic,
    customer,
    email,
    events,
    individual,
    passport,
)

from openbss.core.db import Database
from openbss.customers.verification import verification_policy


def complete_person(client: TestClient, agent: Headers, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "birthDate": "1980-02-01",
        "individualIdentification": [passport()],
        "contactMedium": [email("jane@example.org")],
        **overrides,
    }
    return individual(client, agent, **fields)


def verify(client: TestClient, headers: Headers, customer_id: str) -> Any:
    return client.post(f"{CUSTOMERS}/{customer_id}/verify", headers=headers)


def test_passed_verification_approves_an_initialized_customer(client: TestClient, agent: Headers, db: Database) -> None:
    created = customer(client, agent, complete_person(client, agent))
    response = verify(client, agent, created["id"])
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["passed"] is True and outcome["status"] == "passed"
    assert outcome["failedRules"] == []
    assert outcome["customerStatus"] == "approved"
    rules = {c["rule"] for c in outcome["checks"]}
    assert rules >= {"identity.document", "identity.age", "contact.reachable"}
    assert outcome["policy"]["minimumAge"] == 18

    stored = client.get(f"{CUSTOMERS}/{created['id']}", headers=agent).json()
    assert stored["status"] == "approved"
    assert characteristic(stored, "verificationStatus") == "passed"
    assert characteristic(stored, "verifiedAt") == outcome["verifiedAt"]
    kinds = [e.event_type for e in events(db, created["id"])]
    assert sorted(kinds[-2:]) == ["CustomerAttributeValueChangeEvent", "CustomerStateChangeEvent"]

    history = client.get(f"{CUSTOMERS}/{created['id']}/verification", headers=agent)
    assert history.status_code == 200
    assert [h["id"] for h in history.json()] == [outcome["id"]]

    tamper = client.patch(
        f"{CUSTOMERS}/{created['id']}",
        headers=agent,
        json={"characteristic": [{"name": "verificationStatus", "value": "failed"}]},
    )
    assert tamper.status_code == 400


def test_failed_verification_gives_reasons_and_keeps_the_status(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent, birthDate="1980-02-01")  # no identity document, no contact
    created = customer(client, agent, party)
    response = verify(client, agent, created["id"])
    assert response.status_code == 200
    outcome = response.json()
    assert outcome["passed"] is False
    assert set(outcome["failedRules"]) == {"identity.document", "contact.reachable"}
    failed = {c["rule"]: c["detail"] for c in outcome["checks"] if not c["passed"]}
    assert "accepted type" in failed["identity.document"]
    stored = client.get(f"{CUSTOMERS}/{created['id']}", headers=agent).json()
    assert stored["status"] == "initialized"
    assert characteristic(stored, "verificationStatus") == "failed"

    # the customer's own contact medium counts; a second run passes the contact check
    patched = client.patch(
        f"{CUSTOMERS}/{created['id']}", json={"contactMedium": [email("j@example.org")]}, headers=agent
    )
    assert patched.status_code == 200
    second = verify(client, agent, created["id"]).json()
    assert second["failedRules"] == ["identity.document"]
    history = client.get(f"{CUSTOMERS}/{created['id']}/verification", headers=agent).json()
    assert [h["id"] for h in history] == [second["id"], outcome["id"]]


def test_policy_comes_from_the_environment(client: TestClient, agent: Headers, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBSS_VERIFY_MIN_AGE", "120")
    created = customer(client, agent, complete_person(client, agent))
    outcome = verify(client, agent, created["id"]).json()
    assert outcome["failedRules"] == ["identity.age"]
    assert outcome["policy"]["minimumAge"] == 120
    monkeypatch.setenv("OPENBSS_VERIFY_REQUIRED_RULES", "party.name,party.active")
    assert verify(client, agent, created["id"]).json()["passed"] is True


def test_policy_parsing() -> None:
    policy = verification_policy(
        {"OPENBSS_VERIFY_ACCEPTED_DOCUMENTS": "passport, idCard", "OPENBSS_VERIFY_REQUIRE_EMAIL": "yes"}
    )
    assert policy.accepted_identification_types == frozenset({"passport", "idCard"})
    assert policy.require_valid_email is True
    anything = verification_policy({"OPENBSS_VERIFY_ACCEPTED_DOCUMENTS": "*"})
    assert anything.accepted_identification_types == set()
    with pytest.raises(ValueError, match="MIN_AGE"):
        verification_policy({"OPENBSS_VERIFY_MIN_AGE": "adult"})
    with pytest.raises(ValueError, match="unknown verification rules"):
        verification_policy({"OPENBSS_VERIFY_REQUIRED_RULES": "no.such.rule"})


def test_verification_of_an_approved_customer_keeps_it_approved(client: TestClient, agent: Headers) -> None:
    created = customer(client, agent, individual(client, agent), status="approved")
    outcome = verify(client, agent, created["id"]).json()
    assert outcome["passed"] is False
    assert outcome["customerStatus"] == "approved"


def test_roles_and_merged_customers(client: TestClient, agent: Headers, auth: Auth) -> None:
    party = complete_person(client, agent)
    created = customer(client, agent, party)
    other = customer(client, agent, complete_person(client, agent, contactMedium=[email("x@example.org")]))
    token = auth("customer", party=party["id"])
    assert verify(client, token, created["id"]).status_code == 403
    assert verify(client, agent, created["id"]).status_code == 200
    own = client.get(f"{CUSTOMERS}/{created['id']}/verification", headers=token)
    assert own.status_code == 200 and len(own.json()) == 1
    assert client.get(f"{CUSTOMERS}/{other['id']}/verification", headers=token).status_code == 404
    assert verify(client, agent, "no-such-id").status_code == 404
    merged = client.post(f"{CUSTOMERS}/{other['id']}/merge", json={"mergeInto": created["id"]}, headers=agent)
    assert merged.status_code == 200
    assert verify(client, agent, other["id"]).status_code == 409
    unknown = client.post(f"{CUSTOMERS}/{created['id']}/verify", json={"force": True}, headers=agent)
    assert unknown.status_code == 400
