"""PATCH, ETag/If-Match, lifecycle, events, DELETE and concurrent updates through HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from engine_support import INDIVIDUAL, ORGANIZATION, PARTY_ROLE, Api, Headers, count, error_fields, events, ok
from fastapi.testclient import TestClient
from httpx import Response

from openbss.core.db import Database
from openbss.tmf import service

Snap = Callable[[], dict[str, list[tuple[str, ...]]]]
ON_POSTGRES = os.environ.get("OPENBSS_TEST_DATABASE_URL") is not None

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def patch(
    client: TestClient, url: str, body: Any, headers: Headers, content_type: str = MERGE, **extra: str
) -> Response:
    return client.patch(url, content=json.dumps(body), headers={**headers, "Content-Type": content_type, **extra})


@pytest.fixture
def jane(api: Api) -> dict[str, Any]:
    return api.individual(
        "Jane",
        "Doe",
        middleName="Q",
        gender="female",
        contactMedium=[{"mediumType": "email", "characteristic": {"emailAddress": "jane@example.org"}}],
    )


def url(resource: dict[str, Any]) -> str:
    return f"{INDIVIDUAL}/{resource['id']}"


# --- merge patch ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [MERGE, "application/json", "application/merge-patch+json; charset=utf-8", "Application/JSON"],
)
def test_merge_patch_and_plain_json_are_the_same(
    client: TestClient, api: Api, jane: dict[str, Any], content_type: str
) -> None:
    response = patch(
        client,
        url(jane),
        {"givenName": "Janet", "middleName": None, "nationality": "GB"},
        api.headers,
        content_type,
    )
    body = ok(response)
    assert body["givenName"] == "Janet"
    assert body["nationality"] == "GB"
    assert "middleName" not in body  # null removes
    assert body["familyName"] == "Doe"
    assert body["contactMedium"] == jane["contactMedium"]
    assert response.headers["ETag"] == '"2"'
    assert ok(client.get(url(jane), headers=api.headers)) == body


def test_a_merge_patch_replaces_arrays_whole(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    media = [{"mediumType": "phone", "characteristic": {"phoneNumber": "+442071838750"}}]
    body = ok(patch(client, url(jane), {"contactMedium": media}, api.headers))
    assert body["contactMedium"] == media
    assert api.ids(INDIVIDUAL, "contactMedium.mediumType=email") == []
    assert api.ids(INDIVIDUAL, "contactMedium.mediumType=phone") == [jane["id"]]


def test_a_patch_that_changes_nothing_keeps_the_version(
    client: TestClient, api: Api, jane: dict[str, Any], db: Database
) -> None:
    before = len(events(db))
    response = patch(client, url(jane), {"givenName": "Jane", "shoeSize": None}, api.headers)
    assert ok(response) == jane
    assert response.headers["ETag"] == '"1"'
    assert len(events(db)) == before


# --- JSON patch -----------------------------------------------------------------------------------


def test_json_patch_add_replace_remove_test(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    ops = [
        {"op": "test", "path": "/givenName", "value": "Jane"},
        {"op": "replace", "path": "/givenName", "value": "Janet"},
        {"op": "remove", "path": "/middleName"},
        {
            "op": "add",
            "path": "/contactMedium/-",
            "value": {"mediumType": "phone", "characteristic": {"phoneNumber": "+442071838750"}},
        },
        {"op": "add", "path": "/title", "value": "Dr"},
        {"op": "copy", "from": "/givenName", "path": "/preferredGivenName"},
    ]
    body = ok(patch(client, url(jane), ops, api.headers, JSON_PATCH))
    assert (body["givenName"], body["title"], body["preferredGivenName"]) == ("Janet", "Dr", "Janet")
    assert "middleName" not in body
    assert [m["mediumType"] for m in body["contactMedium"]] == ["email", "phone"]
    assert api.ids(INDIVIDUAL, "givenName=Janet&contactMedium.mediumType=phone&title=Dr") == [jane["id"]]


@pytest.mark.parametrize(
    ("ops", "field"),
    [
        (
            [
                {"op": "replace", "path": "/givenName", "value": "X"},
                {"op": "test", "path": "/familyName", "value": "Roe"},
            ],
            "[1].value",
        ),
        (
            [{"op": "replace", "path": "/givenName", "value": "X"}, {"op": "remove", "path": "/nope"}],
            "[1].path",
        ),
        ([{"op": "replace", "path": "/nickname", "value": "X"}], "[0].path"),
        ([{"op": "replace", "path": "/givenName", "value": "X"}, {"op": "jump", "path": "/x"}], "[1].op"),
        ([{"op": "replace", "path": "", "value": ["not", "an", "object"]}], "body"),
        ({"op": "replace", "path": "/givenName", "value": "X"}, "body"),
    ],
)
def test_a_failing_json_patch_changes_nothing(
    client: TestClient, api: Api, jane: dict[str, Any], snap: Snap, ops: Any, field: str
) -> None:
    before = snap()
    response = patch(client, url(jane), ops, api.headers, JSON_PATCH)
    assert response.status_code == 400, response.text
    assert error_fields(response) == {field}
    assert snap() == before


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        ({"id": "other"}, MERGE, {"id"}),
        ({"id": None}, MERGE, {"id"}),
        ({"href": "http://elsewhere.example/x"}, MERGE, {"href"}),
        ({"id": "other", "href": "x", "givenName": "Ok"}, MERGE, {"id", "href"}),
        ([{"op": "replace", "path": "/id", "value": "other"}], JSON_PATCH, {"id"}),
        ([{"op": "add", "path": "/href", "value": "x"}], JSON_PATCH, {"href"}),
        ({"status": "bogus"}, MERGE, {"status"}),
        ({"givenName": 7}, MERGE, {"givenName"}),
        ({"familyName": None}, MERGE, {"familyName"}),  # mandatory: cannot be removed
        ([{"op": "remove", "path": "/givenName"}], JSON_PATCH, {"givenName"}),
        (
            {"contactMedium": [{"mediumType": "email", "characteristic": {"emailAddress": "nope"}}]},
            MERGE,
            {"contactMedium[0].characteristic.emailAddress"},
        ),
        ({"shoeSize": 42}, MERGE, {"shoeSize"}),
        ({"givenName": "a\u0000b"}, MERGE, {"givenName"}),
        (["not", "an", "object"], MERGE, {"body"}),
        ("Janet", "application/json", {"body"}),
    ],
)
def test_bad_patches_are_400_and_change_nothing(
    client: TestClient,
    api: Api,
    jane: dict[str, Any],
    snap: Snap,
    body: Any,
    content_type: str,
    fields: set[str],
) -> None:
    before = snap()
    response = patch(client, url(jane), body, api.headers, content_type)
    assert response.status_code == 400, response.text
    assert error_fields(response) == fields
    assert snap() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "multipart/form-data", "application/x-www-form-urlencoded"],
)
def test_an_unsupported_media_type_is_415(
    client: TestClient, api: Api, jane: dict[str, Any], snap: Snap, content_type: str
) -> None:
    before = snap()
    response = patch(client, url(jane), {"givenName": "X"}, api.headers, content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "ERR_UNSUPPORTED_MEDIA_TYPE"
    assert error_fields(response) == {"Content-Type"}
    assert snap() == before


def test_an_empty_patch_body_is_400(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    response = client.patch(url(jane), content=b"", headers={**api.headers, "Content-Type": MERGE})
    assert response.status_code == 400
    assert error_fields(response) == {"body"}


# --- lifecycle and events -------------------------------------------------------------------------


def test_state_and_attribute_changes_write_their_events(
    client: TestClient, api: Api, jane: dict[str, Any], db: Database
) -> None:
    ok(patch(client, url(jane), {"givenName": "Janet", "gender": None}, api.headers))
    ok(patch(client, url(jane), {"status": "validated"}, api.headers))
    body = ok(patch(client, url(jane), {"status": "deceaded", "deathDate": "2024-01-01T00:00:00Z"}, api.headers))
    kinds = [(e, p.get("fieldPath")) for e, p in events(db, jane["id"])]
    assert kinds == [
        ("IndividualCreateEvent", None),
        ("IndividualAttributeValueChangeEvent", "gender,givenName"),
        ("IndividualStateChangeEvent", None),
        ("IndividualAttributeValueChangeEvent", "deathDate"),
        ("IndividualStateChangeEvent", None),
    ]
    assert events(db, jane["id"])[-1][1]["event"]["individual"] == body


@pytest.mark.parametrize(
    ("path", "start", "target"),
    [
        (INDIVIDUAL, "deceaded", "initialized"),
        (INDIVIDUAL, "deceaded", "validated"),
        (INDIVIDUAL, "validated", "initialized"),
        (ORGANIZATION, "closed", "validated"),
        (PARTY_ROLE, "terminated", "approved"),
        (PARTY_ROLE, "rejected", "approved"),
    ],
)
def test_an_illegal_transition_is_409_and_changes_nothing(
    client: TestClient, api: Api, snap: Snap, path: str, start: str, target: str
) -> None:
    if path == INDIVIDUAL:
        resource = api.individual()
    elif path == ORGANIZATION:
        resource = api.organization()
    else:
        resource = api.party_role(api.organization())
    address = f"{path}/{resource['id']}"
    ok(patch(client, address, {"status": start}, api.headers))
    before = snap()
    response = patch(client, address, {"status": target, "description": None}, api.headers)
    assert response.status_code == 409, response.text
    error = response.json()
    assert error["code"] == "ERR_CONFLICT"
    assert error_fields(response) == {"status"}
    assert start in error["message"] and target in error["message"]
    assert snap() == before


# --- ETag and If-Match ----------------------------------------------------------------------------


def test_the_etag_changes_with_every_update(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    tags = [client.get(url(jane), headers=api.headers).headers["ETag"]]
    for name in ("A", "B"):
        tags.append(patch(client, url(jane), {"givenName": name}, api.headers).headers["ETag"])
        assert client.get(url(jane), headers=api.headers).headers["ETag"] == tags[-1]
    assert len(set(tags)) == 3


@pytest.mark.parametrize("if_match", ['"1"', "*", 'W/"1"', '"7", "1"', ' "1" '])
def test_if_match_that_matches_lets_the_update_through(
    client: TestClient, api: Api, jane: dict[str, Any], if_match: str
) -> None:
    response = patch(client, url(jane), {"givenName": "Janet"}, api.headers, **{"If-Match": if_match})
    assert ok(response)["givenName"] == "Janet"


@pytest.mark.parametrize("if_match", ['"2"', '"0"', "1", '"1-x"', '"7", "8"'])
def test_a_stale_if_match_is_412_and_changes_nothing(
    client: TestClient, api: Api, jane: dict[str, Any], snap: Snap, if_match: str
) -> None:
    before = snap()
    for response in (
        patch(client, url(jane), {"givenName": "Janet"}, api.headers, **{"If-Match": if_match}),
        client.delete(url(jane), headers={**api.headers, "If-Match": if_match}),
    ):
        if response.status_code == 403:  # agents may not delete individuals
            continue
        assert response.status_code == 412, response.text
        assert response.json()["code"] == "ERR_PRECONDITION_FAILED"
        assert error_fields(response) == {"If-Match"}
    assert snap() == before


def test_a_lost_update_is_prevented(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    etag = client.get(url(jane), headers=api.headers).headers["ETag"]
    ok(patch(client, url(jane), {"givenName": "First"}, api.headers, **{"If-Match": etag}))
    late = patch(client, url(jane), {"givenName": "Second"}, api.headers, **{"If-Match": etag})
    assert late.status_code == 412
    assert ok(client.get(url(jane), headers=api.headers))["givenName"] == "First"


# --- delete ---------------------------------------------------------------------------------------


def test_delete_a_party_role(client: TestClient, api: Api, db: Database) -> None:
    org = api.organization()
    role = api.party_role(org, "supplier")
    address = f"{PARTY_ROLE}/{role['id']}"
    stale = client.delete(address, headers={**api.headers, "If-Match": '"9"'})
    assert stale.status_code == 412
    response = client.delete(address, headers={**api.headers, "If-Match": '"1"'})
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(address, headers=api.headers).status_code == 404
    assert client.delete(address, headers=api.headers).status_code == 404
    assert patch(client, address, {"name": "x"}, api.headers).status_code == 404
    assert api.ids(PARTY_ROLE, "name=supplier") == []
    assert count(db, "search_entry", "resource_id = :rid", rid=role["id"]) == 0
    event_type, payload = events(db, role["id"])[-1]
    assert event_type == "PartyRoleDeleteEvent"
    assert payload["event"]["partyRole"]["id"] == role["id"]
    assert ok(client.get(f"{ORGANIZATION}/{org['id']}", headers=api.headers))["id"] == org["id"]


def test_an_admin_may_delete_an_individual(
    client: TestClient, api: Api, admin: Headers, jane: dict[str, Any], db: Database
) -> None:
    assert client.delete(url(jane), headers=admin).status_code == 204
    assert client.get(url(jane), headers=admin).status_code == 404
    assert [e for e, _ in events(db, jane["id"])] == ["IndividualCreateEvent", "IndividualDeleteEvent"]
    assert count(db, "individual") == 0


# --- concurrency ----------------------------------------------------------------------------------


def _race(client: TestClient, monkeypatch: pytest.MonkeyPatch, requests: list[Callable[[], Response]]) -> list[int]:
    """Run the requests in threads; each waits for the others after reading the row (or gives up after 0.5 s:
    on PostgreSQL the row lock makes the later ones wait before they read)."""
    barrier = threading.Barrier(len(requests))
    checked = service.check_if_match

    def check_then_wait(row: Any, if_match: str | None) -> None:
        checked(row, if_match)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=0.5)

    monkeypatch.setattr(service, "check_if_match", check_then_wait)
    statuses: list[int] = []

    def run(request: Callable[[], Response]) -> None:
        statuses.append(request().status_code)

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(statuses)


def test_two_patches_with_the_same_if_match_one_wins(
    client: TestClient, api: Api, jane: dict[str, Any], monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    statuses = _race(
        client,
        monkeypatch,
        [
            lambda: patch(client, url(jane), {"givenName": "Left"}, api.headers, **{"If-Match": '"1"'}),
            lambda: patch(client, url(jane), {"givenName": "Right"}, api.headers, **{"If-Match": '"1"'}),
        ],
    )
    assert statuses == [200, 412]
    final = client.get(url(jane), headers=api.headers)
    assert final.headers["ETag"] == '"2"'
    assert ok(final)["givenName"] in ("Left", "Right")
    assert [e for e, _ in events(db, jane["id"])].count("IndividualAttributeValueChangeEvent") == 1
    assert api.ids(INDIVIDUAL, f"givenName={ok(final)['givenName']}") == [jane["id"]]


def test_concurrent_patches_without_if_match_both_apply(
    client: TestClient, api: Api, jane: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = _race(
        client,
        monkeypatch,
        [
            lambda: patch(client, url(jane), {"givenName": "Left"}, api.headers),
            lambda: patch(client, url(jane), {"title": "Dr"}, api.headers),
        ],
    )
    assert statuses == [200, 200]
    final = ok(client.get(url(jane), headers=api.headers))
    assert (final["givenName"], final["title"]) == ("Left", "Dr")


def test_true_becoming_one_is_a_change(client: TestClient, api: Api, jane: dict[str, Any]) -> None:
    ok(patch(client, url(jane), {"partyCharacteristic": [{"name": "vip", "value": True}]}, api.headers))
    response = patch(client, url(jane), {"partyCharacteristic": [{"name": "vip", "value": 1}]}, api.headers)
    assert ok(response)["partyCharacteristic"] == [{"name": "vip", "value": 1}]
    assert response.headers["ETag"] == '"3"'
