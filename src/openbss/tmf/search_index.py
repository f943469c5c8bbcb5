"""Flatten a TMF document into (path, value) entries for SQL filtering.

``{"relatedParty": [{"id": "7", "role": "owner"}]}`` becomes
``relatedParty.id = "7"`` and ``relatedParty.role = "owner"``: arrays are
transparent, as TMF630 filters on ``relatedParty.id`` mean "any element".
Values are normalised text so that one indexed column serves every type:
numbers in plain decimal notation (type ``n``), booleans ``true``/``false``
(``b``), date-times and plain ``YYYY-MM-DD`` dates in the UTC form
``YYYY-MM-DDTHH:MM:SS.mmmZ`` (``t``; a date is its midnight UTC) and any
other text as given, cut at 255 characters (``s``). Normalised time texts
sort chronologically, which is what makes ``.gt``/``.lt`` work on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_VALUE_LENGTH = 255
MAX_PATH_LENGTH = 200
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# when one (path, value) pair occurs with several types, the index keeps the most specific one
_TYPE_RANK = {"n": 0, "t": 1, "b": 2, "s": 3}


def format_utc(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` of an aware date-time (zero-padded year, so texts sort in time order)."""
    moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def normalise_datetime(text: str) -> str | None:
    """UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ`` for an ISO date-time text, else None.

    A date-time without an offset is read as UTC. Values that cannot be put
    in UTC (``0001-01-01T00:00:00+01:00``) are not date-times here.
    """
    if not _DATETIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_utc(moment)
    except (ValueError, OverflowError):
        return None


def normalise_date(text: str) -> str | None:
    """The midnight-UTC index form of a ``YYYY-MM-DD`` date, else None."""
    if not _DATE.match(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return format_utc(datetime(day.year, day.month, day.day, tzinfo=UTC))


def is_date(text: str) -> bool:
    """True for a real calendar date written ``YYYY-MM-DD``."""
    return normalise_date(text) is not None


def number_text(value: Decimal | int) -> str:
    if isinstance(value, int):
        return str(value)
    normal = value.normalize()
    return format(normal, "f")


def parse_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
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
    if text[4:5] == "-" and text[:4].isdigit():  # only a text starting "YYYY-" can be a date or date-time
        as_time = normalise_datetime(text) or normalise_date(text)
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
        if entry is not None and len(prefix) <= MAX_PATH_LENGTH:
            yield (prefix, entry[0], entry[1])


def entries(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The distinct search entries of a document: one per (path, value).

    ``5`` and ``"5"`` at the same path give one entry (typed ``n``): the
    table's key is (path, value), and two entries with one key would make
    the index lose the value when either of them is removed.
    """
    best: dict[tuple[str, str], str] = {}
    for path, value, value_type in flatten(doc):
        known = best.get((path, value))
        if known is None or _TYPE_RANK[value_type] < _TYPE_RANK[known]:
            best[(path, value)] = value_type
    return {(path, value, value_type) for (path, value), value_type in best.items()}
