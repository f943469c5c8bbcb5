"""Account domain rules (TMF666): Manage Customer Billing Account (1.3.10.1)."""

from __future__ import annotations

from typing import Any

from openbss.parties.service import check_party_reference
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

ACCOUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"active", "closed"}),
    "active": frozenset({"suspended", "closed"}),
    "suspended": frozenset({"active", "closed"}),
    "closed": frozenset(),
    "@create": frozenset({"active"}),
}


def account_owner(doc: Doc) -> str | None:
    for ref in doc.get("relatedParty") or []:
        if isinstance(ref, dict) and ref.get("id"):
            return str(ref["id"])
    return None


class AccountHooks(NoHooks):
    def columns(self, doc: Doc) -> dict[str, Any]:
        return {}

    def before_create(self, ctx: Context, doc: Doc) -> None:
        for index, ref in enumerate(doc.get("relatedParty") or []):
            check_party_reference(ctx, ref, f"relatedParty[{index}]")

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        if old.get("relatedParty") != new.get("relatedParty"):
            for index, ref in enumerate(new.get("relatedParty") or []):
                check_party_reference(ctx, ref, f"relatedParty[{index}]")


class BillingAccountHooks(AccountHooks):
    def columns(self, doc: Doc) -> dict[str, Any]:
        return {}
