"""Customer billing cycles (eTOM 1.3.1.6.4 Define Customer Billing Cycle): pure logic.

A TMF666 ``BillingCycleSpecification`` says how often an account is billed
and where the bill's dates fall. This module validates one and computes its
dates; the billing domain calls :func:`next_bill_date`,
:func:`previous_bill_date` and :func:`cycle_dates` for each bill run.

How openbss reads the specification (see docs/accounts.md):

``frequency``
    ``daily``, ``weekly``, ``biweekly`` (every two weeks), ``monthly``,
    ``bimonthly`` (every two months), ``quarterly``, ``semiannually`` or
    ``yearly`` (any case; stored in lower case). Absent means monthly.
``billingDateShift`` (or ``dateShift`` in a by-value bill structure)
    Which day the bill date falls on: day of the month 1..28 for the monthly
    family (so every month has it), ISO day of the week 1 (Monday)..7 for
    weekly and biweekly; not allowed for daily. Absent means 1.
``validFor``
    Bill dates fall within it. Its start also anchors cycles longer than the
    step of their unit: a quarterly cycle starting in February bills in
    February, May, August, November; without a start, quarterly bills in
    January, April, July, October, bimonthly in odd months, semiannually in
    January and July, yearly in January, and biweekly in the even weeks
    counted from Monday 0001-01-01.
Offsets, in days from the bill date
    ``paymentDueDateOffset`` 0..365 (absent: 14 days); ``mailingDateOffset``
    0..365 and not after the due date; ``chargeDateOffset`` and
    ``creditDateOffset`` 0 or negative: charges and credits received up to
    that day appear on the bill, so the cut-off never lies after the bill date
    nor as far back as the previous bill date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from openbss.accounts.rules import period_problems
from openbss.core.clock import parse_instant
from openbss.core.problems import FieldProblem, join_path
from openbss.core.processes import register_implementation

DEFAULT_FREQUENCY = "monthly"
DEFAULT_PAYMENT_DUE_DAYS = 14
MAX_OFFSET_DAYS = 365

# frequency -> (unit, step, shortest period in days)
FREQUENCIES: dict[str, tuple[str, int, int]] = {
    "daily": ("day", 1, 1),
    "weekly": ("week", 1, 7),
    "biweekly": ("week", 2, 14),
    "monthly": ("month", 1, 28),
    "bimonthly": ("month", 2, 59),
    "quarterly": ("month", 3, 89),
    "semiannually": ("month", 6, 181),
    "yearly": ("month", 12, 365),
}
_EPOCH_MONDAY = date(1, 1, 1)  # a Monday


class CycleEnded(ValueError):
    """The cycle's validity period holds no further (or earlier) bill date."""


# --- validation ----------------------------------------------------------------------------------------


def _int_problem(
    doc: Mapping[str, Any], key: str, prefix: str, low: int, high: int, meaning: str
) -> list[FieldProblem]:
    value = doc.get(key)
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [
            FieldProblem(
                join_path(prefix, key),
                "billingCycle.range",
                f"must be a whole number from {low} to {high} ({meaning}); got {value!r}",
            )
        ]
    return []


def cycle_problems(doc: dict[str, Any], prefix: str = "") -> list[FieldProblem]:
    """Check a billing cycle specification and normalise its ``frequency`` in place."""
    problems: list[FieldProblem] = []
    frequency = doc.get("frequency")
    if frequency is not None:
        canonical = str(frequency).strip().lower()
        if canonical not in FREQUENCIES:
            problems.append(
                FieldProblem(
                    join_path(prefix, "frequency"),
                    "billingCycle.frequency",
                    f"{frequency!r} is not a billing frequency; use one of " + ", ".join(FREQUENCIES),
                )
            )
            return problems
        doc["frequency"] = canonical
    unit, _step, shortest = FREQUENCIES[str(doc.get("frequency") or DEFAULT_FREQUENCY)]
    for key in ("billingDateShift", "dateShift"):
        if unit == "month":
            problems += _int_problem(doc, key, prefix, 1, 28, "the day of the month bills are dated")
        elif unit == "week":
            problems += _int_problem(doc, key, prefix, 1, 7, "the ISO day of the week, 1 = Monday")
        elif doc.get(key) is not None:
            problems.append(
                FieldProblem(
                    join_path(prefix, key),
                    "billingCycle.shift",
                    "a daily cycle bills every day; it has no billing date shift",
                )
            )
    problems += _int_problem(
        doc, "paymentDueDateOffset", prefix, 0, MAX_OFFSET_DAYS, "days from the bill date to the payment due date"
    )
    problems += _int_problem(
        doc, "mailingDateOffset", prefix, 0, MAX_OFFSET_DAYS, "days from the bill date to mailing the bill"
    )
    for key in ("chargeDateOffset", "creditDateOffset"):
        problems += _int_problem(
            doc,
            key,
            prefix,
            1 - shortest,
            0,
            "days from the bill date back to the cut-off; not before the previous bill",
        )
    due, mailing = doc.get("paymentDueDateOffset"), doc.get("mailingDateOffset")
    if not problems and isinstance(due, int) and isinstance(mailing, int) and mailing > due:
        problems.append(
            FieldProblem(
                join_path(prefix, "mailingDateOffset"),
                "billingCycle.mailing",
                f"a bill must be mailed before its payment is due (mailing day {mailing} is after due day {due})",
            )
        )
    problems += period_problems(doc.get("validFor"), join_path(prefix, "validFor"))
    return problems


# --- dates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cycle:
    unit: str
    step: int
    shift: int
    start: date | None
    end: date | None


def _cycle(spec: Mapping[str, Any]) -> _Cycle:
    frequency = str(spec.get("frequency") or DEFAULT_FREQUENCY).strip().lower()
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown billing frequency {frequency!r}")
    unit, step, _ = FREQUENCIES[frequency]
    shift = spec.get("billingDateShift")
    if shift is None:
        shift = spec.get("dateShift")
    period = spec.get("validFor") if isinstance(spec.get("validFor"), dict) else {}
    assert isinstance(period, dict)
    start, end = parse_instant(period.get("startDateTime")), parse_instant(period.get("endDateTime"))
    return _Cycle(
        unit, step, int(shift) if shift is not None else 1, start.date() if start else None, end.date() if end else None
    )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _candidates(cycle: _Cycle, pivot: date) -> list[date]:
    """Bill dates of the cycle's rhythm in a window of at least two periods around ``pivot``."""
    if cycle.unit == "day":
        return [pivot + timedelta(days=n) for n in (-1, 0, 1)]
    if cycle.unit == "week":
        anchor = (cycle.start or _EPOCH_MONDAY) - timedelta(days=(cycle.start or _EPOCH_MONDAY).weekday())
        monday = pivot - timedelta(days=pivot.weekday())
        out = []
        for weeks in range(-2 * cycle.step, 2 * cycle.step + 1):
            week = monday + timedelta(weeks=weeks)
            if ((week - anchor).days // 7) % cycle.step == 0:
                out.append(week + timedelta(days=cycle.shift - 1))
        return out
    anchor_index = _month_index(cycle.start) if cycle.start else 0
    here = _month_index(pivot)
    out = []
    for index in range(here - 2 * cycle.step, here + 2 * cycle.step + 1):
        if (index - anchor_index) % cycle.step == 0:
            out.append(date(index // 12, index % 12 + 1, cycle.shift))
    return out


def _in_validity(cycle: _Cycle, day: date) -> bool:
    return (cycle.start is None or day >= cycle.start) and (cycle.end is None or day <= cycle.end)


def next_bill_date(spec_doc: Mapping[str, Any], after: date) -> date:
    """The first bill date of the cycle strictly after ``after``.

    Raises :class:`CycleEnded` when the cycle's validity ends before it.
    """
    cycle = _cycle(spec_doc)
    floor = after
    if cycle.start is not None and cycle.start > after:
        floor = cycle.start - timedelta(days=1)
    found = min(d for d in _candidates(cycle, floor) if d > floor)
    if not _in_validity(cycle, found):
        raise CycleEnded(f"the billing cycle ends on {cycle.end}; no bill date after {after}")
    return found


def previous_bill_date(spec_doc: Mapping[str, Any], before: date) -> date:
    """The last bill date of the cycle strictly before ``before`` (start of the current bill period).

    Raises :class:`CycleEnded` when the cycle had not started by then.
    """
    cycle = _cycle(spec_doc)
    ceiling = before
    if cycle.end is not None and cycle.end < before:
        ceiling = cycle.end + timedelta(days=1)
    found = max(d for d in _candidates(cycle, ceiling) if d < ceiling)
    if not _in_validity(cycle, found):
        raise CycleEnded(f"the billing cycle starts on {cycle.start}; no bill date before {before}")
    return found


def _offset(spec_doc: Mapping[str, Any], key: str, default: int) -> timedelta:
    value = spec_doc.get(key)
    return timedelta(days=int(value) if isinstance(value, int) and not isinstance(value, bool) else default)


def payment_due_date(spec_doc: Mapping[str, Any], bill_date: date) -> date:
    """When a bill dated ``bill_date`` must be paid: ``paymentDueDateOffset`` days later (default 14)."""
    return bill_date + _offset(spec_doc, "paymentDueDateOffset", DEFAULT_PAYMENT_DUE_DAYS)


@dataclass(frozen=True)
class CycleDates:
    """The dates of one bill of a cycle."""

    bill_date: date
    period_start: date  # the previous bill date: usage from here (exclusive) to bill_date (inclusive)
    charge_cutoff: date  # charges received up to this day appear on the bill
    credit_cutoff: date  # credits received up to this day appear on the bill
    mailing_date: date
    payment_due_date: date


def cycle_dates(spec_doc: Mapping[str, Any], bill_date: date) -> CycleDates:
    """Every date of the bill dated ``bill_date`` (a bill date of the cycle, or an off-cycle final bill).

    The first bill of a cycle covers the days from the cycle's start. Raises
    :class:`CycleEnded` for a date before the cycle starts.
    """
    cycle = _cycle(spec_doc)
    if cycle.start is not None and bill_date < cycle.start:
        raise CycleEnded(f"the billing cycle starts on {cycle.start}, after {bill_date}")
    try:
        period_start = previous_bill_date(spec_doc, bill_date)
    except CycleEnded:
        period_start = (cycle.start or bill_date) - timedelta(days=1)
    return CycleDates(
        bill_date=bill_date,
        period_start=period_start,
        charge_cutoff=bill_date + _offset(spec_doc, "chargeDateOffset", 0),
        credit_cutoff=bill_date + _offset(spec_doc, "creditDateOffset", 0),
        mailing_date=bill_date + _offset(spec_doc, "mailingDateOffset", 0),
        payment_due_date=payment_due_date(spec_doc, bill_date),
    )


for _operation in (next_bill_date, previous_bill_date, payment_due_date, cycle_dates):
    register_implementation("1.3.1.6.4", f"accounts.billing_cycles.{_operation.__name__}")
