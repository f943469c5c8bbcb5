"""Unit tests for openbss.customers.dedupe_rules (De-duplicate Customer Identity)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbss.customers.dedupe_rules import (
    LIKELY_DUPLICATE,
    POSSIBLE_DUPLICATE,
    IdentityProfile,
    identity_profile,
    match_keys,
    name_similarity,
    normalise_name,
    normalise_organisation_name,
    score,
)


def person(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@type": "Individual",
        "givenName": "Jane",
        "familyName": "Smith",
        "birthDate": "1980-02-01",
        "contactMedium": [],
    }
    doc.update(overrides)
    return doc


def with_email(address: str) -> list[dict[str, Any]]:
    return [{"mediumType": "email", "characteristic": {"emailAddress": address}}]


def with_phone(number: str, country: str | None = None) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = [{"mediumType": "mobile", "characteristic": {"phoneNumber": number}}]
    if country:
        media.append({"mediumType": "postalAddress", "characteristic": {"city": "X", "country": country}})
    return media


def org(name: str, vat: str | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"@type": "Organization", "name": name, **extra}
    if vat:
        doc["organizationIdentification"] = [{"identificationType": "VAT", "identificationId": vat}]
    return doc


# --- normalisation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  JANE   Smith ", "jane smith"),
        ("Zoë Ðorđević", "zoe dordevic"),
        ("Jürgen O\u2019Brien-Müller", "jurgen obrien muller"),
        ("Łukasz Søren Straße", "lukasz soren strasse"),
        ("Anne-Marie, Dupont.", "anne marie dupont"),
        ("", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme Ltd.", "acme"),
        ("ACME LIMITED", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme S.p.A.", "acme"),
        ("Acme Sp. z o.o.", "acme"),
        ("Acme B.V.", "acme"),
        ("Société Générale S.A.", "societe generale"),
        ("Coffee Do Brazil Fair Trade", "coffee do brazil fair trade"),
        ("Ltd", "ltd"),  # never strip a name to nothing
        ("Limited Edition Inc", "limited edition"),
    ],
)
def test_normalise_organisation_name(raw: str, expected: str) -> None:
    assert normalise_organisation_name(raw) == expected


@given(st.text())
def test_normalise_name_is_idempotent_and_clean(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(ch.isalnum() or ch == " " for ch in once)
    assert once == once.casefold()


# --- profiles ----------------------------------------------------------------


def test_individual_profile() -> None:
    doc = person(
        birthDate="1980-02-01T00:00:00Z",
        contactMedium=[
            *with_email(" Jane.Smith@Example.ORG "),
            *with_phone("07911 123456", "United Kingdom"),
            {"mediumType": "fax", "characteristic": {"phoneNumber": "020 7946 0958"}},
        ],
        individualIdentification=[
            {"identificationType": "passport", "identificationId": "123 456 789", "issuingAuthority": "GB"},
            {"identificationType": "taxId", "identificationId": "536-90-4399", "issuingAuthority": "US"},
        ],
    )
    profile = identity_profile(doc)
    assert profile.kind == "individual"
    assert profile.full_name == "jane smith"
    assert profile.name_tokens == frozenset({"jane", "smith"})
    assert profile.birth_date == date(1980, 2, 1)
    assert profile.emails == frozenset({"jane.smith@example.org"})
    assert profile.phones == frozenset({"+447911123456"})  # fax numbers are not identity phones
    assert profile.document_ids == frozenset({"passport:GB:123456789"})
    assert profile.tax_ids == frozenset({"US536904399"})
    assert profile.organisation_names == frozenset()


def test_full_name_fallback_drops_honorifics() -> None:
    profile = identity_profile({"@type": "Individual", "fullName": "Dr. Jane  SMITH"})
    assert profile.full_name == "jane smith"


def test_default_region_reads_national_phone_numbers() -> None:
    assert identity_profile(person(contactMedium=with_phone("(202) 555-0143")), "US").phones == {"+12025550143"}
    assert identity_profile(person(contactMedium=with_phone("(202) 555-0143"))).phones == frozenset()


def test_organisation_profile_uses_both_names() -> None:
    profile = identity_profile(org("Acme Widgets Ltd", "DE 136 695 976", tradingName="ACME"))
    assert profile.kind == "organization"
    assert profile.organisation_names == frozenset({"acme widgets", "acme"})
    assert profile.full_name == "acme widgets"
    assert profile.tax_ids == frozenset({"DE136695976"})
    assert profile.birth_date is None


def test_customer_profile_takes_kind_from_engaged_party() -> None:
    customer = {
        "@type": "Customer",
        "name": "Moon Football Club Ltd",
        "engagedParty": {"id": "500", "@referredType": "Organization"},
        "contactMedium": with_email("info@moonfc.example.com"),
    }
    profile = identity_profile(customer)
    assert profile.kind == "organization"
    assert profile.organisation_names == {"moon football club"}
    assert match_keys(profile) == {"org:moon football club", "email:info@moonfc.example.com"}
    unknown = identity_profile({"name": "Someone"})
    assert unknown.kind == "unknown"


def test_garbage_documents_do_not_break_profiles() -> None:
    profile = identity_profile(
        {
            "givenName": 3,
            "contactMedium": ["x", {"mediumType": "email"}, {"characteristic": {"phoneNumber": "abc"}}],
            "individualIdentification": "nope",
            "birthDate": "last year",
        }
    )
    assert profile.kind == "individual"
    assert profile.full_name == ""
    assert profile.birth_date is None
    assert match_keys(profile) == set()


# --- blocking keys -----------------------------------------------------------


def test_match_keys() -> None:
    doc = person(
        contactMedium=[*with_email("jane@example.org"), *with_phone("+44 7911 123456")],
        individualIdentification=[{"identificationType": "VAT", "identificationId": "GB980780684"}],
    )
    assert match_keys(identity_profile(doc)) == {
        "email:jane@example.org",
        "phone:+447911123456",
        "tax:GB980780684",
        "namedob:jane smith|1980-02-01",
    }


def test_namedob_key_ignores_name_order_and_needs_a_birth_date() -> None:
    a = identity_profile(person())
    b = identity_profile({"@type": "Individual", "fullName": "Smith Jane", "birthDate": "1980-02-01"})
    assert match_keys(a) == match_keys(b) == {"namedob:jane smith|1980-02-01"}
    assert match_keys(identity_profile(person(birthDate=None))) == set()


# --- scoring -----------------------------------------------------------------


def profile_of(**overrides: Any) -> IdentityProfile:
    return identity_profile(person(**overrides))


def test_same_email_is_likely_duplicate() -> None:
    result = score(
        profile_of(contactMedium=with_email("Jane@Example.org")),
        profile_of(
            givenName="Robert",
            familyName="Brown",
            birthDate=None,
            contactMedium=with_email("jane@example.org"),
        ),
    )
    assert result.score == Decimal("0.8000")
    assert result.reasons == ("email",)
    assert result.likely


def test_initial_and_full_given_name_are_similar() -> None:
    result = score(profile_of(birthDate=None), profile_of(givenName="J", birthDate=None))
    assert len(result.reasons) == 1 and result.reasons[0].startswith("similar-name(")
    assert Decimal("0.4") < result.score < POSSIBLE_DUPLICATE  # a name alone is weak evidence


def test_same_name_and_birth_date() -> None:
    result = score(profile_of(), identity_profile({"fullName": "SMITH, Jane", "birthDate": "1980-02-01"}))
    assert result.reasons == ("name+birth-date",)
    assert result.score == Decimal("0.8500")


def test_same_vat_written_differently_is_a_strong_match() -> None:
    a = identity_profile(org("Acme GmbH", "DE136695976"))
    b = identity_profile(
        org(
            "ACME Handels",
            None,
            organizationIdentification=[
                {
                    "identificationType": "vatNumber",
                    "identificationId": "136 695 976",
                    "issuingAuthority": "DE",
                }
            ],
        )
    )
    result = score(a, b)
    assert "tax-id" in result.reasons
    assert result.score >= Decimal("0.95")


def test_phone_alone_is_below_threshold_but_similar_name_lifts_it() -> None:
    phone = with_phone("+44 7911 123456")
    alone = score(
        profile_of(contactMedium=phone),
        profile_of(givenName="Bob", familyName="Jones", contactMedium=phone, birthDate=None),
    )
    assert alone.reasons == ("phone",)
    assert POSSIBLE_DUPLICATE <= alone.score < LIKELY_DUPLICATE
    close = score(
        profile_of(contactMedium=phone, birthDate=None),
        profile_of(givenName="Janet", contactMedium=phone, birthDate=None),
    )
    assert close.reasons[0] == "phone"
    assert close.reasons[1].startswith("similar-name(")
    assert close.score >= LIKELY_DUPLICATE


def test_parent_and_child_with_same_name_and_phone_are_not_merged() -> None:
    phone = with_phone("+44 7911 123456")
    result = score(profile_of(contactMedium=phone), profile_of(contactMedium=phone, birthDate="2008-05-05"))
    assert "conflict:birth-date" in result.reasons
    assert not result.likely


def test_conflicting_tax_ids_and_kinds_scale_down() -> None:
    a = identity_profile(org("Acme Ltd", "GB980780684"))
    b = identity_profile(org("Acme Limited", "DE136695976"))
    result = score(a, b)
    assert result.reasons == ("organisation-name", "conflict:tax-id")
    assert result.score == Decimal("0.3000")
    mixed = score(
        identity_profile(person(contactMedium=with_email("x@y.org"))),
        identity_profile(org("X", contactMedium=with_email("x@y.org"))),
    )
    assert mixed.reasons == ("email", "conflict:party-kind")
    assert mixed.score == Decimal("0.4000")


def test_unrelated_people_score_zero() -> None:
    result = score(profile_of(), profile_of(givenName="Bob", familyName="Jones", birthDate=None))
    assert result.score == Decimal("0.0000")
    assert result.reasons == ()
    assert not result.likely


def test_name_similarity() -> None:
    assert name_similarity(frozenset({"jane", "smith"}), frozenset({"smith", "jane"})) == 1.0
    assert name_similarity(frozenset(), frozenset({"jane"})) == 0.0
    assert name_similarity(frozenset({"jane", "smith"}), frozenset({"jane", "smyth"})) > 0.75
    assert name_similarity(frozenset({"jane", "smith"}), frozenset({"bob", "jones"})) < 0.5


# --- properties --------------------------------------------------------------

names = st.sampled_from(["Jane", "Jan", "Janet", "John", "Smith", "Smyth", "Jones", "Müller", "Muller"])
profiles = st.builds(
    lambda given_name, family, born, email, phone, tax: identity_profile(
        {
            "@type": "Individual",
            "givenName": given_name,
            "familyName": family,
            "birthDate": born.isoformat() if born else None,
            "contactMedium": ([*with_email(email)] if email else []) + ([*with_phone(phone)] if phone else []),
            "individualIdentification": ([{"identificationType": "VAT", "identificationId": tax}] if tax else []),
        }
    ),
    names,
    names,
    st.none() | st.dates(min_value=date(1950, 1, 1), max_value=date(1952, 1, 1)),
    st.none() | st.sampled_from(["a@example.org", "b@example.org"]),
    st.none() | st.sampled_from(["+447911123456", "+4930901820"]),
    st.none() | st.sampled_from(["DE136695976", "GB980780684"]),
)


@given(profiles, profiles)
def test_score_is_symmetric_and_bounded(a: IdentityProfile, b: IdentityProfile) -> None:
    ab, ba = score(a, b), score(b, a)
    assert ab.score == ba.score
    assert sorted(ab.reasons) == sorted(ba.reasons)
    assert Decimal(0) <= ab.score <= Decimal(1)


@given(profiles)
def test_a_record_with_an_identifier_is_a_likely_duplicate_of_itself(p: IdentityProfile) -> None:
    result = score(p, replace(p))
    if p.emails or p.tax_ids or p.birth_date:
        assert result.likely
    assert result.score >= score(p, replace(p, emails=frozenset(), phones=frozenset())).score


@given(profiles, profiles)
def test_sharing_a_strong_identifier_shares_a_key(a: IdentityProfile, b: IdentityProfile) -> None:
    if a.emails & b.emails or a.tax_ids & b.tax_ids or a.phones & b.phones:
        assert match_keys(a) & match_keys(b)
