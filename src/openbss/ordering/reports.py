"""Manage Customer Order Management Report (1.3.3.16) and Undertake Order Management Trend
Analysis (1.3.1.2.17).

A report covers the orders placed in ``[from, to)`` and gives, for all of
them and per period (day, week or month), per offering and per channel:

* ``orders`` and ``byState`` counts;
* ``cycleTime`` of the completed ones (order date to completion), in hours:
  average, median, 90th percentile;
* ``falloutRate`` - share of issued orders that had fallout;
* ``jeopardyRate`` - share of issued orders that were ever in jeopardy;
* per period, the change of each figure from the period before (the trend).

The figures come from typed columns (``product_order``, ``product_order_item``),
never from the documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select

from openbss.core.clock import isoformat
from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.ordering import rules
from openbss.ordering.models import OrderItemRow, ProductOrderRow
from openbss.tmf.context import Context

PERIODS = ("day", "week", "month")
GROUPS = ("period", "offering", "channel")
MAX_SPAN = timedelta(days=3 * 366)


@dataclass(frozen=True)
class ReportParams:
    start: datetime | None
    end: datetime | None
    period: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class OrderFacts:
    id: str
    status: str
    channel: str | None
    order_date: datetime
    completion_date: datetime | None
    issued: bool
    fallout: bool
    jeopardy: bool


def _moment(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed.from_problems(
            [FieldProblem(name, "type.dateTime", "a date (2025-03-01) or a date-time")]
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_params(query: dict[str, str]) -> ReportParams:
    unknown = sorted(set(query) - {"from", "to", "period", "groupBy"})
    if unknown:
        raise ValidationFailed.from_problems(
            [FieldProblem(u, "filter.attribute", "use from, to, period and groupBy") for u in unknown]
        )
    start = _moment(query["from"], "from") if query.get("from") else None
    end = _moment(query["to"], "to") if query.get("to") else None
    period = query.get("period") or "day"
    if period not in PERIODS:
        raise ValidationFailed.from_problems([FieldProblem("period", "enum", f"one of {', '.join(PERIODS)}")])
    groups = tuple(g.strip() for g in (query.get("groupBy") or ",".join(GROUPS)).split(",") if g.strip())
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        raise ValidationFailed.from_problems([FieldProblem("groupBy", "enum", f"any of {', '.join(GROUPS)}")])
    if start and end and end <= start:
        raise ValidationFailed.from_problems([FieldProblem("to", "range", "'to' is after 'from'")])
    return ReportParams(start, end, period, groups)


def period_key(moment: datetime, period: str) -> str:
    moment = moment.astimezone(UTC)
    if period == "month":
        return moment.strftime("%Y-%m")
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime("%Y-%m-%d")


def _hours(delta: timedelta) -> Decimal:
    return (Decimal(int(delta.total_seconds())) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def _percentile(values: list[Decimal], share: Decimal) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    index = int((share * (len(ordered) - 1)).to_integral_value(ROUND_HALF_EVEN))
    return ordered[index]


def metrics(orders: Iterable[OrderFacts]) -> dict[str, Any]:
    facts = list(orders)
    by_state: dict[str, int] = defaultdict(int)
    cycle: list[Decimal] = []
    issued = fallout = jeopardy = 0
    for order in facts:
        by_state[order.status] += 1
        if order.status == rules.COMPLETED and order.completion_date is not None:
            cycle.append(_hours(order.completion_date - order.order_date))
        if order.issued:
            issued += 1
            fallout += order.fallout
            jeopardy += order.jeopardy
    average = (sum(cycle, Decimal(0)) / len(cycle)).quantize(Decimal("0.01")) if cycle else None
    return {
        "orders": len(facts),
        "byState": dict(sorted(by_state.items())),
        "issued": issued,
        "completed": by_state.get(rules.COMPLETED, 0),
        "cycleTimeHours": {
            "average": average,
            "median": _percentile(cycle, Decimal("0.5")),
            "p90": _percentile(cycle, Decimal("0.9")),
        },
        "falloutRate": _rate(fallout, issued),
        "jeopardyRate": _rate(jeopardy, issued),
    }


def _facts(ctx: Context, params: ReportParams) -> list[OrderFacts]:
    stmt = select(
        ProductOrderRow.id,
        ProductOrderRow.status,
        ProductOrderRow.channel_id,
        ProductOrderRow.order_date,
        ProductOrderRow.completion_date,
        ProductOrderRow.issued_at,
        ProductOrderRow.had_fallout,
        ProductOrderRow.jeopardy_max,
    ).where(ProductOrderRow.order_date.is_not(None))
    if params.start is not None:
        stmt = stmt.where(ProductOrderRow.order_date >= params.start)
    if params.end is not None:
        stmt = stmt.where(ProductOrderRow.order_date < params.end)
    return [
        OrderFacts(
            id=r[0],
            status=str(r[1]),
            channel=r[2],
            order_date=r[3] or ctx.now,
            completion_date=r[4],
            issued=r[5] is not None,
            fallout=bool(r[6]),
            jeopardy=bool(r[7]),
        )
        for r in ctx.session.execute(stmt.order_by(ProductOrderRow.order_date)).all()
    ]


def _offerings(ctx: Context, params: ReportParams) -> dict[str, set[str]]:
    stmt = (
        select(OrderItemRow.order_id, OrderItemRow.offering_id)
        .join(ProductOrderRow, ProductOrderRow.id == OrderItemRow.order_id)
        .where(ProductOrderRow.order_date.is_not(None))
    )
    if params.start is not None:
        stmt = stmt.where(ProductOrderRow.order_date >= params.start)
    if params.end is not None:
        stmt = stmt.where(ProductOrderRow.order_date < params.end)
    out: dict[str, set[str]] = defaultdict(set)
    for order_id, offering_id in ctx.session.execute(stmt).all():
        out[order_id].add(offering_id or "(none)")
    return out


_TREND_FIGURES = ("orders", "completed", "falloutRate", "jeopardyRate")


@process("1.3.1.2.17")
def trend_analysis(ctx: Context, facts: list[OrderFacts], period: str) -> list[dict[str, Any]]:
    """Undertake Order Management Trend Analysis: figures per period with their change."""
    buckets: dict[str, list[OrderFacts]] = defaultdict(list)
    for order in facts:
        buckets[period_key(order.order_date, period)].append(order)
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for key in sorted(buckets):
        figures = {"period": key, **metrics(buckets[key])}
        if previous is not None:
            change: dict[str, Any] = {}
            for name in _TREND_FIGURES:
                now_value, then_value = figures[name], previous[name]
                if now_value is not None and then_value is not None:
                    change[name] = Decimal(now_value) - Decimal(then_value)
            figures["change"] = change
        out.append(figures)
        previous = figures
    return out


@process("1.3.3.16")
def order_report(ctx: Context, params: ReportParams) -> dict[str, Any]:
    """Manage Customer Order Management Report: what the order desk has done and how well."""
    facts = _facts(ctx, params)
    report: dict[str, Any] = {
        "from": isoformat(params.start) if params.start else None,
        "to": isoformat(params.end) if params.end else None,
        "generatedAt": isoformat(ctx.now),
        "period": params.period,
        "totals": metrics(facts),
    }
    if "period" in params.groups:
        report["byPeriod"] = trend_analysis(ctx, facts, params.period)
    if "offering" in params.groups:
        offerings = _offerings(ctx, params)
        groups: dict[str, list[OrderFacts]] = defaultdict(list)
        for order in facts:
            for offering_id in offerings.get(order.id, {"(none)"}):
                groups[offering_id].append(order)
        report["byOffering"] = [{"offering": k, **metrics(v)} for k, v in sorted(groups.items())]
    if "channel" in params.groups:
        channels: dict[str, list[OrderFacts]] = defaultdict(list)
        for order in facts:
            channels[order.channel or "(none)"].append(order)
        report["byChannel"] = [{"channel": k, **metrics(v)} for k, v in sorted(channels.items())]
    return report
