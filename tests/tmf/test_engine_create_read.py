"""The TMF REST engine through HTTP: create (validation, polymorphism, nothing written on error) and read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from engine_support import (
    INDIVIDUAL,
    ORGANIZATION,
    PARTY_ROLE,
    Api,
    Headers,
    count,
    error_fields,
    events,
    ok,
)
from fastapi.testclient import TestClient

from openbss.core.db import Database

Snap = Callable[[], dict[str, list[tuple[str, ...]]]]


def test_create_answers_201_with_location_etag_and_absolute_href(
    client: TestClient, agent: Headers, db: Database
) -> None:
    response = client.post(INDIVIDUAL, json={"givenName": "Jane", "familyName": "Doe"}, headers=agent)
    body = ok(response, 201)
    assert body["href"] == f"http://testserver{INDIVIDUAL}/{body['id']}"
    assert response.headers["Location"] == body["href"]
    assert response.headers["ETag"] == '"1"'
    assert response.headers["content-type"].startswith("application/json")
    assert body["@type"] == "Individual"
    assert body["status"] == "initialized"
    assert (body["givenName"], body["familyName"]) == ("Jane", "Doe")
    assert count(db, "individual") == 1
    [(event_type, payload)] = events(db, body["id"])
    assert event_type == "IndividualCreateEvent"
    assert payload["event"]["individual"] == body
    assert payload["eventType"] == "IndividualCreateEvent"


def test_href_follows_the_host_the_client_used(client: TestClient, agent: Headers) -> None:
    body = ok(
        client.post(
            INDIVIDUAL,
            json={"givenName": "A", "familyName": "B"},
            headers={**agent, "Host": "bss.example.net"},
        ),
        201,
    )
    assert body["href"].startswith("http://bss.example.net/tmf-api/party/v4/individual/")
    again = ok(client.get(f"{INDIVIDUAL}/{body['id']}", headers={**agent, "Host": "other.example.org"}))
    assert again["href"].startswith("http://other.example.org/")


def test_organization_and_party_role_are_created_the_same_way(api: Api, db: Database) -> None:
    org = api.organization("Acme Ltd", isLegalEntity=True)
    assert (org["@type"], org["status"], org["tradingName"]) == ("Organization", "initialized", "Acme Ltd")
    role = api.party_role(org, "supplier")
    assert role["@type"] == "PartyRole"
    assert role["engagedParty"]["id"] == org["id"]
    assert role["href"].endswith(f"{PARTY_ROLE}/{role['id']}")
    assert [e for e, _ in events(db)] == ["OrganizationCreateEvent", "PartyRoleCreateEvent"]


def test_an_id_or_href_in_the_body_is_ignored(api: Api) -> None:
    body = api.individual(id="my-own-id", href="http://evil.example/x")
    assert body["id"] != "my-own-id"
    assert body["href"].startswith("http://testserver/")


# --- polymorphism and extension -------------------------------------------------------------------------


def test_a_declared_sub_class_keeps_its_extension_attributes(client: TestClient, api: Api) -> None:
    ext = {
        "@type": "IndividualExt",
        "@baseType": "Individual",
        "@schemaLocation": "https://schemas.example.org/IndividualExt.json",
        "loyaltyTier": "gold",
        "shoeSize": 42,
        "preferences": {"newsletter": True, "channels": ["sms"]},
    }
    created = api.individual("Ext", "Ension", **ext)
    for key, value in ext.items():
        assert created[key] == value
    read = ok(client.get(f"{INDIVIDUAL}/{created['id']}", headers=api.headers))
    assert read == created
    plain = api.individual("Plain", "Person")
    assert api.ids(INDIVIDUAL, "@type=IndividualExt") == [created["id"]]
    assert api.ids(INDIVIDUAL, "@type=Individual") == [plain["id"]]
    assert sorted(api.ids(INDIVIDUAL, "@type=Individual,IndividualExt")) == sorted([created["id"], plain["id"]])


def test_a_patch_may_add_extension_attributes_only_to_a_sub_class(client: TestClient, api: Api) -> None:
    ext = api.individual("E", "X", **{"@type": "IndividualExt", "@schemaLocation": "https://s.example/e.json"})
    plain = api.individual("P", "Q")
    patched = ok(client.patch(f"{INDIVIDUAL}/{ext['id']}", json={"shoeSize": 43}, headers=api.headers))
    assert patched["shoeSize"] == 43
    refused = client.patch(f"{INDIVIDUAL}/{plain['id']}", json={"shoeSize": 43}, headers=api.headers)
    assert refused.status_code == 400
    assert error_fields(refused) == {"shoeSize"}


@pytest.mark.parametrize(
    ("extra", "fields", "rule"),
    [
        ({"shoeSize": 42}, {"shoeSize"}, "unknownAttribute"),
        ({"shoeSize": 42, "hairColour": "red"}, {"shoeSize", "hairColour"}, "unknownAttribute"),
        ({"@type": "Individual", "shoeSize": 42}, {"shoeSize"}, "unknownAttribute"),
        ({"@type": "IndividualExt"}, {"@type"}, "polymorphism"),
        ({"@type": "IndividualExt", "shoeSize": 1}, {"@type"}, "polymorphism"),
    ],
)
def test_undeclared_extensions_are_refused(
    client: TestClient, agent: Headers, snap: Snap, extra: dict[str, Any], fields: set[str], rule: str
) -> None:
    before = snap()
    response = client.post(INDIVIDUAL, json={"givenName": "A", "familyName": "B", **extra}, headers=agent)
    assert response.status_code == 400, response.text
    assert error_fields(response) == fields
    assert {d["rule"] for d in response.json()["details"]} == {rule}
    assert snap() == before


# --- bad input: 400, named fields, nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields", "rule"),
    [
        (b"{not json", {"body"}, "json.syntax"),
        (b"", {"body"}, "body.required"),
        (b"   ", {"body"}, "body.required"),
        (b"[]", {"body"}, "type.object"),
        (b'"Jane Doe"', {"body"}, "type.object"),
        (b"42", {"body"}, "type.object"),
        (b"null", {"body"}, "type.object"),
        (b'{"givenName": 1, "familyName": "Doe"}', {"givenName"}, "type.string"),
        (b'{"givenName": "J", "familyName": ["Doe"]}', {"familyName"}, "type.string"),
        (
            b'{"givenName": "J", "familyName": "D", "contactMedium": "e@x.org"}',
            {"contactMedium"},
            "type.array",
        ),
        (
            b'{"givenName": "J", "familyName": "D", "contactMedium": [{"preferred": "maybe"}]}',
            {"contactMedium[0].preferred"},
            "type.boolean",
        ),
        (
            b'{"givenName": "J", "familyName": "D", "birthDate": "last tuesday"}',
            {"birthDate"},
            "type.dateTime",
        ),
        (b'{"givenName": "J", "familyName": "D", "status": "bogus"}', {"status"}, "enum"),
        (b'{"givenName": "J", "familyName": "D", "status": "deceaded"}', {"status"}, "lifecycle.initial"),
        (
            b'{"givenName": "J\\u0000", "familyName": "D"}',
            {"givenName"},
            "text.nul",
        ),  # PostgreSQL cannot store it
        (
            b'{"givenName": "J", "familyName": "D", "contactMedium": [{"mediumType": "x\\u0000"}]}',
            {"contactMedium[0].mediumType"},
            "text.nul",
        ),
        (b'{"givenName": "Jane"}', {"familyName"}, "required"),
        (b"{}", {"givenName", "familyName"}, "required"),
        (
            b'{"givenName": "J", "familyName": "D", "relatedParty": [{"id": "1"}]}',
            {"relatedParty[0].@referredType"},
            "required",
        ),
        (
            b'{"givenName": "J", "familyName": "D", "contactMedium": [{"mediumType": "email", '
            b'"characteristic": {"emailAddress": "not-an-address"}}]}',
            {"contactMedium[0].characteristic.emailAddress"},
            None,
        ),
    ],
)
def test_bad_bodies_are_400_with_field_names_and_write_nothing(
    client: TestClient, agent: Headers, snap: Snap, body: bytes, fields: set[str], rule: str | None
) -> None:
    before = snap()
    response = client.post(INDIVIDUAL, content=body, headers={**agent, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()
    assert (error["code"], error["reason"], error["status"]) == ("ERR_VALIDATION", "Invalid request", "400")
    assert error_fields(response) == fields
    if rule:
        assert {d["rule"] for d in error["details"]} == {rule}
    assert all(d["message"] for d in error["details"])
    assert snap() == before


def test_all_problems_are_reported_at_once(client: TestClient, agent: Headers) -> None:
    response = client.post(INDIVIDUAL, json={"givenName": 5, "status": "bogus", "gender": []}, headers=agent)
    assert response.status_code == 400
    assert error_fields(response) == {"givenName", "familyName", "status", "gender"}
    assert "(and 3 more problem(s))" in response.json()["message"]


def test_date_times_are_rendered_in_utc_with_milliseconds(api: Api) -> None:
    created = api.individual(birthDate="1985-03-04", deathDate="2020-05-06T07:08:09.123456+02:00")
    assert created["birthDate"] == "1985-03-04T00:00:00.000Z"
    assert created["deathDate"] == "2020-05-06T05:08:09.123Z"


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00"])
def test_a_date_time_outside_the_utc_range_is_400(client: TestClient, agent: Headers, moment: str) -> None:
    response = client.post(INDIVIDUAL, json={"givenName": "A", "familyName": "B", "birthDate": moment}, headers=agent)
    assert response.status_code == 400
    assert error_fields(response) == {"birthDate"}


def test_a_valid_initial_state_may_be_given(api: Api) -> None:
    assert api.individual(status="validated")["status"] == "validated"


def test_a_party_role_must_engage_an_existing_party(client: TestClient, agent: Headers, snap: Snap) -> None:
    before = snap()
    body = {"name": "dealer", "engagedParty": {"id": "no-such-party", "@referredType": "Organization"}}
    response = client.post(PARTY_ROLE, json=body, headers=agent)
    assert response.status_code == 400
    assert error_fields(response) == {"engagedParty.id"}
    assert snap() == before


# --- reading ---------------------------------------------------------------------------------------------


def test_read_by_id_has_an_etag(client: TestClient, api: Api) -> None:
    created = api.individual()
    response = client.get(f"{INDIVIDUAL}/{created['id']}", headers=api.headers)
    assert ok(response) == created
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("path", [INDIVIDUAL, ORGANIZATION, PARTY_ROLE])
def test_an_unknown_id_is_404_with_a_tmf_error(client: TestClient, agent: Headers, path: str) -> None:
    for response in (
        client.get(f"{path}/nope", headers=agent),
        client.patch(f"{path}/nope", json={"name": "x"}, headers=agent),
        client.delete(f"{path}/nope", headers=agent),
    ):
        if response.status_code == 403:  # agents may not delete parties; the role is checked first
            continue
        assert response.status_code == 404, response.text
        body = response.json()
        assert body["code"] == "ERR_NOT_FOUND"
        assert body["@type"] == "Error"
        assert "nope" in body["message"]
        assert error_fields(response) == {"id"}


def test_an_unknown_path_is_a_tmf_404(client: TestClient, agent: Headers) -> None:
    response = client.get("/tmf-api/party/v4/nothingHere", headers=agent)
    assert response.status_code == 404
    assert response.json()["@type"] == "Error"


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_unsupported_methods_are_405_with_a_tmf_error(client: TestClient, api: Api, method: str) -> None:
    created = api.individual()
    response = client.request(
        method,
        f"{INDIVIDUAL}/{created['id']}",
        json={"givenName": "X", "familyName": "Y"},
        headers=api.headers,
    )
    assert response.status_code == 405
    body = response.json()
    assert (body["code"], body["status"], body["@type"]) == ("ERR_METHOD_NOT_ALLOWED", "405", "Error")
    assert ok(client.get(f"{INDIVIDUAL}/{created['id']}", headers=api.headers))["givenName"] == "Jane"


def test_a_405_lists_every_allowed_method(client: TestClient, api: Api) -> None:
    created = api.individual()
    response = client.put(f"{INDIVIDUAL}/{created['id']}", json={}, headers=api.headers)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "PATCH", "DELETE"}
    listing = client.put(INDIVIDUAL, json={}, headers=api.headers)
    assert {m.strip() for m in listing.headers["allow"].split(",")} == {"GET", "POST"}


def test_fields_selects_attributes_and_keeps_id_href_type(client: TestClient, api: Api) -> None:
    created = api.individual(
        contactMedium=[
            {
                "mediumType": "email",
                "preferred": True,
                "characteristic": {"emailAddress": "jane@example.org"},
            },
            {"mediumType": "phone", "characteristic": {"phoneNumber": "+442071838750"}},
        ]
    )
    keep = {"id": created["id"], "href": created["href"], "@type": "Individual"}
    one = ok(client.get(f"{INDIVIDUAL}/{created['id']}?fields=givenName", headers=api.headers))
    assert one == {**keep, "givenName": "Jane"}
    many = ok(client.get(f"{INDIVIDUAL}?fields=familyName,status", headers=api.headers))
    assert many == [{**keep, "familyName": "Doe", "status": "initialized"}]
    nested = ok(client.get(f"{INDIVIDUAL}/{created['id']}?fields=contactMedium.mediumType", headers=api.headers))
    assert nested == {**keep, "contactMedium": [{"mediumType": "email"}, {"mediumType": "phone"}]}
    deep = ok(client.get(f"{INDIVIDUAL}?fields=contactMedium.characteristic.emailAddress", headers=api.headers))
    assert deep[0]["contactMedium"] == [
        {"characteristic": {"emailAddress": "jane@example.org"}},
        {"characteristic": {}},
    ]
    assert ok(client.get(f"{INDIVIDUAL}/{created['id']}?fields=id", headers=api.headers)) == keep


def test_numbers_keep_their_digits(client: TestClient, api: Api) -> None:
    body = (
        b'{"givenName": "N", "familyName": "M", "@type": "IndividualExt", "@schemaLocation": "https://s.example/e",'
        b' "precise": 0.10000000000000000555, "score": 1.50, "count": 9007199254740993}'
    )
    created = client.post(INDIVIDUAL, content=body, headers={**api.headers, "Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    assert b'"precise":0.10000000000000000555' in created.content
    assert b'"score":1.50' in created.content
    assert b'"count":9007199254740993' in created.content


def test_integers_beyond_64_bits_are_kept(client: TestClient, api: Api) -> None:
    body = (
        b'{"givenName": "N", "familyName": "M", "@type": "IndividualExt", "@schemaLocation": "https://s.example/e",'
        b' "big": 12345678901234567890123}'
    )
    created = client.post(INDIVIDUAL, content=body, headers={**api.headers, "Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    assert b'"big":12345678901234567890123' in created.content


def names(api: Api, query: str, path: str) -> list[str]:
    return [d["name"] for d in api.listing(path, query)]


def test_organizations_and_party_roles_filter_and_sort(api: Api) -> None:
    acme = api.organization("Acme Ltd", organizationType="company")
    zeta = api.organization("Zeta plc", organizationType="company", isHeadOffice=True)
    api.organization("Beta LLP", organizationType="partnership")
    assert [o["tradingName"] for o in api.listing(ORGANIZATION, "organizationType=company&sort=-tradingName")] == [
        "Zeta plc",
        "Acme Ltd",
    ]
    assert [o["tradingName"] for o in api.listing(ORGANIZATION, "isHeadOffice=true")] == ["Zeta plc"]
    jane = api.individual()
    api.party_role(acme, "supplier")
    api.party_role(zeta, "dealer")
    api.party_role(jane, "dealer")
    assert names(api, f"engagedParty.id={acme['id']}", PARTY_ROLE) == ["supplier"]
    assert sorted(names(api, "name=dealer&engagedParty.@referredType=Organization,Individual", PARTY_ROLE)) == [
        "dealer",
        "dealer",
    ]
    assert names(api, "engagedParty.@referredType=Individual&fields=name", PARTY_ROLE) == ["dealer"]
    assert ok(api.client.get(f"{PARTY_ROLE}?sort=-name&fields=name", headers=api.headers))[0]["name"] == "supplier"
