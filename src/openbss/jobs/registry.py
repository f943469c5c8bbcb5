"""The named background tasks and the periodic schedules that run them.

A domain declares its tasks in its ``tasks.py``::

    from openbss.jobs.context import JobContext
    from openbss.jobs.registry import every, task

    @task("billing.bill_run", max_attempts=3, lease_seconds=120)
    def bill_run(ctx: JobContext) -> None:
        ...

    every("dunning.sweep", seconds=3600)   # runs the task "dunning.sweep" hourly

Tasks must be idempotent: a task may run again after a crash (its lease
expires) or a failure (its retry), and it resumes from ``ctx.progress`` when
it stored a checkpoint. The worker imports :data:`CORE_TASK_MODULES` and every
``openbss.<domain>.tasks`` module before it starts, which registers them.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import openbss
from openbss.core.settings import Settings
from openbss.jobs.context import JobContext

log = logging.getLogger("openbss.jobs")

TaskFunction = Callable[[JobContext], None]
IntervalSource = float | Callable[[Settings], float]

CORE_TASK_MODULES: tuple[str, ...] = ("openbss.events.dispatcher",)
"""Task modules outside the ``openbss.<domain>.tasks`` convention."""

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = 10.0
DEFAULT_LEASE_SECONDS = 60.0
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class TaskDef:
    """A registered task and its retry and lease policy."""

    name: str
    function: TaskFunction
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    lease_seconds: float = DEFAULT_LEASE_SECONDS

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def retry_delay(self, attempts: int) -> timedelta:
        """Back-off before the next try after ``attempts`` failed tries: base * 2**(attempts-1), capped."""
        seconds = self.backoff_seconds * 2 ** max(attempts - 1, 0)
        return min(timedelta(seconds=seconds), MAX_BACKOFF)


@dataclass(frozen=True)
class PeriodicDef:
    """Run the task ``name`` every ``interval`` seconds (a number, or read from the settings)."""

    name: str
    interval: IntervalSource

    def interval_seconds(self, settings: Settings) -> float:
        value = self.interval(settings) if callable(self.interval) else self.interval
        if value <= 0:
            raise ValueError(f"periodic task {self.name!r} needs a positive interval, got {value}")
        return float(value)


TASKS: dict[str, TaskDef] = {}
PERIODIC: dict[str, PeriodicDef] = {}


def task(
    name: str,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> Callable[[TaskFunction], TaskFunction]:
    """Register the decorated function as the task ``name``."""
    if max_attempts < 1 or backoff_seconds < 0 or lease_seconds <= 0:
        raise ValueError(f"task {name!r}: max_attempts >= 1, backoff_seconds >= 0 and lease_seconds > 0")

    def register(function: TaskFunction) -> TaskFunction:
        existing = TASKS.get(name)
        if existing is not None and existing.function is not function:
            same_place = (existing.function.__module__, existing.function.__qualname__) == (
                function.__module__,
                function.__qualname__,
            )
            if not same_place:
                raise ValueError(f"task {name!r} is already registered by {existing.function.__module__}")
        TASKS[name] = TaskDef(name, function, max_attempts, backoff_seconds, lease_seconds)
        return function

    return register


def every(name: str, seconds: IntervalSource) -> None:
    """Run the task ``name`` periodically; ``seconds`` may be a function of the settings."""
    PERIODIC[name] = PeriodicDef(name, seconds)


def get_task(name: str) -> TaskDef | None:
    return TASKS.get(name)


def load_task_modules() -> None:
    """Import every module that registers tasks (idempotent)."""
    for module in CORE_TASK_MODULES:
        importlib.import_module(module)
    for info in pkgutil.iter_modules(openbss.__path__):
        if not info.ispkg:
            continue
        module = f"openbss.{info.name}.tasks"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    unknown = sorted(set(PERIODIC) - set(TASKS))
    if unknown:
        log.warning("periodic schedules without a registered task are ignored: %s", ", ".join(unknown))
