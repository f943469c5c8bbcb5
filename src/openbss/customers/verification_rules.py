"""Customer verification (eTOM 1.3.4.2.1 Verify Customer).

Before a customer relationship is established the enterprise checks that the
applicant is who they say they are and can be reached.  Each check is a small
pure function producing a :class:`CheckResult`; a :class:`VerificationPolicy`
says which checks must pass and parameterises them (minimum age, accepted
identity documents, ...).  :func:`verify` runs every check that applies to the
party (individual or organisation) and reports them all, required or not, so
an agent sees the advisory results too; only required checks decide
:attr:`VerificationOutcome.passed`.

Rules (``RULE_*`` constants):

* ``party.active`` - the individual is not deceased / the organisation is not
  closed or dissolved (``status``, ``deathDate``, ``existsDuring``);
* ``party.name`` - the party is named (given and family name, or full/legal
  name; organisation ``name`` or ``tradingName``);
* ``party.data`` - the party document has no field problems according to
  :mod:`openbss.parties.contact_rules`;
* ``identity.document`` - an individual holds an identification of an accepted
  type that is in force today (``validFor``);
* ``identity.age`` - an individual's birth date is known and they have reached
  the minimum age;
* ``contact.reachable`` - at least one contact medium in force today carries
  a usable e-mail address, phone number or postal address;
* ``contact.email`` / ``contact.phone`` - a valid e-mail address / phone number;
* ``organisation.registration`` - an organisation holds a tax, VAT or company
  identifier in force that passes its checksum (when the scheme is known);
* ``customer.party`` - the customer's ``engagedParty`` refers to this party.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from openbss.parties.contact_rules import (
    check_email,
    check_identification,
    check_phone,
    identification_scheme,
    medium_kind,
    parse_date,
    postal_country,
    validate_contact_media,
    validate_individual,
    validate_organization,
)

__all__ = [
    "ALL_RULES",
    "DEFAULT_ACCEPTED_DOCUMENTS",
    "DEFAULT_REQUIRED",
    "CheckResult",
    "VerificationOutcome",
    "VerificationPolicy",
    "verify",
]

RULE_ACTIVE: Final = "party.active"
RULE_NAME: Final = "party.name"
RULE_DATA: Final = "party.data"
RULE_DOCUMENT: Final = "identity.document"
RULE_AGE: Final = "identity.age"
RULE_REACHABLE: Final = "contact.reachable"
RULE_EMAIL: Final = "contact.email"
RULE_PHONE: Final = "contact.phone"
RULE_REGISTRATION: Final = "organisation.registration"
RULE_CUSTOMER_PARTY: Final = "customer.party"

ALL_RULES: Final = frozenset(
    {
        RULE_ACTIVE,
        RULE_NAME,
        RULE_DATA,
        RULE_DOCUMENT,
        RULE_AGE,
        RULE_REACHABLE,
        RULE_EMAIL,
        RULE_PHONE,
        RULE_REGISTRATION,
        RULE_CUSTOMER_PARTY,
    }
)
DEFAULT_REQUIRED: Final = frozenset(
    {RULE_ACTIVE, RULE_NAME, RULE_DATA, RULE_DOCUMENT, RULE_AGE, RULE_REACHABLE, RULE_CUSTOMER_PARTY}
)
# identificationType values, compared lower-case with letters and digits only.
DEFAULT_ACCEPTED_DOCUMENTS: Final = frozenset(
    {
        "passport",
        "nationalid",
        "nationalidcard",
        "identitycard",
        "idcard",
        "drivinglicence",
        "drivinglicense",
        "driverslicense",
        "driverlicense",
        "residencepermit",
    }
)
_ENDED_STATES: Final = frozenset({"deceased", "deceaded", "closed", "terminated", "dissolved"})


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """Which checks must pass, and their parameters.

    ``accepted_identification_types`` empty means any identification type is
    accepted.  The ``require_*`` flags add their rule to ``required_rules``.
    """

    required_rules: frozenset[str] = DEFAULT_REQUIRED
    minimum_age: int = 18
    accepted_identification_types: frozenset[str] = DEFAULT_ACCEPTED_DOCUMENTS
    require_valid_email: bool = False
    require_valid_phone: bool = False
    organisation_requires_valid_id: bool = True
    default_region: str | None = None

    def __post_init__(self) -> None:
        unknown = self.required_rules - ALL_RULES
        if unknown:
            raise ValueError(f"unknown verification rules: {sorted(unknown)}")
        if self.minimum_age < 0:
            raise ValueError("minimum_age must not be negative")

    def effective_rules(self, organisation: bool) -> frozenset[str]:
        rules = set(self.required_rules)
        rules |= {RULE_EMAIL} if self.require_valid_email else set()
        rules |= {RULE_PHONE} if self.require_valid_phone else set()
        rules |= {RULE_REGISTRATION} if organisation and self.organisation_requires_valid_id else set()
        return frozenset(rules)


@dataclass(frozen=True, slots=True)
class CheckResult:
    rule: str
    passed: bool
    detail: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class VerificationOutcome:
    passed: bool
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.required and not c.passed)


@dataclass(frozen=True, slots=True)
class _Context:
    party: Mapping[str, Any]
    customer: Mapping[str, Any] | None
    policy: VerificationPolicy
    today: date
    organisation: bool
    media: tuple[Mapping[str, Any], ...]
    region: str | None


def _key(text: object) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def _items(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _in_force(item: Mapping[str, Any], today: date) -> bool:
    period = item.get("validFor")
    if not isinstance(period, Mapping):
        return True
    start, end = parse_date(period.get("startDateTime")), parse_date(period.get("endDateTime"))
    return (start is None or start <= today) and (end is None or today <= end)


def _is_organisation(party: Mapping[str, Any]) -> bool:
    declared = _key(party.get("@type") or party.get("@baseType"))
    if declared in ("individual", "organization"):
        return declared == "organization"
    return any(k in party for k in ("tradingName", "organizationIdentification", "isLegalEntity"))


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- individual checks -------------------------------------------------------


def _check_active(ctx: _Context) -> tuple[bool, str]:
    status = _key(ctx.party.get("status"))
    if status in _ENDED_STATES:
        return False, f"party status is {ctx.party.get('status')}"
    if ctx.organisation:
        period = ctx.party.get("existsDuring")
        end = parse_date(period.get("endDateTime")) if isinstance(period, Mapping) else None
        if end is not None and end < ctx.today:
            return False, f"organisation ceased to exist on {end.isoformat()}"
    elif ctx.party.get("deathDate"):
        return False, "a death date is recorded"
    return True, "party is active"


def _check_name(ctx: _Context) -> tuple[bool, str]:
    p = ctx.party

    def has(k: str) -> bool:
        return isinstance(p.get(k), str) and bool(p[k].strip())

    if ctx.organisation:
        ok = has("name") or has("tradingName")
        return ok, "organisation is named" if ok else "organisation has neither name nor tradingName"
    ok = (has("givenName") and has("familyName")) or has("fullName") or has("legalName")
    return ok, "individual is named" if ok else "given and family name (or full/legal name) are required"


def _check_data(ctx: _Context) -> tuple[bool, str]:
    if ctx.organisation:
        _, problems = validate_organization(ctx.party, ctx.policy.default_region)
    else:
        _, problems = validate_individual(ctx.party, ctx.policy.default_region, today=ctx.today)
    if ctx.customer is not None:
        problems += validate_contact_media(ctx.customer.get("contactMedium"), "customer.contactMedium", ctx.region)[1]
    if not problems:
        return True, "party data is valid"
    return False, "; ".join(f"{p.field}: {p.rule}" for p in problems)


def _check_document(ctx: _Context) -> tuple[bool, str]:
    accepted = {_key(t) for t in ctx.policy.accepted_identification_types}
    idents = _items(ctx.party.get("individualIdentification"))
    candidates = [i for i in idents if not accepted or _key(i.get("identificationType")) in accepted]
    if not candidates:
        return False, "no identification of an accepted type"
    for ident in candidates:
        issued = parse_date(ident.get("issuingDate"))
        if (
            str(ident.get("identificationId") or "").strip()
            and _in_force(ident, ctx.today)
            and (issued is None or issued <= ctx.today)
            and not check_identification(ident, "", organisation=False)
        ):
            return True, f"{ident.get('identificationType')} in force"
    return False, "identification is expired, not yet valid, or malformed"


def _check_age(ctx: _Context) -> tuple[bool, str]:
    born = parse_date(ctx.party.get("birthDate"))
    if born is None:
        return False, "birth date is missing or unreadable"
    if born > ctx.today:
        return False, "birth date lies in the future"
    age = _age(born, ctx.today)
    if age < ctx.policy.minimum_age:
        return False, f"age {age} is below the minimum of {ctx.policy.minimum_age}"
    return True, f"age {age}"


# --- contact checks ----------------------------------------------------------


def _usable(medium: Mapping[str, Any], kind: str, region: str | None) -> bool:
    char = medium.get("characteristic")
    if not isinstance(char, Mapping):
        return False
    if kind == "email":
        return check_email(char.get("emailAddress"), "")[1] is None
    if kind == "phone":
        return check_phone(char.get("phoneNumber"), "", region)[1] is None
    if kind == "postal":
        street = any(isinstance(char.get(k), str) and char[k].strip() for k in ("street1", "city"))
        return street and postal_country([medium]) is not None
    return False


def _reachable_by(ctx: _Context, kinds: tuple[str, ...]) -> bool:
    for medium in ctx.media:
        kind = medium_kind(medium.get("mediumType"))
        if kind in kinds and _in_force(medium, ctx.today) and _usable(medium, kind, ctx.region):
            return True
    return False


def _check_reachable(ctx: _Context) -> tuple[bool, str]:
    ok = _reachable_by(ctx, ("email", "phone", "postal"))
    return ok, "a usable contact medium is in force" if ok else "no usable contact medium in force"


def _check_email(ctx: _Context) -> tuple[bool, str]:
    ok = _reachable_by(ctx, ("email",))
    return ok, "valid e-mail address" if ok else "no valid e-mail address in force"


def _check_phone(ctx: _Context) -> tuple[bool, str]:
    ok = _reachable_by(ctx, ("phone",))
    return ok, "valid phone number" if ok else "no valid phone number in force"


# --- organisation and customer checks ----------------------------------------


def _check_registration(ctx: _Context) -> tuple[bool, str]:
    idents = [
        i
        for i in _items(ctx.party.get("organizationIdentification"))
        if identification_scheme(i.get("identificationType")) in ("vat", "tax", "company")
    ]
    if not idents:
        return False, "no tax, VAT or company registration identifier"
    for ident in idents:
        if _in_force(ident, ctx.today) and not check_identification(ident, "", organisation=True):
            return True, f"{ident.get('identificationType')} accepted"
    return False, "tax or company identifier fails its check or is not in force"


def _check_customer_party(ctx: _Context) -> tuple[bool, str]:
    if ctx.customer is None:
        return True, "no customer record yet"
    engaged = ctx.customer.get("engagedParty")
    if not isinstance(engaged, Mapping) or not engaged.get("id"):
        return False, "customer has no engagedParty"
    party_id = ctx.party.get("id")
    if party_id is not None and str(engaged["id"]) != str(party_id):
        return False, f"customer is engaged with party {engaged['id']}, not {party_id}"
    return True, "customer refers to this party"


_Check = Callable[[_Context], tuple[bool, str]]
_INDIVIDUAL_CHECKS: Final[tuple[tuple[str, _Check], ...]] = (
    (RULE_ACTIVE, _check_active),
    (RULE_NAME, _check_name),
    (RULE_DATA, _check_data),
    (RULE_DOCUMENT, _check_document),
    (RULE_AGE, _check_age),
    (RULE_REACHABLE, _check_reachable),
    (RULE_EMAIL, _check_email),
    (RULE_PHONE, _check_phone),
    (RULE_CUSTOMER_PARTY, _check_customer_party),
)
_ORGANISATION_CHECKS: Final[tuple[tuple[str, _Check], ...]] = (
    (RULE_ACTIVE, _check_active),
    (RULE_NAME, _check_name),
    (RULE_DATA, _check_data),
    (RULE_REGISTRATION, _check_registration),
    (RULE_REACHABLE, _check_reachable),
    (RULE_EMAIL, _check_email),
    (RULE_PHONE, _check_phone),
    (RULE_CUSTOMER_PARTY, _check_customer_party),
)


def verify(
    party_doc: Mapping[str, Any],
    customer_doc: Mapping[str, Any] | None,
    policy: VerificationPolicy,
    today: date,
) -> VerificationOutcome:
    """Run the policy's checks on a TMF632 party and (optionally) its TMF629 customer.

    Contact media of the party and of the customer both count towards the
    contact checks.  A required rule that does not apply to the kind of party
    (``identity.age`` for an organisation) is neither run nor reported.
    """
    organisation = _is_organisation(party_doc)
    media = _items(party_doc.get("contactMedium"))
    if customer_doc is not None:
        media += _items(customer_doc.get("contactMedium"))
    ctx = _Context(
        party=party_doc,
        customer=customer_doc,
        policy=policy,
        today=today,
        organisation=organisation,
        media=tuple(media),
        region=postal_country(media) or policy.default_region,
    )
    required = policy.effective_rules(organisation)
    checks = _ORGANISATION_CHECKS if organisation else _INDIVIDUAL_CHECKS
    results = tuple(CheckResult(rule, *check(ctx), required=rule in required) for rule, check in checks)
    return VerificationOutcome(passed=all(r.passed for r in results if r.required), checks=results)
