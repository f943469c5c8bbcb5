"""Fixtures for the dispatcher tests: a real HTTP listener, dispatch settings, subscriptions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from webhook_listener import PARTY, WEBHOOK_SECRET, Listener, Subscribe

from openbss.core.settings import Settings, get_settings, reset_settings


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def dispatch_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Short intervals and few attempts so that retries happen in test time."""
    monkeypatch.setenv("OPENBSS_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("OPENBSS_DISPATCH_INTERVAL_SECONDS", "0.05")
    monkeypatch.setenv("OPENBSS_DISPATCH_BACKOFF_SECONDS", "2")
    monkeypatch.setenv("OPENBSS_DISPATCH_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("OPENBSS_DISPATCH_TIMEOUT_SECONDS", "5")
    reset_settings()
    return get_settings()


@pytest.fixture
def subscribe(client: TestClient, admin: dict[str, str]) -> Subscribe:
    """``subscribe(callback, query=None, base=PARTY)`` registers a listener through ``POST {base}/hub``."""

    def register(callback: str, query: str | None = None, base: str = PARTY) -> str:
        body: dict[str, str] = {"callback": callback}
        if query is not None:
            body["query"] = query
        response = client.post(f"{base}/hub", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    return register
