"""Listing through HTTP: TMF630 filters, paging headers and sorting on real data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from engine_support import INDIVIDUAL, Api, error_fields, token_headers, wipe
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openbss.core.db import Database, set_database
from openbss.core.settings import reset_settings


def email(address: str, **extra: Any) -> dict[str, Any]:
    return {"mediumType": "email", "characteristic": {"emailAddress": address}, **extra}


def phone(number: str) -> dict[str, Any]:
    return {"mediumType": "phone", "characteristic": {"phoneNumber": number}}


def score(value: int) -> list[dict[str, Any]]:
    return [{"creditAgencyName": "Experian", "ratingScore": value}]


# Every test here only reads, so the module shares one client and one data set (building the seven
# individuals for each of the ~100 cases would be slow); these fixtures override the per-test ones.


@pytest.fixture(scope="module")
def client(database: Database, engine_app: FastAPI) -> Iterator[TestClient]:
    set_database(database)
    wipe(database)
    with TestClient(engine_app) as test_client:
        yield test_client
    wipe(database)


@pytest.fixture(scope="module")
def api(client: TestClient) -> Api:
    return Api(client, token_headers("agent"))


@pytest.fixture(scope="module")
def people(api: Api) -> dict[str, str]:
    """Seven individuals; the name of each maps to its id."""
    made = [
        api.individual(
            "Jane",
            "Doe",
            birthDate="1985-03-04",
            creditRating=score(720),
            contactMedium=[
                email("jane@example.org", validFor={"startDateTime": "2020-06-01T10:00:00+02:00"}),
                phone("+442071838750"),
            ],
        ),
        # born 1979-12-31 at 23:30 in UTC-1, which is 1980-01-01T00:30Z
        api.individual(
            "John",
            "Doe",
            birthDate="1979-12-31T23:30:00-01:00",
            creditRating=score(650),
            contactMedium=[email("john@example.org", validFor={"startDateTime": "2021-03-01T00:00:00Z"})],
        ),
        api.individual(
            "Ann",
            "Smith",
            birthDate="1990-06-15",
            creditRating=score(90),
            status="validated",
            contactMedium=[phone("+442071838751")],
        ),
        api.individual("Bob", "Brown"),
        api.individual(
            "Zoe",
            "Adams",
            birthDate="2000-01-01T00:00:00Z",
            creditRating=score(1000),
            **{"@type": "IndividualExt", "@schemaLocation": "https://s.example/ext.json"},
        ),
        api.individual("Carl", "Young", birthDate="1975-05-05", creditRating=score(99)),
        api.individual("amy", "doe", contactMedium=[email("amy@example.org")]),
    ]
    return {p["givenName"]: p["id"] for p in made}


def names(api: Api, query: str, path: str = INDIVIDUAL) -> list[str]:
    return [d.get("givenName") or d.get("name") or d["id"] for d in api.listing(path, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("familyName=Doe", {"Jane", "John"}),
        ("familyName=Doe,Smith", {"Jane", "John", "Ann"}),
        ("familyName=doe", {"amy"}),
        ("givenName=Jane&familyName=Doe", {"Jane"}),
        ("givenName=Jane&familyName=Smith", set()),
        ("familyName.eq=Smith", {"Ann"}),
        ("familyName.ne=Doe", {"Ann", "Bob", "Zoe", "Carl", "amy"}),
        ("status=validated", {"Ann"}),
        ("status=initialized,validated", {"Jane", "John", "Ann", "Bob", "Zoe", "Carl", "amy"}),
        ("@type=IndividualExt", {"Zoe"}),
        ("@type=Individual", {"Jane", "John", "Ann", "Bob", "Carl", "amy"}),
        ("contactMedium.mediumType=email", {"Jane", "John", "amy"}),
        ("contactMedium.mediumType=phone", {"Jane", "Ann"}),
        ("contactMedium.mediumType=email&contactMedium.mediumType=phone", {"Jane"}),
        ("contactMedium.characteristic.emailAddress=jane@example.org", {"Jane"}),
        ("contactMedium.characteristic.emailAddress=jane@example.org,amy@example.org", {"Jane", "amy"}),
        ("contactMedium.characteristic.phoneNumber=%2B442071838751", {"Ann"}),
        ("creditRating.creditAgencyName=Experian", {"Jane", "John", "Ann", "Zoe", "Carl"}),
        # numbers compare as numbers (as text "1000" < "650" < "90")
        ("creditRating.ratingScore.gt=650", {"Jane", "Zoe"}),
        ("creditRating.ratingScore.gte=650", {"Jane", "John", "Zoe"}),
        ("creditRating.ratingScore.lt=100", {"Ann", "Carl"}),
        ("creditRating.ratingScore.lte=90", {"Ann"}),
        ("creditRating.ratingScore=720.0", {"Jane"}),
        ("creditRating.ratingScore>650", {"Jane", "Zoe"}),
        ("creditRating.ratingScore>=650", {"John", "Jane", "Zoe"}),
        ("creditRating.ratingScore<99", {"Ann"}),
        ("creditRating.ratingScore<=99", {"Ann", "Carl"}),
        # dates: a date is the whole UTC day; date-times are instants
        ("birthDate.gte=1980-01-01", {"Jane", "John", "Ann", "Zoe"}),
        ("birthDate>=1980-01-01", {"Jane", "John", "Ann", "Zoe"}),
        ("birthDate.lt=1980-01-01", {"Carl"}),
        ("birthDate<1980-01-01", {"Carl"}),
        ("birthDate=1980-01-01", {"John"}),
        ("birthDate=1979-12-31", set()),
        ("birthDate.gt=1985-03-04", {"Ann", "Zoe"}),
        ("birthDate>1985-03-04", {"Ann", "Zoe"}),
        ("birthDate.lte=1985-03-04", {"Jane", "John", "Carl"}),
        ("birthDate<=1985-03-04", {"Jane", "John", "Carl"}),
        ("birthDate.eq=1985-03-04,1975-05-05", {"Jane", "Carl"}),
        ("birthDate.gt=1980-01-01T00:30:00Z", {"Jane", "Ann", "Zoe"}),
        ("birthDate.gte=1980-01-01T00:30:00Z", {"Jane", "John", "Ann", "Zoe"}),
        ("birthDate.gte=1980-01-01T01:30:00%2B01:00", {"Jane", "John", "Ann", "Zoe"}),
        ("birthDate.gte=1980-01-01T01:30:00+01:00", {"Jane", "John", "Ann", "Zoe"}),  # '+' arrived as a space
        ("birthDate=1979-12-31T23:30:00-01:00", {"John"}),
        ("birthDate.lt=2000-01-01T00:00:00.001Z&birthDate.gt=1990-06-15", {"Zoe"}),
        ("contactMedium.validFor.startDateTime.lt=2021-01-01T00:00:00Z", {"Jane"}),
        ("contactMedium.validFor.startDateTime.gte=2020-06-01T08:00:00Z", {"Jane", "John"}),
        ("contactMedium.validFor.startDateTime.gt=2020-06-01T08:00:00Z", {"John"}),
        ("contactMedium.validFor.startDateTime=2020-06-01", {"Jane"}),
        # regular expressions
        ("familyName.regex=^D", {"Jane", "John"}),
        ("givenName.regex=(?i)^j", {"Jane", "John"}),
        ("givenName.regex=n$", {"John", "Ann"}),
        ("contactMedium.characteristic.emailAddress.regex=@example\\.org$", {"Jane", "John", "amy"}),
        ("birthDate.regex=^19[89]", {"Jane", "John", "Ann"}),
    ],
)
def test_filters(api: Api, people: dict[str, str], query: str, expected: set[str]) -> None:
    assert set(names(api, query)) == expected


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        ("shoeSize=42", "shoeSize", "filter.attribute"),
        ("nope.id=1", "nope.id", "filter.attribute"),
        ("sort=nope", "sort", "filter.attribute"),
        ("givenName.regex=(", "givenName.regex", "filter.regex"),
        (
            "givenName.regex=(?P<n>J)",
            "givenName.regex",
            "filter.regex",
        ),  # fine for Python, an error in PostgreSQL
        (
            "givenName.regex=a{,2}",
            "givenName.regex",
            "filter.regex",
        ),  # a repetition in Python, text in PostgreSQL
        ("givenName.regex=J%2B%2B", "givenName.regex", "filter.regex"),
        ("birthDate.gt=", "birthDate.gt", "filter.value"),
        ("limit=0", "limit", "paging.range"),
        ("limit=-5", "limit", "paging.range"),
        ("limit=1001", "limit", "paging.range"),
        ("limit=ten", "limit", "paging.integer"),
        ("offset=-1", "offset", "paging.range"),
        ("offset=1.5", "offset", "paging.integer"),
    ],
)
def test_bad_query_parameters_are_400(
    client: TestClient, api: Api, people: dict[str, str], query: str, field: str, rule: str
) -> None:
    response = client.get(f"{INDIVIDUAL}?{query}", headers=api.headers)
    assert response.status_code == 400, response.text
    assert error_fields(response) == {field}
    assert response.json()["details"][0]["rule"] == rule


def test_odd_filter_values_never_fail(client: TestClient, api: Api, people: dict[str, str]) -> None:
    for value in (
        "2020-13-45",
        "9999-12-31",
        "0001-01-01T00:00:00%2B01:00",
        "NaN",
        "1e400",
        "-0",
        "%E2%82%AC",
    ):
        for op in ("", ".gt", ".lte", ".ne"):
            response = client.get(f"{INDIVIDUAL}?birthDate{op}={value}", headers=api.headers)
            assert response.status_code == 200, (op, value, response.text)
            response = client.get(f"{INDIVIDUAL}?creditRating.ratingScore{op}={value}", headers=api.headers)
            assert response.status_code == 200, (op, value, response.text)


@pytest.mark.parametrize("query", ["familyName=a%00b", "contactMedium.x%00=1", "sort=familyName%00"])
def test_a_nul_character_is_400(client: TestClient, api: Api, people: dict[str, str], query: str) -> None:
    response = client.get(f"{INDIVIDUAL}?{query}", headers=api.headers)
    assert response.status_code == 400, response.text


def test_the_max_limit_is_a_setting(
    client: TestClient, api: Api, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBSS_MAX_PAGE_LIMIT", "3")
    reset_settings()
    assert client.get(f"{INDIVIDUAL}?limit=3", headers=api.headers).status_code == 206
    response = client.get(f"{INDIVIDUAL}?limit=4", headers=api.headers)
    assert response.status_code == 400
    assert "between 1 and 3" in response.json()["details"][0]["message"]


def test_the_default_page_is_a_setting(
    client: TestClient, api: Api, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    response = client.get(INDIVIDUAL, headers=api.headers)
    assert response.status_code == 200
    assert len(response.json()) == 7
    monkeypatch.setenv("OPENBSS_DEFAULT_PAGE_LIMIT", "5")
    reset_settings()
    response = client.get(INDIVIDUAL, headers=api.headers)
    assert response.status_code == 206
    assert (response.headers["X-Result-Count"], response.headers["X-Total-Count"]) == ("5", "7")


# --- paging ------------------------------------------------------------------------------------------


def links(header: str) -> dict[str, dict[str, list[str]]]:
    out = {}
    for url, rel in re.findall(r'<([^>]*)>;\s*rel="(\w+)"', header):
        out[rel] = parse_qs(urlsplit(url).query)
    return out


def test_a_complete_list_is_200_without_links(client: TestClient, api: Api, people: dict[str, str]) -> None:
    response = client.get(f"{INDIVIDUAL}?limit=7", headers=api.headers)
    assert response.status_code == 200
    assert (response.headers["X-Total-Count"], response.headers["X-Result-Count"]) == ("7", "7")
    assert "Link" not in response.headers
    empty = client.get(f"{INDIVIDUAL}?familyName=Nobody", headers=api.headers)
    assert empty.status_code == 200
    assert empty.json() == []
    assert (empty.headers["X-Total-Count"], empty.headers["X-Result-Count"]) == ("0", "0")


@pytest.mark.parametrize(
    ("offset", "count", "rels"),
    [
        (0, 3, {"next": 3, "first": 0, "last": 6}),
        (3, 3, {"next": 6, "prev": 0, "first": 0, "last": 6}),
        (6, 1, {"prev": 3, "first": 0, "last": 6}),
        (2, 3, {"next": 5, "prev": 0, "first": 0, "last": 6}),
    ],
)
def test_a_partial_page_is_206_with_links(
    client: TestClient, api: Api, people: dict[str, str], offset: int, count: int, rels: dict[str, int]
) -> None:
    response = client.get(f"{INDIVIDUAL}?offset={offset}&limit=3&sort=givenName", headers=api.headers)
    assert response.status_code == 206
    assert len(response.json()) == count
    assert (response.headers["X-Total-Count"], response.headers["X-Result-Count"]) == ("7", str(count))
    found = links(response.headers["Link"])
    assert {rel: int(q["offset"][0]) for rel, q in found.items()} == rels
    for query in found.values():
        assert query["limit"] == ["3"]
        assert query["sort"] == ["givenName"]


def test_following_next_links_visits_every_resource_once(client: TestClient, api: Api, people: dict[str, str]) -> None:
    url: str | None = f"{INDIVIDUAL}?limit=2&familyName.ne=Nobody"
    seen: list[str] = []
    while url:
        response = client.get(url, headers=api.headers)
        seen += [d["id"] for d in response.json()]
        assert response.headers["X-Total-Count"] == "7"
        nxt = re.search(r'<([^>]*)>;\s*rel="next"', response.headers.get("Link", ""))
        url = nxt.group(1) if nxt else None
    assert sorted(seen) == sorted(people.values())


def test_filters_and_paging_combine(client: TestClient, api: Api, people: dict[str, str]) -> None:
    response = client.get(f"{INDIVIDUAL}?familyName=Doe&limit=1&sort=givenName", headers=api.headers)
    assert response.status_code == 206
    assert [d["givenName"] for d in response.json()] == ["Jane"]
    assert response.headers["X-Total-Count"] == "2"
    assert links(response.headers["Link"])["next"]["familyName"] == ["Doe"]


def test_an_offset_past_the_end_is_an_empty_page(client: TestClient, api: Api, people: dict[str, str]) -> None:
    response = client.get(f"{INDIVIDUAL}?offset=50", headers=api.headers)
    assert response.json() == []
    assert (response.headers["X-Total-Count"], response.headers["X-Result-Count"]) == ("7", "0")


# --- sorting -----------------------------------------------------------------------------------------


# Text sorts in the database's collation (binary in SQLite, the database's in PostgreSQL), so these
# cases avoid names that differ only by case.
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("familyName,-givenName", ["Zoe", "Bob", "John", "Jane", "Ann", "Carl"]),
        ("familyName,givenName", ["Zoe", "Bob", "Jane", "John", "Ann", "Carl"]),
        ("-familyName,givenName", ["Carl", "Ann", "Jane", "John", "Bob", "Zoe"]),
        ("givenName", ["Ann", "Bob", "Carl", "Jane", "John", "Zoe"]),
        ("-givenName", ["Zoe", "John", "Jane", "Carl", "Bob", "Ann"]),
        # missing values come last either way
        ("birthDate", ["Carl", "John", "Jane", "Ann", "Zoe", "Bob"]),
        ("-birthDate,givenName", ["Zoe", "Ann", "Jane", "John", "Carl", "Bob"]),
        # numbers in numeric order
        ("creditRating.ratingScore", ["Ann", "Carl", "John", "Jane", "Zoe", "Bob"]),
        ("-creditRating.ratingScore", ["Zoe", "Jane", "John", "Carl", "Ann", "Bob"]),
        # nested paths; an array sorts by its smallest value going up, its largest going down
        (
            "contactMedium.characteristic.emailAddress,givenName",
            ["Jane", "John", "Ann", "Bob", "Carl", "Zoe"],
        ),
        ("contactMedium.mediumType,givenName", ["Jane", "John", "Ann", "Bob", "Carl", "Zoe"]),
        ("-contactMedium.mediumType,givenName", ["Ann", "Jane", "John", "Bob", "Carl", "Zoe"]),
        ("status,-@type,givenName", ["Zoe", "Bob", "Carl", "Jane", "John", "Ann"]),
    ],
)
def test_sort(api: Api, people: dict[str, str], sort: str, expected: list[str]) -> None:
    assert names(api, f"sort={sort}&givenName.ne=amy") == expected
