"""Product inventory operations (TMF637; eTOM 1.3.16 Customer Inventory Management).

Products change through orders (and, later, suspension by collections), so
the functions below - not the REST writes, which are an administrator's -
are the normal path. Each write keeps the product's order trail
(``productOrderItem``), its history rows, its events and its bundle links.

The interface other domains code against::

    create_product(ctx, product) -> Doc
    modify_product(ctx, product_id, changes, *, order_ref) -> Doc
    set_product_status(ctx, product_id, status, *, at, reason, order_ref) -> Doc
    get_product(ctx, product_id) -> Doc | None
    products_of_customer(ctx, customer_id) -> list[Doc]

``order_ref`` is a TMF637 RelatedProductOrderItem::

    {"productOrderId": "...", "orderItemId": "1", "orderItemAction": "modify",
     "productOrderHref": "...", "role": "..."}     # the last three optional

The writers do not check the caller's role (an order completed by an agent or
a job creates products that only an admin could POST); the readers apply the
customer-or-partner rule: such a token sees only its own party's products.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from openbss.core.errors import Conflict, NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process, register_implementation
from openbss.core.security import Principal
from openbss.inventory import repository, rules, trail
from openbss.inventory.models import ProductRow
from openbss.inventory.resource import PRODUCT
from openbss.tmf import patch as patching
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

__all__ = [
    "PRODUCT",
    "create_product",
    "get_product",
    "modify_product",
    "product_history",
    "products_of_customer",
    "set_product_status",
]

SYSTEM = Principal(subject="openbss-inventory", role="admin")
"""Who writes when an order (or collections) changes a product: not a REST caller."""
MAX_PRODUCTS_LISTED = 1000


def _as_system(ctx: Context) -> Context:
    return replace(ctx, principal=SYSTEM)


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


def _locked(ctx: Context, product_id: str) -> ProductRow:
    row = repository.get_row(ctx.session, product_id, for_update=True)
    if row is None:
        raise NotFound(f"no Product with id '{product_id}'", field="id", rule="exists")
    return row


# --- writers (used by ordering and collections) -------------------------------------------------------


def create_product(ctx: Context, product: Doc) -> Doc:
    """Record a new product; returns it as rendered (with ``id`` and ``href``).

    ``product`` is a TMF637 Product document. ``status`` defaults to
    ``created``; a product recorded ``active`` gets ``startDate`` now unless
    given. The order item behind it goes in its ``productOrderItem`` list. A
    part of a bundle names the bundle with a ``productRelationship`` of type
    ``isBundledIn`` (the bundle's ``product`` list is updated), or a bundle
    lists existing parts by reference in ``product``. Bad documents raise
    ValidationFailed (400) naming the fields; an ended owner raises Conflict.
    """
    body = copy.deepcopy(dict(product))
    body.setdefault("status", rules.CREATED)
    trail_items = [i for i in body.get("productOrderItem") or [] if isinstance(i, dict)]
    order_ref = trail_items[-1] if trail_items else None
    if order_ref is not None:
        _raise(rules.order_ref_problems(order_ref, f"productOrderItem[{len(trail_items) - 1}]"))
    with trail.noted("create", order_ref, actor=ctx.principal.key):
        row = engine.create(_as_system(ctx), PRODUCT, body)
    return engine.render(ctx, PRODUCT, row)


register_implementation("1.3.16.3", "inventory.service.create_product")


def modify_product(ctx: Context, product_id: str, changes: Doc, *, order_ref: Doc) -> Doc:
    """Change product ``product_id`` as order item ``order_ref`` says; returns the product.

    ``changes`` is a JSON merge patch of the product (attributes given replace
    the current ones, ``null`` removes one, lists are replaced whole). A
    ``status`` in it must be an allowed transition (409 otherwise). The order
    item is added to the product's ``productOrderItem`` trail. A terminated or
    cancelled product is not changed (409).
    """
    _raise(rules.order_ref_problems(order_ref))
    if not isinstance(changes, dict):
        _raise([FieldProblem("changes", "type.object", "the changes are a JSON object (a merge patch)")])
    row = _locked(ctx, product_id)
    patch = copy.deepcopy(dict(changes))
    base = patch.get("productOrderItem", row.doc.get("productOrderItem"))
    patch["productOrderItem"] = rules.with_order_item(base if isinstance(base, list) else [], order_ref)
    with trail.noted("modify", order_ref, actor=ctx.principal.key):
        row = engine.update(_as_system(ctx), PRODUCT, product_id, patching.MERGE_PATCH, patch, None)
    return engine.render(ctx, PRODUCT, row)


register_implementation("1.3.16.3", "inventory.service.modify_product")


@process("1.3.16.3")
def set_product_status(
    ctx: Context,
    product_id: str,
    status: str,
    *,
    at: datetime,
    reason: str | None,
    order_ref: Doc | None,
) -> Doc:
    """Move product ``product_id`` to ``status`` at time ``at``; returns the product.

    The transition must be allowed (409 ``lifecycle.transition`` naming the
    allowed ones otherwise; the same status again is a no-op). Becoming
    ``active`` sets ``startDate`` to ``at`` when it has none; ``terminated``
    sets ``terminationDate`` to ``at``. ``reason`` goes to the history (and to
    the parts' history); ``order_ref``, when given, joins the order trail.
    The parts of a bundle follow it (see :func:`openbss.inventory.rules.follows_bundle`).
    """
    if order_ref is not None:
        _raise(rules.order_ref_problems(order_ref))
    if at.tzinfo is None:
        raise ValueError("'at' must be timezone-aware")
    row = _locked(ctx, product_id)
    with trail.noted("status", order_ref, reason, actor=ctx.principal.key):
        _move(ctx, row, status, at, order_ref)
    return engine.render(ctx, PRODUCT, row)


def _move(ctx: Context, row: ProductRow, status: str, at: datetime, order_ref: Mapping[str, Any] | None) -> None:
    old = row.doc
    current = old.get("status")
    problem = rules.transition_problem(current, status)
    if problem is not None:
        raise Conflict(problem, field="status", rule="lifecycle.transition")
    if current == status:
        return
    new = copy.deepcopy(old)
    new["status"] = status
    new.update(rules.status_dates(new, current, at))
    if order_ref is not None:
        new["productOrderItem"] = rules.with_order_item(new.get("productOrderItem"), order_ref)
    _raise(rules.date_problems(new))
    engine.replace_doc(_as_system(ctx), PRODUCT, row, new)
    for child in repository.children_of(ctx.session, row.id, for_update=True):
        if rules.follows_bundle(status, child.doc.get("status")):
            with trail.noted("status", None, f"bundle {row.id} went {status}"):
                _move(ctx, child, status, at, None)


# --- readers ---------------------------------------------------------------------------------------


def get_product(ctx: Context, product_id: str) -> Doc | None:
    """The product, or None when there is none (or, for a customer or partner token, it is not theirs)."""
    row = repository.get_row(ctx.session, product_id)
    if row is None or not engine.visible(ctx, PRODUCT, row):
        return None
    return engine.render(ctx, PRODUCT, row)


def _customer(ctx: Context, customer_id: str) -> Any:
    from openbss.domains import resource_type

    return ctx.session.get(resource_type("TMF629.customer").model, customer_id)


@process("1.3.16.4")
def products_of_customer(ctx: Context, customer_id: str) -> list[Doc]:
    """Every product of customer ``customer_id`` (also those naming only its party), oldest first.

    A customer or partner token may ask only for a customer of its own party
    (NotFound otherwise, so that ids cannot be probed).
    """
    customer = _customer(ctx, customer_id)
    party_id = customer.engaged_party_id if customer is not None else None
    if ctx.principal.party_bound and (party_id is None or party_id != ctx.principal.party_id):
        raise NotFound(f"no Customer with id '{customer_id}'", field="customerId", rule="exists")
    rows = repository.of_customer(ctx.session, customer_id, party_id, limit=MAX_PRODUCTS_LISTED)
    return [engine.render(ctx, PRODUCT, row) for row in rows if engine.visible(ctx, PRODUCT, row)]


def product_history(ctx: Context, product_id: str) -> list[dict[str, Any]]:
    """The product's history, oldest first (404 when the caller may not see the product)."""
    engine.load(ctx, PRODUCT, product_id)
    return [trail.render(entry) for entry in repository.history_of(ctx.session, product_id)]
