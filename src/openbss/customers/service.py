"""Customer domain rules (TMF629)."""

from __future__ import annotations

from typing import Any

from openbss.parties.service import check_party_reference, engaged_party_id
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


def customer_columns(doc: Doc) -> dict[str, Any]:
    return {"engaged_party_id": engaged_party_id(doc)}


class CustomerHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        check_party_reference(ctx, doc.get("engagedParty"), "engagedParty")

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        if old.get("engagedParty") != new.get("engagedParty"):
            check_party_reference(ctx, new.get("engagedParty"), "engagedParty")
