"""The TMF637 wire models against the v4 swagger: every attribute, required list and kind."""

from __future__ import annotations

import json
import types
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from openbss.inventory import schemas
from openbss.tmf import common_schemas, product_schemas

SPEC = json.loads(
    (
        Path(__file__).resolve().parents[2].parent / "shared/specs/TMF637-ProductInventory-v4.0.0.swagger.json"
    ).read_text()
)
DEFS: dict[str, Any] = SPEC["definitions"]
# The v4.0.0 enum has "aborted " (with a trailing space), which is not a status a product can take here.
STATUS_DEVIATION = {"aborted "}


def model_for(name: str) -> Any:
    python = name.replace("_", "")
    found = next((getattr(m, python) for m in (schemas, product_schemas, common_schemas) if hasattr(m, python)), None)
    assert found is not None, name
    return found


def reachable() -> list[str]:
    seen: set[str] = set()
    stack = ["Product", "Product_Create", "Product_Update"]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        text = json.dumps(DEFS[name])
        stack += [part.split('"')[0] for part in text.split("#/definitions/")[1:]]
    return sorted(n for n in seen if n != "Any" and "properties" in DEFS[n])


def kind(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
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
        return ("array", kind(get_args(annotation)[0]))
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel), annotation
    return ("ref", annotation)


def spec_kind(prop: dict[str, Any]) -> Any:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        if name == "Any":
            return "any"
        if "enum" in DEFS[name]:
            return ("enum", tuple(sorted(set(DEFS[name]["enum"]) - STATUS_DEVIATION)))
        return ("ref", model_for(name))
    if prop.get("type") == "array":
        return ("array", spec_kind(prop["items"]))
    if prop.get("type") == "string":
        return "date-time" if prop.get("format") == "date-time" else "string"
    return prop["type"]


def test_resource_models() -> None:
    assert schemas.RESOURCE_MODELS["product"] == (schemas.ProductCreate, schemas.ProductUpdate, schemas.Product)


@pytest.mark.parametrize("name", reachable())
def test_model_matches_definition(name: str) -> None:
    model = model_for(name)
    definition = DEFS[name]
    fields = {(info.alias or key): info for key, info in model.model_fields.items()}
    assert set(fields) == set(definition["properties"]), name
    required = set() if name.endswith("_Update") else set(definition.get("required", []))
    assert {wire for wire, info in fields.items() if info.is_required()} == required, name
    for prop_name, prop in definition["properties"].items():
        assert kind(fields[prop_name].annotation) == spec_kind(prop), f"{name}.{prop_name}"


def test_enough_definitions_are_checked() -> None:
    assert len(reachable()) == 24  # guards against the walk silently finding nothing
