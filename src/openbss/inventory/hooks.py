"""Rules that run on every write of a product, whichever path makes it.

* Capture checks (1.3.16.3): dates agree with the status and each other; the
  owner, the billing account, the product offering, the bundle parent and the
  bundle's parts exist (with ``OPENBSS_REFERENCE_CHECK=strict``) and belong to
  the same customer; a terminated or cancelled product no longer changes.
* Columns: the customer, billing account, offering and bundle parent are kept
  in typed columns; the owner column holds the customer's PARTY, so a customer
  or partner token sees exactly its own products (1.3.16.4).
* Bundles: a part naming its bundle (``productRelationship`` of type
  ``isBundledIn``) is added to the bundle's ``product`` list, and a bundle
  listing a part by reference gets named in the part; links are only added.
* History: every write leaves a :mod:`~openbss.inventory.trail` row.
"""

from __future__ import annotations

import copy
from typing import Any

from openbss.accounts.ownership import ENDED_STATUSES, resolve
from openbss.catalog import service as catalog
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.inventory import repository, rules, trail
from openbss.inventory.models import ProductRow
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks

BILLING_ACCOUNT_KIND = "TMF666.billingAccount"


def product_columns(doc: Doc) -> dict[str, Any]:
    """Typed columns from the document; the owner columns are finished in ``after_write``."""
    owner = rules.owner_ref(doc)
    return {
        "customer_id": str(owner["id"]) if owner and owner.get("@referredType") == "Customer" else None,
        "billing_account_id": rules.ref_id(doc.get("billingAccount")),
        "offering_id": rules.ref_id(doc.get("productOffering")),
        "parent_id": rules.parent_id(doc),
    }


def product_owner(doc: Doc) -> str | None:
    """First guess of the owner column (the owner reference's id); corrected after each write."""
    owner = rules.owner_ref(doc)
    return str(owner["id"]) if owner else None


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


def _resource_type(kind: str) -> Any:
    from openbss.domains import resource_type  # the domain list imports this module

    return resource_type(kind)


def _strict(ctx: Context) -> bool:
    return ctx.settings.reference_check == "strict"


# --- references ---------------------------------------------------------------------------------------------


def _owner(ctx: Context, doc: Doc) -> tuple[str | None, str | None, str | None, str | None]:
    """(party id, customer id, kind, status) of the product's owner as far as it is known here."""
    ref = rules.owner_ref(doc)
    if ref is None:
        return None, None, None, None
    found = resolve(ctx, ref)
    if found is None:  # unknown here (reference checks off): a party id is taken as given
        party = None if ref.get("@referredType") in ("Customer", "PartyRole") else str(ref["id"])
        customer = str(ref["id"]) if ref.get("@referredType") == "Customer" else None
        return party, customer, ref.get("@referredType"), None
    customer = found.id if found.kind == "Customer" else None
    return found.party_id, customer, found.kind, found.status


def _owner_problems(ctx: Context, doc: Doc, old: Doc | None) -> list[FieldProblem]:
    related = doc.get("relatedParty") or []
    if not related:
        return [FieldProblem("relatedParty", "required", "a product belongs to a customer: give its relatedParty")]
    index = rules.owner_index(related) or 0
    ref = related[index]
    found = resolve(ctx, ref)
    field = f"relatedParty[{index}]"
    if found is None:
        if _strict(ctx):
            kind = ref.get("@referredType") or "party or customer"
            return [FieldProblem(f"{field}.id", "reference.exists", f"no {kind} with id '{ref.get('id')}' exists here")]
        return []
    old_owner = rules.owner_ref(old) if old is not None else None
    changed_owner = old_owner is None or old_owner.get("id") != ref.get("id")
    if changed_owner and doc.get("status") not in rules.FINAL and found.status in ENDED_STATUSES.get(found.kind, ()):
        raise Conflict(
            f"{found.kind} '{found.id}' is {found.status} and cannot take on a product",
            field=field,
            rule="owner.status",
        )
    return []


def _billing_account_problems(ctx: Context, doc: Doc) -> list[FieldProblem]:
    account_id = rules.ref_id(doc.get("billingAccount"))
    if account_id is None or not _strict(ctx):
        return []
    row = ctx.session.get(_resource_type(BILLING_ACCOUNT_KIND).model, account_id)
    if row is None:
        return [FieldProblem("billingAccount.id", "reference.exists", f"no BillingAccount with id '{account_id}'")]
    party, customer, _kind, _status = _owner(ctx, doc)
    account_customer = getattr(row, "customer_id", None)
    if customer and account_customer and account_customer != customer:
        return [
            FieldProblem(
                "billingAccount.id",
                "billingAccount.owner",
                f"billing account '{account_id}' belongs to customer '{account_customer}', not to '{customer}'",
            )
        ]
    if not (customer and account_customer) and party and row.owner_party_id and row.owner_party_id != party:
        return [
            FieldProblem(
                "billingAccount.id",
                "billingAccount.owner",
                f"billing account '{account_id}' belongs to another party than the product's owner",
            )
        ]
    if row.status == "closed" and doc.get("status") not in rules.FINAL:
        return [FieldProblem("billingAccount.id", "billingAccount.closed", f"billing account '{account_id}' is closed")]
    return []


def _offering_problems(ctx: Context, doc: Doc) -> list[FieldProblem]:
    offering_id = rules.ref_id(doc.get("productOffering"))
    if offering_id is None or not _strict(ctx):
        return []
    if catalog.get_offering(ctx, offering_id) is None:
        return [FieldProblem("productOffering.id", "reference.exists", f"no ProductOffering with id '{offering_id}'")]
    return []


def _bundle_problems(ctx: Context, doc: Doc, own_id: str | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    owner = product_owner(doc)
    parent = rules.parent_id(doc)
    if parent is not None:
        if parent == own_id:
            problems.append(FieldProblem("productRelationship", "bundle.self", "a product cannot be part of itself"))
        else:
            row = repository.get_row(ctx.session, parent)
            if row is None:
                problems.append(
                    FieldProblem("productRelationship", "reference.exists", f"no Product with id '{parent}'")
                )
            elif owner and product_owner(row.doc) != owner:
                problems.append(
                    FieldProblem("productRelationship", "bundle.owner", "a bundle and its parts belong to one customer")
                )
    for index, child in enumerate(rules.child_ids(doc)):
        field = f"product[{index}].id"
        if child in (own_id, parent):
            problems.append(FieldProblem(field, "bundle.cycle", "a product cannot contain itself or its bundle"))
            continue
        row = repository.get_row(ctx.session, child)
        if row is None:
            problems.append(FieldProblem(field, "reference.exists", f"no Product with id '{child}'"))
        elif owner and product_owner(row.doc) != owner:
            problems.append(FieldProblem(field, "bundle.owner", "a bundle and its parts belong to one customer"))
        elif row.parent_id not in (None, own_id):
            problems.append(FieldProblem(field, "bundle.taken", f"product '{child}' is part of another bundle"))
    return problems


def capture_problems(ctx: Context, doc: Doc, old: Doc | None, own_id: str | None) -> list[FieldProblem]:
    """Everything wrong with a new or changed product document (only changed parts are checked)."""
    before = old or {}
    changed = {k for k in set(before) | set(doc) if before.get(k) != doc.get(k)}
    problems = rules.date_problems(doc)
    if old is None or "relatedParty" in changed:
        problems += _owner_problems(ctx, doc, old)
    if old is None or changed & {"billingAccount", "relatedParty"}:
        problems += _billing_account_problems(ctx, doc)
    if old is None or "productOffering" in changed:
        problems += _offering_problems(ctx, doc)
    if old is None or changed & {"product", "productRelationship", "relatedParty"}:
        problems += _bundle_problems(ctx, doc, own_id)
    return problems


def fill_status_dates(doc: Doc, old: Doc | None, ctx: Context) -> None:
    """Set startDate/terminationDate when the status moves (unless this same write gives them)."""
    before = old or {}
    for key, value in rules.status_dates(doc, before.get("status"), ctx.now).items():
        given = doc.get(key) is not None and doc.get(key) != before.get(key)
        if not given:
            doc[key] = value


# --- keeping bundles linked -------------------------------------------------------------------------------------------


def _link_bundle(ctx: Context, row: ProductRow, old: Doc | None) -> None:
    from openbss.inventory.resource import PRODUCT  # the declaration imports these hooks

    doc = row.doc
    before = old or {}
    parent = rules.parent_id(doc)
    ref = {"id": row.id, "href": engine.href(ctx, PRODUCT, row.id), "@referredType": "Product"}
    if parent is not None and parent != rules.parent_id(before):
        parent_row = repository.get_row(ctx.session, parent, for_update=True)
        if parent_row is not None and row.id not in rules.child_ids(parent_row.doc):
            new = copy.deepcopy(parent_row.doc)
            new["product"] = rules.with_child(new, ref)
            new["isBundle"] = True
            engine.replace_doc(ctx, PRODUCT, parent_row, new)
    added = [c for c in rules.child_ids(doc) if c not in rules.child_ids(before)]
    for child in repository.rows_by_ids(ctx.session, added, for_update=True):
        if rules.parent_id(child.doc) != row.id:
            new = copy.deepcopy(child.doc)
            new["productRelationship"] = rules.with_parent(new, ref)
            engine.replace_doc(ctx, PRODUCT, child, new)


class ProductHooks(NoHooks):
    def before_create(self, ctx: Context, doc: Doc) -> None:
        fill_status_dates(doc, None, ctx)
        _raise(capture_problems(ctx, doc, None, None))

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        if old.get("status") in rules.FINAL:
            raise Conflict(
                f"the product is {old.get('status')}; a {old.get('status')} product no longer changes",
                field="status",
                rule="product.final",
            )
        fill_status_dates(new, old, ctx)
        _raise(capture_problems(ctx, new, old, row.id))

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        parts = repository.children_of(ctx.session, row.id)
        if parts:
            names = ", ".join(p.id for p in parts[:3])
            raise Conflict(
                f"the product is a bundle with parts ({names}); delete or detach them first",
                field="id",
                rule="product.hasParts",
            )
        trail.record(ctx, row.id, row.doc, None)

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        assert isinstance(row, ProductRow)
        party, customer, _kind, _status = _owner(ctx, row.doc)
        row.owner_party_id = party
        row.customer_id = customer
        ctx.session.flush()
        trail.record(ctx, row.id, old, row.doc)
        _link_bundle(ctx, row, old)
