"""Rebuilding the search index from the stored documents."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from openbss.core.db import Database
from openbss.domains import DOMAINS
from openbss.tmf.models import SearchEntry
from openbss.tmf.reindex import reindex

PARTY = "/tmf-api/party/v4/individual"


def test_reindex_restores_filtering(client: TestClient, db: Database, agent: dict[str, str]) -> None:
    body = {"givenName": "Ada", "familyName": "Lovelace", "birthDate": "1815-12-10T00:00:00Z"}
    created = client.post(PARTY, json=body, headers=agent)
    assert created.status_code == 201
    with db.session() as session:
        before = session.execute(select(func.count()).select_from(SearchEntry)).scalar_one()
        session.execute(delete(SearchEntry))
    assert client.get(f"{PARTY}?familyName=Lovelace", headers=agent).json() == []

    counts = reindex(db, [rt for d in DOMAINS for rt in d.resources])

    assert counts["TMF632.individual"] == 1
    with db.session() as session:
        assert session.execute(select(func.count()).select_from(SearchEntry)).scalar_one() == before
    found = client.get(f"{PARTY}?familyName=Lovelace&birthDate.lt=1900-01-01", headers=agent).json()
    assert [f["id"] for f in found] == [created.json()["id"]]
