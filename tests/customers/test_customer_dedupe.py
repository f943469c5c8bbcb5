"""De-duplicate Customer Identity (1.3.4.2.4): match keys and duplicate candidates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_customer_helpers import CUSTOMERS, Auth, Headers, customer, email, individual, number_of, phone

from openbss.core.db import Database
from openbss.customers.models import CustomerMatchKey, DuplicateCandidate


def candidates(client: TestClient, headers: Headers, customer_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{CUSTOMERS}/{customer_id}/duplicateCandidates", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_same_email_is_a_candidate_both_ways(client: TestClient, agent: Headers) -> None:
    jane = customer(client, agent, individual(client, agent, contactMedium=[email("jane@example.org")]))
    other = customer(
        client, agent, individual(client, agent, "J.", "Doe-Smith"), contactMedium=[email("Jane@Example.org")]
    )
    found = candidates(client, agent, other["id"])
    assert [c["customer"]["id"] for c in found] == [jane["id"]]
    assert "email" in found[0]["reasons"]
    assert Decimal(str(found[0]["score"])) >= Decimal("0.80")
    assert found[0]["likely"] is True
    assert found[0]["customer"]["customerNumber"] == number_of(jane)
    assert found[0]["customer"]["href"].endswith(f"/customer/{jane['id']}")
    back = candidates(client, agent, jane["id"])
    assert [c["customer"]["id"] for c in back] == [other["id"]]


def test_same_phone_and_same_name_and_birth_date(client: TestClient, agent: Headers) -> None:
    first = customer(
        client,
        agent,
        individual(client, agent, "Ann", "Lee", birthDate="1980-02-01"),
        contactMedium=[phone("+44 7911 123456")],
    )
    by_phone = customer(client, agent, individual(client, agent, "Bob", "Brown"), contactMedium=[phone("07911 123456")])
    by_name = customer(client, agent, individual(client, agent, "Ann", "Lee", birthDate="1980-02-01"))
    assert "phone" in candidates(client, agent, by_phone["id"])[0]["reasons"]
    assert "name+birth-date" in candidates(client, agent, by_name["id"])[0]["reasons"]
    listed = candidates(client, agent, first["id"])
    assert {c["customer"]["id"] for c in listed} == {by_phone["id"], by_name["id"]}
    scores = [Decimal(str(c["score"])) for c in listed]
    assert scores == sorted(scores, reverse=True)


def test_unrelated_customer_is_not_a_candidate(client: TestClient, agent: Headers, db: Database) -> None:
    customer(
        client,
        agent,
        individual(client, agent, "Ann", "Lee", birthDate="1980-02-01", contactMedium=[email("ann@example.org")]),
    )
    stranger = customer(
        client,
        agent,
        individual(client, agent, "Zed", "Quinn", birthDate="1990-07-07", contactMedium=[email("zed@example.net")]),
    )
    assert candidates(client, agent, stranger["id"]) == []
    with db.session() as session:
        keys = set(
            session.execute(
                select(CustomerMatchKey.key).where(CustomerMatchKey.customer_id == stranger["id"])
            ).scalars()
        )
    assert "email:zed@example.net" in keys
    assert "namedob:quinn zed|1990-07-07" in keys


def test_two_customers_of_one_party_score_one(client: TestClient, agent: Headers, db: Database) -> None:
    party = individual(client, agent)
    first = customer(client, agent, party)
    second = customer(client, agent, party)
    with db.session() as session:  # found through the customers' party column, not through a stored key
        stored_keys = set(session.execute(select(CustomerMatchKey.key)).scalars())
    assert not any(k.startswith("party:") for k in stored_keys)
    found = candidates(client, agent, second["id"])
    assert found[0]["customer"]["id"] == first["id"]
    assert found[0]["reasons"] == ["same-party"]
    assert Decimal(str(found[0]["score"])) == Decimal("1")
    with db.session() as session:
        stored = session.get(DuplicateCandidate, (second["id"], first["id"]))
        assert stored is not None
        assert isinstance(stored.score, Decimal)
        assert stored.score == Decimal("1.0000")


def test_patching_contact_data_updates_keys_and_candidates(client: TestClient, agent: Headers) -> None:
    jane = customer(client, agent, individual(client, agent, contactMedium=[email("jane@example.org")]))
    bob = customer(client, agent, individual(client, agent, "Bob", "Brown"), contactMedium=[email("bob@example.org")])
    assert candidates(client, agent, bob["id"]) == []
    patched = client.patch(
        f"{CUSTOMERS}/{bob['id']}", headers=agent, json={"contactMedium": [email("jane@example.org")]}
    )
    assert patched.status_code == 200, patched.text
    assert [c["customer"]["id"] for c in candidates(client, agent, bob["id"])] == [jane["id"]]
    assert [c["customer"]["id"] for c in candidates(client, agent, jane["id"])] == [bob["id"]]
    again = client.patch(
        f"{CUSTOMERS}/{bob['id']}", headers=agent, json={"contactMedium": [email("robert@example.org")]}
    )
    assert again.status_code == 200
    assert candidates(client, agent, bob["id"]) == []
    assert candidates(client, agent, jane["id"]) == []


def test_candidates_need_a_staff_role_and_a_known_customer(client: TestClient, agent: Headers, auth: Auth) -> None:
    party = individual(client, agent)
    mine = customer(client, agent, party)
    token = auth("customer", party=party["id"])
    own = client.get(f"{CUSTOMERS}/{mine['id']}/duplicateCandidates", headers=token)
    assert own.status_code == 403
    missing = client.get(f"{CUSTOMERS}/no-such-id/duplicateCandidates", headers=agent)
    assert missing.status_code == 404


def test_invalid_customer_contact_medium_is_refused(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    response = client.post(
        CUSTOMERS,
        headers=agent,
        json={
            "name": "Jane",
            "engagedParty": {"id": party["id"], "@referredType": "Individual"},
            "contactMedium": [email("not-an-address")],
        },
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == "contactMedium[0].characteristic.emailAddress"
    created = customer(client, agent, party, contactMedium=[phone("07400 123456")])
    assert created["contactMedium"][0]["characteristic"]["phoneNumber"] == "+447400123456"
    bad_patch = client.patch(f"{CUSTOMERS}/{created['id']}", headers=agent, json={"contactMedium": [phone("12")]})
    assert bad_patch.status_code == 400
    assert bad_patch.json()["details"][0]["field"] == "contactMedium[0].characteristic.phoneNumber"


def test_changing_the_party_re_runs_detection(client: TestClient, agent: Headers) -> None:
    jane = customer(client, agent, individual(client, agent, "Jane", "Doe", contactMedium=[email("jane@example.org")]))
    party = individual(client, agent, "Zed", "Quinn", contactMedium=[email("zed@example.net")])
    zed = customer(client, agent, party)
    assert candidates(client, agent, zed["id"]) == []
    changed = client.patch(
        f"/tmf-api/party/v4/individual/{party['id']}",
        json={"contactMedium": [email("jane@example.org")]},
        headers=agent,
    )
    assert changed.status_code == 200, changed.text
    assert [c["customer"]["id"] for c in candidates(client, agent, zed["id"])] == [jane["id"]]
