"""Rebuild the search index of every resource from the stored documents.

Needed after an upgrade that changes how values are indexed (the release notes
say so); safe to run at any time: each resource kind is rebuilt in its own
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select

from openbss.core.db import Database
from openbss.tmf.models import SearchEntry
from openbss.tmf.resource import ResourceType
from openbss.tmf.service import index_entries

BATCH = 1000


def reindex(database: Database, resource_types: Iterable[ResourceType]) -> dict[str, int]:
    """Recompute ``search_entry`` for every row of the given resource types; returns rows per kind."""
    counts: dict[str, int] = {}
    for rt in resource_types:
        with database.session() as session:
            session.execute(delete(SearchEntry).where(SearchEntry.kind == rt.kind))
            done = 0
            last_id = ""
            while True:
                rows = session.execute(
                    select(rt.model.id, rt.model.doc).where(rt.model.id > last_id).order_by(rt.model.id).limit(BATCH)
                ).all()
                if not rows:
                    break
                values = [
                    {"kind": rt.kind, "resource_id": rid, "path": p, "value": v, "value_type": t}
                    for rid, doc in rows
                    for p, v, t in index_entries(rt, doc)
                ]
                if values:
                    session.execute(insert(SearchEntry), values)
                done += len(rows)
                last_id = rows[-1][0]
            counts[rt.kind] = done
    return counts
