"""Unit tests for openbss.customers.verification_rules (Verify Customer)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbss.customers.verification_rules import (
    ALL_RULES,
    DEFAULT_REQUIRED,
    CheckResult,
    VerificationOutcome,
    VerificationPolicy,
    verify,
)

TODAY = date(2024, 6, 15)
POLICY = VerificationPolicy()


def passport(**extra: Any) -> dict[str, Any]:
    return {
        "identificationType": "passport",
        "identificationId": "123456789",
        "issuingAuthority": "GB",
        "issuingDate": "2020-01-01",
        "validFor": {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"},
        **extra,
    }


def email(address: str, **extra: Any) -> dict[str, Any]:
    return {"mediumType": "email", "characteristic": {"emailAddress": address}, **extra}


def phone(number: str) -> dict[str, Any]:
    return {"mediumType": "mobile", "characteristic": {"phoneNumber": number}}


def address(country: str = "GB") -> dict[str, Any]:
    return {
        "mediumType": "postalAddress",
        "characteristic": {"street1": "1 High St", "city": "Leeds", "country": country},
    }


def person(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "p1",
        "@type": "Individual",
        "givenName": "Jane",
        "familyName": "Smith",
        "birthDate": "1980-02-01",
        "status": "initialized",
        "contactMedium": [email("jane@example.org")],
        "individualIdentification": [passport()],
    }
    doc.update(overrides)
    return doc


def company(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "o1",
        "@type": "Organization",
        "name": "Acme GmbH",
        "contactMedium": [phone("+49 30 901820")],
        "organizationIdentification": [{"identificationType": "VAT", "identificationId": "DE136695976"}],
    }
    doc.update(overrides)
    return doc


def customer(party_id: str = "p1", **extra: Any) -> dict[str, Any]:
    return {"name": "Jane", "engagedParty": {"id": party_id, "@referredType": "Individual"}, **extra}


def result(outcome: VerificationOutcome, rule: str) -> CheckResult:
    matches = [c for c in outcome.checks if c.rule == rule]
    assert len(matches) == 1, f"{rule} not reported"
    return matches[0]


def failed(outcome: VerificationOutcome) -> set[str]:
    return {c.rule for c in outcome.failures}


# --- individuals -------------------------------------------------------------


def test_complete_individual_passes() -> None:
    outcome = verify(person(), customer(), POLICY, TODAY)
    assert outcome.passed, outcome.failures
    assert {c.rule for c in outcome.checks} == ALL_RULES - {"organisation.registration"}
    assert all(c.passed for c in outcome.checks if c.required)
    assert not result(outcome, "contact.phone").required  # advisory only under the default policy
    assert not result(outcome, "contact.phone").passed


def test_party_without_customer_yet_passes() -> None:
    assert verify(person(), None, POLICY, TODAY).passed


@pytest.mark.parametrize(
    ("birth", "adult"),
    [
        ("2006-06-15", True),  # eighteenth birthday today
        ("2006-06-16", False),  # one day short
        ("2006-06-15T00:00:00+05:00", True),  # date as written, no zone shift
        ("2030-01-01", False),
        (None, False),
        ("15/06/2006", False),
    ],
)
def test_minimum_age(birth: str | None, adult: bool) -> None:
    outcome = verify(person(birthDate=birth), None, POLICY, TODAY)
    assert result(outcome, "identity.age").passed is adult
    assert outcome.passed is adult


def test_leap_day_birthday_reaches_age_on_first_of_march() -> None:
    policy = VerificationPolicy(minimum_age=18)
    born = person(birthDate="2004-02-29")
    assert not verify(born, None, policy, date(2022, 2, 28)).passed
    assert verify(born, None, policy, date(2022, 3, 1)).passed


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 120))
def test_age_rule_agrees_with_calendar_arithmetic(born: date, years: int) -> None:
    policy = VerificationPolicy(minimum_age=years, required_rules=frozenset({"identity.age"}))
    outcome = verify(person(birthDate=born.isoformat()), None, policy, TODAY)
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # 29 February in a non-leap year
        birthday = date(born.year + years, 3, 1)
    assert outcome.passed is (birthday <= TODAY)


@pytest.mark.parametrize(
    "identification",
    [
        [],
        [passport(validFor={"endDateTime": "2024-06-14T23:59:59Z"})],  # expired yesterday
        [passport(validFor={"startDateTime": "2024-07-01T00:00:00Z"})],  # not yet valid
        [passport(issuingDate="2025-01-01")],  # issued in the future
        [passport(identificationId="")],
        [{**passport(), "identificationType": "libraryCard"}],
        [
            {
                "identificationType": "nationalId",
                "identificationId": "85.07.30-033.29",
                "issuingAuthority": "BE",
            }
        ],
    ],
)
def test_identity_document_must_be_accepted_and_in_force(identification: list[dict[str, Any]]) -> None:
    outcome = verify(person(individualIdentification=identification), None, POLICY, TODAY)
    assert not result(outcome, "identity.document").passed
    assert "identity.document" in failed(outcome)
    assert not outcome.passed


def test_document_valid_through_today_counts() -> None:
    doc = person(individualIdentification=[passport(validFor={"endDateTime": "2024-06-15T00:00:00Z"})])
    assert result(verify(doc, None, POLICY, TODAY), "identity.document").passed


def test_empty_accepted_types_accepts_any_document() -> None:
    doc = person(individualIdentification=[{**passport(), "identificationType": "libraryCard"}])
    policy = VerificationPolicy(accepted_identification_types=frozenset())
    assert verify(doc, None, policy, TODAY).passed


def test_accepted_types_compare_loosely() -> None:
    doc = person(individualIdentification=[{**passport(), "identificationType": "Driving-Licence"}])
    assert verify(doc, None, POLICY, TODAY).passed


@pytest.mark.parametrize("overrides", [{"status": "deceaded"}, {"status": "Deceased"}, {"deathDate": "2024-01-01"}])
def test_deceased_individual_fails(overrides: dict[str, Any]) -> None:
    outcome = verify(person(**overrides), None, POLICY, TODAY)
    assert failed(outcome) == {"party.active"}


def test_unnamed_individual_fails() -> None:
    outcome = verify(person(givenName=" ", familyName="Smith"), None, POLICY, TODAY)
    assert failed(outcome) == {"party.name"}
    assert verify(person(givenName=None, familyName=None, fullName="Jane Smith"), None, POLICY, TODAY).passed


def test_bad_party_data_fails_and_names_the_field() -> None:
    outcome = verify(person(nationality="Atlantis"), None, POLICY, TODAY)
    assert failed(outcome) == {"party.data"}
    assert "nationality: country.iso3166" in result(outcome, "party.data").detail


def test_bad_customer_contact_medium_is_party_data_problem() -> None:
    outcome = verify(person(), customer(contactMedium=[email("broken@")]), POLICY, TODAY)
    assert failed(outcome) == {"party.data"}
    assert "customer.contactMedium[0].characteristic.emailAddress" in result(outcome, "party.data").detail


# --- contact media -----------------------------------------------------------


@pytest.mark.parametrize(
    "media",
    [
        [],
        [email("jane@example.org", validFor={"endDateTime": "2024-01-01T00:00:00Z"})],  # no longer in force
        [{"mediumType": "postalAddress", "characteristic": {"city": "Leeds"}}],  # no country
        [{"mediumType": "socialNetwork", "characteristic": {"socialNetworkId": "@jane"}}],
    ],
)
def test_unreachable_party_fails(media: list[dict[str, Any]]) -> None:
    outcome = verify(person(contactMedium=media), None, POLICY, TODAY)
    assert failed(outcome) == {"contact.reachable"}


def test_postal_address_alone_is_reachable() -> None:
    assert verify(person(contactMedium=[address()]), None, POLICY, TODAY).passed


def test_customer_contact_media_count_towards_reachability() -> None:
    party = person(contactMedium=[])
    assert not verify(party, customer(), POLICY, TODAY).passed
    assert verify(party, customer(contactMedium=[email("jane@example.org")]), POLICY, TODAY).passed


def test_required_phone_uses_postal_country_as_region() -> None:
    policy = VerificationPolicy(require_valid_phone=True)
    assert "contact.phone" in failed(verify(person(), None, policy, TODAY))
    local = person(contactMedium=[address("GB"), phone("07911 123456")])
    assert verify(local, None, policy, TODAY).passed
    assert "contact.phone" in failed(verify(person(contactMedium=[phone("07911 123456")]), None, policy, TODAY))
    assert verify(
        person(contactMedium=[phone("07911 123456")]),
        None,
        VerificationPolicy(require_valid_phone=True, default_region="GB"),
        TODAY,
    ).passed


def test_required_email() -> None:
    policy = VerificationPolicy(require_valid_email=True)
    outcome = verify(person(contactMedium=[address()]), None, policy, TODAY)
    assert failed(outcome) == {"contact.email"}


# --- organisations -----------------------------------------------------------


def test_organisation_with_valid_vat_passes() -> None:
    outcome = verify(company(), None, POLICY, TODAY)
    assert outcome.passed, outcome.failures
    rules = {c.rule for c in outcome.checks}
    assert "organisation.registration" in rules
    assert "identity.age" not in rules and "identity.document" not in rules


def test_organisation_with_bad_vat_checksum_fails() -> None:
    bad = company(organizationIdentification=[{"identificationType": "VAT", "identificationId": "DE136695977"}])
    outcome = verify(bad, None, POLICY, TODAY)
    assert failed(outcome) == {"party.data", "organisation.registration"}
    relaxed = VerificationPolicy(organisation_requires_valid_id=False, required_rules=DEFAULT_REQUIRED - {"party.data"})
    relaxed_outcome = verify(bad, None, relaxed, TODAY)
    assert relaxed_outcome.passed
    assert not result(relaxed_outcome, "organisation.registration").required


def test_organisation_without_tax_or_company_id_fails() -> None:
    outcome = verify(company(organizationIdentification=[]), None, POLICY, TODAY)
    assert failed(outcome) == {"organisation.registration"}


def test_unknown_scheme_company_id_is_accepted_untouched() -> None:
    org = company(
        organizationIdentification=[
            {
                "identificationType": "companyRegistration",
                "identificationId": "12345678",
                "issuingAuthority": "GB",
            }
        ]
    )
    assert verify(org, None, POLICY, TODAY).passed


@pytest.mark.parametrize("overrides", [{"status": "closed"}, {"existsDuring": {"endDateTime": "2024-06-14T00:00:00Z"}}])
def test_closed_organisation_fails(overrides: dict[str, Any]) -> None:
    assert failed(verify(company(**overrides), None, POLICY, TODAY)) == {"party.active"}


def test_organisation_needs_a_name() -> None:
    outcome = verify(company(name=None), None, POLICY, TODAY)
    assert failed(outcome) == {"party.name"}
    assert verify(company(name=None, tradingName="Acme"), None, POLICY, TODAY).passed


# --- customer link and policy ------------------------------------------------


def test_customer_must_be_engaged_with_this_party() -> None:
    assert failed(verify(person(), customer("someone-else"), POLICY, TODAY)) == {"customer.party"}
    assert failed(verify(person(), {"name": "Jane"}, POLICY, TODAY)) == {"customer.party"}


def test_only_required_rules_decide() -> None:
    policy = VerificationPolicy(required_rules=frozenset({"party.name"}))
    outcome = verify(person(birthDate="2020-01-01", contactMedium=[]), None, policy, TODAY)
    assert outcome.passed
    assert not result(outcome, "identity.age").passed
    assert not result(outcome, "identity.age").required


def test_policy_rejects_unknown_rules_and_negative_age() -> None:
    with pytest.raises(ValueError, match="unknown verification rules"):
        VerificationPolicy(required_rules=frozenset({"party.nmae"}))
    with pytest.raises(ValueError):
        VerificationPolicy(minimum_age=-1)


def test_days_around_expiry() -> None:
    end = TODAY + timedelta(days=1)
    doc = person(individualIdentification=[passport(validFor={"endDateTime": end.isoformat()})])
    assert verify(doc, None, POLICY, TODAY).passed
    assert not verify(doc, None, POLICY, end + timedelta(days=1)).passed
