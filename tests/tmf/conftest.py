"""Fixtures of the TMF engine tests (helpers live in engine_support.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from engine_support import Api, Headers, snapshot, wipe
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openbss.core.db import Database, set_database


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The test database, emptied after the test with DELETE rather than TRUNCATE: the tables
    hold a handful of rows, and on PostgreSQL truncating some thirty tables costs ~150 ms a test."""
    set_database(database)
    yield database
    wipe(database)


@pytest.fixture(scope="session")
def engine_app(database: Database) -> FastAPI:
    """One application for every test here: building it (OpenAPI models of every resource) takes
    about half a second, and it holds no state of its own (settings are read per request)."""
    from openbss.app import create_app

    return create_app(database=database)


@pytest.fixture
def client(db: Database, engine_app: FastAPI) -> Iterator[TestClient]:
    """The shared application on the emptied test database."""
    with TestClient(engine_app) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient, agent: Headers) -> Api:
    return Api(client, agent)


@pytest.fixture
def snap(db: Database) -> Callable[[], dict[str, list[tuple[str, ...]]]]:
    return lambda: snapshot(db)
