"""Load the demo data set through the service layer.

Every resource is created with :func:`openbss.tmf.service.create`, as an
admin, in one transaction: the party rules normalise phones and check tax
numbers, the customer and account rules run, search entries and TMF events
are written exactly as for an API call. Either the whole demo is loaded or
nothing is.

The demo operator organization carries the marker
``externalReference.name = openbss-demo-dataset``; when it exists the loader
does nothing, so running the demo twice never duplicates data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openbss.core.db import Database
from openbss.core.errors import ApiError
from openbss.core.security import Principal
from openbss.core.settings import Settings, get_settings
from openbss.demo.dataset import DEMO_MARKER, AccountSpec, DemoDataset, PartySpec, build_dataset
from openbss.domains import resource_type
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.query import Condition, ListQuery
from openbss.tmf.resource import ResourceType

__all__ = ["DEMO_PRINCIPAL", "DemoLoadError", "DemoResult", "find_demo_marker", "load_demo"]

Doc = dict[str, Any]
DEMO_PRINCIPAL = Principal(subject="demo", role="admin")
BASE_URL = "http://127.0.0.1:8000"
Progress = Callable[[int, int], None]


class DemoLoadError(RuntimeError):
    """A rule refused a demo resource; nothing was written."""


@dataclass
class DemoResult:
    """What the loader did: ``created`` counts per resource type (empty if already loaded)."""

    already_loaded: bool
    seed: int | None
    customers: int | None
    created: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)


def _kind(kind: str) -> ResourceType:
    return resource_type(kind)


def _query(*conditions: Condition, limit: int = 1) -> ListQuery:
    return ListQuery(conditions=conditions, sort=(), offset=0, limit=limit, fields=None)


def find_demo_marker(ctx: Context) -> Doc | None:
    """The demo operator organization's document, if the demo is loaded."""
    org = _kind("TMF632.organization")
    page = service.list_rows(ctx, org, _query(Condition("externalReference.name", "eq", (DEMO_MARKER,))))
    return dict(page.rows[0].doc) if page.rows else None


def _characteristic(doc: Doc, name: str) -> int | None:
    for item in doc.get("partyCharacteristic") or []:
        if isinstance(item, dict) and item.get("name") == name and isinstance(item.get("value"), int):
            return int(item["value"])
    return None


class _Loader:
    def __init__(self, ctx: Context, result: DemoResult) -> None:
        self.ctx = ctx
        self.result = result
        self.catalogue: dict[tuple[str, str], Doc] = {}  # (kind, name) -> reference

    def create(self, kind: str, body: Doc, what: str) -> Any:
        rt = _kind(kind)
        try:
            row = service.create(self.ctx, rt, body)
        except ApiError as exc:
            raise DemoLoadError(f"the {rt.type_name} {what!r} was refused: {exc.body()}") from exc
        self.result.created[rt.type_name] += 1
        return row

    def reference(self, kind: str, row: Any) -> Doc:
        rt = _kind(kind)
        return {
            "id": row.id,
            "href": service.href(self.ctx, rt, row.id),
            "name": row.doc.get("name"),
            "isRef": True,
            "@referredType": rt.type_name,
        }

    def catalogue_entry(self, kind: str, body: Doc) -> None:
        """Reuse the entry of that name if the operator already has one, else create it."""
        rt = _kind(kind)
        page = service.list_rows(self.ctx, rt, _query(Condition("name", "eq", (str(body["name"]),))))
        if page.rows:
            row = page.rows[0]
            self.result.reused[rt.type_name] += 1
        else:
            row = self.create(kind, body, str(body["name"]))
        self.catalogue[(kind, str(body["name"]))] = self.reference(kind, row)

    def party(self, spec: PartySpec) -> Any:
        kind = "TMF632.individual" if spec.kind == "Individual" else "TMF632.organization"
        return self.create(kind, spec.body, spec.display_name)

    def account_body(self, spec: AccountSpec, customer_id: str, customer_name: str) -> Doc:
        body: Doc = {
            "name": spec.name,
            "accountType": spec.account_type,
            "state": spec.state,
            "relatedParty": [{"id": customer_id, "name": customer_name, "role": "owner", "@referredType": "Customer"}],
            "creditLimit": {"unit": spec.currency, "value": spec.credit_limit},
            "billStructure": {
                "format": self.catalogue[("TMF666.billFormat", spec.bill_format)],
                "cycleSpecification": self.catalogue[("TMF666.billingCycleSpecification", spec.cycle)],
                "presentationMedia": [self.catalogue[("TMF666.billPresentationMedia", m)] for m in spec.media],
            },
        }
        if spec.contact:
            body["contact"] = [dict(c) for c in spec.contact]
        return body

    def run(self, data: DemoDataset, progress: Progress | None) -> None:
        for kind, entries in (
            ("TMF666.billFormat", data.bill_formats),
            ("TMF666.billingCycleSpecification", data.billing_cycles),
            ("TMF666.billPresentationMedia", data.presentation_media),
        ):
            for body in entries:
                self.catalogue_entry(kind, body)
        self.party(data.operator)
        for partner in data.partners:
            org = self.party(partner.party)
            self.create(
                "TMF669.partyRole",
                {
                    "name": partner.role_name,
                    "roleType": {"name": partner.role_type},
                    "status": "approved",
                    "engagedParty": {
                        "id": org.id,
                        "name": partner.party.display_name,
                        "@referredType": "Organization",
                    },
                },
                f"{partner.role_name} {partner.party.display_name}",
            )
        total = len(data.customers)
        for done, spec in enumerate(data.customers, start=1):
            party = self.party(spec.party)
            customer = self.create("TMF629.customer", spec.body(party.id), spec.party.display_name)
            for account in spec.accounts:
                self.create(
                    "TMF666.billingAccount",
                    self.account_body(account, customer.id, customer.name),
                    account.name,
                )
            if progress is not None:
                progress(done, total)


def load_demo(
    database: Database,
    *,
    seed: int = 42,
    customers: int = 300,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Load the demo data set into ``database`` unless it is there already (one transaction)."""
    data = build_dataset(seed, customers)
    with database.session() as session:
        ctx = Context(session=session, principal=DEMO_PRINCIPAL, settings=settings or get_settings(), base_url=BASE_URL)
        marker = find_demo_marker(ctx)
        if marker is not None:
            return DemoResult(
                already_loaded=True,
                seed=_characteristic(marker, "demoSeed"),
                customers=_characteristic(marker, "demoCustomers"),
            )
        result = DemoResult(already_loaded=False, seed=seed, customers=customers)
        _Loader(ctx, result).run(data, progress)
        return result
