"""Plumbing for a domain's own operation routes (``POST .../customer/{id}/merge``,
``POST .../productOrder/{id}/release``, ...): the small JSON bodies they take,
their OpenAPI request body, and their idempotent POST.

The engine's resource routes read and validate bodies against the resource
schemas; an operation's body is a handful of named attributes, checked here
with the same TMF error details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.security import Principal
from openbss.tmf.context import Context
from openbss.tmf.http import idempotent_post, read_json, run_write

__all__ = ["idempotent_operation", "operation_body", "read_operation_body", "refuse_unknown", "text_field"]


async def read_operation_body(request: Request) -> tuple[dict[str, Any], bytes]:
    """The JSON object of the request; an empty body counts as ``{}``."""
    body, raw = await read_json(request, optional=True)
    if not isinstance(body, dict):
        raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "the body must be a JSON object")])
    return body, raw


def refuse_unknown(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """A 400 naming every attribute of ``body`` outside ``allowed``."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ValidationFailed.from_problems(
            [
                FieldProblem(name, "unknownAttribute", f"'{name}' is not accepted here; use {', '.join(allowed)}")
                for name in unknown
            ]
        )


def text_field(body: dict[str, Any], name: str, *, required: bool = False, max_length: int = 64) -> str | None:
    """Attribute ``name`` as a non-empty string of at most ``max_length`` characters (stripped)."""
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationFailed.from_problems([FieldProblem(name, "required", "is mandatory and missing")])
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.from_problems([FieldProblem(name, "type.string", "must be a non-empty string")])
    if len(value) > max_length:
        raise ValidationFailed.from_problems(
            [FieldProblem(name, "maxLength", f"must be at most {max_length} characters")]
        )
    return value.strip()


def operation_body(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``openapi_extra`` documenting an operation's JSON request body."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {"requestBody": {"required": bool(required), "content": {"application/json": {"schema": schema}}}}


async def idempotent_operation(
    request: Request, principal: Principal, raw: bytes, produce: Callable[[Context], Response]
) -> Response:
    """Run an operation's write once per ``Idempotency-Key`` (see :func:`openbss.tmf.http.idempotent_post`)."""
    return await run_write(idempotent_post, request, principal, raw, produce)
