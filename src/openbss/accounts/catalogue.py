"""Bill formats, presentation media and billing cycles: the catalogue an account's bill structure uses.

eTOM 1.3.1.6.2 (Establish & Maintain Customer Bill Invoice Format) and
1.3.1.6.4 (Define Customer Billing Cycle). Names are deliberately not unique:
a catalogue entry is identified by its id, and operators keep several
entries of one name side by side (a "Monthly billing" cycle per billing
date, a new "Detailed invoice" layout prepared while the old one is still in
use); the TMF666 conformance kit also creates two entries of the same name
and expects both to be created. An entry that an account's bill structure
uses cannot be deleted (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openbss.accounts import repository
from openbss.accounts.billing_cycles import cycle_problems
from openbss.accounts.models import BillFormatRow, BillingCycleSpecificationRow, BillPresentationMediaRow
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

_STRUCTURE_ATTRIBUTE = {
    "billFormat": "billStructure.format.id",
    "billPresentationMedia": "billStructure.presentationMedia.id",
    "billingCycleSpecification": "billStructure.cycleSpecification.id",
}


def _ref_problem(ctx: Context, entry: Any, field: str, model: type[Any], what: str) -> list[FieldProblem]:
    if not isinstance(entry, dict):
        return []
    entry_id = entry.get("id")
    if not entry_id:
        return [
            FieldProblem(
                f"{field}.id",
                "reference.required",
                f"a {what} is chosen from the catalogue: give the id of one (isRef true)",
            )
        ]
    if not repository.exists(ctx.session, model, str(entry_id)):
        return [FieldProblem(f"{field}.id", "reference.exists", f"no {what} with id '{entry_id}'")]
    return []


def cycle_has_ended(ctx: Context, cycle_id: str) -> bool:
    row = repository.get_row(ctx.session, BillingCycleSpecificationRow, cycle_id)
    end = (row.doc.get("validFor") or {}).get("endDateTime") if row is not None else None
    if not isinstance(end, str):
        return False
    return datetime.fromisoformat(end.replace("Z", "+00:00")) <= ctx.now


def bill_structure_problems(ctx: Context, structure: Any) -> list[FieldProblem]:
    """Check an account's ``billStructure``.

    Format and presentation media must be catalogue entries (by id); the cycle
    is either a catalogue entry (by id) or given by value, then validated like
    one. A newly chosen cycle must not have ended.
    """
    if not isinstance(structure, dict):
        return []
    problems = _ref_problem(ctx, structure.get("format"), "billStructure.format", BillFormatRow, "bill format")
    for index, media in enumerate(structure.get("presentationMedia") or []):
        problems += _ref_problem(
            ctx, media, f"billStructure.presentationMedia[{index}]", BillPresentationMediaRow, "bill presentation media"
        )
    cycle = structure.get("cycleSpecification")
    field = "billStructure.cycleSpecification"
    if not isinstance(cycle, dict):
        return problems
    if cycle.get("id") or cycle.get("isRef") is True:
        problems += _ref_problem(ctx, cycle, field, BillingCycleSpecificationRow, "billing cycle specification")
    else:
        problems += cycle_problems(cycle, field)
    return problems


def check_cycle_assignment(ctx: Context, structure: Any, old: Any) -> None:
    """A billing cycle that has ended cannot be given to an account (409)."""
    new_id = bill_cycle_id(structure)
    if new_id is None or new_id == bill_cycle_id(old):
        return
    if cycle_has_ended(ctx, new_id):
        raise Conflict(
            f"billing cycle specification '{new_id}' is no longer valid (its validFor has ended)",
            field="billStructure.cycleSpecification.id",
            rule="billingCycle.ended",
        )


def bill_cycle_id(structure: Any) -> str | None:
    """Id of the catalogue cycle a bill structure refers to (None when given by value or absent)."""
    if not isinstance(structure, dict):
        return None
    cycle = structure.get("cycleSpecification")
    if isinstance(cycle, dict) and cycle.get("id"):
        return str(cycle["id"])
    return None


class CatalogueHooks(NoHooks):
    """A catalogue entry in use by an account cannot be deleted."""

    def __init__(self, path: str) -> None:
        self.path = path

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        users = repository.referrers(
            ctx.session, repository.BILLED_ACCOUNT_PATHS, _STRUCTURE_ATTRIBUTE[self.path], [row.id], limit=3
        )
        if self.path == "billingCycleSpecification" and not users:
            users = [
                ("billingAccount", account_id)
                for account_id in repository.billing_accounts_with_cycle(ctx.session, row.id)
            ]
        if users:
            names = ", ".join(f"{path} {rid}" for path, rid in users)
            raise Conflict(
                f"this {self.path} is used by the bill structure of {names}; change those accounts first",
                field="id",
                rule="catalogue.inUse",
            )


class BillingCycleHooks(CatalogueHooks):
    """Define Customer Billing Cycle (1.3.1.6.4): frequency, billing day, offsets and validity."""

    def __init__(self) -> None:
        super().__init__("billingCycleSpecification")

    def before_create(self, ctx: Context, doc: Doc) -> None:
        _raise(cycle_problems(doc))

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        _raise(cycle_problems(new))


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)
