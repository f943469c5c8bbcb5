"""Idempotency-Key on POST: a retry gets the first answer back and creates nothing new."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from engine_support import INDIVIDUAL, ORGANIZATION, PARTY, Headers, count, error_fields, events, ok
from fastapi.testclient import TestClient
from httpx import Response

from openbss.core.db import Database
from openbss.core.security import create_token
from openbss.core.settings import get_settings
from openbss.tmf import service

Snap = Callable[[], dict[str, list[tuple[str, ...]]]]
JANE = {"givenName": "Jane", "familyName": "Doe"}


def post(client: TestClient, headers: Headers, key: str | None, body: Any = JANE, path: str = INDIVIDUAL) -> Response:
    extra = {"Idempotency-Key": key} if key is not None else {}
    return client.post(path, json=body, headers={**headers, **extra})


def test_a_retry_replays_the_first_answer(client: TestClient, agent: Headers, db: Database) -> None:
    first = post(client, agent, "order-123")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    created = first.json()
    ok(client.patch(f"{INDIVIDUAL}/{created['id']}", json={"givenName": "Changed"}, headers=agent))
    for _ in range(2):
        again = post(client, agent, "order-123")
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == created  # the first answer, not the resource as it is now
        assert again.headers["Location"] == first.headers["Location"]
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["content-type"].startswith("application/json")
    assert count(db, "individual") == 1
    assert [e for e, _ in events(db)].count("IndividualCreateEvent") == 1
    assert count(db, "idempotency_record") == 1


def test_the_same_key_with_another_body_is_422(client: TestClient, agent: Headers, db: Database, snap: Snap) -> None:
    ok(post(client, agent, "k-1"), 201)
    before = snap()
    for body, path in (
        ({"givenName": "Jane", "familyName": "Roe"}, INDIVIDUAL),
        ({"tradingName": "Acme"}, ORGANIZATION),
        (JANE, ORGANIZATION),
    ):
        response = post(client, agent, "k-1", body, path)
        assert response.status_code == 422, response.text
        error = response.json()
        assert error["code"] == "ERR_IDEMPOTENCY_KEY_REUSED"
        assert error_fields(response) == {"Idempotency-Key"}
    assert snap() == before


def test_keys_belong_to_the_caller(client: TestClient, agent: Headers, admin: Headers, db: Database) -> None:
    other_agent = {"Authorization": "Bearer " + create_token(get_settings(), role="agent", subject="someone-else")}
    ids = {post(client, who, "shared-key").json()["id"] for who in (agent, admin, other_agent)}
    assert len(ids) == 3
    assert count(db, "individual") == 3
    assert post(client, admin, "shared-key").headers["Idempotent-Replayed"] == "true"
    assert count(db, "individual") == 3


def test_without_a_key_every_post_creates(client: TestClient, agent: Headers, db: Database) -> None:
    ok(post(client, agent, None), 201)
    ok(post(client, agent, None), 201)
    assert count(db, "individual") == 2
    assert count(db, "idempotency_record") == 0


def test_a_refused_request_does_not_use_up_the_key(client: TestClient, agent: Headers, db: Database) -> None:
    bad = post(client, agent, "k-2", {"givenName": "Jane"})
    assert bad.status_code == 400
    assert count(db, "idempotency_record") == 0
    fixed = post(client, agent, "k-2", JANE)
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_a_bad_key_is_400(client: TestClient, agent: Headers, snap: Snap, key: str) -> None:
    before = snap()
    response = post(client, agent, key)
    assert response.status_code == 400
    assert error_fields(response) == {"Idempotency-Key"}
    assert snap() == before


def test_a_key_of_255_characters_is_fine(client: TestClient, agent: Headers) -> None:
    key = "k" * 255
    ok(post(client, agent, key), 201)
    assert post(client, agent, key).headers["Idempotent-Replayed"] == "true"


def test_hub_registration_is_idempotent_too(client: TestClient, agent: Headers, db: Database) -> None:
    body = {"callback": "https://listener.example.org/events"}
    first = client.post(f"{PARTY}/hub", json=body, headers={**agent, "Idempotency-Key": "hub-1"})
    again = client.post(f"{PARTY}/hub", json=body, headers={**agent, "Idempotency-Key": "hub-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(db, "hub_subscription") == 1


def test_two_simultaneous_requests_with_one_key_create_once(
    client: TestClient, agent: Headers, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    barrier = threading.Barrier(2)
    create = service.create

    def create_together(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)  # both have looked for the key and found none
        return create(*args, **kwargs)

    monkeypatch.setattr(service, "create", create_together)
    answers: list[Response] = []
    threads = [threading.Thread(target=lambda: answers.append(post(client, agent, "race"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert count(db, "individual") == 1
    assert count(db, "outbox_event") == 1
