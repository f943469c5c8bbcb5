"""/hub: registering and removing event listeners (TMF630 notification pattern)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from engine_support import PARTY, ROLE, TOKEN_KINDS, Headers, count, error_fields, expire, ok, token_headers
from fastapi.testclient import TestClient

from openbss.core.db import Database

Snap = Callable[[], dict[str, list[tuple[str, ...]]]]
HUB = f"{PARTY}/hub"
CALLBACK = "https://listener.example.org/tmf/events"


def test_register_read_and_remove_a_listener(client: TestClient, agent: Headers, db: Database) -> None:
    body = {
        "callback": CALLBACK,
        "query": "eventType=IndividualCreateEvent&event.individual.status=validated",
    }
    response = client.post(HUB, json=body, headers=agent)
    created = ok(response, 201)
    assert created["id"]
    assert (created["callback"], created["query"]) == (body["callback"], body["query"])
    assert response.headers["Location"] == f"http://testserver{HUB}/{created['id']}"
    assert ok(client.get(f"{HUB}/{created['id']}", headers=agent)) == created
    assert client.delete(f"{HUB}/{created['id']}", headers=agent).status_code == 204
    assert client.get(f"{HUB}/{created['id']}", headers=agent).status_code == 404
    assert client.delete(f"{HUB}/{created['id']}", headers=agent).status_code == 404
    assert count(db, "hub_subscription") == 0


def test_a_listener_belongs_to_its_api(client: TestClient, agent: Headers) -> None:
    created = ok(client.post(HUB, json={"callback": CALLBACK}, headers=agent), 201)
    assert created["query"] is None
    assert client.get(f"{ROLE}/hub/{created['id']}", headers=agent).status_code == 404
    assert client.delete(f"{ROLE}/hub/{created['id']}", headers=agent).status_code == 404
    assert ok(client.get(f"{HUB}/{created['id']}", headers=agent))["id"] == created["id"]
    other = ok(client.post(f"{ROLE}/hub", json={"callback": CALLBACK}, headers=agent), 201)
    assert other["id"] != created["id"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"callback"}),
        ({"callback": ""}, {"callback"}),
        ({"callback": 42}, {"callback"}),
        ({"callback": "listener.example.org/cb"}, {"callback"}),
        ({"callback": "/relative/path"}, {"callback"}),
        ({"callback": "ftp://listener.example.org/cb"}, {"callback"}),
        ({"callback": "javascript:alert(1)"}, {"callback"}),
        ({"callback": "https://"}, {"callback"}),
        ({"callback": CALLBACK, "query": 5}, {"query"}),
        ({"callback": CALLBACK, "query": "status=active"}, {"query"}),
        ({"callback": "nope", "query": "x=1"}, {"callback", "query"}),
        ([CALLBACK], {"body"}),
    ],
)
def test_a_bad_registration_is_400_and_writes_nothing(
    client: TestClient, agent: Headers, snap: Snap, body: Any, fields: set[str]
) -> None:
    before = snap()
    response = client.post(HUB, json=body, headers=agent)
    assert response.status_code == 400, response.text
    assert error_fields(response) == fields
    assert snap() == before


def test_malformed_json_is_400(client: TestClient, agent: Headers) -> None:
    response = client.post(HUB, content=b"{callback:", headers={**agent, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_fields(response) == {"body"}


def test_a_callback_with_a_nul_character_is_400(client: TestClient, agent: Headers) -> None:
    response = client.post(HUB, json={"callback": "https://listener.example.org/a\u0000b"}, headers=agent)
    assert response.status_code == 400


@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_who_may_manage_listeners(client: TestClient, admin: Headers, snap: Snap, kind: str) -> None:
    existing = ok(client.post(HUB, json={"callback": CALLBACK}, headers=admin), 201)
    headers = token_headers(kind, "some-party")
    if kind == "expired":
        expire()
    allowed = kind in ("admin", "agent", "billing")
    expected = {"anonymous": 401, "garbage": 401, "expired": 401, "foreign": 401}.get(kind, 403)
    before = snap()
    posted = client.post(HUB, json={"callback": CALLBACK + "/2"}, headers=headers)
    read = client.get(f"{HUB}/{existing['id']}", headers=headers)
    removed = client.delete(f"{HUB}/{existing['id']}", headers=headers)
    if allowed:
        assert (posted.status_code, read.status_code, removed.status_code) == (201, 200, 204)
        return
    assert (posted.status_code, read.status_code, removed.status_code) == (expected,) * 3
    for response in (posted, read, removed):
        assert response.json()["@type"] == "Error"
    assert snap() == before
