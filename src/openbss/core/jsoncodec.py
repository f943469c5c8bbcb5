"""JSON encoding that keeps numbers exact.

Documents are stored and sent as JSON text. Reading turns every JSON number
with a fraction into :class:`~decimal.Decimal`; writing turns Decimals back
into JSON numbers with the same digits. Floats never appear.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from openbss.core.clock import isoformat


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError("non-finite number")
        return orjson.Fragment(format(value, "f").encode())
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Encode to JSON bytes (Decimals stay exact)."""
    # datetimes go through _default too, so every one is rendered in the TMF UTC form
    try:
        return orjson.dumps(value, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError as exc:  # orjson stops at 64-bit integers; JSON does not
        if "64-bit" not in str(exc):
            raise
        return orjson.dumps(_wide_ints(value), default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _wide_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _wide_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wide_ints(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return Decimal(value)
    return value


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def loads(data: str | bytes) -> Any:
    """Decode JSON, fractional numbers as Decimal. Raises ValueError on bad JSON."""
    return json.loads(data, parse_float=Decimal)
