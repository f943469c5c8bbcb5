"""De-duplicate Customer Identity (eTOM 1.3.4.2.4): finding duplicate customers.

Each customer's identity is the profile of its engaged party (TMF632
Individual or Organization) together with the customer's own contact media.
Its blocking keys (:func:`openbss.customers.dedupe_rules.match_keys`) are
stored in ``customer_match_key``. When a customer is created, or its contact
data or party changes, the customers sharing a key or the engaged party (found
through the customer table's own ``engaged_party_id`` index) are scored with
:func:`openbss.customers.dedupe_rules.score`; pairs scoring at least the
threshold are stored (both ways) in ``duplicate_candidate``. Two customers of
the same party always score 1.

Creating a customer is never blocked by a duplicate: the candidates are shown
to an agent, who may merge them (:mod:`openbss.customers.merge`).

``OPENBSS_DEDUPE_THRESHOLD`` (default 0.50) sets the lowest score recorded;
``OPENBSS_DEDUPE_MAX_COMPARISONS`` (default 500) caps how many customers
sharing a key are compared, newest first.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from openbss.core.processes import process
from openbss.customers import repository
from openbss.customers.dedupe_rules import (
    LIKELY_DUPLICATE,
    POSSIBLE_DUPLICATE,
    DuplicateScore,
    IdentityProfile,
    identity_profile,
    match_keys,
    normalise_name,
    score,
)
from openbss.customers.models import CustomerRow
from openbss.parties.contact_rules import medium_kind
from openbss.parties.service import engaged_party_id, find_party, register_party_change_listener
from openbss.tmf.context import Context

MAX_KEY_LENGTH: Final = 320
SAME_PARTY: Final = DuplicateScore(Decimal("1.0000"), ("same-party",))

__all__ = [
    "LIKELY_DUPLICATE",
    "customer_profile",
    "dedupe_threshold",
    "detect_duplicates",
    "medium_key",
    "refresh_party_customers",
    "reindex",
]


def dedupe_threshold() -> Decimal:
    return _threshold(os.environ.get("OPENBSS_DEDUPE_THRESHOLD"))


@functools.lru_cache(maxsize=8)
def _threshold(text: str | None) -> Decimal:
    """The threshold ``OPENBSS_DEDUPE_THRESHOLD`` gives (parsed once per value: every create asks)."""
    if not text:
        return POSSIBLE_DUPLICATE
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"OPENBSS_DEDUPE_THRESHOLD={text!r} is not a number") from None
    if not Decimal(0) < value <= Decimal(1):
        raise ValueError("OPENBSS_DEDUPE_THRESHOLD must be in (0, 1]")
    return value


def _max_comparisons() -> int:
    text = os.environ.get("OPENBSS_DEDUPE_MAX_COMPARISONS")
    return max(int(text), 1) if text else 500


def identity_document(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    """The party document with the customer's contact media added (the customer doc if no party)."""
    party_id = engaged_party_id(doc)
    found = find_party(ctx, party_id) if party_id else None
    customer_media = [m for m in doc.get("contactMedium") or [] if isinstance(m, dict)]
    if found is None:
        return dict(doc)
    type_name, party = found
    party_doc = dict(party.doc)
    party_doc["@type"] = type_name
    party_doc["contactMedium"] = [m for m in party_doc.get("contactMedium") or [] if isinstance(m, dict)]
    party_doc["contactMedium"] += customer_media
    return party_doc


def customer_profile(ctx: Context, doc: dict[str, Any]) -> IdentityProfile:
    return identity_profile(identity_document(ctx, doc), ctx.settings.default_phone_region)


_NEW_PROFILE = "customers.dedupe.new_profile"
_NOT_READ_BY_PROFILE = frozenset({"id", "href", "characteristic"})  # the customer number goes there


def _identity_fields(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in _NOT_READ_BY_PROFILE}


def prepare_new(ctx: Context, doc: dict[str, Any]) -> None:
    """Work out a new customer's identity profile before the create writes.

    :func:`reindex` of the new row uses it if the row's document still holds
    the very same values everywhere but in ``characteristic`` (where the
    customer number is added afterwards, and which a profile does not read).
    On SQLite this keeps the work out of the writer lock.
    """
    ctx.memo[_NEW_PROFILE] = (_identity_fields(doc), customer_profile(ctx, doc))


def _prepared_profile(ctx: Context, doc: dict[str, Any]) -> IdentityProfile | None:
    prepared = ctx.memo.pop(_NEW_PROFILE, None)
    if prepared is None:
        return None
    fields, profile = prepared
    now = _identity_fields(doc)
    unchanged = fields.keys() == now.keys() and all(now[k] is v for k, v in fields.items())
    return profile if unchanged else None


def medium_key(medium: Any) -> tuple[str, ...] | None:
    """What makes two contact media the same address, number or handle."""
    if not isinstance(medium, dict):
        return None
    char = medium.get("characteristic")
    if not isinstance(char, dict):
        return None
    kind = medium_kind(medium.get("mediumType")) or str(medium.get("mediumType") or "").casefold()
    if char.get("emailAddress"):
        return ("email", str(char["emailAddress"]).strip().casefold())
    if char.get("phoneNumber") or char.get("faxNumber"):
        return (kind, str(char.get("phoneNumber") or char.get("faxNumber")).replace(" ", ""))
    parts = tuple(
        normalise_name(str(char.get(k) or ""))
        for k in ("street1", "street2", "city", "postCode", "stateOrProvince", "country", "socialNetworkId")
    )
    return (kind, *parts) if any(parts) else None


def _keys(profile: IdentityProfile) -> set[str]:
    """The keys stored for a customer; its party is not one (``engaged_party_id`` is indexed already)."""
    return {k[:MAX_KEY_LENGTH] for k in match_keys(profile)}


def _lock_keys(keys: set[str], party_id: str | None) -> set[str]:
    """What concurrent detections take turns on (PostgreSQL): the keys, and the engaged party."""
    return keys | {f"party:{party_id}"} if party_id else keys


@dataclass(frozen=True)
class Match:
    candidate_id: str
    result: DuplicateScore


@process("1.3.4.2.4")
def detect_duplicates(ctx: Context, row: CustomerRow, *, new: bool = False) -> list[Match]:
    """Re-index ``row``'s identity and record the customers that probably are the same one.

    ``new`` says the customer was created in this transaction: it has no keys
    or pairs to replace yet.
    """
    return reindex(ctx, row, new=new)


def reindex(ctx: Context, row: CustomerRow, *, new: bool = False) -> list[Match]:
    """:func:`detect_duplicates` without recording a process run (for use inside other steps)."""
    session = ctx.session
    if not new:
        repository.delete_detected_pairs(session, row.id)
    if row.status == "merged":
        repository.delete_match_keys(session, row.id)
        return []
    profile = (_prepared_profile(ctx, row.doc) if new else None) or customer_profile(ctx, row.doc)
    keys = _keys(profile)
    party_id = engaged_party_id(row.doc)
    repository.lock_match_keys(session, _lock_keys(keys, party_id))
    if new:
        repository.insert_match_keys(session, row.id, keys)
    else:
        repository.replace_match_keys(session, row.id, keys)
    threshold = dedupe_threshold()
    found: list[Match] = []
    others = repository.customers_by_ids(
        session, repository.customers_sharing_keys(session, row.id, keys, party_id, _max_comparisons())
    )
    for other in others.values():
        if party_id and other.engaged_party_id == party_id:
            result = SAME_PARTY
        else:
            result = score(profile, customer_profile(ctx, other.doc))
        if result.score < threshold:
            continue
        found.append(Match(other.id, result))
        for a, b in ((row.id, other.id), (other.id, row.id)):
            repository.upsert_pair(session, a, b, result.score, list(result.reasons), "match", ctx.now)
    found.sort(key=lambda m: (-m.result.score, m.candidate_id))
    return found


def refresh_party_customers(ctx: Context, party_id: str) -> int:
    """Re-run detection for every customer of a party whose data changed; returns how many.

    The parties domain calls this after a TMF632 change to names, birth date,
    identifiers or contact media.
    """
    rows = repository.customers_of_party(ctx.session, party_id)
    for row in rows:
        detect_duplicates(ctx, row)
    return len(rows)


def _on_party_changed(ctx: Context, party_id: str) -> None:
    refresh_party_customers(ctx, party_id)


register_party_change_listener(_on_party_changed)
