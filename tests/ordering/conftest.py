"""Fixtures of the ordering tests: a shop (customer, account, catalog) and the TMF641 simulator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from order_helpers import Shop

from openbss.core.db import Database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oss"))
from oss_simulator_fixture import openbss_server, oss_settings, oss_simulator

__all__ = ["openbss_server", "oss_settings", "oss_simulator"]


@pytest.fixture
def shop(client: TestClient, admin: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch) -> Shop:
    """An approved customer with an active billing account; offerings are added by each test."""
    monkeypatch.setenv("OPENBSS_OSS_URL", "http://127.0.0.1:9/tmf-api/serviceOrdering/v4")  # nothing listens
    monkeypatch.setenv("OPENBSS_OSS_TIMEOUT_SECONDS", "1")
    from openbss.core.settings import reset_settings

    reset_settings()
    built = Shop(client, admin, db)
    built.setup_customer()
    return built


@pytest.fixture
def net_shop(oss_settings: object, client: TestClient, admin: dict[str, str], db: Database) -> Shop:
    """A shop whose orders go to the TMF641 simulator over HTTP (events come back to openbss_server)."""
    built = Shop(client, admin, db)
    built.setup_customer()
    return built
