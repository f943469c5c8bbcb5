"""The demo data set: reproducible, valid under the domain rules, loaded once."""

from __future__ import annotations

import random
from collections import Counter

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stdnum import get_cc_module

from openbss.accounts.models import BillFormatRow, BillingAccountRow, BillingCycleSpecificationRow
from openbss.core.db import Database
from openbss.customers.models import CustomerRow
from openbss.demo.dataset import DEMO_MARKER, build_dataset
from openbss.demo.identifiers import unique_phone, vat_number
from openbss.demo.loader import load_demo
from openbss.demo.locales import COUNTRIES
from openbss.parties.contact_rules import validate_individual, validate_organization
from openbss.parties.models import IndividualRow, OrganizationRow, PartyRoleRow

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, again, other = build_dataset(7, 30), build_dataset(7, 30), build_dataset(8, 30)
    assert first == again
    names = [c.party.display_name for c in first.customers]
    assert names != [c.party.display_name for c in other.customers]
    assert len(set(names)) == 30


def test_mix_of_private_and_business_customers() -> None:
    data = build_dataset(42, 400)
    kinds = Counter(c.party.kind for c in data.customers)
    assert 0.65 <= kinds["Individual"] / 400 <= 0.85
    assert {c.party.country for c in data.customers} == {c.code for c in COUNTRIES}
    assert all(c.accounts for c in data.customers)


def test_every_generated_party_passes_the_party_rules() -> None:
    data = build_dataset(3, 200)
    parties = [data.operator, *(p.party for p in data.partners), *(c.party for c in data.customers)]
    emails = []
    for spec in parties:
        check = validate_individual if spec.kind == "Individual" else validate_organization
        _normalised, problems = check(spec.body)
        assert problems == [], (spec.display_name, problems)
        emails += [
            m["characteristic"]["emailAddress"] for m in spec.body["contactMedium"] if m["mediumType"] == "email"
        ]
    assert len(emails) == len(set(emails))


@pytest.mark.parametrize("country", [c.code for c in COUNTRIES])
def test_phone_and_tax_numbers_are_valid_and_distinct(country: str) -> None:
    rng = random.Random(country)
    spec = next(c for c in COUNTRIES if c.code == country)
    used: set[str] = set()
    phones = [unique_phone(rng, spec.mobile, spec.mobile_overflow, used, mobile=True) for _ in range(50)]
    assert len(set(phones)) == 50
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)
    module = get_cc_module(country.lower(), "tin" if country == "US" else "vat")
    taken: set[str] = set()
    numbers = [vat_number(rng, country, taken) for _ in range(20)]
    assert len(set(numbers)) == 20
    assert all(module.is_valid(n) for n in numbers)


def test_load_counts_accounts_and_idempotency(db: Database) -> None:
    data = build_dataset(7, 30)
    result = load_demo(db, seed=7, customers=30, orders=False)
    assert not result.already_loaded
    assert result.created["Customer"] == _count(db, CustomerRow) == 30
    individuals = sum(1 for c in data.customers if c.party.kind == "Individual")
    assert _count(db, IndividualRow) == individuals
    assert _count(db, OrganizationRow) == 30 - individuals + 1 + len(data.partners)  # + operator, partners
    assert _count(db, PartyRoleRow) == len(data.partners)
    assert _count(db, BillFormatRow) == 2
    assert _count(db, BillingCycleSpecificationRow) == 3
    accounts = sum(len(c.accounts) for c in data.customers)
    assert _count(db, BillingAccountRow) == result.created["BillingAccount"] == accounts

    with db.session() as session:
        customers = session.execute(select(CustomerRow)).scalars().all()
        owners = Counter(
            ref["id"]
            for account in session.execute(select(BillingAccountRow)).scalars()
            for ref in account.doc["relatedParty"]
            if ref.get("@referredType") == "Customer"
        )
    assert sorted(c.name for c in customers) == sorted(c.party.display_name for c in data.customers)
    assert all(owners[c.id] >= 1 for c in customers)
    assert all(c.customer_number for c in customers)

    again = load_demo(db, seed=7, customers=30, orders=False)
    assert again.already_loaded and (again.seed, again.customers) == (7, 30)
    assert not again.created
    assert _count(db, CustomerRow) == 30
    assert _count(db, BillingAccountRow) == accounts


def test_loaded_demo_is_served_by_the_api(db: Database, client: TestClient, agent: dict[str, str]) -> None:
    load_demo(db, seed=11, customers=12, orders=False)
    listed = client.get(CUSTOMERS, params={"limit": 5}, headers=agent)
    assert listed.status_code == 206, listed.text
    assert listed.headers["X-Total-Count"] == "12"
    marker = client.get("/tmf-api/party/v4/organization", params={"externalReference.name": DEMO_MARKER}, headers=agent)
    assert [o["tradingName"] for o in marker.json()] == ["Demo Telecom"]
