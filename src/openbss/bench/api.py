"""``openbss bench api``: throughput and latency of the TMF API under load.

1. The database is filled with N customers and their parties (and spare
   parties for the POST scenario) through :mod:`openbss.bench.dataset`.
2. A bare Starlette app is started and loaded: the ceiling of this machine,
   server stack and load generator.
3. ``openbss serve`` is started on the same database with authentication on,
   and loaded with: GET a customer by id, list customers by
   ``engagedParty.id`` and by ``name``, and POST new customers.
4. A table shows requests/s, p50 and p99 latency, the CPU the server process
   and the whole machine used, and each scenario against its target.

The load generator runs in this process; the server and the ceiling get
``--workers`` processes each (default: one per core, as ``openbss serve
--workers`` is meant to run on a machine of its own).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import random
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import uvloop
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openbss.bench.client import ScenarioResult, encode_request, run_scenario
from openbss.bench.dataset import BenchData, NotABenchDatabase, PartyRef, prepare_database
from openbss.bench.servers import CpuMeter, Server, busy_cores, openbss_server, starlette_ceiling
from openbss.core import jsoncodec
from openbss.core.db import Database, is_postgres
from openbss.core.security import create_token
from openbss.core.settings import get_settings

__all__ = ["Measurement", "run_api_benchmark", "steal_warning"]

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
GET_SHARE_OF_CEILING = 0.15
POST_RATE = 1000.0
LIST_P99_SECONDS = 0.050
STOLEN_WARNING = 0.10  # cores taken by the hypervisor during a scenario that make its figures suspect


@dataclass(frozen=True)
class Measurement:
    name: str
    result: ScenarioResult
    server_cpu: float  # cores busy: the server process
    database_cpu: float  # cores busy: its PostgreSQL backends (0 for SQLite, which runs inside the server)
    machine_cpu: float  # cores busy: everything, load generator included
    stolen_cpu: float = 0.0  # cores the hypervisor gave to other guests meanwhile
    target: str = ""
    passed: bool | None = None

    @property
    def cpu_per_request(self) -> float:
        """Server plus database CPU seconds per measured request."""
        rate = self.result.rate
        return (self.server_cpu + self.database_cpu) / rate if rate else float("nan")


def _measure(
    server: Server,
    name: str,
    requests: list[bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    postgres_database: str | None,
) -> Measurement:
    position = -1

    def next_request() -> bytes:
        nonlocal position
        position += 1
        return requests[position % len(requests)]

    meter = CpuMeter(server, postgres_database)
    meter.start()
    result = uvloop.run(
        run_scenario("127.0.0.1", server.port, next_request, concurrency=concurrency, duration=duration, warmup=warmup)
    )
    meter.stop()
    if position + 1 > len(requests) and name.startswith("POST"):
        result.first_error = result.first_error or (
            f"note: {position + 1:,} POSTs for {len(requests):,} spare parties; some parties got a second customer"
        )
    return Measurement(name, result, meter.server_share, meter.database_share, meter.machine_share, meter.stolen_share)


def _post_bodies(parties: tuple[PartyRef, ...]) -> list[bytes]:
    return [
        jsoncodec.dumps(
            {
                "name": party.name,
                "status": "approved",
                "engagedParty": {"id": party.id, "name": party.name, "@referredType": party.kind},
                "characteristic": [
                    {
                        "name": "segment",
                        "valueType": "string",
                        "value": "business" if party.kind == "Organization" else "residential",
                    }
                ],
            }
        )
        for party in parties
    ]


def _judge(measurements: list[Measurement]) -> list[Measurement]:
    ceiling = next((m.result.rate for m in measurements if m.name.startswith("bare")), 0.0)
    judged = []
    for m in measurements:
        target, passed = "", None
        if m.name.startswith("GET customer by id"):
            target = f">= {GET_SHARE_OF_CEILING:.0%} ceiling ({GET_SHARE_OF_CEILING * ceiling:,.0f}/s)"
            passed = m.result.rate >= GET_SHARE_OF_CEILING * ceiling
        elif m.name.startswith("POST"):
            target = f">= {POST_RATE:,.0f}/s"
            passed = m.result.rate >= POST_RATE
        elif m.name.startswith("GET customer?"):
            target = f"p99 < {LIST_P99_SECONDS * 1000:.0f} ms"
            passed = m.result.percentile(0.99) < LIST_P99_SECONDS
        if m.result.errors:
            passed = False
        judged.append(dataclasses.replace(m, target=target, passed=passed))
    return judged


def steal_warning(measurements: list[Measurement]) -> str | None:
    """What to say when the hypervisor took enough CPU during some scenarios to make them suspect."""
    disturbed = [m for m in measurements if m.stolen_cpu >= STOLEN_WARNING]
    if not disturbed:
        return None
    named = ", ".join(f"{m.name} ({m.stolen_cpu:.2f} cores)" for m in disturbed)
    return (
        f"warning: the hypervisor gave CPU this machine wanted to other guests during {named}; "
        "those figures are lower than the machine can do: run again"
    )


def _table(measurements: list[Measurement], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "scenario",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "server CPU",
        "db CPU",
        "machine CPU",
        "stolen",
        "CPU µs/req",
        "target",
        "result",
    ):
        table.add_column(column, justify="left" if column in ("scenario", "target") else "right")
    for m in measurements:
        r = m.result
        verdict = "" if m.passed is None else ("[green]PASS[/green]" if m.passed else "[red]MISS[/red]")
        table.add_row(
            m.name,
            f"{r.count:,}",
            f"{r.errors:,}",
            f"{r.rate:,.0f}",
            f"{r.percentile(0.5) * 1000:.2f}",
            f"{r.percentile(0.99) * 1000:.2f}",
            f"{m.server_cpu:.2f}",
            f"{m.database_cpu:.2f}" if m.database_cpu else "",
            f"{m.machine_cpu:.2f}",
            f"{m.stolen_cpu:.2f}",
            f"{m.cpu_per_request * 1e6:,.0f}",
            m.target,
            verdict,
        )
    return table


def _load(database: Database, console: Console, customers: int, spare: int) -> BenchData:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("checking the benchmark database", total=None)

        def progress(what: str, done: int, total: int) -> None:
            label = "loading parties and customers" if what == "loading" else what
            bar.update(task, description=label, completed=done, total=total)

        return prepare_database(database, customers=customers, spare=spare, progress=progress)


def run_api_benchmark(
    database: Database, console: Console, *, customers: int, duration: float, concurrency: int, workers: int = 1
) -> int:
    """Load, serve, measure, print; returns the exit code (0 even when a target is missed)."""
    warmup = min(2.0, duration / 2)
    spare = int((duration + warmup) * POST_RATE * 1.5) + 500
    url = database.url
    try:
        data = _load(database, console, customers, spare)
    except NotABenchDatabase as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    database.dispose()
    console.print(
        f"database {database.engine.url.render_as_string()}: {data.customers:,} customers "
        f"({data.loaded_customers:,} loaded now, {data.loaded_parties:,} parties written, "
        f"{data.fanned_out:,} pending events fanned out), {len(data.spare_parties):,} spare parties for POST"
    )
    background = busy_cores()
    if background > 0.2:
        console.print(
            f"[yellow]warning: other processes keep {background:.1f} of {os.cpu_count()} cores busy; "
            "the figures below are lower than on an idle machine[/yellow]"
        )
    rng = random.Random(7)
    sample = list(data.sample)
    token = create_token(get_settings(), role="agent", subject="bench", ttl=timedelta(hours=6))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    measurements: list[Measurement] = []
    pg_name = database.engine.url.database if is_postgres(database.engine) else None

    def run(server: Server, name: str, method: str, paths: list[str], bodies: list[bytes] | None = None) -> None:
        console.print(f"  {name} ...")
        host = f"127.0.0.1:{server.port}"
        if bodies is None:
            requests = [encode_request(method, path, host=host, headers=headers) for path in paths]
        else:
            json_headers = {**headers, "Content-Type": "application/json"}
            requests = [encode_request(method, paths[0], host=host, headers=json_headers, body=body) for body in bodies]
        measurements.append(
            _measure(
                server,
                name,
                requests,
                concurrency=concurrency,
                duration=duration,
                warmup=warmup,
                postgres_database=pg_name if server.name == "openbss serve" else None,
            )
        )

    with starlette_ceiling(workers) as ceiling:
        run(ceiling, "bare Starlette (ceiling)", "GET", ["/"])
    with openbss_server(url, workers) as server:
        by_id = [f"{CUSTOMERS}/{c.id}" for c in sample]
        by_party = [f"{CUSTOMERS}?engagedParty.id={c.party_id}" for c in sample]
        by_name = [f"{CUSTOMERS}?name={quote(c.name)}" for c in sample]
        for paths in (by_id, by_party, by_name):
            rng.shuffle(paths)
        run(server, "GET customer by id", "GET", by_id)
        run(server, "GET customer?engagedParty.id=", "GET", by_party)
        run(server, "GET customer?name=", "GET", by_name)
        run(server, "POST customer", "POST", [CUSTOMERS], _post_bodies(data.spare_parties))
    judged = _judge(measurements)
    title = (
        f"openbss bench api: {data.customers:,} customers, {database.engine.dialect.name}, "
        f"concurrency {concurrency}, {duration:g} s per scenario, {workers} server process{'es' if workers > 1 else ''}"
    )
    wide = console if console.width >= 180 else Console(width=180)
    wide.print(_table(judged, title))
    console.print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. CPU columns: cores busy in the server process, its PostgreSQL "
        "backends and the whole machine (load generator included); stolen: cores the hypervisor gave to other "
        "guests while this machine wanted them; CPU µs/req: server + database CPU per "
        f"request. Other processes kept {background:.2f} cores busy just before the run."
    )
    warning = steal_warning(judged)
    if warning:
        console.print(f"[yellow]{warning}[/yellow]")
    for m in judged:
        if m.result.first_error:
            console.print(f"[yellow]{m.name}: {m.result.first_error}[/yellow]")
    return 0
