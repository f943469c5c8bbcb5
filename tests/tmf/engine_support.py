"""Helpers of the TMF engine tests: API paths, resource builders and a database snapshot.

A refused call must leave nothing behind; :func:`snapshot` reads every table
the engine writes (resource rows, search index, outbox, idempotency records,
process runs, hub listeners) so a test can compare before and after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from openbss.core import clock
from openbss.core.db import Database

PARTY = "/tmf-api/party/v4"
ROLE = "/tmf-api/partyRoleManagement/v4"
INDIVIDUAL = f"{PARTY}/individual"
ORGANIZATION = f"{PARTY}/organization"
PARTY_ROLE = f"{ROLE}/partyRole"

ENGINE_TABLES = (
    "individual",
    "organization",
    "party_role",
    "search_entry",
    "outbox_event",
    "idempotency_record",
    "process_run",
    "hub_subscription",
)

Headers = dict[str, str]

_existing: dict[str, list[str]] = {}


def tables(db: Database) -> list[str]:
    """Every table of the models that exists in the test database, children first."""
    if db.url not in _existing:
        from sqlalchemy import inspect

        from openbss.core.db import Base

        present = set(inspect(db.engine).get_table_names())
        _existing[db.url] = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in present]
    return _existing[db.url]


def snapshot(db: Database) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (resources, search index, outbox, idempotency records, jobs, ...)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    with db.engine.connect() as conn:
        for table in tables(db):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def wipe(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in tables(db):
            conn.execute(text(f'DELETE FROM "{table}"'))


# --- callers --------------------------------------------------------------------------------------------

TOKEN_KINDS = (
    "anonymous",
    "garbage",
    "foreign",
    "expired",
    "customer",
    "partner",
    "billing",
    "agent",
    "admin",
)


def token_headers(kind: str, party: str | None = None) -> Headers:
    """Request headers of one kind of caller.

    ``garbage`` is not a JWT, ``foreign`` is signed with another key, ``expired``
    ran out by the openbss clock (which the caller has to move on: see
    :func:`expire`), the others are valid tokens of that role.
    """
    import jwt

    from openbss.core.security import create_token
    from openbss.core.settings import get_settings

    settings = get_settings()
    if kind == "anonymous":
        return {}
    if kind == "garbage":
        return {"Authorization": "Bearer not-a-token"}
    if kind == "foreign":
        claims = {"sub": "intruder", "role": "admin", "iss": settings.jwt_issuer, "exp": 4102444800}
        return {"Authorization": "Bearer " + jwt.encode(claims, "another-secret-of-thirty-two-bytes!", "HS256")}
    if kind == "expired":
        token = create_token(settings, role="admin", subject="was-admin", ttl=timedelta(seconds=60))
        return {"Authorization": f"Bearer {token}"}
    bound = party if kind in ("customer", "partner") else None
    return {"Authorization": "Bearer " + create_token(settings, role=kind, subject=f"test-{kind}", party_id=bound)}


def expire() -> None:
    """Move the openbss clock past the life of an ``expired`` token (the wall clock stays)."""
    clock.clock.advance(timedelta(seconds=61))


def count(db: Database, table: str, where: str = "", **params: Any) -> int:
    with db.engine.connect() as conn:
        sql = f'SELECT count(*) FROM "{table}"' + (f" WHERE {where}" if where else "")
        return int(conn.execute(text(sql), params).scalar_one())


def events(db: Database, resource_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(eventType, payload) of the outbox, oldest first."""
    from sqlalchemy import select

    from openbss.events.models import OutboxEvent

    with db.sessions() as session:
        stmt = select(OutboxEvent).order_by(OutboxEvent.seq)
        if resource_id is not None:
            stmt = stmt.where(OutboxEvent.resource_id == resource_id)
        return [(e.event_type, e.payload) for e in session.execute(stmt).scalars()]


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def error_fields(response: Response) -> set[str]:
    body = response.json()
    assert body["@type"] == "Error", body
    assert body["status"] == str(response.status_code)
    return {d["field"] for d in body.get("details", [])}


class Api:
    """Builders of TMF632/TMF669 resources through the HTTP API."""

    def __init__(self, client: TestClient, headers: Headers) -> None:
        self.client = client
        self.headers = headers

    def individual(self, given: str = "Jane", family: str = "Doe", **extra: Any) -> dict[str, Any]:
        body = {"givenName": given, "familyName": family, **extra}
        return ok(self.client.post(INDIVIDUAL, json=body, headers=self.headers), 201)  # type: ignore[no-any-return]

    def organization(self, trading: str = "Acme Ltd", **extra: Any) -> dict[str, Any]:
        body = {"tradingName": trading, **extra}
        return ok(self.client.post(ORGANIZATION, json=body, headers=self.headers), 201)  # type: ignore[no-any-return]

    def party_role(self, party: dict[str, Any], name: str = "dealer", **extra: Any) -> dict[str, Any]:
        body = {"name": name, "engagedParty": {"id": party["id"], "@referredType": party["@type"]}, **extra}
        return ok(self.client.post(PARTY_ROLE, json=body, headers=self.headers), 201)  # type: ignore[no-any-return]

    def listing(self, path: str, query: str = "", headers: Headers | None = None) -> list[dict[str, Any]]:
        response = self.client.get(f"{path}?{query}" if query else path, headers=headers or self.headers)
        assert response.status_code in (200, 206), response.text
        return response.json()  # type: ignore[no-any-return]

    def ids(self, path: str, query: str = "") -> list[str]:
        return [d["id"] for d in self.listing(path, query)]
