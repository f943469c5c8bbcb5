"""The benchmark's database: N customers with their parties, plus spare parties for POSTs.

Parties come from the demo's :class:`~openbss.demo.dataset.PartyFactory`, one
deterministic stream per seed: a database that already holds part of the
stream is topped up from where it stopped (the stream is replayed without
writing up to that point), so every party stays distinct. Everything is
written with :func:`openbss.bench.bulk.bulk_create`, i.e. with every rule,
search entry and event of the real create, committed every ``batch`` rows.
Afterwards the pending outbox events are fanned out (the job worker's work,
done before measuring rather than during it) and, on PostgreSQL, the tables
are analyzed.

A benchmark database is marked by an organization with
``externalReference.name = openbss-bench-dataset``; a database that holds
other data is refused, so the benchmark never writes into a real one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, literal, select, union_all

from openbss.bench.bulk import bulk_create
from openbss.core.db import Database, is_postgres
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.customers.models import CustomerRow
from openbss.demo.dataset import PartyFactory, PartySpec
from openbss.domains import resource_type
from openbss.events.fanout import fan_out
from openbss.events.models import OutboxEvent
from openbss.parties.models import IndividualRow, OrganizationRow
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.query import Condition, ListQuery

__all__ = ["BENCH_MARKER", "BenchData", "NotABenchDatabase", "prepare_database"]

BENCH_MARKER = "openbss-bench-dataset"
MARKER_NAME = "Benchmark Operator"
ANALYZE_EVERY = 20  # batches between two ANALYZE runs on PostgreSQL
BENCH_PRINCIPAL = Principal(subject="bench-loader", role="admin")
Progress = Callable[[str, int, int], None]
Doc = dict[str, Any]


class NotABenchDatabase(RuntimeError):
    """The database holds parties that the benchmark did not write."""


@dataclass(frozen=True)
class PartyRef:
    id: str
    kind: str  # Individual or Organization
    name: str


@dataclass(frozen=True)
class CustomerRef:
    id: str
    name: str
    party_id: str


@dataclass(frozen=True)
class BenchData:
    customers: int  # in the database
    loaded_customers: int  # by this run
    loaded_parties: int  # by this run, with and without customers
    fanned_out: int  # outbox events of earlier writes fanned out before measuring
    sample: tuple[CustomerRef, ...]  # random customers to read and search for
    spare_parties: tuple[PartyRef, ...]  # parties without a customer, for POST /customer


def party_stream(seed: int) -> Iterator[PartySpec]:
    """The benchmark's parties, in order: a quarter organizations, the rest individuals."""
    rng = random.Random(seed)
    factory = PartyFactory(rng)
    while True:
        yield factory.organization() if rng.random() < 0.25 else factory.individual()


def customer_body(party_id: str, spec: PartySpec) -> Doc:
    """A TMF629 customer engaging an existing party (what the POST scenario sends as well)."""
    return {
        "name": spec.display_name,
        "status": "approved",
        "engagedParty": {"id": party_id, "name": spec.display_name, "@referredType": spec.kind},
        "characteristic": [
            {
                "name": "segment",
                "valueType": "string",
                "value": "business" if spec.kind == "Organization" else "residential",
            }
        ],
    }


def _context(session: Any) -> Context:
    return Context(
        session=session, principal=BENCH_PRINCIPAL, settings=get_settings(), base_url="http://127.0.0.1:8000"
    )


def _has_marker(ctx: Context) -> bool:
    query = ListQuery((Condition("externalReference.name", "eq", (BENCH_MARKER,)),), (), 0, 1, None)
    return bool(service.list_rows(ctx, resource_type("TMF632.organization"), query).rows)


def _count(ctx: Context, model: Any) -> int:
    return int(ctx.session.execute(select(func.count()).select_from(model)).scalar_one())


def _write_parties(ctx: Context, specs: list[PartySpec]) -> list[str]:
    """Create the parties (individuals and organizations in two bulk calls); ids in ``specs`` order."""
    ids: list[str] = [""] * len(specs)
    for kind, path in (("Individual", "TMF632.individual"), ("Organization", "TMF632.organization")):
        positions = [i for i, spec in enumerate(specs) if spec.kind == kind]
        rows = bulk_create(ctx, resource_type(path), [specs[i].body for i in positions])
        for i, row in zip(positions, rows, strict=True):
            ids[i] = row.id
    return ids


def _spare_parties(ctx: Context, limit: int) -> list[PartyRef]:
    taken = select(CustomerRow.engaged_party_id).where(CustomerRow.engaged_party_id.is_not(None))
    spare = union_all(
        select(
            IndividualRow.id,
            IndividualRow.name,
            IndividualRow.created_at,
            literal("Individual").label("kind"),
        ).where(IndividualRow.id.not_in(taken)),
        select(
            OrganizationRow.id,
            OrganizationRow.name,
            OrganizationRow.created_at,
            literal("Organization").label("kind"),
        ).where(OrganizationRow.id.not_in(taken), OrganizationRow.name != MARKER_NAME),
    ).subquery()
    rows = ctx.session.execute(
        select(spare.c.id, spare.c.kind, spare.c.name).order_by(spare.c.created_at, spare.c.id).limit(limit)
    ).all()
    return [PartyRef(str(r.id), str(r.kind), str(r.name or "")) for r in rows]


def _sample(ctx: Context, size: int) -> list[CustomerRef]:
    rows = ctx.session.execute(
        select(CustomerRow.id, CustomerRow.name, CustomerRow.engaged_party_id)
        .where(CustomerRow.engaged_party_id.is_not(None))
        .order_by(func.random())
        .limit(size)
    ).all()
    return [CustomerRef(str(r.id), str(r.name or ""), str(r.engaged_party_id)) for r in rows]


def drain_outbox(database: Database, progress: Progress | None = None, batch: int = 5000) -> int:
    """Fan out every pending outbox event, as the job worker would have done while the data came in.

    Otherwise the server's embedded worker would spend the benchmark working
    off the bulk load's backlog. Returns how many events were fanned out.
    """
    with database.session() as session:
        pending = int(
            session.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.fanned_out == false())
            ).scalar_one()
        )
    done = 0
    while True:
        with database.session() as session:
            count = fan_out(session, limit=batch)
        if not count:
            return done
        done += count
        if progress is not None:
            progress("fanning out events", done, max(pending, done))


def analyze(database: Database) -> None:
    """Refresh PostgreSQL's planner statistics.

    Tables that grew from empty in a few large transactions keep the plans
    of empty tables (sequential scans, also in cached prepared statements)
    until they are analyzed; autovacuum does that eventually, and not at all
    where it is switched off.
    """
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def prepare_database(
    database: Database,
    *,
    customers: int,
    spare: int,
    seed: int = 20250101,
    batch: int = 500,
    sample: int = 5000,
    progress: Progress | None = None,
) -> BenchData:
    """Make sure ``database`` holds ``customers`` customers and ``spare`` parties without one."""
    with database.session() as session:
        ctx = _context(session)
        parties = _count(ctx, IndividualRow) + _count(ctx, OrganizationRow)
        if not _has_marker(ctx):
            if parties:
                raise NotABenchDatabase(
                    f"{database.engine.url.render_as_string()} holds {parties} parties the benchmark did not "
                    "write; give the benchmark an empty database of its own (--database)"
                )
            marker = {
                "tradingName": MARKER_NAME,
                "name": f"{MARKER_NAME} Ltd",
                "externalReference": [{"externalReferenceType": "dataset", "name": BENCH_MARKER}],
            }
            service.create(ctx, resource_type("TMF632.organization"), marker)
            parties = 1
        existing = _count(ctx, CustomerRow)
        spares = len(_spare_parties(ctx, spare))
    stream = party_stream(seed)
    for _ in range(parties - 1):  # replay what the database already holds (the marker is not in the stream)
        next(stream)
    missing_customers = max(customers - existing, 0)
    missing_spares = max(spare - spares, 0)
    todo = missing_customers + missing_spares
    done = 0
    while done < todo:
        size = min(batch, todo - done)
        specs = [next(stream) for _ in range(size)]
        with database.session() as session:
            ctx = _context(session)
            ids = _write_parties(ctx, specs)
            # a small identity map keeps the per-row ORM work of the customer hooks cheap
            session.expunge_all()
            with_customer = max(min(size, missing_customers - done), 0)
            if with_customer:
                bulk_create(
                    ctx,
                    resource_type("TMF629.customer"),
                    [customer_body(ids[i], specs[i]) for i in range(with_customer)],
                )
        done += size
        if is_postgres(database.engine) and (done // batch) % ANALYZE_EVERY == 0:
            analyze(database)
        if progress is not None:
            progress("loading", done, todo)
    if todo and is_postgres(database.engine):
        analyze(database)
    drained = drain_outbox(database, progress)
    with database.session() as session:
        ctx = _context(session)
        return BenchData(
            customers=_count(ctx, CustomerRow),
            loaded_customers=missing_customers,
            loaded_parties=todo,
            fanned_out=drained,
            sample=tuple(_sample(ctx, sample)),
            spare_parties=tuple(_spare_parties(ctx, spare)),
        )
