"""Field-level validation problems shared by every domain's pure rules.

A rule module never raises on bad business data; it returns a list of
:class:`FieldProblem` values.  The HTTP layer turns that list into a TMF630
error body, so each problem names the JSON path of the offending field and a
short machine-readable rule code (``email.syntax``, ``phone.invalid``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field of a submitted document.

    ``field`` is a JSON path such as ``contactMedium[1].characteristic.phoneNumber``;
    ``rule`` is a stable dotted code that clients may branch on; ``message`` is
    a human-readable explanation and may change between releases.
    """

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


def join_path(prefix: str, name: str | int) -> str:
    """Extend a JSON path with an attribute name or a list index."""
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    return f"{prefix}.{name}" if prefix else name


def describe(problems: Iterable[FieldProblem]) -> str:
    """One-line summary of several problems, for logs and error messages."""
    return "; ".join(f"{p.field}: {p.message} ({p.rule})" for p in problems)
