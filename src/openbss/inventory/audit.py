"""Ensure Customer Inventory Data Quality (eTOM 1.3.16.5): an audit of every product.

``audit_inventory`` walks the whole inventory in id order and reports, per
product, what disagrees with the rest of the system. It changes nothing; an
agent or a data migration fixes what it finds. Findings (rule: meaning):

* the date rules of :func:`openbss.inventory.rules.date_problems`
  (``terminationDate.beforeStart``, ``required``);
* ``owner.missing`` / ``owner.unknown``: no owner, or one that does not exist here;
* ``owner.ended``: a product still in force whose customer is merged or terminated
  (or whose party is deceased or closed);
* ``owner.column``: the stored owner columns no longer match the document
  (a customer re-pointed to another party): access control would be wrong;
* ``billingAccount.missing`` / ``.unknown`` / ``.closed`` / ``.owner``: a product in
  force that nothing can bill, or is billed to a closed or someone else's account;
* ``productPrice.missing`` / ``productPrice.currency``: a product in force without a
  price, or with prices in several currencies;
* ``bundle.parentMissing`` / ``bundle.partOutlivesBundle``: a part whose bundle is
  gone, or ended while the part is still in force;
* ``productOffering.unknown``: the offering is not in the catalog.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from openbss.accounts.ownership import ENDED_STATUSES, resolve
from openbss.catalog import service as catalog
from openbss.core.clock import isoformat
from openbss.core.processes import process
from openbss.inventory import repository, rules
from openbss.inventory.models import ProductRow
from openbss.inventory.resource import STAFF
from openbss.tmf import service as engine
from openbss.tmf.context import Context

PAGE = 500
IN_FORCE = rules.IN_SERVICE | {rules.CREATED, rules.PENDING_ACTIVE}
"""Statuses of a product that is, or is about to be, billed."""


@dataclass(frozen=True)
class Finding:
    product_id: str
    rule: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"productId": self.product_id, "rule": self.rule, "field": self.field, "message": self.message}


@dataclass
class AuditReport:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def as_dict(self, at: str) -> dict[str, Any]:
        return {
            "auditedAt": at,
            "checked": self.checked,
            "productsWithFindings": len({f.product_id for f in self.findings}),
            "byRule": self.by_rule,
            "findings": [f.as_dict() for f in self.findings],
        }


def _billing_account(ctx: Context, account_id: str) -> Any:
    from openbss.domains import resource_type

    return ctx.session.get(resource_type("TMF666.billingAccount").model, account_id)


def _owner_findings(ctx: Context, row: ProductRow, in_force: bool) -> tuple[list[Finding], Any]:
    ref = rules.owner_ref(row.doc)
    if ref is None:
        return [Finding(row.id, "owner.missing", "relatedParty", "the product names no owner")], None
    found = resolve(ctx, ref)
    if found is None:
        return [Finding(row.id, "owner.unknown", "relatedParty", f"owner '{ref.get('id')}' does not exist here")], None
    out: list[Finding] = []
    if in_force and found.status in ENDED_STATUSES.get(found.kind, ()):
        out.append(Finding(row.id, "owner.ended", "relatedParty", f"{found.kind} '{found.id}' is {found.status}"))
    customer = found.id if found.kind == "Customer" else None
    if (row.owner_party_id, row.customer_id) != (found.party_id, customer):
        out.append(Finding(row.id, "owner.column", "relatedParty", "the stored owner columns do not match the owner"))
    return out, found


def _billing_findings(ctx: Context, row: ProductRow, owner: Any) -> list[Finding]:
    account_id = rules.ref_id(row.doc.get("billingAccount"))
    if account_id is None:
        return [Finding(row.id, "billingAccount.missing", "billingAccount", "nothing can bill this product")]
    account = _billing_account(ctx, account_id)
    if account is None:
        return [Finding(row.id, "billingAccount.unknown", "billingAccount.id", f"no BillingAccount '{account_id}'")]
    out: list[Finding] = []
    if account.status == "closed":
        out.append(Finding(row.id, "billingAccount.closed", "billingAccount.id", f"'{account_id}' is closed"))
    if owner is not None:
        same = (
            account.customer_id == owner.id
            if owner.kind == "Customer" and account.customer_id
            else account.owner_party_id in (None, owner.party_id)
        )
        if not same:
            out.append(
                Finding(row.id, "billingAccount.owner", "billingAccount.id", f"'{account_id}' belongs to someone else")
            )
    return out


def _price_findings(row: ProductRow) -> list[Finding]:
    prices = [p for p in row.doc.get("productPrice") or [] if isinstance(p, dict)]
    if not prices:
        return [Finding(row.id, "productPrice.missing", "productPrice", "a product in force has no price")]
    units = set()
    for price in prices:
        for amount in ("dutyFreeAmount", "taxIncludedAmount"):
            money = (price.get("price") or {}).get(amount)
            if isinstance(money, dict) and money.get("unit"):
                units.add(str(money["unit"]))
    if len(units) > 1:
        return [Finding(row.id, "productPrice.currency", "productPrice", f"prices in {', '.join(sorted(units))}")]
    return []


def _bundle_findings(ctx: Context, row: ProductRow, in_force: bool) -> list[Finding]:
    if row.parent_id is None:
        return []
    parent = repository.get_row(ctx.session, row.parent_id)
    if parent is None:
        return [Finding(row.id, "bundle.parentMissing", "productRelationship", f"no bundle '{row.parent_id}'")]
    if in_force and parent.status in rules.FINAL:
        return [
            Finding(
                row.id,
                "bundle.partOutlivesBundle",
                "productRelationship",
                f"bundle '{parent.id}' is {parent.status} but this part is {row.status}",
            )
        ]
    return []


def audit_product(ctx: Context, row: ProductRow) -> list[Finding]:
    """Everything the audit finds wrong with one product."""
    in_force = row.status in IN_FORCE
    findings = [Finding(row.id, p.rule, p.field, p.message) for p in rules.date_problems(row.doc)]
    owner_findings, owner = _owner_findings(ctx, row, in_force)
    findings += owner_findings
    if in_force:
        findings += _billing_findings(ctx, row, owner)
        findings += _price_findings(row)
    findings += _bundle_findings(ctx, row, in_force)
    if row.offering_id and catalog.get_offering(ctx, row.offering_id) is None:
        findings.append(
            Finding(row.id, "productOffering.unknown", "productOffering.id", f"no offering '{row.offering_id}'")
        )
    return findings


@process("1.3.16.5")
def audit_inventory(ctx: Context, *, limit: int | None = None) -> AuditReport:
    """Audit every product (or the first ``limit`` by id); staff only."""
    engine.require_role(ctx, STAFF, "audit the product inventory")
    report = AuditReport()
    after: str | None = None
    while limit is None or report.checked < limit:
        size = PAGE if limit is None else min(PAGE, limit - report.checked)
        page = repository.all_rows(ctx.session, after_id=after, limit=size)
        if not page:
            break
        for row in page:
            report.findings += audit_product(ctx, row)
        report.checked += len(page)
        after = page[-1].id
        ctx.session.expunge_all()  # a large inventory must not pile up in the session
    return report


def report_document(ctx: Context, report: AuditReport) -> dict[str, Any]:
    return report.as_dict(isoformat(ctx.now))
