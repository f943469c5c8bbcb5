"""Validate request bodies against the Pydantic models of a resource."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from openbss.core import jsoncodec
from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf.schema_base import TmfModel

_RULES = {
    "missing": "required",
    "literal_error": "enum",
    "enum": "enum",
    "string_type": "type.string",
    "bool_type": "type.boolean",
    "bool_parsing": "type.boolean",
    "int_type": "type.integer",
    "int_parsing": "type.integer",
    "int_from_float": "type.integer",
    "decimal_type": "type.number",
    "decimal_parsing": "type.number",
    "decimal_finite": "type.number",
    "datetime_type": "type.dateTime",
    "datetime_parsing": "type.dateTime",
    "datetime_from_date_parsing": "type.dateTime",
    "list_type": "type.array",
    "dict_type": "type.object",
    "model_type": "type.object",
    "model_attributes_type": "type.object",
}


def json_path(loc: Sequence[int | str], prefix: str = "") -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out or "body"


def problems_from(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-after"))]
        rule = _RULES.get(item["type"], item["type"])
        message = item["msg"]
        if item["type"] == "missing":
            message = "is mandatory and missing"
        elif item["type"] == "literal_error":
            message = f"value {item.get('input')!r} is not allowed; {item['msg'][0].lower()}{item['msg'][1:]}"
        problems.append(FieldProblem(json_path(loc, prefix), rule, message))
    return problems


def validate_document(schema: type[TmfModel], data: Any, prefix: str = "") -> dict[str, Any]:
    """Validate ``data`` and return it in wire form (exact numbers, normalised date-times).

    Attributes sent as ``null`` are dropped: on create and in a merge patch
    they mean "absent".
    """
    if not isinstance(data, dict):
        raise ValidationFailed.from_problems(
            [FieldProblem(prefix or "body", "type.object", "the request body must be a JSON object")]
        )
    nul = nul_problems(data, prefix)
    if nul:
        raise ValidationFailed.from_problems(nul)
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.from_problems(problems_from(exc, prefix)) from None
    dumped = model.model_dump(by_alias=True, exclude_unset=True)
    wire = jsoncodec.loads(jsoncodec.dumps(dumped))
    assert isinstance(wire, dict)
    return {k: v for k, v in wire.items() if v is not None}


def nul_problems(value: Any, path: str = "") -> list[FieldProblem]:
    """Texts (and attribute names) holding the NUL character, which PostgreSQL cannot store."""
    if isinstance(value, str):
        if "\x00" in value:
            return [FieldProblem(path or "body", "text.nul", "must not contain the NUL character (\\u0000)")]
        return []
    problems: list[FieldProblem] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            where = f"{path}.{name}" if path else name
            if "\x00" in name:
                problems.append(
                    FieldProblem(
                        where.replace("\x00", "\\u0000"),
                        "text.nul",
                        "an attribute name must not contain the NUL character",
                    )
                )
            else:
                problems += nul_problems(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += nul_problems(item, f"{path}[{index}]")
    return problems


def problems_from_request(error: Any) -> list[FieldProblem]:
    """FieldProblems of a FastAPI RequestValidationError (path and query parameters)."""
    out = []
    for item in error.errors():
        loc = [p for p in item.get("loc", ()) if p not in ("body", "query", "path", "header")]
        out.append(
            FieldProblem(json_path(loc), _RULES.get(item.get("type", ""), str(item.get("type"))), str(item.get("msg")))
        )
    return out or [FieldProblem("body", "invalid", "the request is not valid")]
