"""Validation and normalisation of TMF632 party data (eTOM 1.3.6 and 1.3.4.2).

Everything here is pure: documents come in as plain mappings, a normalised
copy and a list of :class:`FieldProblem` come out, and the input is never
mutated.  The checks are the ones a production BSS runs before it stores a
party:

* e-mail addresses are checked for syntax with ``email-validator`` (no DNS
  look-up) and stored in the library's normalised form;
* phone and fax numbers are parsed with ``phonenumbers`` and stored as E.164.
  A number written without ``+`` is read in the country of the party's postal
  address, else in the configured default region;
* country fields (postal addresses, ``countryOfBirth``, ``nationality``) must
  name an ISO 3166-1 country by alpha-2 code, alpha-3 code or English name;
* tax, VAT, company-registration and national identifiers are checked with
  ``python-stdnum`` when it knows a scheme for the issuing country (taken from
  ``issuingAuthority`` or from a VAT number's country prefix).  A scheme that
  stdnum does not know is accepted untouched: no rule is made up here.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from stdnum import get_cc_module
from stdnum.exceptions import InvalidChecksum, ValidationError

from openbss.core.problems import FieldProblem, join_path

__all__ = [
    "check_country",
    "check_email",
    "check_identification",
    "check_phone",
    "country_alpha2",
    "identification_scheme",
    "identifier_key",
    "medium_kind",
    "parse_date",
    "postal_country",
    "validate_contact_media",
    "validate_individual",
    "validate_organization",
]


def _table(**families: str) -> dict[str, str]:
    return {alias: family for family, aliases in families.items() for alias in aliases.split()}


# mediumType (lower-case, letters and digits only) -> kind of medium.
_MEDIUM_KINDS: Final = _table(
    email="email emailaddress",
    phone="phone mobile telephone tel landline cell cellphone sms",
    fax="fax faxnumber",
    postal="postaladdress postal address geographicaddress",
)
# identificationType (lower-case, letters and digits only) -> scheme family.
_SCHEMES: Final = _table(
    vat="vat vatid vatno vatnumber vatregistration vatregistrationnumber",
    tax="tin taxid taxno taxnumber taxidnumber taxidentificationnumber taxcode",
    company="companyid companynumber companyregistration companyregistrationnumber businessid "
    "businessregistration businessregistrationnumber registrationnumber crn",
    personal="nationalid nationalidnumber nationalidentificationnumber personalid personalnumber",
)
_RULE_PREFIX: Final = {"vat": "taxId", "tax": "taxId", "company": "companyId", "personal": "nationalId"}
# VAT prefixes that are not the ISO code of the country that issues them.
_VAT_PREFIX_COUNTRY: Final[dict[str, str]] = {"EL": "GR", "XI": "GB"}


def _key(text: object) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


@functools.lru_cache(maxsize=256)
def _medium_kind(medium_type: str) -> str | None:
    return _MEDIUM_KINDS.get(_key(medium_type))


def medium_kind(medium_type: object) -> str | None:
    """``email``, ``phone``, ``fax`` or ``postal`` for a TMF ``mediumType``; ``None`` if unknown."""
    return _medium_kind(medium_type) if isinstance(medium_type, str) else None


def identification_scheme(identification_type: object) -> str | None:
    """``vat``, ``tax``, ``company`` or ``personal`` for an ``identificationType``; ``None`` if other."""
    return _SCHEMES.get(_key(identification_type)) if isinstance(identification_type, str) else None


def parse_date(value: object) -> date | None:
    """Calendar date of an ISO 8601 date or date-time string, as written (no zone shift)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        return None


# --- countries ---------------------------------------------------------------


def country_alpha2(value: object) -> str | None:
    """ISO 3166-1 alpha-2 code for an alpha-2/alpha-3 code or English country name."""
    if not isinstance(value, str):
        return None
    return _alpha2(value.strip())


@functools.lru_cache(maxsize=4096)
def _alpha2(text: str) -> str | None:
    """The looked-up code of one text (a lookup scans pycountry's indexes; the answers are kept)."""
    if not text or text.isdigit():
        return None
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        return None
    return str(country.alpha_2)


def check_country(value: object, field: str) -> tuple[str | None, FieldProblem | None]:
    code = country_alpha2(value)
    if code is None:
        return None, FieldProblem(field, "country.iso3166", f"{value!r} is not an ISO 3166-1 country")
    return code, None


# --- e-mail and phone --------------------------------------------------------


def check_email(value: object, field: str) -> tuple[str | None, FieldProblem | None]:
    """Normalised e-mail address, or the reason it is unusable."""
    if not isinstance(value, str) or not value.strip():
        return None, FieldProblem(field, "email.syntax", "an e-mail address is required")
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return None, FieldProblem(field, "email.syntax", str(exc))
    return str(result.normalized), None


def check_phone(value: object, field: str, region: str | None) -> tuple[str | None, FieldProblem | None]:
    """E.164 form of a phone number, or the reason it is unusable.

    ``region`` (ISO alpha-2) is used only for numbers written without ``+``.
    """
    if not isinstance(value, str) or not value.strip():
        return None, FieldProblem(field, "phone.e164", "a phone number is required")
    try:
        number = phonenumbers.parse(value, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE and not region:
            msg = "number has no international prefix and no default country is known"
        else:
            msg = f"not a phone number: {exc}"
        return None, FieldProblem(field, "phone.e164", msg)
    if not phonenumbers.is_possible_number(number):
        return None, FieldProblem(field, "phone.invalid", "number has an impossible length for its country")
    if not phonenumbers.is_valid_number(number):
        return None, FieldProblem(field, "phone.invalid", "number is not valid in its numbering plan")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > 16:  # the library's metadata admits a few numbers longer than E.164's 15 digits
        return None, FieldProblem(field, "phone.e164", "number is longer than the 15 digits E.164 allows")
    return e164, None


# --- contact media -----------------------------------------------------------


def postal_country(media: object) -> str | None:
    """Alpha-2 country of the party's postal address (the preferred one first), if recognisable."""
    if not isinstance(media, Sequence) or isinstance(media, str):
        return None
    postal = [m for m in media if isinstance(m, Mapping) and medium_kind(m.get("mediumType")) == "postal"]
    postal.sort(key=lambda m: m.get("preferred") is not True)
    for medium in postal:
        characteristic = medium.get("characteristic")
        if isinstance(characteristic, Mapping) and (code := country_alpha2(characteristic.get("country"))):
            return code
    return None


def _check_period(period: object, field: str) -> list[FieldProblem]:
    if period is None:
        return []
    if not isinstance(period, Mapping):
        return [FieldProblem(field, "timePeriod.type", "validity period must be an object")]
    problems: list[FieldProblem] = []
    for bound in ("startDateTime", "endDateTime"):
        value = period.get(bound)
        if value is not None and parse_date(value) is None:
            problems.append(FieldProblem(join_path(field, bound), "date.format", "not an ISO 8601 date-time"))
    return problems


def _check_medium(
    medium: Mapping[str, Any], path: str, region: str | None
) -> tuple[dict[str, Any], list[FieldProblem]]:
    out = copy.deepcopy(dict(medium))
    problems = _check_period(medium.get("validFor"), join_path(path, "validFor"))
    raw = medium.get("characteristic")
    char_path = join_path(path, "characteristic")
    if raw is not None and not isinstance(raw, Mapping):
        return out, [*problems, FieldProblem(char_path, "contactMedium.type", "must be an object")]
    char: dict[str, Any] = dict(raw or {})

    def present(name: str) -> bool:
        return char.get(name) not in (None, "")

    if present("emailAddress"):
        email, problem = check_email(char["emailAddress"], join_path(char_path, "emailAddress"))
        char["emailAddress"] = email or char["emailAddress"]
        problems += [problem] if problem else []
    for name in ("phoneNumber", "faxNumber"):
        if present(name):
            phone, problem = check_phone(char[name], join_path(char_path, name), region)
            char[name] = phone or char[name]
            problems += [problem] if problem else []
    if present("country"):
        _, problem = check_country(char["country"], join_path(char_path, "country"))
        problems += [problem] if problem else []

    kind = medium_kind(medium.get("mediumType"))
    missing: str | None = None
    if kind == "email" and not present("emailAddress"):
        missing = "emailAddress"
    elif kind == "phone" and not present("phoneNumber"):
        missing = "phoneNumber"
    elif kind == "fax" and not (present("faxNumber") or present("phoneNumber")):
        missing = "faxNumber"
    elif kind == "postal" and not any(present(n) for n in ("street1", "city", "postCode")):
        missing = "street1"
    if missing:
        msg = f"a {medium.get('mediumType')} contact medium needs {missing}"
        problems.append(FieldProblem(join_path(char_path, missing), "contactMedium.value", msg))
    if raw is not None:
        out["characteristic"] = char
    return out, problems


def validate_contact_media(
    media: object, path_prefix: str = "contactMedium", default_region: str | None = None
) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
    """Check a ``contactMedium`` list; return a normalised copy and the problems found.

    Phone numbers without ``+`` are read in the country of the list's own
    postal address if it has one, else in ``default_region``.
    """
    if media is None:
        return [], []
    if not isinstance(media, Sequence) or isinstance(media, str):
        return [], [FieldProblem(path_prefix, "contactMedium.type", "must be a list of contact media")]
    region = postal_country(media) or default_region
    normalised: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    for index, medium in enumerate(media):
        path = join_path(path_prefix, index)
        if not isinstance(medium, Mapping):
            problems.append(FieldProblem(path, "contactMedium.type", "must be an object"))
            normalised.append(medium)
            continue
        out, found = _check_medium(medium, path, region)
        normalised.append(out)
        problems += found
    return normalised, problems


# --- identifiers -------------------------------------------------------------


def _compact(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _vat_prefix_country(number: str) -> str | None:
    prefix = number[:2]
    if len(prefix) < 2 or not prefix.isalpha():
        return None
    country = _VAT_PREFIX_COUNTRY.get(prefix, prefix)
    if pycountry.countries.get(alpha_2=country) is None or get_cc_module(country, "vat") is None:
        return None
    return country


def _origin(ident: Mapping[str, Any]) -> tuple[str | None, str | None, bool, str]:
    """Scheme family, issuing country, whether the number carries that country's
    VAT prefix, and the compact number."""
    scheme = identification_scheme(ident.get("identificationType"))
    number = _compact(str(ident.get("identificationId") or ""))
    issuer = country_alpha2(ident.get("issuingAuthority"))
    prefixed = _vat_prefix_country(number) if scheme in ("vat", "tax") else None
    # A VAT number's own prefix wins; for a generic tax id the issuer wins,
    # since its first two letters may be a coincidence.
    country = prefixed if scheme == "vat" and prefixed else issuer or prefixed
    return scheme, country, prefixed is not None and prefixed == country, number


def _resolve(ident: Mapping[str, Any], organisation: bool) -> tuple[str | None, str | None, list[Any]]:
    """Scheme family, issuing country and candidate stdnum modules of an identification."""
    scheme, country, prefixed, _ = _origin(ident)
    if scheme is None or country is None:
        return scheme, country, []
    names = {
        "vat": ["vat"],
        "tax": ["tin", "vat"] if organisation or prefixed else ["tin"],
        "company": ["businessid"],
        "personal": ["personalid"],
    }[scheme]
    modules = [m for m in (get_cc_module(country, n) for n in names) if m is not None]
    return scheme, country, modules


def check_identification(ident: object, field: str, *, organisation: bool) -> list[FieldProblem]:
    """Check one ``individualIdentification`` / ``organizationIdentification`` entry.

    For tax-like identifiers of an individual only a country ``tin`` scheme is
    applied (a person's tax number is rarely a VAT number); for organisations
    the country's VAT scheme is accepted as well.
    """
    if not isinstance(ident, Mapping):
        return [FieldProblem(field, "identification.type", "must be an object")]
    problems = _check_period(ident.get("validFor"), join_path(field, "validFor"))
    issued = ident.get("issuingDate")
    if issued is not None and parse_date(issued) is None:
        problems.append(FieldProblem(join_path(field, "issuingDate"), "date.format", "not an ISO 8601 date"))
    value = ident.get("identificationId")
    id_path = join_path(field, "identificationId")
    if not isinstance(value, str) or not value.strip():
        return [*problems, FieldProblem(id_path, "identification.missing", "identificationId is required")]
    scheme, country, modules = _resolve(ident, organisation)
    if not modules or scheme is None:
        return problems
    errors: list[ValidationError] = []
    for module in modules:
        try:
            module.validate(value)
        except ValidationError as exc:
            errors.append(exc)
        else:
            return problems
    prefix = _RULE_PREFIX[scheme]
    rule = f"{prefix}.checksum" if all(isinstance(e, InvalidChecksum) for e in errors) else f"{prefix}.format"
    msg = f"not a valid {country} {ident.get('identificationType')}: {errors[0]}"
    return [*problems, FieldProblem(id_path, rule, msg)]


def identifier_key(ident: Mapping[str, Any]) -> str | None:
    """Comparable form of an identification, e.g. ``DE136695976`` for a German VAT number.

    Tax-like identifiers become country code + national number so that the
    same number written with and without its VAT prefix compares equal when the
    country is known; other documents become ``type:country:number``.
    """
    scheme, country, prefixed, number = _origin(ident)
    if not number:
        return None
    if scheme in ("vat", "tax"):
        return f"{country or ''}{number[2:] if prefixed else number}"
    return f"{scheme or _key(ident.get('identificationType'))}:{country or ''}:{number}"


# --- whole documents ---------------------------------------------------------


def _check_identifications(items: object, field: str, organisation: bool) -> list[FieldProblem]:
    if items is None:
        return []
    if not isinstance(items, Sequence) or isinstance(items, str):
        return [FieldProblem(field, "identification.type", "must be a list")]
    problems: list[FieldProblem] = []
    for index, ident in enumerate(items):
        problems += check_identification(ident, join_path(field, index), organisation=organisation)
    return problems


def _with_media(doc: Mapping[str, Any], default_region: str | None) -> tuple[dict[str, Any], list[FieldProblem]]:
    out = copy.deepcopy(dict(doc))
    if "contactMedium" not in doc or doc["contactMedium"] is None:
        return out, []
    media, problems = validate_contact_media(doc["contactMedium"], "contactMedium", default_region)
    if isinstance(doc["contactMedium"], Sequence) and not isinstance(doc["contactMedium"], str):
        out["contactMedium"] = media
    return out, problems


def validate_individual(
    doc: Mapping[str, Any], default_region: str | None = None, *, today: date | None = None
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Validate a TMF632 Individual; return a normalised copy and the problems found.

    With ``today`` given, a birth date in the future is also reported.
    """
    out, problems = _with_media(doc, default_region)
    for name in ("countryOfBirth", "nationality"):
        if doc.get(name) not in (None, ""):
            _, problem = check_country(doc[name], name)
            problems += [problem] if problem else []
    born = died = None
    for name in ("birthDate", "deathDate"):
        value = doc.get(name)
        parsed = parse_date(value)
        if value not in (None, "") and parsed is None:
            problems.append(FieldProblem(name, "date.format", f"{value!r} is not an ISO 8601 date"))
        born, died = (parsed, died) if name == "birthDate" else (born, parsed)
    if born and today and born > today:
        problems.append(FieldProblem("birthDate", "birthDate.future", "birth date lies in the future"))
    if born and died and died < born:
        problems.append(FieldProblem("deathDate", "deathDate.order", "death date is before birth date"))
    problems += _check_identifications(doc.get("individualIdentification"), "individualIdentification", False)
    return out, problems


def validate_organization(
    doc: Mapping[str, Any], default_region: str | None = None
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Validate a TMF632 Organization; return a normalised copy and the problems found."""
    out, problems = _with_media(doc, default_region)
    problems += _check_period(doc.get("existsDuring"), "existsDuring")
    problems += _check_identifications(doc.get("organizationIdentification"), "organizationIdentification", True)
    return out, problems
