"""Merging customers moves their accounts to the survivor."""

from __future__ import annotations

from account_helpers import (
    ACCOUNTS,
    CUSTOMERS,
    Headers,
    billing_account,
    created,
    customer,
    individual,
    party_ref,
)
from fastapi.testclient import TestClient

from openbss.accounts.models import BillingAccountRow, PartyAccountRow
from openbss.accounts.service import move_accounts_on_merge
from openbss.core.db import Database
from openbss.customers.service import MERGE_HANDLERS


def test_handler_is_registered() -> None:
    assert move_accounts_on_merge in MERGE_HANDLERS


def test_merge_moves_accounts_and_ownership(client: TestClient, agent: Headers, db: Database, auth: object) -> None:
    survivor_party = individual(client, agent, "Jane", "Doe")
    loser_party = individual(client, agent, "J", "Doe")
    survivor, loser = customer(client, agent, survivor_party), customer(client, agent, loser_party, "J Doe")
    via_customer = created(billing_account(client, agent, loser["id"], "Customer"))
    via_party = created(
        client.post(
            f"{ACCOUNTS}/partyAccount",
            json={"name": "p", "relatedParty": [party_ref(loser_party, role="owner")]},
            headers=agent,
        )
    )
    untouched = created(billing_account(client, agent, individual(client, agent, "Other")))
    response = client.post(f"{CUSTOMERS}/{loser['id']}/merge", json={"mergeInto": survivor["id"]}, headers=agent)
    assert response.status_code == 200, response.text
    assert response.json()["moved"]["move_accounts_on_merge"] == 2
    moved = client.get(f"{ACCOUNTS}/billingAccount/{via_customer['id']}", headers=agent).json()
    assert moved["relatedParty"][0]["id"] == survivor["id"]
    assert moved["relatedParty"][0]["@referredType"] == "Customer"
    party_account = client.get(f"{ACCOUNTS}/partyAccount/{via_party['id']}", headers=agent).json()
    assert party_account["relatedParty"][0]["id"] == survivor_party
    with db.session() as session:
        billing = session.get(BillingAccountRow, via_customer["id"])
        party_row = session.get(PartyAccountRow, via_party["id"])
        other = session.get(BillingAccountRow, untouched["id"])
        assert billing is not None and party_row is not None and other is not None
        assert (billing.owner_party_id, billing.customer_id) == (survivor_party, survivor["id"])
        assert party_row.owner_party_id == survivor_party
        assert other.doc["relatedParty"][0]["id"] != survivor_party
    survivor_token = auth("customer", party=survivor_party)  # type: ignore[operator]
    seen = client.get(f"{ACCOUNTS}/billingAccount", headers=survivor_token).json()
    assert [a["id"] for a in seen] == [via_customer["id"]]
