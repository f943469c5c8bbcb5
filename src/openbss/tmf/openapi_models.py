"""Publish the Pydantic models of TMF resources in the OpenAPI document.

Routes read their bodies raw (the engine validates them), so FastAPI does not
see the models; :func:`register_model` collects their JSON schemas and
:func:`merge_components` adds them to ``/openapi.json``.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from openbss.tmf.schema_base import TmfModel

_COMPONENTS: dict[str, Any] = {}
REF = "#/components/schemas/{model}"


@cache
def _schema_of(model: type[TmfModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True, ref_template=REF)


def register_model(model: type[TmfModel], name: str) -> dict[str, str]:
    schema = copy.deepcopy(_schema_of(model))
    for def_name, definition in schema.pop("$defs", {}).items():
        _COMPONENTS.setdefault(def_name, definition)
    _COMPONENTS[name] = schema
    return {"$ref": REF.format(model=name)}


def merge_components(openapi: dict[str, Any]) -> dict[str, Any]:
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _COMPONENTS.items():
        schemas.setdefault(name, schema)
    return openapi
