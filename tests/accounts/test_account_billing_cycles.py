"""Billing cycle dates (1.3.1.6.4): examples and properties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbss.accounts.billing_cycles import (
    DEFAULT_PAYMENT_DUE_DAYS,
    FREQUENCIES,
    CycleEnded,
    cycle_dates,
    cycle_problems,
    next_bill_date,
    payment_due_date,
    previous_bill_date,
)

DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def specs(draw: st.DrawFn, *, with_start: bool | None = None) -> dict[str, Any]:
    frequency = draw(st.sampled_from(sorted(FREQUENCIES)))
    unit, _step, shortest = FREQUENCIES[frequency]
    spec: dict[str, Any] = {"name": "cycle", "frequency": frequency}
    if unit == "month" and draw(st.booleans()):
        spec["billingDateShift"] = draw(st.integers(1, 28))
    if unit == "week" and draw(st.booleans()):
        spec["billingDateShift"] = draw(st.integers(1, 7))
    if draw(st.booleans()):
        spec["paymentDueDateOffset"] = draw(st.integers(0, 365))
        spec["mailingDateOffset"] = draw(st.integers(0, spec["paymentDueDateOffset"]))
    if draw(st.booleans()):
        spec["chargeDateOffset"] = draw(st.integers(1 - shortest, 0))
    start = draw(st.booleans()) if with_start is None else with_start
    if start:
        spec["validFor"] = {"startDateTime": draw(DAYS).isoformat() + "T00:00:00.000Z"}
    return spec


def _month_gap(a: date, b: date) -> int:
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


@settings(max_examples=400, deadline=None)
@given(specs(), DAYS)
def test_next_bill_date_properties(spec: dict[str, Any], after: date) -> None:
    assert cycle_problems(dict(spec)) == []
    bill = next_bill_date(spec, after)
    unit, step, _ = FREQUENCIES[spec["frequency"]]
    assert bill > after
    start = spec.get("validFor", {}).get("startDateTime")
    if start:
        assert bill >= date.fromisoformat(start[:10])
    if unit == "month":
        assert bill.day == spec.get("billingDateShift", 1)
    elif unit == "week":
        assert bill.isoweekday() == spec.get("billingDateShift", 1)
    # nothing is skipped: no bill date lies between `after` and the one found
    assert next_bill_date(spec, bill - timedelta(days=1)) == bill
    following = next_bill_date(spec, bill)
    if unit == "month":
        assert _month_gap(bill, following) == step
    else:
        assert (following - bill).days == (7 * step if unit == "week" else 1)
    assert previous_bill_date(spec, following) == bill
    assert previous_bill_date(spec, bill + timedelta(days=1)) == bill


@settings(max_examples=200, deadline=None)
@given(specs(), DAYS)
def test_payment_due_and_cycle_dates(spec: dict[str, Any], day: date) -> None:
    bill = next_bill_date(spec, day)
    due = payment_due_date(spec, bill)
    assert due >= bill
    assert (due - bill).days == spec.get("paymentDueDateOffset", DEFAULT_PAYMENT_DUE_DAYS)
    dates = cycle_dates(spec, bill)
    assert dates.period_start < bill
    assert dates.charge_cutoff <= bill
    start = spec.get("validFor", {}).get("startDateTime")
    full_period = not start or dates.period_start >= date.fromisoformat(start[:10])
    if full_period and spec["frequency"] != "daily":  # the cut-off stays inside the period it closes
        assert dates.charge_cutoff > dates.period_start
    assert dates.mailing_date <= dates.payment_due_date
    if start and day < date.fromisoformat(start[:10]) - timedelta(days=1):
        with pytest.raises(CycleEnded):
            cycle_dates(spec, day)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "frequency",
                "billingDateShift",
                "paymentDueDateOffset",
                "mailingDateOffset",
                "chargeDateOffset",
                "creditDateOffset",
            ]
        ),
        st.one_of(st.integers(-1000, 1000), st.text(max_size=12), st.none()),
    )
)
def test_validation_never_crashes_and_valid_specs_compute(spec: dict[str, Any]) -> None:
    problems = cycle_problems(spec)
    if not problems:
        next_bill_date(spec, date(2026, 3, 31))


def test_examples() -> None:
    monthly = {"frequency": "monthly", "billingDateShift": 5, "paymentDueDateOffset": 10}
    assert next_bill_date(monthly, date(2026, 1, 4)) == date(2026, 1, 5)
    assert next_bill_date(monthly, date(2026, 1, 5)) == date(2026, 2, 5)
    assert payment_due_date(monthly, date(2026, 2, 5)) == date(2026, 2, 15)
    quarterly = {"frequency": "quarterly"}
    assert next_bill_date(quarterly, date(2026, 2, 10)) == date(2026, 4, 1)
    anchored = {"frequency": "quarterly", "validFor": {"startDateTime": "2026-02-10T00:00:00Z"}}
    assert next_bill_date(anchored, date(2025, 1, 1)) == date(2026, 5, 1)
    assert next_bill_date(anchored, date(2026, 5, 1)) == date(2026, 8, 1)
    weekly = {"frequency": "weekly", "billingDateShift": 1}
    assert next_bill_date(weekly, date(2026, 11, 22)) == date(2026, 11, 23)  # a Sunday -> Monday
    assert next_bill_date({}, date(2026, 12, 31)) == date(2027, 1, 1)  # no frequency: monthly on the 1st
    assert payment_due_date({}, date(2027, 1, 1)) == date(2027, 1, 15)
    ending = {"frequency": "monthly", "validFor": {"endDateTime": "2026-06-30T00:00:00Z"}}
    with pytest.raises(CycleEnded):
        next_bill_date(ending, date(2026, 6, 1))
    dates = cycle_dates({"frequency": "monthly", "chargeDateOffset": -2, "mailingDateOffset": 1}, date(2026, 3, 1))
    assert (dates.period_start, dates.charge_cutoff, dates.mailing_date) == (
        date(2026, 2, 1),
        date(2026, 2, 27),
        date(2026, 3, 2),
    )
