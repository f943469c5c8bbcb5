"""The ``openbss`` command."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from openbss.core.settings import get_settings, reset_settings

app = typer.Typer(help="openbss: an open business support system speaking TM Forum Open APIs v4.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for the API.", no_args_is_help=True)
etom_app = typer.Typer(help="The eTOM process catalog.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(etom_app, name="etom")
console = Console()

DatabaseOption = Annotated[str | None, typer.Option("--database", help="database URL (else OPENBSS_DATABASE_URL)")]


def _use_database(url: str | None) -> str:
    if url:
        os.environ["OPENBSS_DATABASE_URL"] = url
        reset_settings()
    return get_settings().database_url


def _open(url: str | None, *, migrate: bool = False):  # type: ignore[no-untyped-def]
    from openbss.core.db import Database, set_database

    database = Database(_use_database(url))
    set_database(database)
    if migrate:
        from openbss.core.migrate import upgrade

        upgrade(database)
    return database


def _worker_shape(embedded: bool, workers: int) -> str:
    if not embedded:
        return "separate"
    return "embedded" if workers == 1 else "a job process beside the server processes"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database: DatabaseOption = None,
    worker: Annotated[
        bool,
        typer.Option(help="run the job worker: a thread of the server, or with --workers N a process beside them"),
    ] = True,
    migrate: Annotated[bool, typer.Option(help="bring the schema up to date before serving")] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="server processes sharing the port (one per core is a good start), plus one job process"
        ),
    ] = 1,
) -> None:
    """Run the API server (TMF APIs, /hub, /processes, /health, /docs)."""
    import uvicorn

    from openbss.app import create_app
    from openbss.server_processes import ServerProcesses, reuse_port_supported

    db = _open(database, migrate=migrate)
    settings = get_settings()
    embedded = worker and settings.embedded_worker == "on"
    console.print(
        f"openbss serving on http://{host}:{port}  (database: {db.engine.url.render_as_string()}, "
        f"auth: {settings.auth}, worker: {_worker_shape(embedded, workers)}, processes: {workers})"
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "loop": "uvloop",
        "http": "httptools",
        "log_level": "warning",
        "proxy_headers": True,
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings, db, start_worker=embedded), **options)
        return
    # each process builds its own application from the environment (see app_from_environment)
    db.dispose()
    os.environ["OPENBSS_DATABASE_URL"] = settings.database_url
    if not reuse_port_supported():  # each process with a socket of its own needs SO_REUSEPORT
        os.environ["OPENBSS_EMBEDDED_WORKER"] = "on" if embedded else "off"
        uvicorn.run("openbss.app:app_from_environment", factory=True, workers=workers, **options)
        return
    if port == 0:
        raise typer.BadParameter("several processes need a fixed port", param_hint="--port")
    del options["host"], options["port"]
    # the jobs run in a process of their own beside the server processes, not in a thread of each
    os.environ["OPENBSS_EMBEDDED_WORKER"] = "off"
    ServerProcesses(
        "openbss.app:app_from_environment", workers, host, port, options, factory=True, job_process=embedded
    ).run()


@app.command()
def worker(
    database: DatabaseOption = None,
    name: Annotated[str | None, typer.Option(help="worker name shown in job leases")] = None,
) -> None:
    """Run a job worker process (event dispatch, sweeps); start several for PostgreSQL deployments."""
    from openbss.jobs.runner import run_worker_forever

    db = _open(database)
    run_worker_forever(db, get_settings(), name=name)


@app.command("oss-simulator")
def oss_simulator(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8641,
    delay: Annotated[float, typer.Option(min=0, help="seconds each step of an order takes (float)")] = 1.0,
    start_delay: Annotated[
        float | None, typer.Option(min=0, help="seconds from acknowledged to inProgress (else --delay)")
    ] = None,
    item_delay: Annotated[float | None, typer.Option(min=0, help="seconds each item takes (else --delay)")] = None,
    cancel_delay: Annotated[
        float | None, typer.Option(min=0, help="seconds each cancellation step takes (else --delay)")
    ] = None,
    failure_rate: Annotated[float, typer.Option(min=0, max=1, help="chance that a service order item fails")] = 0.0,
    reject_rate: Annotated[float, typer.Option(min=0, max=1, help="chance that a whole order is rejected")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="random seed: same seed and same orders, same outcomes")] = None,
    secret: Annotated[
        str | None,
        typer.Option(help="HMAC key that signs the events (else OPENBSS_OSS_EVENT_SECRET); '' sends them unsigned"),
    ] = None,
) -> None:
    """Run a simulated network OSS speaking TMF641 Service Ordering (for demos and tests).

    Orders go acknowledged -> inProgress -> completed (or failed, partial, rejected) on real time and
    every change is POSTed, signed, to the subscribers of its /hub. Force an outcome per order or item
    with a "simulatorOutcome" of complete, fail, reject or hang (see docs/oss.md); finish a hanging
    order with POST /simulator/serviceOrder/{id}/complete or /fail. Point openbss at it with
    OPENBSS_OSS_URL=http://HOST:PORT/tmf-api/serviceOrdering/v4.
    """
    import uvicorn

    from openbss.oss.simulator import create_simulator_app
    from openbss.oss.simulator_config import BASE_PATH, SimulatorConfig

    config = SimulatorConfig(
        delay=delay,
        start_delay=start_delay,
        item_delay=item_delay,
        cancel_delay=cancel_delay,
        failure_rate=failure_rate,
        reject_rate=reject_rate,
        seed=seed,
        secret=get_settings().oss_event_secret if secret is None else secret,
    )
    console.print(
        f"OSS simulator (TMF641) on http://{host}:{port}{BASE_PATH}  (delay {delay}s, failure rate {failure_rate}, "
        f"reject rate {reject_rate}, seed {seed}, events {'signed' if config.secret else 'unsigned'})"
    )
    uvicorn.run(create_simulator_app(config), host=host, port=port, log_level="warning", access_log=False)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Create or migrate the schema to the newest version (Alembic)."""
    db = _open(database, migrate=True)
    console.print(f"schema up to date: {db.engine.url.render_as_string()}")


@db_app.command("reindex")
def db_reindex(database: DatabaseOption = None) -> None:
    """Rebuild the search index (attribute filters) of every resource from the stored documents."""
    from openbss.domains import DOMAINS
    from openbss.tmf.reindex import reindex

    db = _open(database)
    counts = reindex(db, [rt for domain in DOMAINS for rt in domain.resources])
    for kind, rows in counts.items():
        console.print(f"{kind}: {rows} resources re-indexed")


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="admin, agent, billing, customer or partner")],
    party: Annotated[str | None, typer.Option(help="party id a customer/partner token is bound to")] = None,
    subject: Annotated[str | None, typer.Option(help="who the token is for")] = None,
    days: Annotated[int | None, typer.Option(help="validity in days")] = None,
) -> None:
    """Print a signed bearer token."""
    from datetime import timedelta

    from openbss.core.security import create_token

    try:
        token = create_token(
            get_settings(),
            role=role,
            subject=subject or f"{role}-cli",
            party_id=party,
            ttl=timedelta(days=days) if days else None,
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    typer.echo(token)


@etom_app.command("coverage")
def etom_coverage(
    level: Annotated[int, typer.Option(help="deepest level to list (2 or 3)")] = 3,
) -> None:
    """Which eTOM Customer-domain processes have real logic behind them."""
    from openbss.core.processes import CATALOG, coverage
    from openbss.domains import DOMAINS  # noqa: F401  (registers the implementing operations)

    table = Table(title="eTOM Customer domain: implemented leaf processes")
    table.add_column("process")
    table.add_column("name")
    table.add_column("implemented", justify="right")
    table.add_column("of leaves", justify="right")
    table.add_column("%", justify="right")
    total_done = total = 0
    for row in coverage(level):
        pct = 100 * row.implemented / row.leaves if row.leaves else 0
        style = "bold" if row.level == 2 else ""
        table.add_row(row.id, row.name, str(row.implemented), str(row.leaves), f"{pct:.0f}", style=style)
        if row.level == 2:
            total_done += row.implemented
            total += row.leaves
    console.print(table)
    implemented = sorted(CATALOG.implementations)
    console.print(
        f"{total_done} of {total} leaf processes implemented; processes with logic: {', '.join(implemented) or 'none'}"
    )


# --- customer orders --------------------------------------------------------------------------------

orders_app = typer.Typer(help="Customer order handling (TMF622): reports and the jeopardy sweep.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")


@orders_app.command("report")
def orders_report(
    database: DatabaseOption = None,
    since: Annotated[str | None, typer.Option("--from", help="orders placed at or after (2025-03-01)")] = None,
    until: Annotated[str | None, typer.Option("--to", help="orders placed before")] = None,
    period: Annotated[str, typer.Option(help="day, week or month")] = "day",
    group_by: Annotated[str, typer.Option(help="any of period,offering,channel")] = "period,offering,channel",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Order counts, cycle times, fallout and jeopardy rates per period, offering and channel."""
    from openbss.ordering.cli import run_report

    raise typer.Exit(
        run_report(
            _open(database), console, since=since, until=until, period=period, group_by=group_by, as_json=as_json
        )
    )


@orders_app.command("jeopardy-sweep")
def orders_jeopardy_sweep(database: DatabaseOption = None) -> None:
    """Run the jeopardy sweep now (it also runs as the periodic job ordering.jeopardy_sweep)."""
    from openbss.ordering.cli import run_sweep

    raise typer.Exit(run_sweep(_open(database), console))


housekeeping_app = typer.Typer(
    help="Retention of events, jobs, idempotency keys and process runs.", no_args_is_help=True
)
app.add_typer(housekeeping_app, name="housekeeping")


@housekeeping_app.command("purge")
def housekeeping_purge(
    database: DatabaseOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count what is due, delete nothing")] = False,
) -> None:
    """Delete what the OPENBSS_RETENTION_* settings no longer keep (the job housekeeping.retention does this hourly)."""
    from openbss.core import clock
    from openbss.core.clock_store import load_offset
    from openbss.housekeeping.retention import RetentionPolicy, count_due, purge

    db = _open(database)
    with db.session() as session:
        load_offset(session)
    policy = RetentionPolicy.from_settings(get_settings())
    counts = count_due(db, policy, clock.now()) if dry_run else purge(db, policy, clock.now())
    verb = "due for deletion" if dry_run else "deleted"
    table = Table("table", verb, title=f"retention ({'dry run' if dry_run else 'purge'})")
    for name, rows in counts.rows().items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


# --- demo data and benchmarks ------------------------------------------------------------------------

inventory_app = typer.Typer(help="The product inventory (TMF637).", no_args_is_help=True)
app.add_typer(inventory_app, name="inventory")


@inventory_app.command("audit")
def inventory_audit(
    database: DatabaseOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="audit only the first N products (by id)")] = None,
    show: Annotated[int, typer.Option(min=0, help="findings to list")] = 50,
) -> None:
    """Check every product against its customer, billing account, bundle and catalog (eTOM 1.3.16.5)."""
    from openbss.core.security import Principal
    from openbss.inventory.audit import audit_inventory
    from openbss.tmf.context import Context

    db = _open(database)
    with db.session(write=True) as session:
        ctx = Context(session=session, principal=Principal(subject="cli", role="admin"), settings=get_settings())
        report = audit_inventory(ctx, limit=limit)
    for finding in report.findings[:show]:
        console.print(f"{finding.product_id}  {finding.rule:28} {finding.field}: {finding.message}")
    for rule, count in report.by_rule.items():
        console.print(f"{rule}: {count}")
    products = len({f.product_id for f in report.findings})
    console.print(f"{report.checked} products checked, {products} with findings, {len(report.findings)} findings")
    raise typer.Exit(1 if report.findings else 0)


bench_app = typer.Typer(help="Benchmarks that print throughput and latency figures.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@app.command()
def demo(
    database: DatabaseOption = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same data")] = 42,
    customers: Annotated[int, typer.Option(min=0, help="number of customers to create")] = 300,
) -> None:
    """Load a realistic, reproducible demo data set (through the service layer; safe to run twice)."""
    from openbss.demo.cli import run_demo

    raise typer.Exit(run_demo(_open(database, migrate=True), console, seed=seed, customers=customers))


@bench_app.command("orders")
def bench_orders(
    database: Annotated[
        str, typer.Option("--database", help="database URL of an empty database of its own")
    ] = "sqlite:///openbss-bench-orders.db",
    orders: Annotated[int, typer.Option(min=1, help="orders to capture through the API")] = 10_000,
    concurrency: Annotated[int, typer.Option(min=1, help="requests in flight at once")] = 8,
    open_orders: Annotated[int, typer.Option(min=0, help="open orders the jeopardy sweep runs over")] = 100_000,
    timeout: Annotated[
        float, typer.Option(min=1, help="seconds to wait for the orders to be issued and completed")
    ] = 600,
    customers: Annotated[int, typer.Option(min=1, help="customers (with a billing account) placing the orders")] = 50,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes ('openbss serve --workers'; default: one per core)")
    ] = os.cpu_count() or 1,
    oss_delay: Annotated[
        float, typer.Option(min=0, help="seconds each step of a service order takes at the OSS")
    ] = 1.0,
    sweep_only: Annotated[
        bool, typer.Option("--sweep-only", help="only write the open orders and time the jeopardy sweep")
    ] = False,
    job_workers: Annotated[
        int,
        typer.Option(
            min=0, help="separate 'openbss worker' processes running the jobs (0: in the server, the default)"
        ),
    ] = 0,
) -> None:
    """Measure order capture, validation and issue against the OSS simulator, and the jeopardy sweep."""
    from openbss.bench.orders import run_orders_benchmark, run_sweep_benchmark

    if sweep_only:
        raise typer.Exit(run_sweep_benchmark(_open(database, migrate=True), console, open_orders=open_orders))

    raise typer.Exit(
        run_orders_benchmark(
            _open(database, migrate=True),
            console,
            orders=orders,
            concurrency=concurrency,
            open_orders=open_orders,
            timeout=timeout,
            customers=customers,
            workers=workers,
            oss_delay=oss_delay,
            job_workers=job_workers,
        )
    )


@bench_app.command("checkpoints")
def bench_checkpoints(
    directory: Annotated[
        str | None, typer.Option(help="where the scratch database goes (the disk you would serve from)")
    ] = None,
    transactions: Annotated[int, typer.Option(min=100, help="write transactions per round")] = 5000,
    rounds: Annotated[int, typer.Option(min=1, help="rounds of both modes")] = 2,
) -> None:
    """Time SQLite commits with checkpoints in the commit (default) and in the server's thread."""
    from openbss.bench.checkpoints import run_checkpoint_benchmark

    raise typer.Exit(run_checkpoint_benchmark(console, directory=directory, transactions=transactions, rounds=rounds))


@bench_app.command("api")
def bench_api(
    database: Annotated[
        str, typer.Option("--database", help="database URL; a database of its own, the benchmark adds customers")
    ] = "sqlite:///openbss-bench.db",
    customers: Annotated[int, typer.Option(min=1, help="customers in the database when measuring")] = 100_000,
    duration: Annotated[float, typer.Option(min=0.5, help="seconds of load per scenario")] = 10.0,
    concurrency: Annotated[int, typer.Option(min=1, help="requests in flight at once")] = 8,
    workers: Annotated[
        int,
        typer.Option(
            min=1, help="server processes, for openbss and the ceiling alike (serve --workers; default: one per core)"
        ),
    ] = os.cpu_count() or 1,
) -> None:
    """Measure the API: POST/GET customer, filtered lists, against a bare Starlette ceiling."""
    from openbss.bench.api import run_api_benchmark

    raise typer.Exit(
        run_api_benchmark(
            _open(database, migrate=True),
            console,
            customers=customers,
            duration=duration,
            concurrency=concurrency,
            workers=workers,
        )
    )
