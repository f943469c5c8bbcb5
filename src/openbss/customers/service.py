"""Customer domain rules (TMF629): the lifecycle, the customer number and the hooks.

Lifecycle of a customer (``status``)::

    initialized --verify passes / PATCH--> approved <--> suspended
    initialized | approved | suspended --terminate--> terminated
    terminated | suspended --re-establish--> approved
    any but merged --merge into another customer--> merged (final)

Establish New Customer Identity (1.3.4.2.2) is the TMF create; this module
adds Issue Unique Customer ID (1.3.4.2.5), and the rules that Terminate
(1.3.4.4) and Re-establish (1.3.4.3) Customer Relationship apply whether the
status changes through ``PATCH`` or through the explicit operations in
:mod:`openbss.customers.lifecycle`.

Other domains plug into two registries here:

* :data:`TERMINATION_GUARDS` - each guard may refuse a termination (the
  receivables domain will refuse while a billing account has an open balance);
* :data:`MERGE_HANDLERS` - each handler moves the domain's references from the
  merged customer to the surviving one (accounts, orders, ...).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Final, Protocol

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.customers import dedupe, repository
from openbss.customers.models import CustomerRow
from openbss.customers.numbering import customer_number
from openbss.parties.contact_rules import validate_contact_media
from openbss.parties.service import check_party_reference, engaged_party_id, find_party
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

CUSTOMER_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"approved", "terminated"}),
    "approved": frozenset({"suspended", "terminated"}),
    "suspended": frozenset({"approved", "terminated"}),
    "terminated": frozenset({"approved"}),
    "merged": frozenset(),
    "@create": frozenset({"approved"}),
}
REESTABLISH_FROM: Final = frozenset({"terminated", "suspended"})
ENDED_PARTY_STATES: Final = frozenset({"deceaded", "deceased", "closed"})

CUSTOMER_NUMBER: Final = "customerNumber"
VERIFICATION_STATUS: Final = "verificationStatus"
VERIFIED_AT: Final = "verifiedAt"
SYSTEM_CHARACTERISTICS: Final = (CUSTOMER_NUMBER, VERIFICATION_STATUS, VERIFIED_AT)


# --- registries other domains plug into ------------------------------------------------------------


class TerminationGuard(Protocol):
    """Says why ``customer`` may not be terminated now, or None when it may."""

    def __call__(self, ctx: Context, customer: CustomerRow, /) -> str | None: ...


class MergeHandler(Protocol):
    """Moves a domain's references from ``loser`` to ``survivor``; returns how many moved."""

    def __call__(self, ctx: Context, loser: CustomerRow, survivor: CustomerRow, /) -> int | None: ...


TERMINATION_GUARDS: list[TerminationGuard] = []
MERGE_HANDLERS: list[MergeHandler] = []


def register_termination_guard(guard: TerminationGuard) -> TerminationGuard:
    """Add ``guard`` to :data:`TERMINATION_GUARDS` (usable as a decorator)."""
    if guard not in TERMINATION_GUARDS:
        TERMINATION_GUARDS.append(guard)
    return guard


def register_merge_handler(handler: MergeHandler) -> MergeHandler:
    """Add ``handler`` to :data:`MERGE_HANDLERS` (usable as a decorator)."""
    if handler not in MERGE_HANDLERS:
        MERGE_HANDLERS.append(handler)
    return handler


# --- characteristics the system keeps ---------------------------------------------------------------


def characteristic_value(doc: Doc, name: str) -> Any:
    for item in doc.get("characteristic") or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item.get("value")
    return None


def with_characteristics(doc: Doc, values: dict[str, tuple[str, Any]]) -> list[Any]:
    """``doc``'s characteristic list with the named entries set to (valueType, value)."""
    out: list[Any] = []
    seen: set[str] = set()
    for item in doc.get("characteristic") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in values:
            value_type, value = values[name]
            out.append({"name": name, "valueType": value_type, "value": value})
            seen.add(name)
        else:
            out.append(item)
    for name, (value_type, value) in values.items():
        if name not in seen:
            out.append({"name": name, "valueType": value_type, "value": value})
    return out


def _system_entries(doc: Doc) -> dict[str, dict[str, Any]]:
    return {
        str(item["name"]): item
        for item in doc.get("characteristic") or []
        if isinstance(item, dict) and item.get("name") in SYSTEM_CHARACTERISTICS
    }


def _refuse_system_characteristics(doc: Doc) -> None:
    problems = [
        FieldProblem(
            f"characteristic[{index}].name",
            "readOnly",
            f"'{item['name']}' is set by the system and cannot be given by a client",
        )
        for index, item in enumerate(doc.get("characteristic") or [])
        if isinstance(item, dict) and item.get("name") in SYSTEM_CHARACTERISTICS
    ]
    if problems:
        raise ValidationFailed.from_problems(problems)


def _keep_system_characteristics(old: Doc, new: Doc) -> None:
    """A PATCH may leave out the system characteristics (they are kept) but not change them."""
    before = _system_entries(old)
    after = _system_entries(new)
    problems = [
        FieldProblem(f"characteristic.{name}", "readOnly", f"'{name}' is set by the system and cannot be changed")
        for name, item in after.items()
        if name not in before or item.get("value") != before[name].get("value")
    ]
    if problems:
        raise ValidationFailed.from_problems(problems)
    missing = [item for name, item in before.items() if name not in after]
    if missing:
        others = [
            c
            for c in new.get("characteristic") or []
            if not (isinstance(c, dict) and c.get("name") in SYSTEM_CHARACTERISTICS)
        ]
        kept = [before[n] for n in SYSTEM_CHARACTERISTICS if n in before]
        new["characteristic"] = kept + others


def customer_number_of(doc: Doc) -> str | None:
    value = characteristic_value(doc, CUSTOMER_NUMBER)
    return str(value) if value else None


def customer_columns(doc: Doc) -> dict[str, Any]:
    return {"engaged_party_id": engaged_party_id(doc), "customer_number": customer_number_of(doc)}


# --- process steps --------------------------------------------------------------------------------


@process("1.3.4.2.5")
def issue_customer_number(ctx: Context) -> str:
    """The next customer number from the database sequence (unique, gap-free per commit on SQLite)."""
    return customer_number(repository.next_sequence(ctx.session))


def _check_media(ctx: Context, doc: Doc) -> None:
    if "contactMedium" not in doc:
        return
    media, problems = validate_contact_media(doc["contactMedium"], "contactMedium", ctx.settings.default_phone_region)
    if problems:
        raise ValidationFailed.from_problems(problems)
    doc["contactMedium"] = media


@process("1.3.4.4")
def apply_termination(ctx: Context, row: CustomerRow, new: Doc) -> None:
    """Rules of Terminate Customer Relationship, on the customer's next document.

    Every registered guard is asked; any refusal stops the termination (409).
    The relationship's ``validFor`` ends now; the record is kept so that the
    relationship can be re-established.
    """
    refusals = [reason for guard in list(TERMINATION_GUARDS) if (reason := guard(ctx, row))]
    if refusals:
        raise Conflict(
            f"customer {row.customer_number or row.id} cannot be terminated: {'; '.join(refusals)}",
            field="status",
            rule="termination.refused",
        )
    period = dict(new.get("validFor") or {})
    period["endDateTime"] = isoformat(ctx.now)
    new["validFor"] = period


@process("1.3.4.3")
def apply_reestablishment(ctx: Context, row: CustomerRow, new: Doc) -> None:
    """Rules of Re-establish Customer Relationship, on the customer's next document.

    The engaged party must still exist and be active (not deceased or closed).
    A terminated relationship starts a new validity period now; a suspended one
    keeps its period.
    """
    party_id = engaged_party_id(new)
    found = find_party(ctx, party_id) if party_id else None
    if found is not None and str(found[1].status or "") in ENDED_PARTY_STATES:
        raise Conflict(
            f"customer {row.customer_number or row.id} cannot be re-established: its party "
            f"'{party_id}' is {found[1].status}",
            field="engagedParty",
            rule="reestablish.partyEnded",
        )
    if row.status == "terminated":
        new["validFor"] = {"startDateTime": isoformat(ctx.now)}


def _apply_status_rules(ctx: Context, row: CustomerRow, old: Doc, new: Doc) -> None:
    before, after = old.get("status"), new.get("status")
    if before == after:
        return
    if after == "terminated":
        apply_termination(ctx, row, new)
    elif after == "approved" and before in REESTABLISH_FROM:
        apply_reestablishment(ctx, row, new)


def prepared_status_change(ctx: Context, row: CustomerRow, target: str, reason: str | None) -> Doc:
    """The document ``row`` gets when an operation moves it to ``target`` (rules applied)."""
    new = copy.deepcopy(row.doc)
    new["status"] = target
    if reason:
        new["statusReason"] = reason
    _apply_status_rules(ctx, row, row.doc, new)
    return new


class CustomerHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        check_party_reference(ctx, doc.get("engagedParty"), "engagedParty")
        _check_media(ctx, doc)
        _refuse_system_characteristics(doc)
        dedupe.prepare_new(ctx, doc)  # the identity profile does not depend on the number

    def before_insert(self, ctx: Context, doc: Doc) -> Iterable[str]:
        number = issue_customer_number(ctx)
        entry = {"name": CUSTOMER_NUMBER, "valueType": "string", "value": number}
        doc["characteristic"] = [entry, *(doc.get("characteristic") or [])]
        return ("characteristic",)

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        assert isinstance(row, CustomerRow)
        if old.get("status") == "merged":
            raise Conflict(
                f"customer {row.customer_number or row.id} was merged "
                f"({old.get('statusReason')}); a merged customer cannot be changed",
                field="status",
                rule="lifecycle.merged",
            )
        if old.get("engagedParty") != new.get("engagedParty"):
            check_party_reference(ctx, new.get("engagedParty"), "engagedParty")
        if old.get("contactMedium") != new.get("contactMedium"):
            _check_media(ctx, new)
        _keep_system_characteristics(old, new)
        _apply_status_rules(ctx, row, old, new)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        assert isinstance(row, CustomerRow)
        if old is None:
            dedupe.detect_duplicates(ctx, row, new=True)
        elif any(old.get(k) != row.doc.get(k) for k in ("contactMedium", "engagedParty")):
            dedupe.detect_duplicates(ctx, row)
