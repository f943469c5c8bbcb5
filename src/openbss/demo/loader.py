"""Load the demo data set through the service layer.

Every resource is created with :func:`openbss.tmf.service.create`, as an
admin, in one transaction: the party rules normalise phones and check tax
numbers, the customer and account rules run, search entries and TMF events
are written exactly as for an API call. Either the whole demo is loaded or
nothing is.

Then the demo catalog (:func:`openbss.catalog.demo.load_demo_catalog`) and
the demo order policy are added in the same transaction, and the planned
orders (:mod:`openbss.demo.orders`) are played through order handling
against an OSS simulator on loopback (:mod:`openbss.demo.order_desk`), each
step in its own transaction as on a running server. The load runs on a
clock set back by the order period, so customers exist before their orders
and orders are spread over the past months.

The demo operator organization carries the marker
``externalReference.name = openbss-demo-dataset``; when it exists the loader
does nothing, so running the demo twice never duplicates data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from openbss.catalog.demo import load_demo_catalog
from openbss.core import clock
from openbss.core.db import Database
from openbss.core.errors import ApiError
from openbss.core.security import Principal
from openbss.core.settings import Settings, get_settings
from openbss.demo.dataset import DEMO_MARKER, AccountSpec, DemoDataset, PartySpec, build_dataset
from openbss.demo.order_desk import CustomerRef, OrderDesk, OrderDeskError, past_clock
from openbss.demo.orders import DEMO_ORDER_POLICY, plan_orders
from openbss.domains import resource_type
from openbss.ordering.policy import change_policy
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.query import Condition, ListQuery
from openbss.tmf.resource import ResourceType

__all__ = ["DEMO_PRINCIPAL", "DemoLoadError", "DemoOrdersError", "DemoResult", "find_demo_marker", "load_demo"]

Doc = dict[str, Any]
DEMO_PRINCIPAL = Principal(subject="demo", role="admin")
BASE_URL = "http://127.0.0.1:8000"
ORDER_DAYS = 180
"""The orders are spread over this many days before the load."""
Progress = Callable[[int, int], None]


class DemoLoadError(RuntimeError):
    """A rule refused a demo resource; nothing was written."""


class DemoOrdersError(DemoLoadError):
    """A demo order was refused or failed; the customers and the catalog are loaded, the orders only in part."""


@dataclass
class DemoResult:
    """What the loader did: ``created`` counts per resource type (empty if already loaded)."""

    already_loaded: bool
    seed: int | None
    customers: int | None
    created: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    order_states: Counter[str] = field(default_factory=Counter)  # the demo orders by final state
    orders_from: datetime | None = None
    orders_to: datetime | None = None


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
        self.customers: list[CustomerRef] = []  # in the order of DemoDataset.customers

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
            accounts = [
                self.create(
                    "TMF666.billingAccount",
                    self.account_body(account, customer.id, customer.name),
                    account.name,
                ).id
                for account in spec.accounts
            ]
            self.customers.append(CustomerRef(str(customer.id), str(customer.name), tuple(accounts)))
            if progress is not None:
                progress(done, total)


def load_demo(
    database: Database,
    *,
    seed: int = 42,
    customers: int = 300,
    orders: bool = True,
    settings: Settings | None = None,
    progress: Progress | None = None,
    order_progress: Progress | None = None,
) -> DemoResult:
    """Load the demo data set into ``database`` unless it is there already.

    Parties, customers, accounts, the catalog and the order policy go in one
    transaction; then (``orders``) the planned orders are placed and handled.
    """
    settings = settings or get_settings()
    data = build_dataset(seed, customers)
    with database.session() as session:
        ctx = Context(session=session, principal=DEMO_PRINCIPAL, settings=settings, base_url=BASE_URL)
        marker = find_demo_marker(ctx)
        if marker is not None:
            return DemoResult(
                already_loaded=True,
                seed=_characteristic(marker, "demoSeed"),
                customers=_characteristic(marker, "demoCustomers"),
            )
    result = DemoResult(already_loaded=False, seed=seed, customers=customers)
    plan = plan_orders(data, ORDER_DAYS) if orders else ()
    end = clock.now() - timedelta(hours=1)
    start = end - timedelta(days=ORDER_DAYS)
    with past_clock(start) as demo_clock:
        with database.session(write=True) as session:
            ctx = Context(session=session, principal=DEMO_PRINCIPAL, settings=settings, base_url=BASE_URL)
            if find_demo_marker(ctx) is not None:  # loaded by someone else meanwhile
                return DemoResult(already_loaded=True, seed=seed, customers=customers)
            loader = _Loader(ctx, result)
            loader.run(data, progress)
            try:
                result.created.update(load_demo_catalog(session))
                change_policy(ctx, DEMO_ORDER_POLICY, "demo order policy: large orders reviewed, lead times")
            except ApiError as exc:
                raise DemoLoadError(f"the demo catalog or order policy was refused: {exc.body()}") from exc
        if plan:
            desk = OrderDesk(database, settings, loader.customers, demo_clock, start, seed=seed)
            try:
                desk.run(plan, end, order_progress)
            except ApiError as exc:
                raise DemoOrdersError(
                    f"the customers and the catalog are loaded, but a demo order was refused: {exc.body()}"
                ) from exc
            except OrderDeskError as exc:
                raise DemoOrdersError(f"the customers and the catalog are loaded, but: {exc}") from exc
            result.created["ProductOrder"] += len(plan)
            result.created["CancelProductOrder"] += desk.cancellations
            result.created["Product"] += desk.products
            result.order_states = desk.states
            result.orders_from, result.orders_to = start, end
    return result
