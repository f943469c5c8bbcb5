"""Does an event match a hub subscription's ``query``? (TMF630 notification filters.)

A query is URL-encoded ``key=value`` pairs, all of which must hold (AND):

* ``eventType=CustomerCreateEvent,CustomerStateChangeEvent`` — the event type
  is one of the comma-separated values (OR);
* ``event.customer.status=approved`` — a dotted path from the root of the
  event body (``eventId``, ``eventType``, ``event``, ``fieldPath``...) leads to
  one of the values. Arrays on the way are transparent:
  ``event.customer.relatedParty.id=7`` holds when any related party has id 7.

Values compare as text, except that numbers compare by value (``10.0`` equals
``10``) and booleans as ``true``/``false``. An empty query matches every event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Condition:
    path: tuple[str, ...]
    accepted: frozenset[str]

    def holds(self, payload: dict[str, Any]) -> bool:
        return any(_same(value, wanted) for value in _leaves(payload, self.path) for wanted in self.accepted)


@dataclass(frozen=True)
class EventFilter:
    """A parsed subscription query."""

    conditions: tuple[Condition, ...]

    def matches(self, payload: dict[str, Any]) -> bool:
        return all(condition.holds(payload) for condition in self.conditions)


@lru_cache(maxsize=4096)
def parse_query(query: str | None) -> EventFilter:
    """Parse a hub ``query`` (cached: subscriptions are few, events many)."""
    if not query:
        return EventFilter(())
    conditions = []
    for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        path = tuple(part for part in key.strip().split(".") if part)
        if not path:
            continue
        accepted = frozenset(part.strip() for part in value.split(","))
        conditions.append(Condition(path, accepted))
    return EventFilter(tuple(conditions))


def matches(query: str | None, payload: dict[str, Any]) -> bool:
    """True when the event body ``payload`` satisfies the subscription ``query``."""
    return parse_query(query).matches(payload)


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, path)
        return
    if not path:
        yield node
        return
    if isinstance(node, dict) and path[0] in node:
        yield from _leaves(node[path[0]], path[1:])


def _same(value: Any, wanted: str) -> bool:
    if isinstance(value, bool):
        return wanted.lower() == ("true" if value else "false")
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value)) == Decimal(wanted)
        except InvalidOperation:
            return False
    if value is None:
        return wanted == "null"
    if isinstance(value, dict):
        return False
    return str(value) == wanted
