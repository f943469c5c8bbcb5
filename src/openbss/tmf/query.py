"""TMF630 query parameters: attribute filters, sort, paging and fields.

``name=Jane``, ``relatedParty.id=42``, ``status=active,suspended`` (OR),
``creationDate.gt=2024-01-01``, ``creationDate>=2024-01-01``,
``name.regex=^Ja``, ``@type=Individual``. Each condition becomes SQL: on a
typed column of the resource table when the attribute has one, otherwise an
indexed lookup in ``search_entry``. Nothing is filtered in Python.

How a value compares depends on what it looks like (docs/api.md):

* a number (``10``, ``-2.5``) compares numerically with numeric values;
* a date (``2024-01-01``, the whole UTC day) or a date-time compares in time
  order with date and date-time values;
* anything else compares as text.

Regular expressions are limited to the syntax that Python (SQLite) and
PostgreSQL read the same way, so that a filter means one thing on both.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Case, ColumnElement, Table, and_, case, cast, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseList
from sqlalchemy.types import Numeric

from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf.models import SearchEntry
from openbss.tmf.search_index import format_utc, normalise_date, normalise_datetime, parse_number

RESERVED = frozenset({"fields", "offset", "limit", "sort", "depth", "expand"})
OPERATORS = frozenset({"eq", "gt", "gte", "lt", "lte", "regex", "ne"})
_SYMBOLS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}
MAX_REGEX_LENGTH = 200
# conditions are built on the tables' own columns: ORM attributes cost several times more to
# compare, and make the statement go through the ORM's compilation
ENTRIES: Table = SearchEntry.__table__  # type: ignore[assignment]


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


def parse_list_query(
    params: Iterable[tuple[str, str]],
    *,
    known: frozenset[str],
    max_limit: int,
    default_limit: int,
    allow_unknown: bool = False,
) -> ListQuery:
    conditions: list[Condition] = []
    sort: tuple[SortKey, ...] = ()
    offset, limit = 0, default_limit
    fields: tuple[str, ...] | None = None
    for raw_key, raw_value in params:
        if "\x00" in raw_key or "\x00" in raw_value:  # PostgreSQL text cannot hold it
            raise _bad(raw_key.replace("\x00", ""), "filter.value", "must not contain the NUL character")
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
                problem = regex_problem(value)
                if problem:
                    raise _bad(raw_key, "filter.regex", problem)
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


# --- regular expressions ------------------------------------------------------------------------

_ESCAPES = frozenset("dDwWsSntrfvAZ")  # letters that may follow a backslash outside [...]
_CLASS_ESCAPES = frozenset("dDwWsSntrfv")  # ... and inside [...]
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_BOUND = re.compile(r"\{(\d+)(,(\d*))?\}")
_MAX_REPEAT = 255  # PostgreSQL's largest {m,n} count


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a ``.regex`` filter, or None when it can.

    The pattern must compile in Python and stay inside the syntax that
    Python and PostgreSQL share: literals, ``.``, ``^``, ``$``, ``|``,
    groups ``(...)``/``(?:...)``, look-around, bracket classes, the escapes
    ``\\d \\w \\s \\D \\W \\S \\n \\t \\r \\f \\v \\A \\Z`` and escaped
    punctuation, the quantifiers ``* + ? {m} {m,} {m,n}`` (each optionally
    lazy with ``?``, never on an anchor or a look-around) and a leading ``(?i)``.
    """
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"a regular expression may have at most {MAX_REGEX_LENGTH} characters"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning on '[[' and the like: refused below anyway
            re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    except (OverflowError, RecursionError):
        return "not a valid regular expression: too large"
    groups: list[bool] = []  # for each open group: is it a look-around?
    repeatable = False  # may the next token be a quantifier?
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch in "*+?{":
            if ch == "{":
                bound = _BOUND.match(pattern, i)
                if bound is None:
                    return "write \\{ for a literal brace; a repetition is {m}, {m,} or {m,n}"
                if max(int(c) for c in (bound.group(1), bound.group(3)) if c) > _MAX_REPEAT:
                    return f"a repetition count may be at most {_MAX_REPEAT}"
                i = bound.end()
            else:
                i += 1
            if not repeatable:
                return "a quantifier must follow something that can repeat (not an anchor or a look-around)"
            if i < n and pattern[i] == "+":
                return "possessive quantifiers (*+, ++, ?+) are not supported"
            if i < n and pattern[i] == "?":
                i += 1  # lazy
            repeatable = False
            continue
        repeatable = True
        if ch == "\\":
            escaped = pattern[i + 1]  # re.compile refuses a trailing backslash
            if escaped.isalnum() and escaped not in _ESCAPES:
                return f"the escape \\{escaped} is not supported (it differs between databases)"
            repeatable = escaped not in "AZ"
            i += 2
        elif ch == "[":
            end_or_problem = _class_end(pattern, i)
            if isinstance(end_or_problem, str):
                return end_or_problem
            i = end_or_problem
        elif ch == "(":
            if pattern.startswith("(?", i):
                opener = next((o for o in _GROUP_OPENERS if pattern.startswith(o, i)), None)
                if opener is not None:
                    groups.append(opener != "(?:")
                    i += len(opener)
                elif i == 0 and pattern.startswith("(?i)"):
                    i += 4
                else:
                    return "only (?:...), look-around groups and a leading (?i) are supported"
            else:
                groups.append(False)
                i += 1
            repeatable = False
        elif ch == ")":
            repeatable = not groups.pop()
            i += 1
        else:
            repeatable = ch not in "^$|"
            i += 1
    return None


def _class_end(pattern: str, start: int) -> int | str:
    """Index just after the bracket class opening at ``start``, or why the class is refused."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while pattern[i] != "]":  # re.compile refuses an unterminated class
        ch = pattern[i]
        if ch == "\\":
            escaped = pattern[i + 1]
            if escaped.isalnum() and escaped not in _CLASS_ESCAPES:
                return f"the escape \\{escaped} is not supported in a [...] class"
            i += 2
        elif ch == "[":
            return "write \\[ for a '[' inside a [...] class (POSIX classes like [:alpha:] are not supported)"
        else:
            i += 1
    return i + 1


# --- SQL -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """Attributes that live in typed columns of the resource table."""

    columns: Mapping[str, Any]  # wire attribute -> column of the table (Core, not the ORM attribute)


_SPACED_OFFSET = re.compile(r"^(.*T[\d:.]+) (\d{2}:?\d{2})$")


def _time_bounds(text: str) -> tuple[str, str] | None:
    """[start, end) of a date (its whole UTC day) or (t, t) of a date-time, in index form; else None.

    An offset whose ``+`` arrived as a space (an unencoded ``+`` in a query
    string) is read as ``+``.
    """
    day = normalise_date(text)
    if day is not None:
        start = datetime.fromisoformat(day.replace("Z", "+00:00"))
        try:
            return day, format_utc(start + timedelta(days=1))
        except OverflowError:
            return day, "9999-12-31T23:59:59.999Z~"  # sorts after every date-time of year 9999
    spaced = _SPACED_OFFSET.match(text)
    moment = normalise_datetime(f"{spaced.group(1)}+{spaced.group(2)}" if spaced else text)
    return (moment, moment) if moment else None


def _number_of(text: str) -> Decimal | None:
    """The number a filter value stands for (not a date that happens to parse)."""
    return None if _time_bounds(text) else parse_number(text)


def _typed(value_type: Any, wanted: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return condition if value_type is None else and_(value_type == wanted, condition)


def _equals(column: Any, value_type: Any, value: str) -> ColumnElement[bool]:
    bounds = _time_bounds(value)
    if bounds and bounds[0] != bounds[1]:  # a whole day
        return or_(column == value, _typed(value_type, "t", and_(column >= bounds[0], column < bounds[1])))
    candidates = {value}
    if bounds:
        candidates.add(bounds[0])
    number = _number_of(value)
    # one candidate is a plain equality: an IN list would be expanded anew on every execution
    matches = column == value if len(candidates) == 1 else column.in_(sorted(candidates))
    if number is not None and value_type is not None:
        numeric = and_(value_type == "n", _as_number(column, value_type) == number)
        return or_(matches, numeric)
    return matches  # type: ignore[no-any-return]


_COMPARE = {"gt": "__gt__", "gte": "__ge__", "lt": "__lt__", "lte": "__le__"}


def _compare(column: Any, value_type: Any, op: str, value: str) -> ColumnElement[bool]:
    number = _number_of(value)
    if number is not None and value_type is not None:
        return and_(value_type == "n", getattr(_as_number(column, value_type), _COMPARE[op])(number))
    bounds = _time_bounds(value)
    if bounds:
        start, end = bounds
        compare = _COMPARE[op]
        if start != end:  # a whole day: after it is from the next midnight on, up to it is before that
            bound, compare = {
                "gt": (end, "__ge__"),
                "gte": (start, "__ge__"),
                "lt": (start, "__lt__"),
                "lte": (end, "__lt__"),
            }[op]
        else:
            bound = start
        return _typed(value_type, "t", getattr(column, compare)(bound))
    return getattr(column, _COMPARE[op])(value)  # type: ignore[no-any-return]


def _value_condition(column: Any, value_type: Any, op: str, values: tuple[str, ...]) -> ColumnElement[bool]:
    """A condition on a text column holding normalised values (see search_index)."""
    if op == "regex":
        return column.regexp_match(values[0])  # type: ignore[no-any-return]
    if op in ("eq", "ne"):
        parts = [_equals(column, value_type, v) for v in values]
        combined = or_(*parts) if parts else false()
        return ~combined if op == "ne" else combined
    return _compare(column, value_type, op, values[0])


def _as_number(column: Any, value_type: Any) -> Case[Any]:
    # unbounded NUMERIC: a bounded type would overflow (PostgreSQL) or round on long values
    return case((value_type == "n", cast(column, Numeric())), else_=None)


def where_clauses(
    conditions: Iterable[Condition], *, kind: str, id_column: Any, column_map: ColumnMap
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    for cond in conditions:
        if cond.path == "href" and cond.op in ("eq", "ne"):  # an href names the resource by its id
            ids = tuple(value.rstrip("/").rsplit("/", 1)[-1] for value in cond.values)
            clauses.append(_column_condition(id_column, Condition("id", cond.op, ids)))
            continue
        column = column_map.columns.get(cond.path)
        if column is not None:
            clauses.append(_column_condition(column, cond))
            continue
        sub = select(ENTRIES.c.resource_id).where(
            ENTRIES.c.kind == kind,
            ENTRIES.c.path == cond.path,
            _value_condition(ENTRIES.c.value, ENTRIES.c.value_type, "eq" if cond.op == "ne" else cond.op, cond.values),
        )
        clauses.append(id_column.not_in(sub) if cond.op == "ne" else id_column.in_(sub))
    return clauses


def _instant(index_text: str) -> datetime:
    return datetime.fromisoformat(index_text.rstrip("~").replace("Z", "+00:00")).astimezone(UTC)


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
                start, end = _instant(bounds[0]), _instant(bounds[1])
                parts.append(and_(column >= start, column < end) if start != end else column == start)
            combined = or_(*parts)
            return ~combined if cond.op == "ne" else combined
        if cond.op == "regex":
            raise _bad(cond.path, "filter.operator", "regex does not apply to a date-time")
        bounds = _time_bounds(values[0])
        if not bounds:
            raise _bad(cond.path, "filter.datetime", f"'{values[0]}' is not a date or date-time")
        start, end = _instant(bounds[0]), _instant(bounds[1])
        whole_day = start != end
        ops = {
            "gt": column >= end if whole_day else column > start,
            "gte": column >= start,
            "lt": column < start,
            "lte": column < end if whole_day else column <= start,
        }
        chosen: ColumnElement[bool] = ops[cond.op]
        return chosen
    return _value_condition(column, None, cond.op, cond.values)


def sort_expression(key: SortKey, *, kind: str, id_column: Any, column_map: ColumnMap) -> Any:
    """ORDER BY terms for one sort key; resources without a value come last either way.

    An attribute in the search index sorts numbers first, in numeric order,
    then the other values in text order (date-times are stored so that text
    order is time order). Where an array holds several values, ascending
    order uses the smallest and descending order the largest.
    """
    column = column_map.columns.get(key.path)
    if column is not None:
        return column.desc().nulls_last() if key.descending else column.asc().nulls_last()
    pick = func.max if key.descending else func.min
    where = (ENTRIES.c.kind == kind, ENTRIES.c.path == key.path, ENTRIES.c.resource_id == id_column)
    as_number = _as_number(ENTRIES.c.value, ENTRIES.c.value_type)
    numeric = select(pick(as_number)).where(*where).scalar_subquery()
    text = select(pick(ENTRIES.c.value)).where(*where).scalar_subquery()
    if key.descending:
        return ClauseList(numeric.desc().nulls_last(), text.desc().nulls_last())
    return ClauseList(numeric.asc().nulls_last(), text.asc().nulls_last())


def select_fields(doc: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Keep ``id``, ``href``, ``@type`` and the named attributes.

    A dotted name selects inside objects and inside every element of an
    array, at any depth (``contactMedium.characteristic.emailAddress``).
    """
    keep: dict[str, Any] = {}
    for always in ("id", "href", "@type"):
        if always in doc:
            keep[always] = doc[always]
    for name in fields:
        _select_path(doc, name.split("."), keep)
    return keep


def _select_path(source: Mapping[str, Any], parts: list[str], target: dict[str, Any]) -> None:
    head, rest = parts[0], parts[1:]
    if head not in source:
        return
    value = source[head]
    if not rest:
        target[head] = value
        return
    if isinstance(value, Mapping):
        part = target.get(head)
        if not isinstance(part, dict):
            if head in target:  # already selected whole
                return
            part = target[head] = {}
        _select_path(value, rest, part)
    elif isinstance(value, list):
        items = target.get(head)
        if not isinstance(items, list) or len(items) != len(value):
            if head in target:
                return
            items = target[head] = [{} for _ in value]
        for selected, item in zip(items, value, strict=True):
            if isinstance(item, Mapping) and isinstance(selected, dict):
                _select_path(item, rest, selected)


def resources_holding(
    session: Session,
    kinds: Iterable[str],
    path: str,
    values: Collection[str],
    *,
    exclude_id: str | None = None,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """``(kind, id)`` of the resources of ``kinds`` whose attribute ``path`` holds one of ``values``,
    from the search index (``relatedParty.id``, ``accountRelationship.account.id``, ...), in kind and id order."""
    if not values:
        return []
    stmt = (
        select(SearchEntry.kind, SearchEntry.resource_id)
        .where(
            SearchEntry.kind.in_(sorted(set(kinds))), SearchEntry.path == path, SearchEntry.value.in_(sorted(values))
        )
        .distinct()
        .order_by(SearchEntry.kind, SearchEntry.resource_id)
    )
    if exclude_id is not None:
        stmt = stmt.where(SearchEntry.resource_id != exclude_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(str(kind), str(rid)) for kind, rid in session.execute(stmt).all()]
