"""Flatten a TMF document into (path, value) entries for SQL filtering.

``{"relatedParty": [{"id": "7", "role": "owner"}]}`` becomes
``relatedParty.id = "7"`` and ``relatedParty.role = "owner"``: arrays are
transparent, as TMF630 filters on ``relatedParty.id`` mean "any element".
Values are normalised text so that one indexed column serves every type:
numbers in plain decimal notation, booleans ``true``/``false``, date-times in
the UTC form the API renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_VALUE_LENGTH = 255
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalise_datetime(text: str) -> str | None:
    """UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ`` for an ISO date-time text, else None."""
    if not _DATETIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def is_date(text: str) -> bool:
    return bool(_DATE.match(text))


def number_text(value: Decimal | int) -> str:
    if isinstance(value, int):
        return str(value)
    normal = value.normalize()
    return format(normal, "f")


def parse_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def scalar_entry(value: Any) -> tuple[str, str] | None:
    """(value text, value type) for a scalar, None for containers and nulls."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return ("true" if value else "false", "b")
    if isinstance(value, int | Decimal):
        return (number_text(value), "n")
    if isinstance(value, float):  # never produced by our decoder; kept exact via repr
        return (number_text(Decimal(repr(value))), "n")
    text = str(value)
    as_time = normalise_datetime(text)
    if as_time is not None:
        return (as_time, "t")
    return (text[:MAX_VALUE_LENGTH], "s")


def flatten(doc: Any, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """Yield (path, value, value_type) for every scalar leaf of ``doc``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from flatten(value, path)
    elif isinstance(doc, list):
        for item in doc:
            yield from flatten(item, prefix)
    elif prefix:
        entry = scalar_entry(doc)
        if entry is not None and len(prefix) <= 200:
            yield (prefix, entry[0], entry[1])


def entries(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The distinct search entries of a document."""
    return set(flatten(doc))
