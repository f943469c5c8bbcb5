"""End-to-end smoke checks of the engine through one resource."""

from __future__ import annotations

from fastapi.testclient import TestClient

PARTY = "/tmf-api/party/v4"


def test_create_read_patch_individual(client: TestClient, agent: dict[str, str]) -> None:
    created = client.post(f"{PARTY}/individual", json={"givenName": "Jane", "familyName": "Doe"}, headers=agent)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["href"].endswith(f"/individual/{body['id']}")
    assert created.headers["Location"] == body["href"]
    assert body["status"] == "initialized"
    read = client.get(f"{PARTY}/individual/{body['id']}", headers=agent)
    assert read.status_code == 200
    assert read.json() == body
    patched = client.patch(f"{PARTY}/individual/{body['id']}", json={"givenName": "Janet"}, headers=agent)
    assert patched.status_code == 200
    assert patched.json()["givenName"] == "Janet"


def test_no_token_is_401(client: TestClient) -> None:
    response = client.get(f"{PARTY}/individual")
    assert response.status_code == 401
    assert response.json()["@type"] == "Error"
