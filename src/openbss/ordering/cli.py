"""The ``openbss orders`` commands: the order report and the jeopardy sweep on demand."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from openbss.core import jsoncodec
from openbss.core.db import Database
from openbss.core.errors import ValidationFailed
from openbss.core.settings import get_settings
from openbss.ordering import jeopardy, reports
from openbss.ordering.fulfilment import job_context


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)


def _table(title: str, key: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for column in (key, "orders", "issued", "completed", "cycle h (avg)", "cycle h (p90)", "fallout", "jeopardy"):
        table.add_column(column)
    for row in rows:
        cycle = row["cycleTimeHours"]
        table.add_row(
            str(row[key]),
            str(row["orders"]),
            str(row["issued"]),
            str(row["completed"]),
            _shown(cycle["average"]),
            _shown(cycle["p90"]),
            _shown(row["falloutRate"]),
            _shown(row["jeopardyRate"]),
        )
    return table


def run_report(
    database: Database,
    console: Console,
    *,
    since: str | None,
    until: str | None,
    period: str,
    group_by: str,
    as_json: bool,
) -> int:
    query = {"period": period, "groupBy": group_by}
    if since:
        query["from"] = since
    if until:
        query["to"] = until
    try:
        params = reports.parse_params(query)
    except ValidationFailed as error:
        console.print(f"[red]{error.message}[/red]")
        return 2
    with database.session(write=True) as session:
        report = reports.order_report(job_context(session, get_settings()), params)
    if as_json:
        console.print_json(jsoncodec.dumps_text(report))
        return 0
    console.print(_table("all orders", "scope", [{"scope": "total", **report["totals"]}]))
    if "byPeriod" in report:
        console.print(_table(f"per {period}", "period", report["byPeriod"]))
    if "byOffering" in report:
        console.print(_table("per offering", "offering", report["byOffering"]))
    if "byChannel" in report:
        console.print(_table("per channel", "channel", report["byChannel"]))
    return 0


def run_sweep(database: Database, console: Console) -> int:
    with database.session(write=True) as session:
        result = jeopardy.sweep_jeopardy(job_context(session, get_settings()))
    console.print(
        f"jeopardy sweep at {result.as_doc()['checkedAt']}: {result.alerted} order(s) alerted, "
        f"{result.escalated_fallout} fallout escalation(s)"
    )
    return 0
