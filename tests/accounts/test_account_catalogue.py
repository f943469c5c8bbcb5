"""Bill formats, presentation media and billing cycles, and the bill structure that uses them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from account_helpers import (
    ACCOUNTS,
    Headers,
    billing_account,
    created,
    individual,
    organization,
    party_ref,
    problem_fields,
)
from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi.testclient import TestClient
from sqlalchemy import select

from openbss.accounts.models import BillPresentationMediaRow
from openbss.core.db import Database
from openbss.core.migrate import upgrade

MIGRATION = Path(__file__).parents[2] / "src/openbss/migrations/versions/0003_accounts.py"
SEEDED = {"email", "paper", "portal", "ebill-pdf"}


def _seed(db: Database) -> None:
    """Run the data step of migration 0003 (the shared test database is emptied after every test)."""
    spec = importlib.util.spec_from_file_location("migration_0003", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.session() as session:
        present = set(session.execute(select(BillPresentationMediaRow.id)).scalars())
    if present & SEEDED:
        return
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        module.upgrade()


@pytest.fixture
def seeded(db: Database) -> Database:
    _seed(db)
    return db


def _post(client: TestClient, headers: Headers, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return created(client.post(f"{ACCOUNTS}/{path}", json=body, headers=headers))


def _structure(fmt: str, media: list[str], cycle: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": {"id": fmt, "name": "f", "isRef": True},
        "presentationMedia": [{"id": m, "name": m, "isRef": True} for m in media],
    }
    if cycle is not None:
        out["cycleSpecification"] = cycle
    return out


def test_fresh_database_has_the_standard_presentation_media(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(fresh)
    with fresh.session() as session:
        rows = {r.id: r.doc for r in session.execute(select(BillPresentationMediaRow)).scalars()}
    fresh.dispose()
    assert set(rows) == SEEDED
    assert rows["ebill-pdf"]["name"] == "eBill/PDF"


def test_seeded_media_are_listed_and_readable_by_everyone(
    client: TestClient, seeded: Database, agent: Headers, auth: Any
) -> None:
    listed = client.get(f"{ACCOUNTS}/billPresentationMedia", headers=agent)
    assert listed.status_code == 200
    assert {m["id"] for m in listed.json()} == SEEDED
    assert all(m["href"].endswith(f"/billPresentationMedia/{m['id']}") for m in listed.json())
    by_name = client.get(f"{ACCOUNTS}/billPresentationMedia?name=paper", headers=agent).json()
    assert [m["id"] for m in by_name] == ["paper"]
    customer = auth("customer", party="p1")
    assert client.get(f"{ACCOUNTS}/billPresentationMedia/email", headers=customer).status_code == 200
    assert client.get(f"{ACCOUNTS}/billPresentationMedia/efdd89fe-4b3a", headers=agent).status_code == 404


def test_empty_catalogue_lists_are_fine(client: TestClient, agent: Headers) -> None:
    for path in ("billFormat", "billingCycleSpecification", "billPresentationMedia", "financialAccount"):
        response = client.get(f"{ACCOUNTS}/{path}", headers=agent)
        assert response.status_code == 200
        assert response.json() == []


def test_catalogue_writers(client: TestClient, agent: Headers, auth: Any) -> None:
    billing = auth("billing")
    assert client.post(f"{ACCOUNTS}/billPresentationMedia", json={"name": "sms"}, headers=billing).status_code == 201
    assert client.post(f"{ACCOUNTS}/billFormat", json={"name": "x"}, headers=agent).status_code == 403


def test_names_are_not_unique(client: TestClient, admin: Headers) -> None:
    first = _post(client, admin, "billFormat", {"name": "Detailed invoice"})
    second = _post(client, admin, "billFormat", {"name": "Detailed invoice"})
    assert first["id"] != second["id"]
    _post(client, admin, "billingCycleSpecification", {"name": "Monthly billing"})
    _post(client, admin, "billingCycleSpecification", {"name": "Monthly billing"})


def test_bill_structure_references_must_exist(
    client: TestClient, agent: Headers, admin: Headers, seeded: Database
) -> None:
    party = individual(client, agent)
    fmt = _post(client, admin, "billFormat", {"name": "Summary"})
    cycle = _post(client, admin, "billingCycleSpecification", {"name": "Monthly", "frequency": "monthly"})
    good = _structure(fmt["id"], ["email", "paper"], {"id": cycle["id"], "name": "Monthly", "isRef": True})
    assert billing_account(client, agent, party, billStructure=good).status_code == 201
    bad = _structure("no-format", ["email", "fax"], {"id": "no-cycle", "name": "c", "isRef": True})
    response = billing_account(client, agent, party, billStructure=bad)
    assert response.status_code == 400
    assert problem_fields(response) == [
        "billStructure.format.id",
        "billStructure.presentationMedia[1].id",
        "billStructure.cycleSpecification.id",
    ]
    by_value = _structure(
        fmt["id"], ["portal"], {"name": "own", "isRef": False, "frequency": "weekly", "billingDateShift": 9}
    )
    response = billing_account(client, agent, party, billStructure=by_value)
    assert response.status_code == 400
    assert problem_fields(response) == ["billStructure.cycleSpecification.billingDateShift"]
    by_value["cycleSpecification"]["billingDateShift"] = 5
    assert billing_account(client, agent, party, billStructure=by_value).status_code == 201
    no_id = {"format": {"name": "Summary", "isRef": False}}
    response = billing_account(client, agent, party, billStructure=no_id)
    assert problem_fields(response) == ["billStructure.format.id"]


def test_ended_cycle_cannot_be_assigned(client: TestClient, agent: Headers, admin: Headers) -> None:
    cycle = _post(
        client,
        admin,
        "billingCycleSpecification",
        {"name": "Old", "validFor": {"startDateTime": "2001-01-01T00:00:00Z", "endDateTime": "2002-01-01T00:00:00Z"}},
    )
    structure = {"cycleSpecification": {"id": cycle["id"], "name": "Old", "isRef": True}}
    response = billing_account(client, agent, individual(client, agent), billStructure=structure)
    assert response.status_code == 409
    assert response.json()["details"][0]["rule"] == "billingCycle.ended"


def test_referenced_catalogue_entries_cannot_be_deleted(
    client: TestClient, agent: Headers, admin: Headers, seeded: Database
) -> None:
    fmt = _post(client, admin, "billFormat", {"name": "Summary"})
    spare = _post(client, admin, "billFormat", {"name": "Spare"})
    cycle = _post(client, admin, "billingCycleSpecification", {"name": "Monthly"})
    account = created(
        billing_account(
            client,
            agent,
            individual(client, agent),
            billStructure=_structure(fmt["id"], ["paper"], {"id": cycle["id"], "name": "Monthly", "isRef": True}),
        )
    )
    for path, entry_id in (
        ("billFormat", fmt["id"]),
        ("billingCycleSpecification", cycle["id"]),
        ("billPresentationMedia", "paper"),
    ):
        response = client.delete(f"{ACCOUNTS}/{path}/{entry_id}", headers=admin)
        assert response.status_code == 409, response.text
        assert account["id"] in response.json()["message"]
    assert client.delete(f"{ACCOUNTS}/billFormat/{spare['id']}", headers=admin).status_code == 204
    assert client.delete(f"{ACCOUNTS}/billPresentationMedia/portal", headers=admin).status_code == 204
    moved = client.patch(
        f"{ACCOUNTS}/billingAccount/{account['id']}",
        json={
            "billStructure": {
                "presentationMedia": [{"id": "email", "name": "email", "isRef": True}],
                "cycleSpecification": None,
            }
        },
        headers=agent,
    )
    assert moved.status_code == 200, moved.text
    assert client.delete(f"{ACCOUNTS}/billPresentationMedia/paper", headers=admin).status_code == 204
    cycle_url = f"{ACCOUNTS}/billingCycleSpecification/{cycle['id']}"
    assert client.delete(cycle_url, headers=admin).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"frequency": "fortnightly-ish"}, "frequency"),
        ({"frequency": "monthly", "billingDateShift": 31}, "billingDateShift"),
        ({"frequency": "monthly", "billingDateShift": 0}, "billingDateShift"),
        ({"frequency": "weekly", "billingDateShift": 8}, "billingDateShift"),
        ({"frequency": "daily", "billingDateShift": 1}, "billingDateShift"),
        ({"paymentDueDateOffset": -1}, "paymentDueDateOffset"),
        ({"paymentDueDateOffset": 10_000_000}, "paymentDueDateOffset"),
        ({"mailingDateOffset": 20, "paymentDueDateOffset": 14}, "mailingDateOffset"),
        ({"chargeDateOffset": 3}, "chargeDateOffset"),
        ({"frequency": "weekly", "creditDateOffset": -7}, "creditDateOffset"),
        (
            {"validFor": {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2029-01-01T00:00:00Z"}},
            "validFor.endDateTime",
        ),
    ],
)
def test_billing_cycle_validation(client: TestClient, admin: Headers, body: dict[str, Any], field: str) -> None:
    response = client.post(f"{ACCOUNTS}/billingCycleSpecification", json={"name": "c", **body}, headers=admin)
    assert response.status_code == 400, response.text
    assert problem_fields(response) == [field]


def test_billing_cycle_frequency_is_normalised_and_patch_validated(client: TestClient, admin: Headers) -> None:
    cycle = _post(
        client,
        admin,
        "billingCycleSpecification",
        {
            "name": "Quarterly",
            "frequency": "Quarterly",
            "billingDateShift": 15,
            "paymentDueDateOffset": 21,
            "mailingDateOffset": 2,
            "chargeDateOffset": -1,
            "creditDateOffset": 0,
        },
    )
    assert cycle["frequency"] == "quarterly"
    url = f"{ACCOUNTS}/billingCycleSpecification/{cycle['id']}"
    assert client.patch(url, json={"frequency": "weekly"}, headers=admin).status_code == 400
    weekly = {"frequency": "weekly", "billingDateShift": 5}
    assert client.patch(url, json=weekly, headers=admin).status_code == 200


def test_financial_account_groups_existing_accounts(client: TestClient, agent: Headers, admin: Headers) -> None:
    party = individual(client, agent)
    account = created(billing_account(client, agent, party))
    relation = {
        "relationshipType": "member",
        "validFor": {"startDateTime": "2026-01-01T00:00:00Z"},
        "account": {"id": account["id"], "@referredType": "BillingAccount"},
    }
    group = _post(client, agent, "financialAccount", {"name": "Group", "accountRelationship": [relation]})
    bad = {**relation, "account": {"id": "missing"}}
    response = client.post(
        f"{ACCOUNTS}/financialAccount", json={"name": "G", "accountRelationship": [bad]}, headers=agent
    )
    assert response.status_code == 400
    assert problem_fields(response) == ["accountRelationship[0].account.id"]
    own = client.patch(
        f"{ACCOUNTS}/financialAccount/{group['id']}",
        json={"accountRelationship": [{**relation, "account": {"id": group["id"]}}]},
        headers=agent,
    )
    assert problem_fields(own) == ["accountRelationship[0].account.id"]
    member = client.patch(
        f"{ACCOUNTS}/billingAccount/{account['id']}",
        json={"financialAccount": {"id": group["id"], "name": "Group"}},
        headers=agent,
    )
    assert member.status_code == 200
    missing = client.patch(
        f"{ACCOUNTS}/billingAccount/{account['id']}", json={"financialAccount": {"id": "nope"}}, headers=agent
    )
    assert problem_fields(missing) == ["financialAccount.id"]
    assert client.delete(f"{ACCOUNTS}/billingAccount/{account['id']}", headers=admin).status_code == 409
    assert client.delete(f"{ACCOUNTS}/financialAccount/{group['id']}", headers=admin).status_code == 409


def test_settlement_account_belongs_to_a_partner_party(client: TestClient, agent: Headers, auth: Any) -> None:
    partner = organization(client, agent, "Reseller plc")
    body = _post(
        client,
        agent,
        "settlementAccount",
        {"name": "Commission", "relatedParty": [party_ref(partner, "Organization", role="owner")]},
    )
    token = auth("partner", party=partner)
    listed = client.get(f"{ACCOUNTS}/settlementAccount", headers=token).json()
    assert [a["id"] for a in listed] == [body["id"]]
    response = client.post(
        f"{ACCOUNTS}/settlementAccount",
        json={"name": "x", "relatedParty": [party_ref("ghost", "Organization")]},
        headers=agent,
    )
    assert problem_fields(response) == ["relatedParty[0].id"]
