"""Who an order is for: its customer and billing account, found through their own domains.

An order names its customer in ``relatedParty``: the entry whose ``role`` is
``customer`` (any case), else the one referring to a ``Customer``, else the
first party (``Individual`` or ``Organization``). A customer reference is
looked up directly; a party reference finds that party's customer (an
approved one first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from openbss.accounts.models import BillingAccountRow
from openbss.customers.models import CustomerRow
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

PARTY_TYPES = ("Individual", "Organization")
ACTIVE_CUSTOMER = "approved"


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    party_id: str | None
    status: str | None
    category: str | None


@dataclass(frozen=True)
class AccountInfo:
    id: str
    state: str | None
    customer_id: str | None
    owner_party_id: str | None
    currency: str | None


def customer_ref(doc: Doc | None) -> dict[str, Any] | None:
    related = [r for r in (doc or {}).get("relatedParty") or [] if isinstance(r, dict) and r.get("id")]
    for ref in related:
        if str(ref.get("role") or "").lower() == "customer":
            return ref
    for ref in related:
        if ref.get("@referredType") == "Customer":
            return ref
    for ref in related:
        if ref.get("@referredType") in PARTY_TYPES:
            return ref
    return None


def resolve_customer(ctx: Context, ref: dict[str, Any] | None) -> CustomerInfo | None:
    """The customer a ``relatedParty`` entry names, or None when there is none here.

    Remembered for the rest of the transaction (capture and validation ask several times).
    """
    if ref is None or not ref.get("id"):
        return None
    memo: dict[tuple[str, Any], CustomerInfo | None] = ctx.session.info.setdefault("ordering.customers", {})
    key = (str(ref["id"]), ref.get("@referredType"))
    if key not in memo:
        memo[key] = _resolve_customer(ctx, ref)
    return memo[key]


# Core reads of the few columns needed: no ORM objects are built for rows order handling only reads.
_CUSTOMER_COLUMNS = (
    CustomerRow.id,
    CustomerRow.engaged_party_id,
    CustomerRow.status,
    CustomerRow.doc,
    CustomerRow.created_at,
)
_CUSTOMER_BY_ID = select(*_CUSTOMER_COLUMNS).where(CustomerRow.id == bindparam("customer_id"))
_CUSTOMERS_OF_PARTY = select(*_CUSTOMER_COLUMNS).where(CustomerRow.engaged_party_id == bindparam("party_id"))
_ACCOUNT_BY_ID = select(
    BillingAccountRow.id,
    BillingAccountRow.status,
    BillingAccountRow.customer_id,
    BillingAccountRow.owner_party_id,
    BillingAccountRow.currency,
).where(BillingAccountRow.id == bindparam("account_id"))


def _resolve_customer(ctx: Context, ref: dict[str, Any]) -> CustomerInfo | None:
    ref_id = str(ref["id"])
    referred = ref.get("@referredType")
    if referred not in PARTY_TYPES:
        found = ctx.session.execute(_CUSTOMER_BY_ID, {"customer_id": ref_id}).first()
        if found is not None:
            return _info(found)
        if referred == "Customer":
            return None
    candidates = list(ctx.session.execute(_CUSTOMERS_OF_PARTY, {"party_id": ref_id}).all())
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c.status != ACTIVE_CUSTOMER, c.created_at, c.id))
    return _info(candidates[0])


def _info(row: Any) -> CustomerInfo:
    return CustomerInfo(
        id=row.id,
        party_id=row.engaged_party_id,
        status=row.status,
        category=(row.doc or {}).get("customerCategory") or _category(row.doc),
    )


def _category(doc: Doc | None) -> str | None:
    for item in (doc or {}).get("characteristic") or []:
        if isinstance(item, dict) and item.get("name") in ("customerCategory", "category"):
            value = item.get("value")
            return str(value) if value is not None else None
    return None


def billing_account(ctx: Context, account_id: str) -> AccountInfo | None:
    """The billing account, or None; remembered for the rest of the transaction, like customers."""
    memo: dict[str, AccountInfo | None] = ctx.session.info.setdefault("ordering.accounts", {})
    if account_id not in memo:
        memo[account_id] = _billing_account(ctx, account_id)
    return memo[account_id]


def _billing_account(ctx: Context, account_id: str) -> AccountInfo | None:
    row = ctx.session.execute(_ACCOUNT_BY_ID, {"account_id": account_id}).first()
    if row is None:
        return None
    return AccountInfo(
        id=row.id,
        state=row.status,
        customer_id=row.customer_id,
        owner_party_id=row.owner_party_id,
        currency=row.currency,
    )
