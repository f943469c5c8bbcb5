"""The API benchmark reports the CPU the hypervisor took from the machine ("steal") and warns
when a scenario lost enough of it to make its figures suspect."""

from __future__ import annotations

import os

from openbss.bench.api import STOLEN_WARNING, Measurement, steal_warning
from openbss.bench.client import ScenarioResult
from openbss.bench.servers import _TICKS, _machine_cpu, machine_times


def test_steal_is_counted_apart_from_busy_and_idle_time() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    times = machine_times("cpu  1000 50 200 5000 100 10 40 600 300 0")
    assert times.total * _TICKS == 1000 + 50 + 200 + 5000 + 100 + 10 + 40 + 600  # guest is inside user
    assert times.stolen * _TICKS == 600
    assert times.busy * _TICKS == 1000 + 50 + 200 + 10 + 40  # neither idle, nor waiting, nor stolen


def test_a_kernel_without_a_steal_column_reports_none() -> None:
    times = machine_times("cpu  10 0 5 80 5")
    assert times.stolen == 0.0
    assert times.busy * _TICKS == 15


def test_this_machine_reports_its_times() -> None:
    first = _machine_cpu()
    end = sum(range(200_000))  # some work between the two readings
    second = _machine_cpu()
    assert end > 0
    assert second.total >= first.total > 0
    assert second.stolen >= first.stolen
    assert first.busy <= first.total and os.cpu_count()


def _measurement(name: str, stolen: float) -> Measurement:
    return Measurement(name, ScenarioResult(), 1.0, 0.0, 1.9, stolen)


def test_scenarios_that_lost_cpu_to_the_hypervisor_are_named_in_a_warning() -> None:
    quiet = [_measurement("GET customer by id", 0.01), _measurement("POST customer", STOLEN_WARNING / 2)]
    assert steal_warning(quiet) is None
    disturbed = [*quiet, _measurement("GET customer?name=", 0.42)]
    warning = steal_warning(disturbed)
    assert warning is not None
    assert "GET customer?name= (0.42 cores)" in warning
    assert "POST customer" not in warning
