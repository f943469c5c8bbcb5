"""Errors that the API reports with the TMF630 error body.

A domain raises :class:`ApiError` (or one of its subclasses); the HTTP layer
renders it as ``{"code", "reason", "message", "status", "@type": "Error"}``.
``code`` is a stable machine code, ``reason`` a short phrase and ``message``
names the offending field and the rule it broke.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openbss.core.problems import FieldProblem


class ApiError(Exception):
    status: int = 400
    code: str = "ERR_BAD_REQUEST"
    reason: str = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        problems: Sequence[FieldProblem] = (),
        status: int | None = None,
        code: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.problems = tuple(problems)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if reason is not None:
            self.reason = reason

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "reason": self.reason,
            "message": self.message,
            "status": str(self.status),
            "@type": "Error",
        }
        details = list(self.problems)
        if self.field and not details:
            details = [FieldProblem(self.field, self.rule or "invalid", self.message)]
        if details:
            body["details"] = [{"field": p.field, "rule": p.rule, "message": p.message} for p in details]
        return body


class ValidationFailed(ApiError):
    """The request body or a parameter breaks a rule; nothing was written."""

    status = 400
    code = "ERR_VALIDATION"
    reason = "Invalid request"

    @classmethod
    def from_problems(cls, problems: Sequence[FieldProblem]) -> ValidationFailed:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        return cls(f"{first.field}: {first.message} [{first.rule}]{more}", problems=problems)


class NotFound(ApiError):
    status = 404
    code = "ERR_NOT_FOUND"
    reason = "Not found"


class Conflict(ApiError):
    """The request is well formed but the resource's state forbids it."""

    status = 409
    code = "ERR_CONFLICT"
    reason = "Conflict with the resource state"


class PreconditionFailed(ApiError):
    status = 412
    code = "ERR_PRECONDITION_FAILED"
    reason = "Precondition failed"


class Unauthorized(ApiError):
    status = 401
    code = "ERR_UNAUTHORIZED"
    reason = "Authentication required"


class Forbidden(ApiError):
    status = 403
    code = "ERR_FORBIDDEN"
    reason = "Not allowed"


class UnprocessableEntity(ApiError):
    status = 422
    code = "ERR_UNPROCESSABLE"
    reason = "Unprocessable request"
