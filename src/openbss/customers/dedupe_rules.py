"""Duplicate detection for customer identities (eTOM 1.3.4.2.4 De-duplicate Customer Identity).

Before a new customer identity is issued, and when existing records are
cleaned up, each party or customer document is reduced to an
:class:`IdentityProfile` of normalised identifying facts.  Two steps follow:

1. **Blocking.**  :func:`match_keys` gives short keys (``email:jane@x.org``,
   ``phone:+447700900123``, ``tax:DE136695976``, ``namedob:jane smith|1980-02-01``,
   ``org:acme``) that a repository indexes; only records sharing a key are
   compared, so the search never scans the whole customer base.
2. **Scoring.**  :func:`score` compares two profiles and returns a value in
   0..1 with the reasons behind it.

Scoring weights.  Every matching signal has a weight *w*; signals are
combined as independent evidence, ``score = 1 - prod(1 - w)``, so any one
strong signal is enough on its own and weak ones reinforce each other:

=====================================  ======
signal                                 weight
=====================================  ======
same tax / VAT / company identifier    0.95
same identity document (passport ...)  0.95
same name and same birth date          0.85
same e-mail address                    0.80
same phone number (E.164)              0.70
same organisation name                 0.60
similar names (similarity s >= 0.75)   0.60 x s
=====================================  ======

The similar-name signal is skipped when the name and birth date already
matched or the organisation names are equal.  Name similarity is the larger of
the token Jaccard index and difflib's ratio over the sorted tokens, so word
order does not matter.

Contradictions then scale the result down: different birth dates x0.4 (a
parent and child often share name, address and phone), tax identifiers present
on both sides but none in common x0.5, an individual compared with an
organisation x0.5.  A score of at least :data:`LIKELY_DUPLICATE` (0.80) means
the pair should be merged or reviewed before a new identity is issued;
:data:`POSSIBLE_DUPLICATE` (0.50) marks pairs worth showing to an agent.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, Literal

import phonenumbers

from openbss.parties.contact_rules import (
    country_alpha2,
    identification_scheme,
    identifier_key,
    medium_kind,
    parse_date,
    postal_country,
)

__all__ = [
    "LIKELY_DUPLICATE",
    "POSSIBLE_DUPLICATE",
    "DuplicateScore",
    "IdentityProfile",
    "identity_profile",
    "match_keys",
    "normalise_name",
    "normalise_organisation_name",
    "score",
]

PartyKind = Literal["individual", "organization", "unknown"]

LIKELY_DUPLICATE: Final = Decimal("0.80")
POSSIBLE_DUPLICATE: Final = Decimal("0.50")

W_TAX_ID: Final = Decimal("0.95")
W_DOCUMENT_ID: Final = Decimal("0.95")
W_NAME_DOB: Final = Decimal("0.85")
W_EMAIL: Final = Decimal("0.80")
W_PHONE: Final = Decimal("0.70")
W_ORG_NAME: Final = Decimal("0.60")
W_SIMILAR_NAME: Final = Decimal("0.60")
SIMILAR_NAME_FLOOR: Final = 0.75
F_BIRTH_DATE_CONFLICT: Final = Decimal("0.4")
F_TAX_ID_CONFLICT: Final = Decimal("0.5")
F_KIND_CONFLICT: Final = Decimal("0.5")
_QUANTUM: Final = Decimal("0.0001")

# Letters that Unicode decomposition does not reduce to a base letter, and
# apostrophes, which vanish ("O'Brien" -> "obrien") instead of splitting words.
_FOLD: Final = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
    | dict.fromkeys("'`\u2019\u02bc\u00b4", "")
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HONORIFICS: Final = _words("mr mrs ms miss mx dr prof sir dame herr frau mme mlle")
# Legal-form words, compared after punctuation is removed and the trailing
# tokens are joined ("S.p.A." -> "spa", "B.V." -> "bv", "& Co. KG" -> "co", "kg").
_LEGAL_FORMS: Final = _words(
    """ltd limited llc llp lp plc inc incorporated corp corporation co company cie
    gmbh mbh ag kg ohg ug kgaa ev eg se sa sas sasu sarl sl slu srl spa sapa snc scs
    bv nv vof cv oy oyj ab hb as asa aps pty pvt kk sro zrt kft doo dd ad ood
    eood sp zoo spzoo lda ltda gie hf ehf"""
)


@dataclass(frozen=True, slots=True)
class IdentityProfile:
    """Normalised identifying facts of one party or customer record."""

    kind: PartyKind
    full_name: str
    name_tokens: frozenset[str]
    birth_date: date | None
    emails: frozenset[str]
    phones: frozenset[str]
    tax_ids: frozenset[str]
    document_ids: frozenset[str]
    organisation_names: frozenset[str]


@dataclass(frozen=True, slots=True)
class DuplicateScore:
    score: Decimal
    reasons: tuple[str, ...]

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY_DUPLICATE


# --- normalisation -----------------------------------------------------------


def normalise_name(text: str) -> str:
    """Case-folded, accent-free, punctuation-free name with single spaces."""
    # Compatibility forms first (U+1D54A double-struck S -> "S"), then case-fold: a fixed point.
    folded = unicodedata.normalize("NFKD", text).casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    chars: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        chars.append(ch if ch.isalnum() else " ")
    return " ".join("".join(chars).split())


def normalise_organisation_name(text: str) -> str:
    """Organisation name without trailing legal-form words (``Acme GmbH & Co. KG`` -> ``acme``)."""
    tokens = normalise_name(text).split()
    stripped = True
    while stripped and len(tokens) > 1:
        stripped = False
        for width in (3, 2, 1):
            if len(tokens) > width and "".join(tokens[-width:]) in _LEGAL_FORMS:
                del tokens[-width:]
                stripped = True
                break
    return " ".join(tokens)


def _person_name(doc: Mapping[str, Any]) -> str:
    parts = [doc.get(k) for k in ("givenName", "familyNamePrefix", "familyName")]
    text = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    if not text:
        for key in ("fullName", "legalName", "formattedName", "name"):
            if isinstance(doc.get(key), str) and doc[key].strip():
                tokens = normalise_name(doc[key]).split()
                while len(tokens) > 1 and tokens[0] in _HONORIFICS:
                    tokens.pop(0)
                return " ".join(tokens)
    return normalise_name(text)


def _kind(doc: Mapping[str, Any]) -> PartyKind:
    declared = str(doc.get("@type") or doc.get("@baseType") or "").casefold()
    if declared in ("individual", "organization"):
        return "individual" if declared == "individual" else "organization"
    engaged = doc.get("engagedParty")
    if isinstance(engaged, Mapping):
        referred = str(engaged.get("@referredType") or "").casefold()
        if referred in ("individual", "organization"):
            return "individual" if referred == "individual" else "organization"
    if any(k in doc for k in ("givenName", "familyName", "birthDate", "individualIdentification")):
        return "individual"
    if any(k in doc for k in ("tradingName", "organizationIdentification", "isLegalEntity")):
        return "organization"
    return "unknown"


def _media(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    media = doc.get("contactMedium")
    if not isinstance(media, Sequence) or isinstance(media, str):
        return []
    return [m for m in media if isinstance(m, Mapping) and isinstance(m.get("characteristic"), Mapping)]


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _phone_key(text: str, region: str | None) -> str | None:
    if _E164.fullmatch(text):  # stored numbers are validated and written in E.164 already
        return text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _contacts(media: list[Mapping[str, Any]], region: str | None) -> tuple[frozenset[str], frozenset[str]]:
    emails: set[str] = set()
    phones: set[str] = set()
    for medium in media:
        char = medium["characteristic"]
        email = char.get("emailAddress")
        if isinstance(email, str) and "@" in email:
            emails.add(email.strip().casefold())
        if medium_kind(medium.get("mediumType")) == "fax":
            continue
        phone = char.get("phoneNumber")
        if isinstance(phone, str) and (key := _phone_key(phone, region)):
            phones.add(key)
    return frozenset(emails), frozenset(phones)


def _identifiers(items: object) -> tuple[frozenset[str], frozenset[str]]:
    tax: set[str] = set()
    documents: set[str] = set()
    if isinstance(items, Sequence) and not isinstance(items, str):
        for ident in items:
            if not isinstance(ident, Mapping) or not (key := identifier_key(ident)):
                continue
            scheme = identification_scheme(ident.get("identificationType"))
            (tax if scheme in ("vat", "tax", "company") else documents).add(key)
    return frozenset(tax), frozenset(documents)


def identity_profile(doc: Mapping[str, Any], default_region: str | None = None) -> IdentityProfile:
    """Profile of a TMF632 Individual/Organization or a TMF629 Customer document.

    Phone numbers written without ``+`` are read in the country of the
    document's postal address, else in ``default_region``.
    """
    kind = _kind(doc)
    media = _media(doc)
    region = postal_country(media) or country_alpha2(default_region)
    emails, phones = _contacts(media, region)
    idents = doc.get("organizationIdentification" if kind == "organization" else "individualIdentification")
    tax_ids, document_ids = _identifiers(idents)
    org_names: frozenset[str] = frozenset()
    if kind == "individual":
        full_name = _person_name(doc)
    else:
        raw = [doc.get(k) for k in ("name", "tradingName")]
        names = [n for n in (normalise_organisation_name(r) for r in raw if isinstance(r, str)) if n]
        org_names = frozenset(names)
        full_name = names[0] if names else ""
    return IdentityProfile(
        kind=kind,
        full_name=full_name,
        name_tokens=frozenset(full_name.split()),
        birth_date=parse_date(doc.get("birthDate")) if kind == "individual" else None,
        emails=emails,
        phones=phones,
        tax_ids=tax_ids,
        document_ids=document_ids,
        organisation_names=org_names,
    )


# --- blocking and scoring ----------------------------------------------------


def _sorted_name(tokens: Iterable[str]) -> str:
    return " ".join(sorted(tokens))


def match_keys(profile: IdentityProfile) -> set[str]:
    """Index keys under which a repository should look for candidate duplicates."""
    keys = {f"email:{e}" for e in profile.emails}
    keys |= {f"phone:{p}" for p in profile.phones}
    keys |= {f"tax:{t}" for t in profile.tax_ids}
    keys |= {f"doc:{d}" for d in profile.document_ids}
    keys |= {f"org:{n}" for n in profile.organisation_names}
    if profile.birth_date and profile.name_tokens:
        keys.add(f"namedob:{_sorted_name(profile.name_tokens)}|{profile.birth_date.isoformat()}")
    return keys


def name_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Order-insensitive similarity of two token sets, symmetric, in 0..1."""
    if not a or not b:
        return 0.0
    jaccard = len(a & b) / len(a | b)
    first, second = sorted((_sorted_name(a), _sorted_name(b)))
    ratio = difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()
    return max(jaccard, ratio)


def _best_similarity(a: IdentityProfile, b: IdentityProfile) -> float:
    names_a = {frozenset(n.split()) for n in a.organisation_names} | {a.name_tokens}
    names_b = {frozenset(n.split()) for n in b.organisation_names} | {b.name_tokens}
    return max(name_similarity(x, y) for x in names_a for y in names_b)


def score(a: IdentityProfile, b: IdentityProfile) -> DuplicateScore:
    """How likely two profiles describe the same customer; see the module docstring."""
    evidence: list[tuple[Decimal, str]] = []
    if a.tax_ids & b.tax_ids:
        evidence.append((W_TAX_ID, "tax-id"))
    if a.document_ids & b.document_ids:
        evidence.append((W_DOCUMENT_ID, "document-id"))
    if a.emails & b.emails:
        evidence.append((W_EMAIL, "email"))
    if a.phones & b.phones:
        evidence.append((W_PHONE, "phone"))
    same_name_dob = bool(
        a.birth_date and a.birth_date == b.birth_date and a.name_tokens and a.name_tokens == b.name_tokens
    )
    if same_name_dob:
        evidence.append((W_NAME_DOB, "name+birth-date"))
    same_org = bool(a.organisation_names & b.organisation_names)
    if same_org:
        evidence.append((W_ORG_NAME, "organisation-name"))
    if not same_name_dob and not same_org:
        similarity = _best_similarity(a, b)
        if similarity >= SIMILAR_NAME_FLOOR:
            s = Decimal(str(round(similarity, 4)))
            evidence.append((W_SIMILAR_NAME * s, f"similar-name({s})"))

    remaining = Decimal(1)
    for weight, _ in evidence:
        remaining *= Decimal(1) - weight
    value = Decimal(1) - remaining
    reasons = [reason for _, reason in evidence]

    if a.birth_date and b.birth_date and a.birth_date != b.birth_date:
        value *= F_BIRTH_DATE_CONFLICT
        reasons.append("conflict:birth-date")
    if a.tax_ids and b.tax_ids and not a.tax_ids & b.tax_ids:
        value *= F_TAX_ID_CONFLICT
        reasons.append("conflict:tax-id")
    if {a.kind, b.kind} == {"individual", "organization"}:
        value *= F_KIND_CONFLICT
        reasons.append("conflict:party-kind")
    return DuplicateScore(value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN), tuple(reasons))
