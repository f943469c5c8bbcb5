"""TMF630 query parameters: attribute filters, sort, paging and fields.

``name=Jane``, ``relatedParty.id=42``, ``status=active,suspended`` (OR),
``creationDate.gt=2024-01-01``, ``creationDate>=2024-01-01``,
``name.regex=^Ja``, ``@type=Individual``. Each condition becomes SQL: on a
typed column of the resource table when the attribute has one, otherwise an
indexed lookup in ``search_entry``. Nothing is filtered in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Case, ColumnElement, and_, case, cast, false, func, or_, select
from sqlalchemy.types import Numeric

from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf.models import SearchEntry
from openbss.tmf.search_index import is_date, normalise_datetime, parse_number

RESERVED = frozenset({"fields", "offset", "limit", "sort", "depth", "expand"})
OPERATORS = frozenset({"eq", "gt", "gte", "lt", "lte", "regex", "ne"})
_SYMBOLS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


@dataclass(frozen=True)
class Condition:
    path: str
    op: str  # eq gt gte lt lte regex ne
    values: tuple[str, ...]


@dataclass(frozen=True)
class SortKey:
    path: str
    descending: bool


@dataclass(frozen=True)
class ListQuery:
    conditions: tuple[Condition, ...]
    sort: tuple[SortKey, ...]
    offset: int
    limit: int
    fields: tuple[str, ...] | None


def _bad(param: str, rule: str, message: str) -> ValidationFailed:
    return ValidationFailed.from_problems([FieldProblem(param, rule, message)])


def _split_symbol(key: str, value: str) -> tuple[str, str, str]:
    """Recognise ``attr>=v`` (arrives as key ``attr>``) and ``attr<v`` (key only)."""
    if key.endswith((">", "<")):
        return key[:-1], _SYMBOLS[key[-1] + "="], value
    for symbol in (">", "<"):
        if symbol in key and not value:
            attr, _, rhs = key.partition(symbol)
            return attr, _SYMBOLS[symbol], rhs
    return key, "", value


def parse_list_query(params: Iterable[tuple[str, str]], *, known: frozenset[str], max_limit: int,
                     default_limit: int, allow_unknown: bool = False) -> ListQuery:
    conditions: list[Condition] = []
    sort: tuple[SortKey, ...] = ()
    offset, limit = 0, default_limit
    fields: tuple[str, ...] | None = None
    for raw_key, raw_value in params:
        if raw_key == "offset":
            offset = _int_param("offset", raw_value, 0, None)
        elif raw_key == "limit":
            limit = _int_param("limit", raw_value, 1, max_limit)
        elif raw_key == "fields":
            fields = tuple(f.strip() for f in raw_value.split(",") if f.strip())
        elif raw_key == "sort":
            keys = []
            for part in (p.strip() for p in raw_value.split(",")):
                if not part:
                    continue
                desc = part.startswith("-")
                path = part.lstrip("+-")
                _check_attr("sort", path, known, allow_unknown)
                keys.append(SortKey(path, desc))
            sort = tuple(keys)
        elif raw_key in RESERVED:
            continue
        else:
            key, op, value = _split_symbol(raw_key, raw_value)
            head, _, tail = key.rpartition(".")
            if head and tail in OPERATORS:
                if op:
                    raise _bad(raw_key, "filter.operator", "use either an operator suffix or a symbol, not both")
                key, op = head, tail
            op = op or "eq"
            _check_attr(key, key, known, allow_unknown)
            values = tuple(v for v in value.split(",")) if op in ("eq", "ne") else (value,)
            if op == "regex":
                try:
                    re.compile(value)
                except re.error as exc:
                    raise _bad(raw_key, "filter.regex", f"not a valid regular expression: {exc}") from exc
            if op in ("gt", "gte", "lt", "lte") and value == "":
                raise _bad(raw_key, "filter.value", "a comparison needs a value")
            conditions.append(Condition(key, op, values))
    return ListQuery(tuple(conditions), sort, offset, limit, fields)


def _check_attr(param: str, path: str, known: frozenset[str], allow_unknown: bool) -> None:
    head = path.split(".", 1)[0]
    if not head or (head not in known and not allow_unknown):
        raise _bad(param, "filter.attribute", f"'{head}' is not an attribute of this resource")


def _int_param(name: str, value: str, low: int, high: int | None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, "paging.integer", f"'{name}' must be a whole number") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _bad(name, "paging.range", f"'{name}' must be {bound}")
    return number


# --- SQL -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """Attributes that live in typed columns of the resource table."""

    columns: Mapping[str, Any]  # wire attribute -> column


def _time_bounds(text: str) -> tuple[str, str] | None:
    """[start, end) of a date or date-time filter value, in index form."""
    if is_date(text):
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        start = normalise_datetime(day.isoformat())
        end = normalise_datetime((day + timedelta(days=1)).isoformat())
        assert start and end
        return start, end
    moment = normalise_datetime(text)
    return (moment, moment) if moment else None


def _value_condition(column: Any, value_type: Any, op: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    """A condition on a text column holding normalised values (see search_index)."""
    if op == "regex":
        return column.regexp_match(values[0])  # type: ignore[no-any-return]
    if op in ("eq", "ne"):
        parts: list[ColumnElement[bool]] = []
        for v in values:
            bounds = _time_bounds(v)
            if bounds and bounds[0] != bounds[1]:
                parts.append(and_(column >= bounds[0], column < bounds[1]))
                continue
            candidates = {v}
            if bounds:
                candidates.add(bounds[0])
            number = parse_number(v)
            if number is not None and value_type is not None:
                parts.append(or_(column.in_(candidates),
                                 and_(value_type == "n", _as_number(column, value_type) == number)))
            else:
                parts.append(column.in_(candidates))
        combined = or_(*parts) if parts else false()
        return ~combined if op == "ne" else combined
    value = values[0]
    compare = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}[op]
    number = parse_number(value)
    if number is not None and value_type is not None and not _time_bounds(value):
        return and_(value_type == "n", getattr(_as_number(column, value_type), compare)(number))
    bounds = _time_bounds(value)
    if bounds:
        start, end = bounds
        if bounds[0] != bounds[1]:  # a whole day
            value = end if op in ("gt", "lte") else start
            if op == "gt":
                compare = "__ge__"
            elif op == "lte":
                compare = "__lt__"
        else:
            value = start
    return getattr(column, compare)(value)  # type: ignore[no-any-return]


def _as_number(column: Any, value_type: Any) -> Case[Any]:
    return case((value_type == "n", cast(column, Numeric(38, 10))), else_=None)


def where_clauses(conditions: Iterable[Condition], *, kind: str, id_column: Any,
                  column_map: ColumnMap) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    for cond in conditions:
        column = column_map.columns.get(cond.path)
        if column is not None:
            clauses.append(_column_condition(column, cond))
            continue
        sub = select(SearchEntry.resource_id).where(
            SearchEntry.kind == kind,
            SearchEntry.path == cond.path,
            _value_condition(SearchEntry.value, SearchEntry.value_type, "eq" if cond.op == "ne" else cond.op,
                             cond.values),
        )
        clauses.append(id_column.not_in(sub) if cond.op == "ne" else id_column.in_(sub))
    return clauses


def _column_condition(column: Any, cond: Condition) -> ColumnElement[bool]:
    python_type = getattr(getattr(column, "type", None), "python_type", str)
    if python_type is datetime:
        values = tuple(v for v in cond.values)
        # compare as real timestamps
        if cond.op in ("eq", "ne"):
            parts = []
            for v in values:
                bounds = _time_bounds(v)
                if not bounds:
                    raise _bad(cond.path, "filter.datetime", f"'{v}' is not a date or date-time")
                start = datetime.fromisoformat(bounds[0].replace("Z", "+00:00"))
                end = datetime.fromisoformat(bounds[1].replace("Z", "+00:00"))
                parts.append(and_(column >= start, column < end) if start != end else column == start)
            combined = or_(*parts)
            return ~combined if cond.op == "ne" else combined
        if cond.op == "regex":
            raise _bad(cond.path, "filter.operator", "regex does not apply to a date-time")
        bounds = _time_bounds(values[0])
        if not bounds:
            raise _bad(cond.path, "filter.datetime", f"'{values[0]}' is not a date or date-time")
        start = datetime.fromisoformat(bounds[0].replace("Z", "+00:00"))
        end = datetime.fromisoformat(bounds[1].replace("Z", "+00:00"))
        whole_day = start != end
        ops = {"gt": column >= end if whole_day else column > start,
               "gte": column >= start, "lt": column < start,
               "lte": column < end if whole_day else column <= start}
        return ops[cond.op]
    return _value_condition(column, None, cond.op, cond.values)


def sort_expression(key: SortKey, *, kind: str, id_column: Any, column_map: ColumnMap) -> Any:
    column = column_map.columns.get(key.path)
    if column is None:
        column = (
            select(func.min(SearchEntry.value))
            .where(SearchEntry.kind == kind, SearchEntry.path == key.path, SearchEntry.resource_id == id_column)
            .scalar_subquery()
        )
    return column.desc() if key.descending else column.asc()


def select_fields(doc: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Keep ``id``, ``href``, ``@type`` and the named attributes (dotted paths go one level deep)."""
    keep: dict[str, Any] = {}
    for always in ("id", "href", "@type"):
        if always in doc:
            keep[always] = doc[always]
    for name in fields:
        head, _, rest = name.partition(".")
        if head not in doc:
            continue
        if not rest:
            keep[head] = doc[head]
            continue
        value = doc[head]
        if isinstance(value, dict):
            part = keep.setdefault(head, {})
            if isinstance(part, dict) and rest in value:
                part[rest] = value[rest]
        elif isinstance(value, list):
            items = keep.get(head)
            if not isinstance(items, list) or len(items) != len(value):
                items = [{} for _ in value]
                keep[head] = items
            for target, item in zip(items, value, strict=True):
                if isinstance(item, dict) and rest in item and isinstance(target, dict):
                    target[rest] = item[rest]
    return keep
