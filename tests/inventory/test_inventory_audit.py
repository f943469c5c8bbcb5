"""Ensure Customer Inventory Data Quality (1.3.16.5): the audit finds what disagrees, changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inventory_helpers import (
    CUSTOMERS,
    PRODUCTS,
    Headers,
    billing_account,
    customer,
    individual,
    product_doc,
    row,
    runs,
)
from sqlalchemy import update
from typer.testing import CliRunner

from openbss.core.db import Database, set_database
from openbss.core.settings import reset_settings
from openbss.inventory.models import ProductRow


def _post(client: TestClient, headers: Headers, body: dict[str, Any]) -> str:
    response = client.post(PRODUCTS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_audit_reports_each_kind_of_problem(
    client: TestClient, agent: Headers, admin: Headers, db: Database, auth: Callable[..., Headers]
) -> None:
    party = individual(client, agent)
    jane = customer(client, agent, party)["id"]
    account = billing_account(client, agent, jane)["id"]
    clean = _post(client, admin, product_doc(jane, account))
    no_account = _post(client, admin, product_doc(jane))
    no_price = _post(client, admin, product_doc(jane, account, productPrice=[]))
    mixed = product_doc(jane, account)
    mixed["productPrice"].append({"priceType": "oneTime", "price": {"taxIncludedAmount": {"unit": "USD", "value": 5}}})
    two_currencies = _post(client, admin, mixed)
    bundle = _post(client, admin, product_doc(jane, account, name="bundle"))
    link = [{"relationshipType": "isBundledIn", "product": {"id": bundle}}]
    part = _post(client, admin, product_doc(jane, account, productRelationship=link))
    assert client.patch(f"{PRODUCTS}/{bundle}", json={"status": "terminated"}, headers=admin).status_code == 200
    with db.session(write=True) as session:  # a repair gone wrong behind the API's back
        session.execute(update(ProductRow).where(ProductRow.id == clean).values(owner_party_id="someone-else"))
    assert client.post(f"{CUSTOMERS}/{jane}/terminate", json={}, headers=agent).status_code == 200

    response = client.get("/tmf-api/productInventory/v4/audit", headers=agent)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["checked"] == 6
    found = {(f["productId"], f["rule"]) for f in report["findings"]}
    assert (clean, "owner.column") in found
    assert (no_account, "billingAccount.missing") in found
    assert (no_price, "productPrice.missing") in found
    assert (two_currencies, "productPrice.currency") in found
    assert (part, "bundle.partOutlivesBundle") in found
    assert {pid for pid, rule in found if rule == "owner.ended"} == {clean, no_account, no_price, two_currencies, part}
    assert (bundle, "owner.ended") not in found  # an ended product of an ended customer is fine
    assert report["byRule"]["owner.ended"] == 5
    assert row(db, clean).owner_party_id == "someone-else"  # the audit changes nothing
    assert runs(db, "1.3.16.5") == 1
    assert client.get("/tmf-api/productInventory/v4/audit?limit=2", headers=admin).json()["checked"] == 2
    customer_token = auth("customer", party=party)
    assert client.get("/tmf-api/productInventory/v4/audit", headers=customer_token).status_code == 403
    assert client.get("/tmf-api/productInventory/v4/audit?limit=0", headers=admin).status_code == 400


def test_audit_of_a_clean_inventory_and_the_command(
    client: TestClient, agent: Headers, admin: Headers, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    jane = customer(client, agent, individual(client, agent))["id"]
    _post(client, admin, product_doc(jane, billing_account(client, agent, jane)["id"]))
    assert client.get("/tmf-api/productInventory/v4/audit", headers=agent).json()["findings"] == []

    from openbss.cli import app

    monkeypatch.setenv("OPENBSS_DATABASE_URL", db.url)  # restored after the test; the command reads it
    reset_settings()
    result = CliRunner().invoke(app, ["inventory", "audit"])
    set_database(db)
    assert result.exit_code == 0, result.output
    assert "1 products checked, 0 with findings" in result.output
