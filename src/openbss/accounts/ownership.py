"""Who an account belongs to.

An account names its holders in ``relatedParty``: a party (TMF632 Individual
or Organization), a customer (TMF629) or another party role (TMF669). With
``OPENBSS_REFERENCE_CHECK=strict`` every one of them must exist here; with
``off`` (an external party master) unknown ones are accepted as given.

The owner is the related party whose role is owner, customer, accountOwner
or payer (else the first one). The account's ``owner_party_id`` column, on
which customer and partner tokens are authorised, always holds a PARTY id:
for a customer or party role owner, the party it engages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openbss.accounts import repository
from openbss.accounts.models import BillingAccountRow
from openbss.accounts.rules import owner_index
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.parties.service import PARTY_TYPES, find_party, party_role_ids
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

ENDED_STATUSES = {
    "Customer": frozenset({"merged", "terminated"}),
    "PartyRole": frozenset({"terminated", "rejected"}),
    "Individual": frozenset({"deceaded", "deceased"}),
    "Organization": frozenset({"closed"}),
}
"""Statuses in which a party, customer or role can no longer take on an account."""


@dataclass(frozen=True)
class Resolved:
    """A related party found in this system."""

    kind: str  # Individual, Organization, Customer or PartyRole
    id: str
    party_id: str | None  # the party itself, or the party a customer / role engages
    status: str | None


@dataclass(frozen=True)
class Owner:
    party_id: str | None
    customer_id: str | None


def resolve(ctx: Context, ref: dict[str, Any]) -> Resolved | None:
    """Find what a ``relatedParty`` entry names, guided by its ``@referredType``.

    Raises a 400 when it names a party of the other kind (an Organization
    referred to as an Individual).
    """
    ref_id = str(ref.get("id") or "")
    referred = ref.get("@referredType")
    if not ref_id:
        return None
    unknown_type = referred not in (*PARTY_TYPES, "Customer", "PartyRole")
    if referred in PARTY_TYPES or unknown_type:
        found = find_party(ctx, ref_id)
        if found is not None:
            return Resolved(found[0], ref_id, ref_id, found[1].status)
    if referred == "Customer" or unknown_type:
        customer = repository.customer(ctx.session, ref_id)
        if customer is not None:
            return Resolved("Customer", ref_id, customer.engaged_party_id, customer.status)
    if referred == "PartyRole" or unknown_type:
        role = party_role_ids(ctx, ref_id)
        if role is not None:
            return Resolved("PartyRole", ref_id, role.engaged_party_id, role.status)
    return None


def _type_problem(ctx: Context, ref: dict[str, Any], field: str) -> FieldProblem | None:
    referred = ref.get("@referredType")
    if referred not in PARTY_TYPES:
        return None
    found = find_party(ctx, str(ref.get("id")))
    if found is None or found[0] == referred:
        return None
    return FieldProblem(
        f"{field}.@referredType", "reference.type", f"party '{ref.get('id')}' is an {found[0]}, not an {referred}"
    )


def check_related_parties(ctx: Context, doc: Doc, *, required: bool, old: Doc | None) -> None:
    """Check ``relatedParty`` of a new or changed account document.

    Every entry must name an existing party, customer or role (strict
    reference checks); the owner must not be merged, terminated, deceased or
    closed when it becomes the owner (409).
    """
    related: list[Any] = list(doc.get("relatedParty") or [])
    if not related:
        if required:
            raise ValidationFailed.from_problems(
                [
                    FieldProblem(
                        "relatedParty",
                        "required",
                        "an account belongs to a party or customer: give at least one relatedParty",
                    )
                ]
            )
        return
    problems: list[FieldProblem] = []
    resolved: dict[int, Resolved] = {}
    for index, ref in enumerate(related):
        field = f"relatedParty[{index}]"
        wrong_type = _type_problem(ctx, ref, field)
        if wrong_type is not None:
            problems.append(wrong_type)
            continue
        found = resolve(ctx, ref)
        if found is not None:
            resolved[index] = found
        elif ctx.settings.reference_check == "strict":
            kind = ref.get("@referredType") or "party, customer or party role"
            problems.append(
                FieldProblem(f"{field}.id", "reference.exists", f"no {kind} with id '{ref.get('id')}' exists here")
            )
    if problems:
        raise ValidationFailed.from_problems(problems)
    index = owner_index(related) or 0
    owner = resolved.get(index)
    old_owner = _owner_id(old) if old is not None else None
    if owner is not None and owner.id != old_owner and owner.status in ENDED_STATUSES.get(owner.kind, ()):
        raise Conflict(
            f"{owner.kind} '{owner.id}' is {owner.status} and cannot own an account",
            field=f"relatedParty[{index}]",
            rule="owner.status",
        )


def _owner_id(doc: Doc) -> str | None:
    related: list[Any] = list(doc.get("relatedParty") or [])
    index = owner_index(related)
    return str(related[index].get("id")) if index is not None else None


def owner_of(ctx: Context, doc: Doc) -> Owner:
    """The owner's party (for authorisation) and the customer the account belongs to, if any."""
    related: list[Any] = list(doc.get("relatedParty") or [])
    index = owner_index(related)
    if index is None:
        return Owner(None, None)
    ref = related[index]
    found = resolve(ctx, ref)
    if found is not None:
        party_id = found.party_id
    else:  # unresolved (reference checks off): a party id is taken as given
        party_id = None if ref.get("@referredType") in ("Customer", "PartyRole") else str(ref.get("id"))
    owner_kind = found.kind if found is not None else ref.get("@referredType")
    owner_is_customer = owner_kind == "Customer"
    customer_id = (
        str(ref.get("id"))
        if owner_is_customer
        else next((str(item.get("id")) for item in related if item.get("@referredType") == "Customer"), None)
    )
    return Owner(party_id, customer_id)


def store_owner(ctx: Context, row: Any) -> None:
    """Set the owner columns of an account row from its document (after every write)."""
    owner = owner_of(ctx, row.doc)
    row.owner_party_id = owner.party_id
    if isinstance(row, BillingAccountRow):
        row.customer_id = owner.customer_id
    ctx.session.flush()
