"""Party domain rules (TMF632 Individual/Organization, TMF669 PartyRole).

Create Customer Record (1.3.6.1) and Update Customer Data (1.3.6.2) run here
for the party side: contact media and identifiers are validated and
normalised (e-mail syntax, E.164 phones, ISO 3166 countries, tax ids), and
lifecycle transitions are enforced by the engine from the tables below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import bindparam, inspect, literal, select, union_all
from sqlalchemy.orm.util import identity_key

from openbss.core.driver_sql import statement_record
from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.parties.contact_rules import validate_individual, validate_organization
from openbss.parties.models import IndividualRow, OrganizationRow, PartyRoleRow
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

# "deceaded" is the spelling of the TMF632 v4 specification's enum.
INDIVIDUAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"validated", "deceaded"}),
    "validated": frozenset({"deceaded"}),
    "deceaded": frozenset(),
    "@create": frozenset({"validated"}),
}
ORGANIZATION_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"validated", "closed"}),
    "validated": frozenset({"closed"}),
    "closed": frozenset(),
    "@create": frozenset({"validated"}),
}
PARTY_ROLE_TRANSITIONS: dict[str, frozenset[str]] = {
    "initialized": frozenset({"approved", "rejected", "terminated"}),
    "approved": frozenset({"suspended", "terminated"}),
    "suspended": frozenset({"approved", "terminated"}),
    "rejected": frozenset(),
    "terminated": frozenset(),
    "@create": frozenset({"approved"}),
}
PARTY_TYPES: dict[str, type[IndividualRow] | type[OrganizationRow]] = {
    "Individual": IndividualRow,
    "Organization": OrganizationRow,
}

PartyChangeListener = Callable[[Context, str], object]
PARTY_CHANGE_LISTENERS: list[PartyChangeListener] = []
"""Called with the party id after a party's data changed (the customers domain re-runs
duplicate detection); other domains register here instead of being imported by parties."""


def register_party_change_listener(listener: PartyChangeListener) -> None:
    if listener not in PARTY_CHANGE_LISTENERS:
        PARTY_CHANGE_LISTENERS.append(listener)


def _notify_party_changed(ctx: Context, row: ResourceRow, old: Doc | None) -> None:
    if old is None:
        return  # a new party has no customer yet
    for listener in PARTY_CHANGE_LISTENERS:
        listener(ctx, row.id)


def individual_name(doc: Doc) -> str | None:
    if doc.get("formattedName"):
        return str(doc["formattedName"])
    parts = [doc.get(k) for k in ("givenName", "middleName", "familyName")]
    name = " ".join(str(p) for p in parts if p)
    return name or None


def individual_columns(doc: Doc) -> dict[str, Any]:
    birth = doc.get("birthDate")
    return {
        "name": (individual_name(doc) or "")[:255] or None,
        "family_name": (str(doc["familyName"])[:255] if doc.get("familyName") else None),
        "birth_date": str(birth)[:10] if birth else None,
    }


def organization_columns(doc: Doc) -> dict[str, Any]:
    name = doc.get("tradingName") or doc.get("name")
    return {
        "name": str(name)[:255] if name else None,
        "trading_name": str(doc["tradingName"])[:255] if doc.get("tradingName") else None,
    }


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


class IndividualHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        self._validate(ctx, doc)

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        self._validate(ctx, new)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        _notify_party_changed(ctx, row, old)

    def _validate(self, ctx: Context, doc: Doc) -> None:
        normalised, problems = validate_individual(doc, ctx.settings.default_phone_region, today=ctx.now.date())
        _raise(problems)
        doc.update(normalised)


class OrganizationHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        self._validate(ctx, doc)

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        self._validate(ctx, new)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        _notify_party_changed(ctx, row, old)

    def _validate(self, ctx: Context, doc: Doc) -> None:
        normalised, problems = validate_organization(doc, ctx.settings.default_phone_region)
        _raise(problems)
        doc.update(normalised)


class PartyRecord(NamedTuple):
    """A party as :func:`find_party` reads it when the unit of work has not loaded it (read-only)."""

    type_name: str
    id: str
    type: str
    name: str | None
    status: str | None
    owner_party_id: str | None
    version: int
    doc: dict[str, Any]


def find_party(ctx: Context, party_id: str) -> tuple[str, Any] | None:
    """The party (Individual or Organization) with this id, with its type name.

    The party comes back as the session's own object when this unit of work
    loaded it (it may carry changes not yet flushed); otherwise as a read-only
    :class:`PartyRecord` (``id``, ``doc``, ``status``, ...) from one query over
    both tables, run on the driver, and remembered for the rest of the unit of work.
    """
    identity_map = ctx.session.identity_map
    if len(identity_map):  # nothing loaded yet (a create's first look) needs no key built
        for type_name, model in PARTY_TYPES.items():
            loaded = identity_map.get(identity_key(model, (party_id,)))
            if loaded is not None and not inspect(loaded).was_deleted:
                return type_name, loaded
    key = ("party", party_id)
    known = ctx.memo.get(key)
    if known is not None:
        return known  # type: ignore[no-any-return]
    found = statement_record(ctx.session.connection(), _PARTY_BY_ID, {"party_id": party_id})
    if found is None:
        return None
    record = PartyRecord(*found)
    ctx.memo[key] = (record.type_name, record)
    return ctx.memo[key]  # type: ignore[no-any-return]


def _party_columns(type_name: str, model: type[IndividualRow] | type[OrganizationRow]) -> Any:
    return select(
        literal(type_name).label("type_name"),
        model.id,
        model.type,
        model.name,
        model.status,
        model.owner_party_id,
        model.version,
        model.doc,
    ).where(model.id == bindparam("party_id"))


_PARTY_BY_ID = union_all(*(_party_columns(name, model) for name, model in PARTY_TYPES.items()))


def party_role_ids(ctx: Context, role_id: str) -> Any:
    return ctx.session.execute(select(PartyRoleRow).where(PartyRoleRow.id == role_id)).scalar_one_or_none()


def check_party_reference(ctx: Context, ref: Any, field: str) -> str | None:
    """Check that a reference to a party names an existing one (when reference checks are strict).

    Returns the party id. References to other kinds (``@referredType`` of a
    role, a customer, ...) are left to their own domain.
    """
    if not isinstance(ref, dict) or not ref.get("id"):
        return None
    party_id = str(ref["id"])
    if ctx.settings.reference_check != "strict":
        return party_id
    found = find_party(ctx, party_id)
    referred = ref.get("@referredType")
    if found is None:
        raise ValidationFailed.from_problems(
            [
                FieldProblem(
                    f"{field}.id", "reference.exists", f"no party (Individual or Organization) with id '{party_id}'"
                )
            ]
        )
    if referred in PARTY_TYPES and referred != found[0]:
        raise ValidationFailed.from_problems(
            [
                FieldProblem(
                    f"{field}.@referredType",
                    "reference.type",
                    f"party '{party_id}' is an {found[0]}, not an {referred}",
                )
            ]
        )
    return party_id


class PartyRoleHooks(NoHooks):
    """TMF669 roles (dealer, supplier, collection agency, ...) of an existing party."""

    def before_create(self, ctx: Context, doc: Doc) -> None:
        check_party_reference(ctx, doc.get("engagedParty"), "engagedParty")

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        if old.get("engagedParty") != new.get("engagedParty"):
            check_party_reference(ctx, new.get("engagedParty"), "engagedParty")


def engaged_party_id(doc: Doc) -> str | None:
    ref = doc.get("engagedParty")
    return str(ref["id"]) if isinstance(ref, dict) and ref.get("id") else None
