"""The benchmark's bulk loader writes what ``service.create`` writes, and its client parses HTTP."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from sqlalchemy import func, select

from openbss.bench.bulk import bulk_create
from openbss.bench.client import _Connection, encode_request
from openbss.bench.dataset import NotABenchDatabase, customer_body, prepare_database
from openbss.core.db import Database, pending_at_commit
from openbss.core.processes import RUN_TABLE, ProcessRun
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.customers.models import CustomerMatchKey, CustomerRow
from openbss.demo.dataset import PartyFactory
from openbss.domains import resource_type
from openbss.events.models import OutboxEvent
from openbss.events.outbox import OUTBOX_TABLE
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.models import SearchEntry

ADMIN = Principal(subject="test", role="admin")


def _snapshot(ctx: Context, kind: str, row: Any) -> dict[str, Any]:
    """What was written for ``row``, with its own id and numbers masked."""
    session = ctx.session
    rt = resource_type(kind)
    own = {v for v in (row.id, getattr(row, "customer_number", None)) if v}
    columns = {
        c: "<own>" if getattr(row, c) in own else getattr(row, c)
        for c in rt.model.__table__.columns.keys()  # noqa: SIM118
        if c not in ("id", "created_at", "updated_at", "doc", "customer_number")
    }
    entries = sorted(
        (e.path, "<own>" if e.value in own else e.value, e.value_type)
        for e in session.execute(select(SearchEntry).where(SearchEntry.resource_id == row.id)).scalars()
        if e.path != "characteristic.value" or not str(e.value).startswith("C")
    )
    stored = [
        (e.event_type, e.api, e.payload)
        for e in session.execute(select(OutboxEvent).where(OutboxEvent.resource_id == row.id)).scalars()
    ]
    # events are inserted as the transaction commits; until then the session holds them
    pending = [
        (e["event_type"], e["api"], e["payload"])
        for e in pending_at_commit(session, OUTBOX_TABLE)
        if e["resource_id"] == row.id
    ]
    events = [(kind, api, sorted(payload), sorted(payload["event"])) for kind, api, payload in stored + pending]
    keys = sorted(
        k.key for k in session.execute(select(CustomerMatchKey).where(CustomerMatchKey.customer_id == row.id)).scalars()
    )
    return {"columns": columns, "entries": entries, "events": events, "match_keys": keys}


def _runs(session: Any) -> int:
    stored = session.execute(select(func.count()).select_from(ProcessRun)).scalar_one()
    return int(stored) + len(pending_at_commit(session, RUN_TABLE))


def test_bulk_create_writes_the_rows_of_service_create(db: Database) -> None:
    factory = PartyFactory(random.Random(5))
    person = factory.individual()
    company = factory.organization()
    with db.session() as session:
        ctx = Context(session=session, principal=ADMIN, settings=get_settings())
        for spec, kind in ((person, "TMF632.individual"), (company, "TMF632.organization")):
            runs_before = _runs(session)
            single = service.create(ctx, resource_type(kind), spec.body)
            runs_single = _runs(session)
            [bulk] = bulk_create(ctx, resource_type(kind), [spec.body])
            runs_bulk = _runs(session)
            assert _snapshot(ctx, kind, single) == _snapshot(ctx, kind, bulk)
            assert runs_single - runs_before == runs_bulk - runs_single
            single_customer = service.create(ctx, resource_type("TMF629.customer"), customer_body(single.id, spec))
            [bulk_customer] = bulk_create(ctx, resource_type("TMF629.customer"), [customer_body(bulk.id, spec)])
            one = _snapshot(ctx, "TMF629.customer", single_customer)
            other = _snapshot(ctx, "TMF629.customer", bulk_customer)
            # the engaged party differs (one per path); everything else is the same
            for snapshot, party in ((one, single.id), (other, bulk.id)):
                snapshot["entries"] = [e for e in snapshot["entries"] if e[1] != party]
                snapshot["match_keys"] = [k for k in snapshot["match_keys"] if party not in k]
                snapshot["columns"].pop("engaged_party_id")
                snapshot["columns"].pop("owner_party_id")
            assert one == other
            assert bulk_customer.customer_number and bulk_customer.customer_number != single_customer.customer_number


def test_prepare_database_loads_customers_and_spares_and_tops_up(db: Database) -> None:
    first = prepare_database(db, customers=6, spare=3, batch=4, sample=10)
    assert first.customers == 6
    assert len(first.spare_parties) == 3
    assert len(first.sample) == 6
    again = prepare_database(db, customers=8, spare=3, batch=4, sample=10)
    assert (again.customers, again.loaded_customers) == (8, 2)
    with db.session() as session:
        names = session.execute(select(CustomerRow.name)).scalars().all()
    assert len(set(names)) == 8  # the top-up continued the party stream instead of repeating it


def test_prepare_database_refuses_a_database_with_other_data(db: Database) -> None:
    with db.session() as session:
        ctx = Context(session=session, principal=ADMIN, settings=get_settings())
        service.create(ctx, resource_type("TMF632.individual"), {"givenName": "Real", "familyName": "Person"})
    with pytest.raises(NotABenchDatabase):
        prepare_database(db, customers=1, spare=1)


@pytest.mark.parametrize(
    "chunks",
    [
        [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"],
        [b"HTTP/1.1 200 OK\r\nContent-Len", b"gth: 5\r\n\r\nhel", b"lo"],
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
    ],
)
def test_client_reads_one_response(chunks: list[bytes]) -> None:
    async def read() -> tuple[int, bytes]:
        connection = _Connection()
        connection.waiter = asyncio.get_running_loop().create_future()
        for chunk in chunks:
            connection.data_received(chunk)
        return await connection.waiter

    status, body = asyncio.run(read())
    assert status == 200
    assert b"hello" in body


def test_encode_request_sets_length_for_bodies() -> None:
    raw = encode_request("POST", "/x", host="h:1", headers={"A": "b"}, body=b"{}")
    assert raw == b"POST /x HTTP/1.1\r\nHost: h:1\r\nA: b\r\nContent-Length: 2\r\n\r\n{}"
    assert b"Content-Length" not in encode_request("GET", "/x", host="h:1", headers={})
