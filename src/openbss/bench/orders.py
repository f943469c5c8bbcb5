"""``openbss bench orders``: order capture, validation and issue through the API, and the jeopardy sweep.

1. The demo catalog is loaded into the database (idempotent); ``openbss
   oss-simulator`` and ``openbss serve`` (auth on, embedded job worker,
   ``--workers`` processes, pointed at the simulator) are started on it.
2. ``--customers`` customers, each with an active billing account, are
   created through the API.
3. ``--orders`` orders (Fibre 100 with its characteristics, or Mobile, for
   the customers in turn, channel ``web``) are POSTed with ``--concurrency``
   requests in flight by the minimal client of :mod:`openbss.bench.client`:
   capture rate and latency (p50, p99).
4. Each POST validates and issues its order (validation at capture, the
   policy's default; with it off, the job worker does), the simulator fulfils
   them (``--oss-delay`` seconds per step): the rate at which orders were
   captured and validated (no longer ``acknowledged``; validation and issue
   are one transaction, so a validated order is issued), p50/p99 of capture to
   validated (``issued_at - order_date``), when every service order was sent
   and, within ``--timeout``, when every order was completed. CPU of the
   server processes, of the PostgreSQL backends and of the whole machine is
   metered from the first POST until the last order is validated, and that of
   the server processes and backends again until the last order is completed
   (the fulfilment: service orders sent, the OSS's events applied).
5. ``--open-orders`` open orders are written straight into the table (one in
   a hundred close to its committed date) and the jeopardy sweep is timed over
   them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import uvloop
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from openbss.bench.client import _Connection, encode_request
from openbss.bench.servers import CpuMeter, _run, background_processes, busy_cores, free_port
from openbss.catalog.demo import load_demo_catalog
from openbss.core import clock, jsoncodec
from openbss.core.db import Database
from openbss.core.security import create_token
from openbss.core.settings import get_settings
from openbss.ordering.fulfilment import job_context
from openbss.ordering.jeopardy import sweep_jeopardy
from openbss.ordering.models import ProductOrderRow, SouthboundOrderRow

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CAPTURE_TARGET = 300.0
SWEEP_TARGET_SECONDS = 2.0


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, content=jsoncodec.dumps(body), headers={"Content-Type": "application/json"})
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
    created: dict[str, Any] = response.json()
    return created


def _customers(client: httpx.Client, count: int) -> list[tuple[str, str]]:
    """(customer id, billing account id) of ``count`` new approved customers with an active account."""
    out = []
    for n in range(count):
        party = _post(client, "/tmf-api/party/v4/individual", {"givenName": "Bench", "familyName": f"Customer {n}"})
        customer = _post(
            client,
            "/tmf-api/customerManagement/v4/customer",
            {
                "name": f"Bench Customer {n}",
                "status": "approved",
                "engagedParty": {"id": party["id"], "@referredType": "Individual"},
                "characteristic": [{"name": "customerCategory", "value": "Residential"}],
            },
        )
        account = _post(
            client,
            "/tmf-api/accountManagement/v4/billingAccount",
            {
                "name": f"bench {n}",
                "state": "active",
                "relatedParty": [{"id": customer["id"], "@referredType": "Customer", "role": "owner"}],
            },
        )
        out.append((str(customer["id"]), str(account["id"])))
    return out


def _char(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "value": value}


ITEMS: list[dict[str, Any]] = [
    {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "demo-po-fibre-100"},
        "product": {
            "productCharacteristic": [_char("downloadSpeed", 100), _char("installation", "self")],
            "place": [{"id": "bench-address", "role": "installationAddress", "@referredType": "GeographicAddress"}],
        },
    },
    {
        "id": "1",
        "action": "add",
        "productOffering": {"id": "demo-po-mobile"},
        "product": {"productCharacteristic": [_char("simType", "eSIM")]},
    },
]


def order_bodies(customers: list[tuple[str, str]], count: int) -> list[bytes]:
    """``count`` order bodies: the customers in turn, Fibre 100 or Mobile, through the web channel."""
    bodies = []
    for n in range(count):
        customer, account = customers[n % len(customers)]
        body = {
            "externalId": f"bench-{n}",
            "channel": [{"id": "web", "name": "Web shop"}],
            "relatedParty": [{"id": customer, "@referredType": "Customer", "role": "customer"}],
            "billingAccount": {"id": account},
            "productOrderItem": [ITEMS[n % len(ITEMS)]],
        }
        bodies.append(jsoncodec.dumps(body))
    return bodies


@dataclass
class Capture:
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


async def _capture(port: int, token: str, bodies: list[bytes], concurrency: int) -> Capture:
    """POST every body once, ``concurrency`` at a time on keep-alive connections."""
    host = f"127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
    requests = [encode_request("POST", ORDERS, host=host, headers=headers, body=body) for body in bodies]
    result = Capture()
    loop = asyncio.get_running_loop()
    queue = iter(requests)

    async def worker() -> None:
        _transport, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
        try:
            for request in queue:
                began = time.perf_counter()
                status, body = await connection.send(request)
                result.latencies.append(time.perf_counter() - began)
                if status != 201:
                    result.errors += 1
                    result.first_error = result.first_error or f"{status}: {body[:300]!r}"
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def _states(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(
            select(ProductOrderRow.status, func.count())
            .where(ProductOrderRow.id.not_like("bench-open-%"))
            .group_by(ProductOrderRow.status)
        ).all()
    return {str(state): int(count) for state, count in rows}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))] if ordered else float("nan")


OPEN_STATES = ("inProgress", "inProgress", "inProgress", "inProgress", "pending", "held", "partial", "failed")


def _open_orders(database: Database, count: int, customers: list[tuple[str, str]]) -> int:
    """Write ``count`` open orders straight into the table (reusing those already there); returns how many exist.

    Realistic typed columns: a mix of open states, order dates over the last
    30 days, committed dates from a day to three weeks ahead, the customers
    and accounts of the benchmark, channel web, some already at jeopardy
    level 1; one in a hundred is committed within the hour, so the sweep
    has alerts to raise.
    """
    now = clock.now()
    with database.session() as session:
        existing = int(session.scalar(select(func.count()).where(ProductOrderRow.id.like("bench-open-%"))) or 0)
    batch: list[dict[str, Any]] = []
    with database.session(write=True) as session:
        for n in range(existing, count):
            state = OPEN_STATES[n % len(OPEN_STATES)]
            order_id = f"bench-open-{n}"
            customer, account = customers[n % len(customers)] if customers else (None, None)
            ordered = now - timedelta(minutes=n % (30 * 24 * 60))
            committed = now + (timedelta(minutes=30) if n % 100 == 0 else timedelta(hours=24 + n % (20 * 24)))
            level = 1 if n % 7 == 0 and n % 100 else 0
            item: dict[str, Any] = {"id": "1", "action": "add", "state": state if state != "partial" else "failed"}
            item["productOffering"] = {"id": "demo-po-fibre-100"}
            batch.append(
                {
                    "id": order_id,
                    "type": "ProductOrder",
                    "status": state,
                    "version": 1,
                    "created_at": ordered,
                    "updated_at": ordered,
                    "customer_id": customer,
                    "billing_account_id": account,
                    "channel_id": "web",
                    "order_date": ordered,
                    "committed_date": committed,
                    "issued_at": ordered if state not in ("pending", "held") else None,
                    "jeopardy_level": level,
                    "jeopardy_max": level,
                    "had_fallout": state in ("partial", "failed"),
                    "payment_required": state == "pending",
                    "needs_validation": False,
                    "doc": {
                        "id": order_id,
                        "@type": "ProductOrder",
                        "state": state,
                        "orderDate": clock.isoformat(ordered),
                        "expectedCompletionDate": clock.isoformat(committed),
                        "channel": [{"id": "web"}],
                        "relatedParty": [{"id": customer, "@referredType": "Customer", "role": "customer"}],
                        "billingAccount": {"id": account},
                        "productOrderItem": [item],
                    },
                }
            )
            if len(batch) == 5000:
                session.execute(insert(ProductOrderRow), batch)
                batch = []
        if batch:
            session.execute(insert(ProductOrderRow), batch)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE product_order")
    else:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    return max(existing, count)


def _sweep(database: Database) -> tuple[float, int]:
    started = time.perf_counter()
    with database.session(write=True) as session:
        result = sweep_jeopardy(job_context(session, get_settings()))
    return time.perf_counter() - started, result.alerted


def _progress(database: Database) -> tuple[int, int]:
    """(orders still acknowledged, service orders not yet sent) among the benchmark's orders."""
    with database.engine.connect() as connection:
        waiting = connection.scalar(
            select(func.count()).select_from(ProductOrderRow).where(ProductOrderRow.status == "acknowledged")
        )
        unsent = connection.scalar(
            select(func.count()).select_from(SouthboundOrderRow).where(SouthboundOrderRow.status == "toSend")
        )
    return int(waiting or 0), int(unsent or 0)


def _validation_delays(database: Database) -> list[float]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(ProductOrderRow.order_date, ProductOrderRow.issued_at).where(
                ProductOrderRow.id.not_like("bench-open-%"), ProductOrderRow.issued_at.is_not(None)
            )
        ).all()
    return [(issued - ordered).total_seconds() for ordered, issued in rows if ordered is not None and issued]


def _open(database: Database) -> int:
    with database.engine.connect() as connection:
        done = connection.scalar(
            select(func.count())
            .select_from(ProductOrderRow)
            .where(
                ProductOrderRow.id.not_like("bench-open-%"),
                ProductOrderRow.status.not_in(["completed", "partial", "failed", "rejected", "held", "pending"]),
            )
        )
    return int(done or 0)


def run_sweep_benchmark(database: Database, console: Console, *, open_orders: int) -> int:
    """``--sweep-only``: write the open orders and time the jeopardy sweep, nothing served or captured."""
    with database.session() as session:
        if session.scalar(select(func.count()).select_from(ProductOrderRow)):
            console.print("[red]the database already holds product orders: give the benchmark an empty database[/red]")
            return 2
    background = busy_cores()
    console.print(f"writing {open_orders:,} open orders ...")
    total = _open_orders(database, open_orders, [])
    seconds, alerted = _sweep(database)
    again, _ = _sweep(database)
    table = Table(title=f"openbss bench orders --sweep-only: {database.engine.dialect.name}")
    for column in ("measure", "value", "target", "result"):
        table.add_column(column)
    table.add_row(
        f"jeopardy sweep over {total:,} open orders",
        f"{seconds:.2f} s ({alerted:,} alerted)",
        f"< {SWEEP_TARGET_SECONDS:.0f} s",
        "PASS" if seconds < SWEEP_TARGET_SECONDS else "[bold]MISS[/bold]",
    )
    table.add_row("the same sweep again (nothing new)", f"{again:.3f} s", "", "")
    console.print(table)
    console.print(f"busy cores before measuring (other processes): {background:.2f}")
    return 0


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from openbss.cli import app; app(prog_name='openbss')", *args]


def run_orders_benchmark(
    database: Database,
    console: Console,
    *,
    orders: int,
    concurrency: int,
    open_orders: int,
    timeout: float,
    customers: int = 50,
    workers: int = 1,
    oss_delay: float = 1.0,
    job_workers: int = 0,
) -> int:
    """Serve, load, wait, sweep, print; returns the exit code (0 even when a target is missed).

    ``job_workers``: 0 runs the jobs (sending service orders, applying the OSS's events, sweeps)
    as ``openbss serve`` does by default (a thread of the server with one process, a job process
    beside the server processes with several); more start that many ``openbss worker``
    processes and serve with ``--no-worker``. Their CPU counts as the server's.
    """
    if _states(database):
        console.print("[red]the database already holds product orders: give the benchmark an empty database[/red]")
        return 2
    with database.session(write=True) as session:
        loaded = load_demo_catalog(session)
    console.print(f"demo catalog: {sum(loaded.values())} entries loaded" if loaded else "demo catalog: present")
    url = database.url
    database.dispose()
    oss_port, port = free_port(), free_port()
    oss_url = f"http://127.0.0.1:{oss_port}/tmf-api/serviceOrdering/v4"
    env = {
        **os.environ,
        "OPENBSS_AUTH": "on",
        "OPENBSS_DATABASE_URL": url,
        "OPENBSS_OSS_URL": oss_url,
        "OPENBSS_OSS_LISTENER_URL": f"http://127.0.0.1:{port}",
    }
    simulator = _command("oss-simulator", "--port", str(oss_port), "--delay", str(oss_delay))
    serve = _command("serve", "--host", "127.0.0.1", "--port", str(port), "--database", url, "--no-migrate")
    serve += ["--workers", str(workers)] + (["--no-worker"] if job_workers else [])
    token = create_token(get_settings(), role="admin", subject="bench-orders", ttl=timedelta(hours=6))
    pg_name = database.engine.url.database if database.engine.dialect.name == "postgresql" else None
    validated_at = sent_at = completed_at = None
    with (
        _run("oss simulator", simulator, env, oss_port, "/tmf-api/serviceOrdering/v4/serviceOrder"),
        _run("openbss serve", serve, env, port, "/health", workers) as server,
        background_processes("openbss worker", _command("worker", "--database", url), env, job_workers) as jobs,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            people = _customers(client, customers)
        bodies = order_bodies(people, orders)
        time.sleep(1.0)
        background = busy_cores()
        if background > 0.2:
            console.print(
                f"[yellow]warning: other processes keep {background:.1f} of {os.cpu_count()} cores busy; "
                "the figures below are lower than on an idle machine[/yellow]"
            )
        console.print(f"capturing {orders:,} orders, {concurrency} in flight, {workers} server process(es) ...")
        meter = CpuMeter(server, pg_name, also=[process.pid for process in jobs])
        whole = CpuMeter(server, pg_name, also=[process.pid for process in jobs])  # until all are completed
        meter.start()
        whole.start()
        began = time.perf_counter()
        capture = uvloop.run(_capture(port, token, bodies, concurrency))
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            waiting, unsent = _progress(database)
            now = time.perf_counter()
            if validated_at is None and waiting == 0:
                validated_at = now
                meter.stop()
            if validated_at is not None and sent_at is None and unsent == 0:
                sent_at = now
            if sent_at is not None and _open(database) == 0:
                completed_at = now
                whole.stop()
                break
            time.sleep(0.05)
        if validated_at is None:
            meter.stop()
        delays = _validation_delays(database)
        final = _states(database)
    console.print(f"writing {open_orders:,} open orders ...")
    total_open = _open_orders(database, open_orders, people)
    sweep_seconds, alerted = _sweep(database)
    again_seconds, _ = _sweep(database)
    _print(
        console,
        database,
        orders=orders,
        concurrency=concurrency,
        workers=workers,
        oss_delay=oss_delay,
        job_workers=job_workers,
        capture=capture,
        began=began,
        validated_at=validated_at,
        sent_at=sent_at,
        completed_at=completed_at,
        delays=delays,
        meter=meter,
        whole=whole,
        background=background,
        sweep=(sweep_seconds, alerted, again_seconds, total_open),
        timeout=timeout,
    )
    console.print(f"final states of the captured orders: {final}")
    return 0


def _print(
    console: Console,
    database: Database,
    *,
    orders: int,
    concurrency: int,
    workers: int,
    oss_delay: float,
    job_workers: int,
    capture: Capture,
    began: float,
    validated_at: float | None,
    sent_at: float | None,
    completed_at: float | None,
    delays: list[float],
    meter: CpuMeter,
    whole: CpuMeter,
    background: float,
    sweep: tuple[float, int, float, int],
    timeout: float,
) -> None:
    dialect = database.engine.dialect.name
    title = (
        f"openbss bench orders: {orders:,} orders, {dialect}, concurrency {concurrency}, "
        f"{workers} server process(es), "
        + (f"{job_workers} job worker process(es)" if job_workers else "jobs run by openbss serve")
        + f", OSS step {oss_delay:g} s"
    )
    table = Table(title=title)
    for column in ("measure", "value", "target", "result"):
        table.add_column(column)

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "[bold]MISS[/bold]"

    rate = len(capture.latencies) / capture.elapsed if capture.elapsed else 0.0
    p50, p99 = _percentile(capture.latencies, 0.5) * 1000, _percentile(capture.latencies, 0.99) * 1000
    table.add_row("capture (POST productOrder): orders/s", f"{rate:,.0f}", "", "")
    table.add_row("capture latency p50 / p99", f"{p50:.1f} / {p99:.1f} ms", "", "")
    table.add_row(
        "capture errors", f"{capture.errors}" + (f" ({capture.first_error})" if capture.errors else ""), "0", ""
    )
    if validated_at is not None:
        validated = orders / (validated_at - began)
        table.add_row(
            "captured and validated (+ issued): orders/s",
            f"{validated:,.0f}",
            f">= {CAPTURE_TARGET:.0f}",
            verdict(validated >= CAPTURE_TARGET),
        )
        d50, d99 = _percentile(delays, 0.5) * 1000, _percentile(delays, 0.99) * 1000
        table.add_row("capture to validated p50 / p99", f"{d50:,.0f} / {d99:,.0f} ms", "", "")
        cpu = meter.server_share + meter.database_share
        table.add_row(
            "CPU while capturing and validating (cores)",
            f"server {meter.server_share:.2f} + db {meter.database_share:.2f}, machine {meter.machine_share:.2f}"
            f", stolen by the hypervisor {meter.stolen_share:.2f}",
            "",
            "",
        )
        table.add_row("server + db CPU per order", f"{cpu * (validated_at - began) / orders * 1000:.1f} ms", "", "")
    else:
        waiting, _unsent = _progress(database)
        seconds = time.perf_counter() - began
        table.add_row(
            "captured and validated (+ issued): orders/s",
            f"{(orders - waiting) / seconds:,.0f} ({orders - waiting:,} of {orders:,} in {seconds:,.0f} s)",
            f">= {CAPTURE_TARGET:.0f}",
            "[bold]MISS[/bold]",
        )
    if sent_at is not None:
        table.add_row("all service orders sent: orders/s", f"{orders / (sent_at - began):,.0f}", "", "")
    if completed_at is not None:
        table.add_row("all orders completed by the OSS: orders/s", f"{orders / (completed_at - began):,.0f}", "", "")
        per_order = (whole.server_share + whole.database_share) * (completed_at - began) / orders * 1000
        cores = f"server {whole.server_share:.2f} + db {whole.database_share:.2f} cores"
        table.add_row("server + db CPU per order, first POST to all completed", f"{per_order:.1f} ms ({cores})", "", "")
    else:
        table.add_row("all orders completed by the OSS", f"not within {timeout:.0f} s", "", "")
    seconds, alerted, again, total = sweep
    table.add_row(
        f"jeopardy sweep over {total:,} open orders",
        f"{seconds:.2f} s ({alerted:,} alerted)",
        f"< {SWEEP_TARGET_SECONDS:.0f} s",
        verdict(seconds < SWEEP_TARGET_SECONDS),
    )
    table.add_row("the same sweep again (nothing new)", f"{again:.3f} s", "", "")
    console.print(table)
    console.print(f"busy cores before measuring (other processes): {background:.2f}")
