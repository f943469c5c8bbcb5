"""Shared fixtures: a real database (SQLite, or PostgreSQL when
``OPENBSS_TEST_DATABASE_URL`` is set), the app with authentication on, tokens
for every role, and the test clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from openbss.core import clock
from openbss.core.db import Base, Database, set_database
from openbss.core.migrate import upgrade
from openbss.core.settings import get_settings, reset_settings
from openbss.models_registry import import_all_models

import_all_models()

PG_URL = os.environ.get("OPENBSS_TEST_DATABASE_URL")


def _worker_url(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own, named after the given one
    (``test`` -> ``test_gw0``), created on first use; without xdist the given database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    admin = Database(url)
    try:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        admin.dispose()
    return f"{base}/{own}"


def _fresh_postgres(url: str) -> Database:
    database = Database(_worker_url(url))
    with database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return database


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if PG_URL:
        db = _fresh_postgres(PG_URL)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "openbss-test.db"
        db = Database(f"sqlite:///{path}")
    upgrade(db)
    set_database(db)
    yield db
    db.dispose()


def _wipe(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Auth on, test clock on, real time; settings re-read for every test."""
    monkeypatch.setenv("OPENBSS_AUTH", "on")
    monkeypatch.setenv("OPENBSS_TEST_CLOCK", "on")
    monkeypatch.setenv("OPENBSS_REFERENCE_CHECK", "strict")
    reset_settings()
    clock.clock.reset()
    yield
    clock.clock.reset()
    reset_settings()


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The test database, emptied after the test."""
    set_database(database)
    yield database
    _wipe(database)


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    from openbss.app import create_app

    with TestClient(create_app(database=db)) as test_client:
        yield test_client


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth() -> TokenFactory:
    """``auth("agent")`` or ``auth("customer", party="42")`` -> request headers with a bearer token."""
    from openbss.core.security import create_token

    def make(role: str, party: str | None = None) -> dict[str, str]:
        token = create_token(get_settings(), role=role, subject=f"test-{role}", party_id=party)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def admin(auth: TokenFactory) -> dict[str, str]:
    return auth("admin")


@pytest.fixture
def agent(auth: TokenFactory) -> dict[str, str]:
    return auth("agent")
