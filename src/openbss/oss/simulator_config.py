"""Settings of one running OSS simulator; every field may be changed while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from openbss.core.problems import FieldProblem
from openbss.oss.simulator_rules import OUTCOMES, Outcome

DEFAULT_SECRET = "change-me-openbss-oss-event-secret"  # the default of OPENBSS_OSS_EVENT_SECRET too
BASE_PATH = "/tmf-api/serviceOrdering/v4"


@dataclass
class SimulatorConfig:
    """How the simulated OSS behaves.

    Delays are real seconds (floats). ``start_delay`` is the time from
    ``acknowledged`` to ``inProgress`` (or ``rejected``), ``item_delay`` the time
    each item then takes, one after the other, and ``cancel_delay`` each step of
    a cancellation; a ``None`` step uses ``delay``.
    """

    delay: float = 1.0
    start_delay: float | None = None
    item_delay: float | None = None
    cancel_delay: float | None = None
    failure_rate: float = 0.0  # chance that an item fails (drawn per item)
    reject_rate: float = 0.0  # chance that an order is rejected (drawn per order)
    seed: int | None = None  # the same seed and the same order of POSTs give the same outcomes
    secret: str = DEFAULT_SECRET  # HMAC key of X-OpenBSS-Signature on events; "" sends them unsigned
    # forced outcomes set at run time: by the order's externalId, or by serviceSpecification id or name
    outcome_by_external_id: dict[str, Outcome] = field(default_factory=dict)
    outcome_by_specification: dict[str, Outcome] = field(default_factory=dict)
    delivery_attempts: int = 5
    delivery_backoff: float = 0.2  # first retry delay of an event delivery; doubles per attempt
    delivery_timeout: float = 5.0
    delivery_lanes: int = 4  # parallel deliveries per subscriber; one order's events always share a lane

    def step(self, name: str) -> float:
        value = {"start": self.start_delay, "item": self.item_delay, "cancel": self.cancel_delay}[name]
        return self.delay if value is None else value

    def as_dict(self) -> dict[str, Any]:
        return {_camel(f.name): getattr(self, f.name) for f in fields(self) if f.name != "secret"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_FLOATS = ("delay", "start_delay", "item_delay", "cancel_delay", "delivery_backoff", "delivery_timeout")
_RATES = ("failure_rate", "reject_rate")
_INTS = ("delivery_attempts", "delivery_lanes")


def config_problems(changes: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Check a ``PATCH /simulator/config`` body (camelCase names); the snake_case changes and the problems."""
    known = {_camel(f.name): f.name for f in fields(SimulatorConfig)}
    accepted: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for key, value in changes.items():
        name = known.get(key)
        if name is None:
            problems.append(FieldProblem(key, "unknown", "is not a simulator setting"))
            continue
        nullable = name in ("start_delay", "item_delay", "cancel_delay", "seed")
        if value is None and nullable:
            accepted[name] = None
        elif name in _FLOATS or name in _RATES:
            number = value if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else None
            upper = 1.0 if name in _RATES else float("inf")
            if number is None or not 0 <= number <= upper:
                bounds = "between 0 and 1" if name in _RATES else "a number of seconds, at least 0"
                problems.append(FieldProblem(key, "range", f"must be {bounds}"))
            else:
                accepted[name] = float(number)
        elif name in _INTS or name == "seed":
            if isinstance(value, bool) or not isinstance(value, int) or (name in _INTS and value < 1):
                problems.append(FieldProblem(key, "type.integer", "must be a whole number (at least 1)"))
            else:
                accepted[name] = value
        elif name == "secret":
            if not isinstance(value, str):
                problems.append(FieldProblem(key, "type.string", "must be a string"))
            else:
                accepted[name] = value
        else:  # the outcome maps
            if not isinstance(value, dict) or any(
                not isinstance(k, str) or v not in OUTCOMES for k, v in value.items()
            ):
                problems.append(
                    FieldProblem(key, "simulator.outcome", f"must map names to one of {', '.join(OUTCOMES)}")
                )
            else:
                accepted[name] = dict(value)
    return accepted, problems
