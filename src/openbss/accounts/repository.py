"""Every query of the account domain.

References between documents (an account naming a bill format, a related
party, a financial account) are found through the engine's search entries
(``search_entry``: one indexed row per scalar leaf of every document), so a
"who refers to X" question is one indexed lookup whatever the kind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbss.accounts.models import (
    BillFormatRow,
    BillingAccountRow,
    BillingCycleSpecificationRow,
    BillPresentationMediaRow,
    FinancialAccountRow,
    PartyAccountRow,
    SettlementAccountRow,
)
from openbss.customers.models import CustomerRow
from openbss.tmf.query import resources_holding

API_CODE = "TMF666"

ACCOUNT_MODELS: dict[str, type[Any]] = {
    "partyAccount": PartyAccountRow,
    "billingAccount": BillingAccountRow,
    "settlementAccount": SettlementAccountRow,
    "financialAccount": FinancialAccountRow,
}
"""Resource path -> table of every kind of account."""

BILLED_ACCOUNT_PATHS = ("partyAccount", "billingAccount", "settlementAccount")
"""Kinds of account that carry a bill structure (a party account and its sub-classes)."""

ACCOUNT_PATH_OF_TYPE = {
    "PartyAccount": "partyAccount",
    "BillingAccount": "billingAccount",
    "SettlementAccount": "settlementAccount",
    "FinancialAccount": "financialAccount",
}

CATALOGUE_MODELS: dict[str, type[Any]] = {
    "billFormat": BillFormatRow,
    "billingCycleSpecification": BillingCycleSpecificationRow,
    "billPresentationMedia": BillPresentationMediaRow,
}


def kind_of(path: str) -> str:
    """Search-entry kind of a TMF666 resource path (``TMF666.billingAccount``)."""
    return f"{API_CODE}.{path}"


def get_row(session: Session, model: type[Any], resource_id: str, *, for_update: bool = False) -> Any:
    stmt = select(model).where(model.id == resource_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def exists(session: Session, model: type[Any], resource_id: str) -> bool:
    return session.execute(select(model.id).where(model.id == resource_id)).first() is not None


def customer(session: Session, customer_id: str) -> CustomerRow | None:
    """A TMF629 customer by id (read only: the customer domain owns the table)."""
    return session.get(CustomerRow, customer_id)


def find_account(session: Session, account_id: str, paths: Iterable[str]) -> tuple[str, Any] | None:
    """The account with this id among the kinds ``paths``, with its path."""
    for path in paths:
        row = get_row(session, ACCOUNT_MODELS[path], account_id)
        if row is not None:
            return path, row
    return None


def referrers(
    session: Session,
    paths: Iterable[str],
    attribute: str,
    ids: Collection[str],
    *,
    exclude_id: str | None = None,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """(path, id) of the resources of kinds ``paths`` whose ``attribute`` holds one of ``ids``."""
    kinds = {kind_of(p): p for p in paths}
    found = resources_holding(session, kinds, attribute, ids, exclude_id=exclude_id, limit=limit)
    return [(kinds[kind], rid) for kind, rid in found]


def rows_by_ids(session: Session, model: type[Any], ids: Collection[str], *, for_update: bool = False) -> list[Any]:
    if not ids:
        return []
    stmt = select(model).where(model.id.in_(sorted(ids))).order_by(model.id)
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def billing_accounts_with_cycle(session: Session, cycle_id: str, limit: int = 1) -> list[str]:
    stmt = select(BillingAccountRow.id).where(BillingAccountRow.bill_cycle_id == cycle_id).limit(limit)
    return list(session.execute(stmt).scalars())
