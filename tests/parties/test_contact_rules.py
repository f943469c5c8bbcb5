"""Unit tests for openbss.parties.contact_rules (pure validation of TMF632 party data)."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbss.core.problems import FieldProblem, describe, join_path
from openbss.parties.contact_rules import (
    check_country,
    check_email,
    check_identification,
    check_phone,
    country_alpha2,
    identification_scheme,
    identifier_key,
    medium_kind,
    parse_date,
    postal_country,
    validate_contact_media,
    validate_individual,
    validate_organization,
)

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def email(address: Any) -> dict[str, Any]:
    return {"mediumType": "email", "characteristic": {"emailAddress": address}}


def phone(number: Any, medium_type: str = "mobile") -> dict[str, Any]:
    return {"mediumType": medium_type, "characteristic": {"phoneNumber": number}}


def address(country: Any, **extra: Any) -> dict[str, Any]:
    char = {"street1": "1 High Street", "city": "Town", "postCode": "AB1 2CD", "country": country, **extra}
    return {"mediumType": "postalAddress", "characteristic": char}


def ident(kind: str, value: Any, authority: str | None = None) -> dict[str, Any]:
    out = {"identificationType": kind, "identificationId": value}
    if authority is not None:
        out["issuingAuthority"] = authority
    return out


def rules(problems: list[FieldProblem]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


# --- FieldProblem ------------------------------------------------------------


def test_field_problem_is_frozen_and_serialisable() -> None:
    problem = FieldProblem("a.b", "x.y", "broken")
    with pytest.raises(AttributeError):
        problem.field = "other"  # type: ignore[misc]
    assert problem.as_dict() == {"field": "a.b", "rule": "x.y", "message": "broken"}
    assert describe([problem]) == "a.b: broken (x.y)"
    assert join_path("contactMedium", 2) == "contactMedium[2]"
    assert join_path("", "birthDate") == "birthDate"
    assert join_path("contactMedium[2]", "characteristic") == "contactMedium[2].characteristic"


# --- e-mail ------------------------------------------------------------------


def test_email_is_normalised() -> None:
    assert check_email("  Jane.Doe@Example.COM ", "f") == ("Jane.Doe@example.com", None)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "jane",
        "jane@",
        "@example.com",
        "jane@@example.com",
        "a b@example.com",
        "x@localhost",
        42,
        None,
    ],
)
def test_bad_email_is_reported(bad: Any) -> None:
    value, problem = check_email(bad, "contactMedium[0].characteristic.emailAddress")
    assert value is None
    assert problem is not None
    assert problem.rule == "email.syntax"
    assert problem.field == "contactMedium[0].characteristic.emailAddress"


@settings(max_examples=200)
@given(st.emails())
def test_valid_emails_normalise_idempotently(address: str) -> None:
    first, problem = check_email(address, "f")
    if first is None:  # hypothesis can produce reserved domains that email-validator refuses
        assert problem is not None and problem.rule == "email.syntax"
        return
    assert problem is None
    assert check_email(first, "f") == (first, None)


@given(st.text())
def test_email_check_never_raises(text: str) -> None:
    value, problem = check_email(text, "f")
    assert (value is None) != (problem is None)


# --- phone -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("020 7946 0958", "gb", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),  # explicit + ignores the region
        ("(202) 555-0143", "US", "+12025550143"),
        ("030 901820", "DE", "+4930901820"),
        ("tel:+33-1-42-68-53-00", None, "+33142685300"),
    ],
)
def test_phone_is_normalised_to_e164(raw: str, region: str | None, expected: str) -> None:
    assert check_phone(raw, "f", region) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "region", "rule"),
    [
        ("020 7946 0958", None, "phone.e164"),  # no + and no default region
        ("not a number", "GB", "phone.e164"),
        ("", "GB", "phone.e164"),
        (None, "GB", "phone.e164"),
        ("+999 123", None, "phone.e164"),  # unassigned country code
        ("+44 20 7946 09581234", None, "phone.invalid"),  # impossible length
        ("+44 20 7946", None, "phone.invalid"),  # too short to be valid
        ("+1 555 0100", None, "phone.invalid"),
        ("+49 20100000000000", None, "phone.e164"),  # valid to the library, but over 15 digits
    ],
)
def test_bad_phone_is_reported(raw: Any, region: str | None, rule: str) -> None:
    value, problem = check_phone(raw, "p", region)
    assert value is None
    assert problem is not None and problem.rule == rule and problem.field == "p"


@settings(max_examples=300)
@given(st.text(alphabet="+0123456789 -()", max_size=20), st.sampled_from([None, "GB", "US", "DE", "FR"]))
def test_phone_check_yields_e164_or_a_problem(raw: str, region: str | None) -> None:
    value, problem = check_phone(raw, "f", region)
    assert (value is None) != (problem is None)
    if value is not None:
        assert E164.match(value)
        assert check_phone(value, "f", None) == (value, None)


# --- countries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        (" united kingdom ", "GB"),
        ("Viet Nam", "VN"),
    ],
)
def test_country_forms_are_recognised(text: str, code: str) -> None:
    assert country_alpha2(text) == code
    assert check_country(text, "f") == (code, None)


@pytest.mark.parametrize("bad", ["XX", "UK", "Atlantis", "276", "", None, 49])
def test_unknown_country_is_reported(bad: Any) -> None:
    code, problem = check_country(bad, "nationality")
    assert code is None
    assert problem == FieldProblem("nationality", "country.iso3166", problem.message if problem else "")


@given(st.sampled_from(list(pycountry.countries)))
def test_every_iso_country_resolves_from_each_form(country: Any) -> None:
    for form in (country.alpha_2, country.alpha_3, country.name, country.alpha_3.lower()):
        assert country_alpha2(form) == country.alpha_2


# --- dates and small helpers -------------------------------------------------


def test_parse_date_accepts_dates_and_date_times_without_zone_shift() -> None:
    assert parse_date("1980-02-01") == date(1980, 2, 1)
    assert parse_date("1980-02-01T00:00:00Z") == date(1980, 2, 1)
    assert parse_date("1980-02-01T00:30:00+02:00") == date(1980, 2, 1)
    assert parse_date("1980-02-31") is None
    assert parse_date("01/02/1980") is None
    assert parse_date("") is None
    assert parse_date(None) is None


def test_medium_and_scheme_classification() -> None:
    assert medium_kind("E-Mail") == "email"
    assert medium_kind("telephone") == "phone"
    assert medium_kind("postal_address") == "postal"
    assert medium_kind("pigeon") is None
    assert identification_scheme("vatNumber") == "vat"
    assert identification_scheme("Tax ID") == "tax"
    assert identification_scheme("companyRegistration") == "company"
    assert identification_scheme("passport") is None


# --- contact media -----------------------------------------------------------


def test_contact_media_are_normalised_in_a_copy() -> None:
    media = [email("Jane@EXAMPLE.org"), phone("020 7946 0958"), address("GB")]
    original = copy.deepcopy(media)
    out, problems = validate_contact_media(media, "contactMedium", None)
    assert problems == []
    assert media == original
    assert out[0]["characteristic"]["emailAddress"] == "Jane@example.org"
    assert out[1]["characteristic"]["phoneNumber"] == "+442079460958"  # region from the address
    assert out[2] == original[2]


def test_default_region_used_without_postal_address() -> None:
    out, problems = validate_contact_media([phone("(202) 555-0143")], "contactMedium", "US")
    assert problems == []
    assert out[0]["characteristic"]["phoneNumber"] == "+12025550143"


def test_preferred_postal_address_sets_the_region() -> None:
    media = [address("US"), {**address("DE"), "preferred": True}, phone("030 901820")]
    assert postal_country(media) == "DE"
    out, problems = validate_contact_media(media, "contactMedium", "US")
    assert problems == []
    assert out[2]["characteristic"]["phoneNumber"] == "+4930901820"


def test_contact_media_problems_name_the_field() -> None:
    media = [
        email("not-an-email"),
        phone("12"),
        address("Narnia"),
        {"mediumType": "email", "characteristic": {}},
        {"mediumType": "fax", "characteristic": {"faxNumber": "+44 20 7946 0958"}},
        "junk",
        {
            "mediumType": "phone",
            "characteristic": {"phoneNumber": "+442079460958"},
            "validFor": {"endDateTime": "soon"},
        },
    ]
    out, problems = validate_contact_media(media, "customer.contactMedium", "GB")
    assert rules(problems) == [
        ("customer.contactMedium[0].characteristic.emailAddress", "email.syntax"),
        ("customer.contactMedium[1].characteristic.phoneNumber", "phone.invalid"),
        ("customer.contactMedium[2].characteristic.country", "country.iso3166"),
        ("customer.contactMedium[3].characteristic.emailAddress", "contactMedium.value"),
        ("customer.contactMedium[5]", "contactMedium.type"),
        ("customer.contactMedium[6].validFor.endDateTime", "date.format"),
    ]
    assert out[0]["characteristic"]["emailAddress"] == "not-an-email"  # bad values are left as sent
    assert out[4]["characteristic"]["faxNumber"] == "+442079460958"


def test_contact_media_must_be_a_list() -> None:
    assert validate_contact_media(None) == ([], [])
    _, problems = validate_contact_media("jane@example.org")
    assert rules(problems) == [("contactMedium", "contactMedium.type")]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
medium_strategy = st.fixed_dictionaries(
    {"mediumType": st.sampled_from(["email", "phone", "mobile", "fax", "postalAddress", "x"])},
    optional={
        "characteristic": st.dictionaries(
            st.sampled_from(["emailAddress", "phoneNumber", "faxNumber", "country", "city"]), json_values
        ),
        "validFor": json_values,
    },
)


@settings(max_examples=200)
@given(st.lists(medium_strategy | json_values, max_size=4))
def test_contact_media_validation_never_raises_nor_mutates(media: list[Any]) -> None:
    before = copy.deepcopy(media)
    out, problems = validate_contact_media(media, "cm", "GB")
    assert media == before
    assert len(out) == len(media)
    assert all(p.field.startswith("cm[") for p in problems)


# --- identifiers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "organisation"),
    [
        (ident("VAT", "DE136695976"), True),
        (ident("vatNumber", "136 695 976", "Germany"), True),
        (ident("VAT", "GB 980 7806 84"), True),
        (ident("VAT", "EL094259216"), True),
        (ident("VAT", "FR40303265045"), True),
        (ident("taxId", "NL004495445B01"), True),
        (ident("companyRegistration", "2077474-0", "FI"), True),
        (ident("taxId", "91-1144442", "US"), False),
        (ident("nationalId", "85.07.30-033.28", "BE"), False),
        (ident("passport", "whatever", "GB"), False),  # unknown scheme: accepted untouched
        (ident("VAT", "123"), True),  # no country known: accepted untouched
        (ident("taxId", "RSSMRA85T10A562S", "IT"), False),  # person's tax code, no stdnum tin scheme
    ],
)
def test_valid_or_unchecked_identifiers_pass(item: dict[str, Any], organisation: bool) -> None:
    assert check_identification(item, "organizationIdentification[0]", organisation=organisation) == []


@pytest.mark.parametrize(
    ("item", "organisation", "rule"),
    [
        (ident("VAT", "DE136695977"), True, "taxId.checksum"),
        (ident("VAT", "GB980780685"), True, "taxId.checksum"),
        (ident("VAT", "DE 1366959"), True, "taxId.format"),
        (ident("taxId", "136695977", "DE"), True, "taxId.checksum"),
        (ident("taxId", "00-1234567", "US"), False, "taxId.format"),
        (ident("companyRegistration", "2077474-1", "FI"), True, "companyId.checksum"),
        (ident("nationalId", "85.07.30-033.29", "BE"), False, "nationalId.checksum"),
        (ident("VAT", ""), True, "identification.missing"),
        (ident("VAT", None), True, "identification.missing"),
    ],
)
def test_bad_identifiers_are_reported(item: dict[str, Any], organisation: bool, rule: str) -> None:
    problems = check_identification(item, "organizationIdentification[1]", organisation=organisation)
    assert [p.rule for p in problems] == [rule]
    assert problems[0].field == "organizationIdentification[1].identificationId"


def test_identification_dates_and_shape_are_checked() -> None:
    item = {
        **ident("passport", "X1"),
        "issuingDate": "yesterday",
        "validFor": {"startDateTime": "2020-13-01"},
    }
    assert rules(check_identification(item, "i", organisation=False)) == [
        ("i.validFor.startDateTime", "date.format"),
        ("i.issuingDate", "date.format"),
    ]
    assert rules(check_identification("x", "i", organisation=False)) == [("i", "identification.type")]


def test_identifier_key_compares_prefixed_and_plain_vat_numbers() -> None:
    assert identifier_key(ident("VAT", "de 136-695-976")) == "DE136695976"
    assert identifier_key(ident("vatNumber", "136695976", "DE")) == "DE136695976"
    assert identifier_key(ident("VAT", "EL094259216")) == identifier_key(ident("VAT", "094259216", "Greece"))
    assert identifier_key(ident("passport", "ab 123", "GB")) == "passport:GB:AB123"
    assert identifier_key(ident("VAT", "  ")) is None


# --- whole documents ---------------------------------------------------------


def individual(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "42",
        "@type": "Individual",
        "givenName": "Jane",
        "familyName": "Smith",
        "birthDate": "1980-02-01",
        "countryOfBirth": "GBR",
        "nationality": "GB",
        "contactMedium": [email("JANE@Example.org"), phone("07911 123456"), address("United Kingdom")],
        "individualIdentification": [ident("passport", "123456789", "GB")],
    }
    doc.update(overrides)
    return doc


def test_valid_individual_is_normalised_in_a_copy() -> None:
    doc = individual()
    before = copy.deepcopy(doc)
    out, problems = validate_individual(doc, "US", today=date(2024, 1, 1))
    assert problems == []
    assert doc == before
    assert out["contactMedium"][0]["characteristic"]["emailAddress"] == "JANE@example.org"
    assert out["contactMedium"][1]["characteristic"]["phoneNumber"] == "+447911123456"
    assert out["countryOfBirth"] == "GBR"  # countries are checked, not rewritten


def test_individual_problems_are_collected() -> None:
    doc = individual(
        countryOfBirth="Atlantis",
        nationality="ZZ",
        birthDate="2030-01-01",
        contactMedium=[phone("+44 20 7946")],
        individualIdentification=[ident("nationalId", "85.07.30-033.29", "BE")],
    )
    _, problems = validate_individual(doc, today=date(2024, 1, 1))
    assert rules(problems) == [
        ("contactMedium[0].characteristic.phoneNumber", "phone.invalid"),
        ("countryOfBirth", "country.iso3166"),
        ("nationality", "country.iso3166"),
        ("birthDate", "birthDate.future"),
        ("individualIdentification[0].identificationId", "nationalId.checksum"),
    ]


def test_individual_date_rules() -> None:
    _, problems = validate_individual(individual(birthDate="01/02/1980", deathDate="1970-01-01"))
    assert rules(problems) == [("birthDate", "date.format")]
    _, problems = validate_individual(individual(deathDate="1970-01-01T00:00:00Z"))
    assert rules(problems) == [("deathDate", "deathDate.order")]
    _, problems = validate_individual(individual(birthDate="2030-01-01"))  # no today: not judged
    assert problems == []


def test_organization_validation() -> None:
    doc: dict[str, Any] = {
        "@type": "Organization",
        "tradingName": "Acme",
        "contactMedium": [phone("+49 30 901820", "telephone"), email("sales@acme.example.com")],
        "organizationIdentification": [ident("VAT", "DE136695976"), ident("VAT", "DE136695977")],
        "existsDuring": {"startDateTime": "not a date"},
    }
    out, problems = validate_organization(doc)
    assert rules(problems) == [
        ("existsDuring.startDateTime", "date.format"),
        ("organizationIdentification[1].identificationId", "taxId.checksum"),
    ]
    assert out["contactMedium"][0]["characteristic"]["phoneNumber"] == "+4930901820"
    assert doc["contactMedium"][0]["characteristic"]["phoneNumber"] == "+49 30 901820"


def test_identification_lists_must_be_lists() -> None:
    _, problems = validate_organization({"organizationIdentification": {"identificationId": "x"}})
    assert rules(problems) == [("organizationIdentification", "identification.type")]
