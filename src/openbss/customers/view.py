"""Build a unified customer view (eTOM 1.3.6.5): ``GET /customer360/{customerId}``.

The view is computed on request, never stored. It gathers the customer, its
engaged party, the contact media of both (each address once, with the
sources it came from), the duplicate candidates, the last verification and
one section per entry of :data:`VIEW_SECTIONS`.

Other domains add their part by registering a section::

    from openbss.customers.view import register_view_section

    register_view_section("products", lambda ctx, customer: [...])

A section gets the request context and the :class:`CustomerRow` and returns
any JSON-encodable value, shown under its name. This module registers
``accounts`` (TMF666 billing accounts of the customer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select

from openbss.accounts.models import BillingAccountRow
from openbss.core.clock import isoformat
from openbss.core.errors import Forbidden, NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.customers import repository
from openbss.customers.dedupe import LIKELY_DUPLICATE, medium_key
from openbss.customers.models import CustomerRow
from openbss.customers.numbering import InvalidCustomerNumber, parse_customer_number
from openbss.customers.resource import CUSTOMER, STAFF, customer_href
from openbss.customers.verification import render_verification
from openbss.parties.service import find_party
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.models import SearchEntry

ViewSection = Callable[[Context, CustomerRow], Any]
VIEW_SECTIONS: dict[str, ViewSection] = {}
RESERVED_KEYS = frozenset(
    {
        "id",
        "href",
        "@type",
        "customerNumber",
        "customer",
        "party",
        "contactMedium",
        "duplicateCandidates",
        "lastVerification",
        "generatedAt",
    }
)
MAX_ACCOUNTS = 200


def register_view_section(name: str, section: ViewSection) -> ViewSection:
    """Show ``section(ctx, customer)`` under ``name`` in every customer view."""
    if name in RESERVED_KEYS:
        raise ValueError(f"'{name}' is a fixed part of the customer view")
    VIEW_SECTIONS[name] = section
    return section


def _resource_type(kind: str) -> Any:
    from openbss.domains import resource_type  # the domain list imports this module

    return resource_type(kind)


# --- parts of the view ------------------------------------------------------------------------------


def render_candidates(ctx: Context, customer_id: str) -> list[dict[str, Any]]:
    pairs = repository.candidates_of(ctx.session, customer_id)
    rows = repository.customers_by_ids(ctx.session, {p.candidate_id for p in pairs})
    out: list[dict[str, Any]] = []
    for pair in pairs:
        other = rows.get(pair.candidate_id)
        if other is None:
            continue
        out.append(
            {
                "customer": {
                    "id": other.id,
                    "href": customer_href(ctx.base_url, other.id),
                    "name": other.name,
                    "customerNumber": other.customer_number,
                    "status": other.status,
                },
                "score": pair.score,
                "likely": pair.score >= LIKELY_DUPLICATE,
                "reasons": list(pair.reasons),
                "source": pair.source,
                "detectedAt": isoformat(pair.detected_at),
            }
        )
    return out


def customer_by_number(ctx: Context, text: str) -> CustomerRow:
    """The customer with this number; spaces, dashes and case are ignored, the check digit is checked."""
    try:
        number = parse_customer_number(text)
    except InvalidCustomerNumber as exc:
        rule = "customerNumber.checkDigit" if "check digit" in str(exc) else "customerNumber.format"
        raise ValidationFailed.from_problems([FieldProblem("number", rule, str(exc))]) from None
    row = repository.customer_by_number(ctx.session, number)
    if row is None or not engine.visible(ctx, CUSTOMER, row):
        raise NotFound(f"no Customer with customer number '{number}'", field="number", rule="exists")
    return row


def duplicate_candidates(ctx: Context, customer_id: str) -> list[dict[str, Any]]:
    """The customers that probably are the same as this one, most likely first (staff only)."""
    engine.require_role(ctx, STAFF, "see duplicate candidates")
    engine.load(ctx, CUSTOMER, customer_id)
    return render_candidates(ctx, customer_id)


def _contact_media(customer_doc: dict[str, Any], party_doc: dict[str, Any] | None) -> list[dict[str, Any]]:
    merged: list[dict[str, Any]] = []
    by_key: dict[tuple[str, ...], dict[str, Any]] = {}
    sources = [("customer", customer_doc.get("contactMedium"))]
    if party_doc is not None:
        sources.append(("party", party_doc.get("contactMedium")))
    for source, media in sources:
        for medium in media or []:
            if not isinstance(medium, dict):
                continue
            key = medium_key(medium)
            if key is not None and key in by_key:
                if source not in by_key[key]["source"]:
                    by_key[key]["source"].append(source)
                continue
            entry = {**medium, "source": [source]}
            merged.append(entry)
            if key is not None:
                by_key[key] = entry
    return merged


def accounts_section(ctx: Context, customer: CustomerRow) -> list[dict[str, Any]]:
    """TMF666 billing accounts that name the customer or its party as related party."""
    names = {customer.id} | ({customer.engaged_party_id} if customer.engaged_party_id else set())
    rt = _resource_type("TMF666.billingAccount")
    related = select(SearchEntry.resource_id).where(
        SearchEntry.kind == rt.kind, SearchEntry.path == "relatedParty.id", SearchEntry.value.in_(sorted(names))
    )
    stmt = (
        select(BillingAccountRow)
        .where(
            or_(
                BillingAccountRow.owner_party_id.in_(sorted(names)),
                BillingAccountRow.customer_id == customer.id,
                BillingAccountRow.id.in_(related),
            )
        )
        .order_by(BillingAccountRow.created_at, BillingAccountRow.id)
        .limit(MAX_ACCOUNTS)
    )
    return [engine.render(ctx, rt, row) for row in ctx.session.execute(stmt).scalars()]


register_view_section("accounts", accounts_section)


# --- the view -------------------------------------------------------------------------------------


@process("1.3.6.5")
def customer_view(ctx: Context, customer_id: str) -> dict[str, Any]:
    """The unified view of one customer; a customer or partner token sees only its own (else 404)."""
    if not ctx.principal.party_bound and ctx.principal.role not in STAFF:
        raise Forbidden(f"the '{ctx.principal.role}' role may not see customer views", rule="auth.role")
    row = engine.load(ctx, CUSTOMER, customer_id)
    assert isinstance(row, CustomerRow)
    party_doc: dict[str, Any] | None = None
    party: dict[str, Any] | None = None
    found = find_party(ctx, row.engaged_party_id) if row.engaged_party_id else None
    if found is not None:
        type_name, party_row = found
        party_doc = party_row.doc
        party = engine.render(ctx, _resource_type(f"TMF632.{type_name[0].lower()}{type_name[1:]}"), party_row)
    last = repository.last_verification(ctx.session, row.id)
    view: dict[str, Any] = {
        "id": row.id,
        "href": f"{ctx.base_url}/customer360/{row.id}",
        "@type": "CustomerView",
        "customerNumber": row.customer_number,
        "generatedAt": isoformat(ctx.now),
        "customer": engine.render(ctx, CUSTOMER, row),
        "party": party,
        "contactMedium": _contact_media(row.doc, party_doc),
        "lastVerification": render_verification(ctx, last) if last else None,
    }
    if not ctx.principal.party_bound:  # other customers' names are for staff eyes only
        view["duplicateCandidates"] = render_candidates(ctx, row.id)
    for name, section in VIEW_SECTIONS.items():
        view[name] = section(ctx, row)
    return view
