"""``openbss bench orders``: order capture, validation and issue through the API, and the jeopardy sweep.

1. ``openbss oss-simulator`` and ``openbss serve`` (auth on, embedded worker,
   pointed at the simulator) are started on the given database.
2. A customer, a billing account and an offering (one-time and monthly price,
   two service specifications) are created through the API.
3. ``--orders`` orders are POSTed with ``--concurrency`` requests in flight:
   capture rate and latency (p50, p99).
4. The job worker validates and issues them, the simulator fulfils them: the
   time until every order is issued (validated + issued per second) and
   until every order is completed.
5. ``--open-orders`` open orders are written straight into the table and the
   jeopardy sweep is timed over them (one in a hundred is at risk).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

from openbss.bench.servers import _run, free_port
from openbss.core import clock, jsoncodec
from openbss.core.db import Database
from openbss.core.security import create_token
from openbss.core.settings import get_settings
from openbss.ordering.fulfilment import job_context
from openbss.ordering.jeopardy import sweep_jeopardy
from openbss.ordering.models import ProductOrderRow

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CAPTURE_TARGET = 300.0
SWEEP_TARGET_SECONDS = 2.0


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, content=jsoncodec.dumps(body), headers={"Content-Type": "application/json"})
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
    created: dict[str, Any] = response.json()
    return created


def _setup(client: httpx.Client) -> dict[str, Any]:
    party = _post(client, "/tmf-api/party/v4/individual", {"givenName": "Bench", "familyName": "Customer"})
    customer = _post(
        client,
        "/tmf-api/customerManagement/v4/customer",
        {
            "name": "Bench Customer",
            "status": "approved",
            "engagedParty": {"id": party["id"], "@referredType": "Individual"},
        },
    )
    account = _post(
        client,
        "/tmf-api/accountManagement/v4/billingAccount",
        {
            "name": "bench",
            "state": "active",
            "relatedParty": [{"id": customer["id"], "@referredType": "Customer", "role": "owner", "name": "Bench"}],
        },
    )
    catalog = "/tmf-api/productCatalogManagement/v4"
    spec = _post(
        client,
        f"{catalog}/productSpecification",
        {
            "name": "bench access",
            "lifecycleStatus": "Launched",
            "serviceSpecification": [{"id": "cfs-access", "name": "access"}, {"id": "rfs-port", "name": "port"}],
        },
    )
    prices = [
        _post(
            client,
            f"{catalog}/productOfferingPrice",
            {
                "name": "setup",
                "priceType": "oneTime",
                "price": {"unit": "EUR", "value": "49.00"},
                "lifecycleStatus": "Launched",
            },
        ),
        _post(
            client,
            f"{catalog}/productOfferingPrice",
            {
                "name": "monthly",
                "priceType": "recurring",
                "recurringChargePeriodType": "month",
                "price": {"unit": "EUR", "value": "29.00"},
                "lifecycleStatus": "Launched",
            },
        ),
    ]
    offering = _post(
        client,
        f"{catalog}/productOffering",
        {
            "name": "bench broadband",
            "lifecycleStatus": "Launched",
            "productSpecification": {"id": spec["id"]},
            "productOfferingPrice": [{"id": p["id"]} for p in prices],
        },
    )
    return {
        "relatedParty": [{"id": customer["id"], "@referredType": "Customer", "role": "customer"}],
        "billingAccount": {"id": account["id"]},
        "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": offering["id"]}}],
    }


async def _capture(
    base_url: str, token: str, body: bytes, orders: int, concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    remaining = orders
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            began = time.perf_counter()
            response = await client.post(ORDERS, content=body, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 201:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, errors


def _states(database: Database) -> dict[str, int]:
    with database.session() as session:
        rows = session.execute(select(ProductOrderRow.status, func.count()).group_by(ProductOrderRow.status)).all()
    return {str(state): int(count) for state, count in rows}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1) + 0.5))] if ordered else float("nan")


def _sweep(database: Database, open_orders: int) -> tuple[float, int]:
    now = clock.now()
    batch: list[dict[str, Any]] = []
    with database.session(write=True) as session:
        for n in range(open_orders):
            at_risk = n % 100 == 0
            order_id = f"bench-open-{n}"
            batch.append(
                {
                    "id": order_id,
                    "type": "ProductOrder",
                    "status": "inProgress",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "order_date": now,
                    "committed_date": now + (timedelta(hours=1) if at_risk else timedelta(days=3)),
                    "jeopardy_level": 0,
                    "jeopardy_max": 0,
                    "had_fallout": False,
                    "payment_required": False,
                    "needs_validation": False,
                    "doc": {
                        "id": order_id,
                        "state": "inProgress",
                        "productOrderItem": [{"id": "1", "action": "add", "state": "inProgress"}],
                    },
                }
            )
            if len(batch) == 5000:
                session.execute(insert(ProductOrderRow), batch)
                batch = []
        if batch:
            session.execute(insert(ProductOrderRow), batch)
    started = time.perf_counter()
    with database.session(write=True) as session:
        result = sweep_jeopardy(job_context(session, get_settings()))
    return time.perf_counter() - started, result.alerted


def run_orders_benchmark(
    database: Database, console: Console, *, orders: int, concurrency: int, open_orders: int, timeout: float
) -> int:
    """Serve, load, wait, sweep, print; returns the exit code (0 even when a target is missed)."""
    if _states(database):
        console.print("[red]the database already holds product orders: give the benchmark an empty database[/red]")
        return 2
    url = database.url
    oss_port, port = free_port(), free_port()
    oss_url = f"http://127.0.0.1:{oss_port}/tmf-api/serviceOrdering/v4"
    env = {
        **os.environ,
        "OPENBSS_AUTH": "on",
        "OPENBSS_DATABASE_URL": url,
        "OPENBSS_OSS_URL": oss_url,
        "OPENBSS_OSS_LISTENER_URL": f"http://127.0.0.1:{port}",
    }
    simulator = [sys.executable, "-c", "from openbss.cli import app; app(prog_name='openbss')", "oss-simulator"]
    simulator += ["--port", str(oss_port), "--delay", "0.05"]
    serve = [sys.executable, "-c", "from openbss.cli import app; app(prog_name='openbss')", "serve"]
    serve += ["--host", "127.0.0.1", "--port", str(port), "--database", url, "--no-migrate"]
    token = create_token(get_settings(), role="admin", subject="bench-orders", ttl=timedelta(hours=6))
    with (
        _run("oss simulator", simulator, env, oss_port, "/tmf-api/serviceOrdering/v4/serviceOrder"),
        _run("openbss serve", serve, env, port, "/health") as server,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
            body = jsoncodec.dumps(_setup(client))
        console.print(f"capturing {orders:,} orders, {concurrency} in flight ...")
        began = time.perf_counter()
        elapsed, latencies, errors = asyncio.run(_capture(server.base_url, token, body, orders, concurrency))
        issued_at = completed_at = None
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            states = _states(database)
            done = states.get("completed", 0) + states.get("partial", 0) + states.get("failed", 0)
            if issued_at is None and states.get("acknowledged", 0) == 0:
                issued_at = time.perf_counter()
            if done >= orders - errors:
                completed_at = time.perf_counter()
                break
            time.sleep(0.25)
    sweep_seconds, alerted = _sweep(database, open_orders)
    capture_rate = len(latencies) / elapsed if elapsed else 0.0
    title = f"openbss bench orders: {orders:,} orders, {database.engine.dialect.name}, concurrency {concurrency}"
    table = Table(title=title)
    for column in ("measure", "value", "target"):
        table.add_column(column)
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    table.add_row("capture (POST productOrder): orders/s", f"{capture_rate:,.0f}", f">= {CAPTURE_TARGET:.0f}")
    table.add_row("capture: latency p50 / p99", f"{p50:.1f} / {p99:.1f} ms", "")
    table.add_row("capture: errors", str(errors), "0")
    if issued_at is not None:
        table.add_row(
            "captured, validated and issued: orders/s",
            f"{orders / (issued_at - began):,.0f}",
            f">= {CAPTURE_TARGET:.0f}",
        )
    else:
        table.add_row("captured, validated and issued", f"not all within {timeout:.0f} s", "")
    if completed_at is not None:
        table.add_row("completed by the OSS: orders/s", f"{orders / (completed_at - began):,.0f}", "")
    table.add_row(
        f"jeopardy sweep over {open_orders:,} open orders",
        f"{sweep_seconds:.2f} s ({alerted:,} alerted)",
        f"< {SWEEP_TARGET_SECONDS:.0f} s",
    )
    console.print(table)
    console.print(f"final order states: {_states(database)}")
    return 0
