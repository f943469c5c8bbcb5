"""The TMF622 models against the v4.0.0 swagger: same attributes, required ones, enums and kinds.

Deliberate deviations, checked as such: ``_Update`` forms require nothing; the
read-only extension attributes of docs/ordering.md; ``CancelProductOrder``
has no update form in the swagger (openbss refuses every change of the task).
"""

from __future__ import annotations

import json
import types
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from openbss.ordering import schemas
from openbss.tmf import common_schemas

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "TMF622-ProductOrder-v4.0.0.swagger.json"
EXTENSIONS = {
    "ProductOrder": {"jeopardyAlert", "milestone", "errorMessage"},
    "CancelProductOrder": {"errorMessage"},
}


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return loaded


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _refs(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield ref_name(value)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def roots() -> list[str]:
    return [
        "ProductOrder",
        "ProductOrder_Create",
        "ProductOrder_Update",
        "CancelProductOrder",
        "CancelProductOrder_Create",
    ]


def reachable() -> list[str]:
    definitions = spec()["definitions"]
    seen: set[str] = set()
    stack = roots()
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(_refs(definitions[name]))
    return sorted(seen - {"Any"})


def model_for(name: str) -> Any:
    python = name.replace("_", "")
    found = getattr(schemas, python, None) or getattr(common_schemas, python, None)
    assert found is not None, f"no model for {name}"
    return found


def spec_kind(prop: dict[str, Any]) -> Any:
    definitions = spec()["definitions"]
    if "$ref" in prop:
        name = ref_name(prop["$ref"])
        if name == "Any":
            return "any"
        if "enum" in definitions[name]:
            return ("enum", tuple(sorted(definitions[name]["enum"])))
        return ("ref", model_for(name))
    kind = prop.get("type")
    if kind == "string":
        return "date-time" if prop.get("format") == "date-time" else "string"
    if kind == "array":
        return ("array", spec_kind(prop["items"]))
    return kind


def model_kind(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if hasattr(annotation, "__metadata__"):
        annotation = annotation.__origin__
    simple = {str: "string", datetime: "date-time", Decimal: "number", int: "integer", bool: "boolean"}
    if annotation is Any:
        return "any"
    if annotation in simple:
        return simple[annotation]
    if get_origin(annotation) is Literal:
        return ("enum", tuple(sorted(get_args(annotation))))
    if get_origin(annotation) is list:
        return ("array", model_kind(get_args(annotation)[0]))
    return ("ref", annotation)


@pytest.mark.parametrize("name", reachable())
def test_model_matches_definition(name: str) -> None:
    definition = spec()["definitions"][name]
    model = model_for(name)
    if "enum" in definition:
        assert sorted(get_args(model)) == sorted(definition["enum"])
        return
    assert issubclass(model, BaseModel)
    fields = {(info.alias or field): info for field, info in model.model_fields.items()}
    expected = set(definition.get("properties", {}))
    assert set(fields) - EXTENSIONS.get(name, set()) == expected
    required = set() if name.endswith("_Update") else set(definition.get("required", []))
    assert {f for f, info in fields.items() if info.is_required()} == required
    for prop_name, prop in definition.get("properties", {}).items():
        assert model_kind(fields[prop_name].annotation) == spec_kind(prop), f"{name}.{prop_name}"


def test_every_resource_form_is_declared() -> None:
    assert schemas.RESOURCE_MODELS["productOrder"] == (
        schemas.ProductOrderCreate,
        schemas.ProductOrderUpdate,
        schemas.ProductOrder,
    )
    assert len(reachable()) >= 45


def test_money_stays_exact() -> None:
    price = schemas.Price.model_validate({"dutyFreeAmount": {"unit": "EUR", "value": 0.1}, "taxRate": "20.0"})
    assert price.dutyFreeAmount is not None and price.dutyFreeAmount.value == Decimal("0.1")
    assert price.taxRate == Decimal("20.0")
