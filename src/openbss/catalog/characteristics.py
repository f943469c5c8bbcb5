"""Pure rules of product specification characteristics (TMF620): no database, no HTTP.

* how characteristics are defined on a product specification (value type,
  allowed values as single values, ranges or patterns, cardinality,
  configurability, default), and how an offering narrows them
  (``prodSpecCharValueUse``);
* whether the characteristics of an order or cart item satisfy them;
* whether a price's characteristic conditions hold for an item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from openbss.catalog.rules import parse_time, within
from openbss.core.problems import FieldProblem

Doc = dict[str, Any]


# --- characteristic values --------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def value_type_problem(value: Any, value_type: str | None) -> str | None:
    """Why ``value`` is not of ``value_type`` (None when it is, or when no type is declared)."""
    if value_type is None:
        return None
    if value_type == "string":
        ok = isinstance(value, str)
    elif value_type == "integer":
        ok = _is_number(value) and Decimal(value) == Decimal(value).to_integral_value()
    elif value_type == "number":
        ok = _is_number(value)
    elif value_type == "boolean":
        ok = isinstance(value, bool)
    elif value_type == "dateTime":
        ok = isinstance(value, str) and parse_time(value) is not None
    elif value_type == "object":
        ok = isinstance(value, dict)
    else:
        return f"unknown value type '{value_type}'"
    return None if ok else f"{value!r} is not a {value_type}"


def _number(value: Any) -> Decimal | None:
    """A number, or a text holding one (TMF620 declares range bounds as strings), as a Decimal."""
    if _is_number(value):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except ArithmeticError:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _same_value(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return Decimal(a) == Decimal(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _in_range(value: Any, entry: Mapping[str, Any]) -> bool:
    low, high = entry.get("valueFrom"), entry.get("valueTo")
    interval = entry.get("rangeInterval") or "closed"
    number = _number(value) if _is_number(value) else None
    if number is not None:
        v, lo, hi = number, _number(low), _number(high)
        if (low is not None and lo is None) or (high is not None and hi is None):
            return False
    else:
        v, lo, hi = value, low, high  # same-type comparison of strings (dates in ISO form)
        if not isinstance(v, str) or not all(x is None or isinstance(x, str) for x in (lo, hi)):
            return False
    closed_bottom = interval in ("closed", "closedBottom")
    closed_top = interval in ("closed", "closedTop")
    if lo is not None and (v < lo or (v == lo and not closed_bottom)):
        return False
    return not (hi is not None and (v > hi or (v == hi and not closed_top)))


def _matches(value: Any, entry: Mapping[str, Any]) -> bool:
    if "value" in entry and entry.get("value") is not None:
        return _same_value(value, entry["value"])
    if entry.get("valueFrom") is not None or entry.get("valueTo") is not None:
        return _in_range(value, entry)
    regex = entry.get("regex")
    if isinstance(regex, str):
        return isinstance(value, str) and _regex_fullmatch(regex, value)
    return True  # an entry that constrains nothing (only a unit, say)


def _regex_fullmatch(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def _describe(entry: Mapping[str, Any]) -> str:
    if entry.get("value") is not None:
        return repr(entry["value"])
    if entry.get("valueFrom") is not None or entry.get("valueTo") is not None:
        return f"{entry.get('valueFrom', '')}..{entry.get('valueTo', '')}"
    return f"/{entry.get('regex')}/"


# --- characteristic definitions ---------------------------------------------------------------------


@dataclass(frozen=True)
class CharacteristicRule:
    """What an order item may say about one characteristic (specification, narrowed by the offering)."""

    name: str
    value_type: str | None = None
    min_cardinality: int = 0
    max_cardinality: int | None = 1
    configurable: bool = True
    regex: str | None = None
    allowed: tuple[Mapping[str, Any], ...] = ()
    default: Any = None

    @property
    def mandatory(self) -> bool:
        return self.min_cardinality >= 1 and self.default is None


def _valid_values(entries: Any, at: datetime | None) -> tuple[Mapping[str, Any], ...]:
    out = []
    for entry in entries or []:
        if isinstance(entry, dict) and (at is None or within(entry.get("validFor"), at)):
            out.append(entry)
    return tuple(out)


def characteristic_rules(
    spec_characteristics: Sequence[Doc], value_uses: Sequence[Doc] = (), *, at: datetime | None = None
) -> dict[str, CharacteristicRule]:
    """The rules of a specification's characteristics, narrowed by an offering's ``prodSpecCharValueUse``.

    A value use naming a characteristic replaces its allowed values (when it
    lists some) and its cardinalities (when it states them).
    """
    rules: dict[str, CharacteristicRule] = {}
    for char in spec_characteristics:
        if not isinstance(char, dict) or not isinstance(char.get("name"), str):
            continue
        if at is not None and not within(char.get("validFor"), at):
            continue
        allowed = _valid_values(char.get("productSpecCharacteristicValue"), at)
        defaults = [e.get("value") for e in allowed if e.get("isDefault") is True and e.get("value") is not None]
        rules[char["name"]] = CharacteristicRule(
            name=char["name"],
            value_type=char.get("valueType"),
            min_cardinality=int(char.get("minCardinality") or 0),
            max_cardinality=int(char["maxCardinality"]) if char.get("maxCardinality") is not None else 1,
            configurable=char.get("configurable") is not False,
            regex=char.get("regex") if isinstance(char.get("regex"), str) else None,
            allowed=allowed,
            default=defaults[0] if defaults else None,
        )
    for use in value_uses:
        if not isinstance(use, dict) or use.get("name") not in rules:
            continue
        base = rules[use["name"]]
        allowed = _valid_values(use.get("productSpecCharacteristicValue"), at) or base.allowed
        defaults = [e.get("value") for e in allowed if e.get("isDefault") is True and e.get("value") is not None]
        rules[base.name] = CharacteristicRule(
            name=base.name,
            value_type=base.value_type,
            min_cardinality=int(use["minCardinality"])
            if use.get("minCardinality") is not None
            else base.min_cardinality,
            max_cardinality=int(use["maxCardinality"])
            if use.get("maxCardinality") is not None
            else base.max_cardinality,
            configurable=base.configurable,
            regex=base.regex,
            allowed=allowed,
            default=defaults[0] if defaults else base.default,
        )
    return rules


def _value_entry_problems(entry: Doc, value_type: str | None, where: str) -> list[FieldProblem]:
    problems = []
    own = entry.get("valueType")
    if own is not None and value_type is not None and own != value_type:
        problems.append(
            FieldProblem(
                f"{where}.valueType", "characteristic.valueType", f"must be {value_type}, as the characteristic"
            )
        )
    effective = value_type or own
    for key in ("value", "valueFrom", "valueTo"):
        if entry.get(key) is None:
            continue
        if key != "value" and effective in ("integer", "number") and _number(entry[key]) is not None:
            continue  # TMF620 declares range bounds as strings: "10" bounds a number too
        reason = value_type_problem(entry[key], effective)
        if reason:
            problems.append(FieldProblem(f"{where}.{key}", "characteristic.valueType", reason))
    low, high = _number(entry.get("valueFrom")), _number(entry.get("valueTo"))
    if low is not None and high is not None and low > high:
        problems.append(FieldProblem(f"{where}.valueTo", "characteristic.range", "must not be below valueFrom"))
    if entry.get("value") is not None and (entry.get("valueFrom") is not None or entry.get("valueTo") is not None):
        problems.append(
            FieldProblem(where, "characteristic.valueOrRange", "give either a value or a range (valueFrom/valueTo)")
        )
    regex = entry.get("regex")
    if isinstance(regex, str):
        problems += _regex_problems(regex, f"{where}.regex")
    return problems


def _regex_problems(pattern: str, where: str) -> list[FieldProblem]:
    try:
        re.compile(pattern)
    except re.error as exc:
        return [FieldProblem(where, "characteristic.regex", f"not a valid regular expression: {exc}")]
    return []


def characteristic_definition_problems(chars: Any, field: str = "productSpecCharacteristic") -> list[FieldProblem]:
    """A specification's ``productSpecCharacteristic`` list: names, cardinalities, value types and values."""
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for index, char in enumerate(chars or []):
        if not isinstance(char, dict):
            continue
        where = f"{field}[{index}]"
        name = char.get("name")
        if isinstance(name, str):
            if not name.strip():
                problems.append(FieldProblem(f"{where}.name", "characteristic.name", "must not be empty"))
            elif name in seen:
                problems.append(FieldProblem(f"{where}.name", "characteristic.duplicate", f"'{name}' is defined twice"))
            seen.add(name)
        problems += cardinality_problems(char, where)
        if isinstance(char.get("regex"), str):
            problems += _regex_problems(char["regex"], f"{where}.regex")
        values = [v for v in char.get("productSpecCharacteristicValue") or [] if isinstance(v, dict)]
        for v_index, entry in enumerate(values):
            problems += _value_entry_problems(
                entry, char.get("valueType"), f"{where}.productSpecCharacteristicValue[{v_index}]"
            )
        defaults = sum(1 for v in values if v.get("isDefault") is True)
        max_card = char.get("maxCardinality")
        if defaults > 1 and (max_card is None or max_card <= 1):
            problems.append(
                FieldProblem(
                    f"{where}.productSpecCharacteristicValue",
                    "characteristic.default",
                    "a characteristic with one value has at most one default value",
                )
            )
    return problems


def cardinality_problems(entry: Mapping[str, Any], where: str) -> list[FieldProblem]:
    low, high = entry.get("minCardinality"), entry.get("maxCardinality")
    problems = []
    if isinstance(low, int) and low < 0:
        problems.append(FieldProblem(f"{where}.minCardinality", "characteristic.cardinality", "must not be negative"))
    if isinstance(high, int) and high < 1:
        problems.append(FieldProblem(f"{where}.maxCardinality", "characteristic.cardinality", "must be at least 1"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        problems.append(
            FieldProblem(f"{where}.maxCardinality", "characteristic.cardinality", "must not be below minCardinality")
        )
    return problems


def value_use_problems(uses: Any, spec_characteristics: Sequence[Doc], field: str) -> list[FieldProblem]:
    """An offering's (or price's) ``prodSpecCharValueUse`` names characteristics of the specification,
    and may only narrow their values to ones the specification allows."""
    rules = characteristic_rules(spec_characteristics)
    problems: list[FieldProblem] = []
    for index, use in enumerate(uses or []):
        if not isinstance(use, dict):
            continue
        where = f"{field}[{index}]"
        rule = rules.get(str(use.get("name")))
        if rule is None:
            problems.append(
                FieldProblem(
                    f"{where}.name",
                    "characteristic.unknown",
                    f"the product specification has no characteristic '{use.get('name')}'",
                )
            )
            continue
        problems += cardinality_problems(use, where)
        for v_index, entry in enumerate(use.get("productSpecCharacteristicValue") or []):
            if not isinstance(entry, dict):
                continue
            entry_where = f"{where}.productSpecCharacteristicValue[{v_index}]"
            problems += _value_entry_problems(entry, rule.value_type, entry_where)
            value = entry.get("value")
            if value is not None and rule.allowed and not any(_matches(value, a) for a in rule.allowed):
                problems.append(
                    FieldProblem(
                        f"{entry_where}.value",
                        "characteristic.allowedValue",
                        f"{value!r} is not a value the specification allows for '{rule.name}'",
                    )
                )
    return problems


# --- characteristics of an order or cart item -------------------------------------------------------


def item_characteristic_problems(
    rules: Mapping[str, CharacteristicRule], given: Sequence[Any], field: str
) -> list[FieldProblem]:
    """The characteristics of an order or cart item against the rules of its offering.

    Each names a known characteristic, has a value of the declared type that
    the specification (or the offering) allows, and respects the regular
    expression and the maximum cardinality; a characteristic that is not
    configurable keeps its default; every mandatory characteristic
    (``minCardinality`` >= 1 and no default value) is present.
    """
    problems: list[FieldProblem] = []
    counts: dict[str, int] = {}
    for index, item in enumerate(given):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            problems.append(FieldProblem(where, "type.object", "a characteristic is an object with name and value"))
            continue
        name = item.get("name")
        rule = rules.get(name) if isinstance(name, str) else None
        if rule is None:
            known = ", ".join(sorted(rules)) or "none"
            problems.append(
                FieldProblem(
                    f"{where}.name",
                    "characteristic.unknown",
                    f"the offering has no characteristic {name!r}; known: {known}",
                )
            )
            continue
        counts[rule.name] = counts.get(rule.name, 0) + 1
        value = item.get("value")
        if value is None:
            problems.append(FieldProblem(f"{where}.value", "required", "is mandatory and missing"))
            continue
        declared = item.get("valueType")
        if declared is not None and rule.value_type is not None and declared != rule.value_type:
            problems.append(
                FieldProblem(f"{where}.valueType", "characteristic.valueType", f"'{rule.name}' is a {rule.value_type}")
            )
        reason = value_type_problem(value, rule.value_type)
        if reason:
            problems.append(FieldProblem(f"{where}.value", "characteristic.valueType", reason))
            continue
        if not rule.configurable and rule.default is not None and not _same_value(value, rule.default):
            problems.append(
                FieldProblem(
                    f"{where}.value",
                    "characteristic.notConfigurable",
                    f"'{rule.name}' is not configurable; its value is {rule.default!r}",
                )
            )
            continue
        if rule.allowed and not any(_matches(value, entry) for entry in rule.allowed):
            options = ", ".join(_describe(e) for e in rule.allowed)
            problems.append(
                FieldProblem(
                    f"{where}.value",
                    "characteristic.allowedValue",
                    f"{value!r} is not allowed for '{rule.name}'; allowed: {options}",
                )
            )
        elif rule.regex and not (isinstance(value, str) and _regex_fullmatch(rule.regex, value)):
            problems.append(
                FieldProblem(f"{where}.value", "characteristic.regex", f"must match /{rule.regex}/ for '{rule.name}'")
            )
    for name, count in counts.items():
        limit = rules[name].max_cardinality
        if limit is not None and count > limit:
            problems.append(
                FieldProblem(
                    field, "characteristic.maxCardinality", f"'{name}' is given {count} times; at most {limit}"
                )
            )
    for rule in rules.values():
        if rule.mandatory and counts.get(rule.name, 0) < rule.min_cardinality:
            problems.append(
                FieldProblem(
                    field,
                    "characteristic.mandatory",
                    f"'{rule.name}' is mandatory (at least {rule.min_cardinality}) and missing",
                )
            )
    return problems


def effective_characteristics(rules: Mapping[str, CharacteristicRule], given: Sequence[Any]) -> dict[str, Any]:
    """Name -> value of an item's characteristics, defaults filled in for those not given."""
    values: dict[str, Any] = {name: rule.default for name, rule in rules.items() if rule.default is not None}
    for item in given:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item.get("value") is not None:
            values[item["name"]] = item["value"]
    return values


def value_use_applies(uses: Any, values: Mapping[str, Any]) -> bool:
    """A price's ``prodSpecCharValueUse`` holds for an item with these characteristic ``values``.

    Each use names a characteristic and the values for which the price
    applies; the price applies when every use is satisfied (a use that lists
    no values only asks for the characteristic to be present).
    """
    for use in uses or []:
        if not isinstance(use, dict):
            continue
        name = use.get("name")
        if not isinstance(name, str) or name not in values:
            return False
        entries = [e for e in use.get("productSpecCharacteristicValue") or [] if isinstance(e, dict)]
        if entries and not any(_matches(values[name], e) for e in entries):
            return False
    return True
