"""TMF666 accounts through the API: ownership, authorisation, money, currency lock, lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from account_helpers import (
    ACCOUNTS,
    CUSTOMERS,
    Headers,
    billing_account,
    created,
    customer,
    individual,
    organization,
    party_ref,
    problem_fields,
)
from fastapi.testclient import TestClient

from openbss.accounts import service
from openbss.accounts.models import BillingAccountRow
from openbss.core.db import Database
from openbss.core.security import ANONYMOUS_ADMIN
from openbss.core.settings import get_settings
from openbss.tmf.context import Context

BA = f"{ACCOUNTS}/billingAccount"
TokenFactory = Callable[..., dict[str, str]]


def _row(db: Database, account_id: str) -> BillingAccountRow:
    with db.session() as session:
        row = session.get(BillingAccountRow, account_id)
        assert row is not None
        return row


def _mark_billed(db: Database, account_id: str, currency: str | None = None) -> None:
    with db.session() as session:
        ctx = Context(session=session, principal=ANONYMOUS_ADMIN, settings=get_settings())
        service.mark_billed(ctx, account_id, currency)


# --- ownership ---------------------------------------------------------------------------------------


def test_unknown_party_is_refused_naming_the_field(client: TestClient, agent: Headers) -> None:
    response = billing_account(client, agent, "no-such-party", "Organization")
    assert response.status_code == 400, response.text
    assert problem_fields(response) == ["relatedParty[0].id"]
    assert response.json()["details"][0]["rule"] == "reference.exists"
    assert client.get(BA, headers=agent).json() == []


def test_reference_check_off_accepts_an_external_party(
    client: TestClient, agent: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "off")
    get_settings.cache_clear()
    body = created(billing_account(client, agent, "6838", "Organization"))
    assert body["state"] == "pending"


def test_party_owner_and_customer_owner_resolve_to_the_party(client: TestClient, agent: Headers, db: Database) -> None:
    party = individual(client, agent)
    direct = created(billing_account(client, agent, party))
    cust = customer(client, agent, party)
    via_customer = created(billing_account(client, agent, cust["id"], "Customer"))
    assert _row(db, direct["id"]).owner_party_id == party
    row = _row(db, via_customer["id"])
    assert row.owner_party_id == party
    assert row.customer_id == cust["id"]


def test_owner_role_wins_over_position(client: TestClient, agent: Headers, db: Database) -> None:
    first, payer = individual(client, agent, "Ann"), individual(client, agent, "Pat")
    body = created(
        client.post(
            BA,
            json={"name": "x", "relatedParty": [party_ref(first, role="contact"), party_ref(payer, role="payer")]},
            headers=agent,
        )
    )
    assert _row(db, body["id"]).owner_party_id == payer


def test_wrong_referred_type_is_refused(client: TestClient, agent: Headers) -> None:
    org = organization(client, agent)
    response = billing_account(client, agent, org, "Individual")
    assert response.status_code == 400
    assert problem_fields(response) == ["relatedParty[0].@referredType"]


def test_terminated_customer_cannot_own_a_new_account(client: TestClient, agent: Headers) -> None:
    cust = customer(client, agent, individual(client, agent))
    done = client.patch(f"{CUSTOMERS}/{cust['id']}", json={"status": "terminated"}, headers=agent)
    assert done.status_code == 200, done.text
    response = billing_account(client, agent, cust["id"], "Customer")
    assert response.status_code == 409, response.text
    assert response.json()["details"][0]["rule"] == "owner.status"


def test_customer_token_sees_only_its_own_accounts(client: TestClient, agent: Headers, auth: TokenFactory) -> None:
    mine, other = individual(client, agent, "Me"), individual(client, agent, "Other")
    my_cust = customer(client, agent, mine)
    own = created(billing_account(client, agent, my_cust["id"], "Customer"))
    foreign = created(billing_account(client, agent, other))
    me = auth("customer", party=mine)
    listed = client.get(BA, headers=me)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()] == [own["id"]]
    assert client.get(f"{BA}/{own['id']}", headers=me).status_code == 200
    assert client.get(f"{BA}/{foreign['id']}", headers=me).status_code == 404
    assert client.patch(f"{BA}/{foreign['id']}", json={"description": "x"}, headers=me).status_code == 404


def test_customer_may_change_only_holder_attributes(client: TestClient, agent: Headers, auth: TokenFactory) -> None:
    party = individual(client, agent)
    account = created(billing_account(client, agent, party))
    me = auth("customer", party=party)
    ok = client.patch(f"{BA}/{account['id']}", json={"description": "household"}, headers=me)
    assert ok.status_code == 200, ok.text
    limit = client.patch(f"{BA}/{account['id']}", json={"creditLimit": {"unit": "EUR", "value": 1e6}}, headers=me)
    assert limit.status_code == 403
    assert problem_fields(limit) == ["creditLimit"]
    owner = client.patch(
        f"{BA}/{account['id']}", json={"relatedParty": [party_ref(individual(client, agent, "Someone"))]}, headers=me
    )
    assert owner.status_code == 403
    assert client.patch(f"{BA}/{account['id']}", json={"state": "active"}, headers=me).status_code == 403
    own = {"name": "n", "relatedParty": [party_ref(party)]}
    assert client.post(BA, json=own, headers=me).status_code == 403


# --- money ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "field", "rule"),
    [
        ({"unit": "EUR", "value": -1}, "creditLimit.value", "money.nonNegative"),
        ({"unit": "EURO", "value": 10}, "creditLimit.unit", "currency.iso4217"),
        ({"unit": "XAU", "value": 10}, "creditLimit.unit", "currency.iso4217"),
        ({"unit": "EUR", "value": "lots"}, "creditLimit.value", "type.number"),
        ({"unit": "EUR", "value": True}, "creditLimit.value", "type.number"),
        ({"value": 10}, "creditLimit.unit", "currency.required"),
        ({"unit": "EUR", "value": "10.001"}, "creditLimit.value", "money.minorUnit"),
        ({"unit": "JPY", "value": "10.5"}, "creditLimit.value", "money.minorUnit"),
        ({"unit": "EUR", "value": "1e400"}, "creditLimit.value", "money.range"),
    ],
)
def test_credit_limit_validation(
    client: TestClient, agent: Headers, limit: dict[str, Any], field: str, rule: str
) -> None:
    party = individual(client, agent)
    response = billing_account(client, agent, party, creditLimit=limit)
    assert response.status_code == 400, response.text
    assert (problem_fields(response)[0], response.json()["details"][0]["rule"]) == (field, rule)
    assert client.get(BA, headers=agent).json() == []


def test_credit_limit_is_exact_and_sets_the_currency(client: TestClient, agent: Headers, db: Database) -> None:
    party = individual(client, agent)
    limit = {"unit": "kwd", "value": 123456789012.345}
    body = created(billing_account(client, agent, party, creditLimit=limit))
    assert body["creditLimit"] == {"unit": "KWD", "value": 123456789012.345}
    raw = client.get(f"{BA}/{body['id']}", headers=agent).text
    assert '"value":123456789012.345' in raw
    row = _row(db, body["id"])
    assert row.currency == "KWD"
    assert row.doc["creditLimit"]["value"] == Decimal("123456789012.345")


def test_currency_statements_must_agree(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    response = client.post(
        BA,
        json={
            "name": "x",
            "relatedParty": [party_ref(party)],
            "creditLimit": {"unit": "EUR", "value": 10},
            "paymentPlan": [{"numberOfPayments": 3, "totalAmount": {"unit": "USD", "value": 30}}],
        },
        headers=agent,
    )
    assert response.status_code == 400
    assert problem_fields(response) == ["paymentPlan[0].totalAmount.unit"]


# --- currency lock ----------------------------------------------------------------------------------------


def test_currency_cannot_change_once_billed(client: TestClient, agent: Headers, db: Database) -> None:
    party = individual(client, agent)
    account = created(billing_account(client, agent, party, creditLimit={"unit": "EUR", "value": 100}))
    url = f"{BA}/{account['id']}"
    before_billing = client.patch(url, json={"creditLimit": {"unit": "GBP", "value": 100}}, headers=agent)
    assert before_billing.status_code == 200
    assert _row(db, account["id"]).currency == "GBP"
    _mark_billed(db, account["id"])
    version = client.get(url, headers=agent).headers["ETag"]
    locked = client.patch(url, json={"creditLimit": {"unit": "USD", "value": 500}, "description": "d"}, headers=agent)
    assert locked.status_code == 409, locked.text
    assert problem_fields(locked) == ["creditLimit.unit"]
    assert locked.json()["details"][0]["rule"] == "currency.locked"
    after = client.get(url, headers=agent)
    assert after.headers["ETag"] == version
    assert after.json()["creditLimit"] == {"unit": "GBP", "value": 100}
    assert "description" not in after.json()
    row = _row(db, account["id"])
    assert (row.currency, row.billed) == ("GBP", True)
    same = client.patch(url, json={"creditLimit": {"unit": "GBP", "value": 900}}, headers=agent)
    assert same.status_code == 200


def test_mark_billed_sets_a_missing_currency_and_refuses_another(
    client: TestClient, agent: Headers, admin: Headers, db: Database
) -> None:
    account = created(billing_account(client, agent, individual(client, agent)))
    _mark_billed(db, account["id"], "eur")
    assert _row(db, account["id"]).currency == "EUR"
    from openbss.core.errors import Conflict, NotFound

    with pytest.raises(Conflict):
        _mark_billed(db, account["id"], "USD")
    with pytest.raises(NotFound):
        _mark_billed(db, "nope")
    locked = client.patch(f"{BA}/{account['id']}", json={"creditLimit": {"unit": "USD", "value": 1}}, headers=agent)
    assert locked.status_code == 409
    deleted = client.delete(f"{BA}/{account['id']}", headers=admin)
    assert deleted.status_code == 409
    assert deleted.json()["details"][0]["rule"] == "account.billed"


# --- lifecycle --------------------------------------------------------------------------------------------


def test_lifecycle_and_illegal_transitions(client: TestClient, agent: Headers) -> None:
    account = created(billing_account(client, agent, individual(client, agent)))
    url = f"{BA}/{account['id']}"
    assert account["state"] == "pending"
    assert client.patch(url, json={"state": "suspended"}, headers=agent).status_code == 409
    for state in ("active", "suspended", "active", "closed"):
        response = client.patch(url, json={"state": state}, headers=agent)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
    reopen = client.patch(url, json={"state": "active"}, headers=agent)
    assert reopen.status_code == 409
    assert reopen.json()["details"][0]["rule"] == "lifecycle.transition"
    edit = client.patch(url, json={"description": "late"}, headers=agent)
    assert edit.status_code == 409
    assert edit.json()["details"][0]["rule"] == "account.closed"


def test_unknown_initial_state_is_refused(client: TestClient, agent: Headers) -> None:
    response = billing_account(client, agent, individual(client, agent), state="closed")
    assert response.status_code == 400
    active = created(billing_account(client, agent, individual(client, agent), state="active"))
    assert active["state"] == "active"


def test_close_guard_refuses_closing(client: TestClient, agent: Headers) -> None:
    account = created(billing_account(client, agent, individual(client, agent), state="active"))

    def open_balance(ctx: Context, row: Any) -> str | None:
        return "it has an open balance of EUR 12.00" if row.id == account["id"] else None

    service.register_close_guard(open_balance)
    refused = client.patch(f"{BA}/{account['id']}", json={"state": "closed"}, headers=agent)
    assert refused.status_code == 409
    assert "open balance" in refused.json()["message"]
    assert client.get(f"{BA}/{account['id']}", headers=agent).json()["state"] == "active"
    service.CLOSE_GUARDS.clear()
    assert client.patch(f"{BA}/{account['id']}", json={"state": "closed"}, headers=agent).status_code == 200


def test_change_account_state_from_another_domain(client: TestClient, agent: Headers, db: Database) -> None:
    account = created(billing_account(client, agent, individual(client, agent), state="active"))
    with db.session() as session:
        ctx = Context(session=session, principal=ANONYMOUS_ADMIN, settings=get_settings())
        service.change_account_state(ctx, "billingAccount", account["id"], "suspended")
    assert client.get(f"{BA}/{account['id']}", headers=agent).json()["state"] == "suspended"


def test_holder_must_remain(client: TestClient, agent: Headers) -> None:
    account = created(billing_account(client, agent, individual(client, agent)))
    response = client.patch(f"{BA}/{account['id']}", json={"relatedParty": None}, headers=agent)
    assert response.status_code == 400
    assert problem_fields(response) == ["relatedParty"]
