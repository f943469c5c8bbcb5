"""Play the planned demo orders through order handling, against an OSS simulator on loopback.

Nothing here writes an order table: each order is captured with
:func:`openbss.ordering.service.capture_order` (as an agent would place it),
which validates it at capture, and the job worker runs what ``openbss serve``
would run — validation of changed or released orders
(``ordering.process_order``), sending the TMF641 service orders
(``ordering.send_southbound``) to an OSS simulator started in this process
on a free loopback port, polling them (``ordering.southbound_watch``),
cancellations (``ordering.cancel_order``) and the jeopardy sweep. Delivered
items land in the inventory through the ordering domain, with their order
trail.

Time: the whole load runs on a clock set back to the start of the order
period (:class:`PastClock`, swapped in for :data:`openbss.core.clock.clock`
for the duration), which is moved forward to each planned moment — an order
placed, a service order finished by the network, an agent's release, a
customer's cancellation — so orders carry realistic dates spread over the
past months. The simulator keeps every service order ``inProgress``
(outcome ``hang``) until the timeline says the network finished it.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from openbss.core import clock as clock_module
from openbss.core.clock import Clock
from openbss.core.db import Database
from openbss.core.security import Principal
from openbss.core.settings import Settings
from openbss.demo.orders import ItemPlan, OrderPlan
from openbss.inventory.models import ProductRow
from openbss.jobs.runner import Worker
from openbss.ordering import handling, repository
from openbss.ordering.resource import CANCEL_PRODUCT_ORDER
from openbss.ordering.service import capture_order
from openbss.oss.simulator_config import SimulatorConfig
from openbss.oss.simulator_thread import RunningSimulator, running_simulator
from openbss.tmf import service as engine
from openbss.tmf.context import Context

__all__ = ["CustomerRef", "OrderDesk", "OrderDeskError", "PastClock", "past_clock"]

Doc = dict[str, object]
ORDER_AGENT = Principal(subject="demo-order-desk", role="agent")
DEMO_SERVICE_SPECIFICATIONS = ("ss-fibre-access", "ss-internet", "ss-mobile-voice", "ss-mobile-data", "ss-iptv")
_CHANNEL_NAMES = {"web": "Web shop", "shop": "Retail shops", "callcentre": "Call centre"}
Progress = Callable[[int, int], None]


class OrderDeskError(RuntimeError):
    """A planned order did not go as planned (e.g. it was not sent to the OSS)."""


class PastClock(Clock):
    """A clock that starts at a moment in the past and only moves forward (by real time or :meth:`advance`).

    It ignores the shared test-clock offset the worker adopts from the
    database: during the load, time is the demo's.
    """

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self._offset = start - super().now()  # a new Clock reads real time

    def set_offset(self, offset: timedelta) -> None:
        return None

    def advance_to(self, moment: datetime) -> datetime:
        """Move to ``moment`` unless time is already past it."""
        now = self.now()
        return self.advance(moment - now) if moment > now else now


@contextmanager
def past_clock(start: datetime) -> Iterator[PastClock]:
    """Run the block with openbss's clock set back to ``start``; the real clock comes back after it."""
    real = clock_module.clock
    demo = PastClock(start)
    clock_module.clock = demo
    try:
        yield demo
    finally:
        clock_module.clock = real


@dataclass(frozen=True)
class CustomerRef:
    """A loaded demo customer: its id, name and billing account ids."""

    id: str
    name: str
    accounts: tuple[str, ...]


class OrderDesk:
    """Places the planned orders and drives them through order handling, in time order."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        customers: list[CustomerRef],
        clock: PastClock,
        start: datetime,
        *,
        seed: int,
    ) -> None:
        self.database = database
        self.settings = settings
        self.customers = customers
        self.clock = clock
        self.start = start
        self.seed = seed
        self.order_ids: dict[int, str] = {}
        self.states: Counter[str] = Counter()
        self.cancellations = 0
        self.products = 0  # delivered into the inventory during the load

    # --- the timeline ---------------------------------------------------------------------------------

    def run(self, plan: tuple[OrderPlan, ...], end: datetime, progress: Progress | None = None) -> None:
        before = self._count_products()
        config = SimulatorConfig(
            delay=0.0,
            seed=self.seed,
            secret=self.settings.oss_event_secret,
            outcome_by_specification=dict.fromkeys(DEMO_SERVICE_SPECIFICATIONS, "hang"),
            delivery_attempts=1,
            delivery_timeout=1.0,
        )
        with running_simulator(config) as oss:
            settings = self.settings.model_copy(
                update={"oss_url": oss.base_url, "oss_timeout_seconds": 5.0, "order_southbound_poll_seconds": 1.0}
            )
            worker = Worker(self.database, settings, name="openbss-demo")
            events: list[tuple[datetime, int, str, OrderPlan | None, ItemPlan | None]] = []
            seq = 0

            def at(moment: datetime, kind: str, order: OrderPlan | None, item: ItemPlan | None = None) -> None:
                nonlocal seq
                seq += 1
                heapq.heappush(events, (moment, seq, kind, order, item))

            for planned in plan:
                at(self.start + planned.placed, "place", planned)
            for hours in range(3, 25, 3):  # the worker's periodic jobs over the last day (jeopardy sweep)
                at(end - timedelta(hours=hours), "tick", None)
            placed = 0
            while events:
                moment, _, kind, due, item = heapq.heappop(events)
                self.clock.advance_to(moment)
                if due is None:
                    pass
                elif kind == "place":
                    self._place(settings, due)
                    placed += 1
                    if progress is not None:
                        progress(placed, len(plan))
                    for follow, when in self._after_placing(due):
                        at(moment + when, follow[0], due, follow[1])
                elif kind == "release":
                    self._release(settings, due)
                    for leaf in (leaf for i in due.items for leaf in i.leaves()):
                        at(moment + leaf.fulfil, "finish", due, leaf)
                elif kind == "cancel":
                    self._cancel(settings, due)
                elif kind == "finish" and item is not None:
                    self._finish(oss, due, item)
                self._settle(worker)
            self.clock.advance_to(end)
            self._settle(worker)
            self._wait_for_cancellations(worker, plan)
        with self.database.session() as session:
            for planned in plan:
                row = repository.order(session, self.order_ids[planned.number])
                if row is not None:
                    self.states[str(row.status)] += 1
        self.products = self._count_products() - before

    def _count_products(self) -> int:
        with self.database.session() as session:
            return int(session.execute(select(func.count()).select_from(ProductRow)).scalar_one())

    def _after_placing(self, order: OrderPlan) -> list[tuple[tuple[str, ItemPlan | None], timedelta]]:
        leaves = [leaf for i in order.items for leaf in i.leaves()]
        if order.fate in ("completed", "partial"):
            return [(("finish", leaf), leaf.fulfil) for leaf in leaves]
        if order.fate == "released" and order.decision is not None:
            return [(("release", None), order.decision)]
        if order.fate == "cancelled" and order.decision is not None:
            return [(("cancel", None), order.decision)]
        return []  # held, rejected: no network work; jeopardy: the network never answers

    # --- the steps ------------------------------------------------------------------------------------

    def _context(self, session: object, settings: Settings) -> Context:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        return Context(session=session, principal=ORDER_AGENT, settings=settings, base_url=settings.oss_listener_url)

    def _body(self, order: OrderPlan) -> dict[str, object]:
        customer = self.customers[order.customer]
        body: dict[str, object] = {
            "externalId": order.external_id,
            "description": ", ".join(i.name for i in order.items),
            "channel": [{"id": order.channel, "name": _CHANNEL_NAMES[order.channel], "@referredType": "SalesChannel"}],
            "relatedParty": [
                {"id": customer.id, "name": customer.name, "role": "customer", "@referredType": "Customer"}
            ],
            "productOrderItem": [i.body() for i in order.items],
        }
        if customer.accounts:
            body["billingAccount"] = {
                "id": customer.accounts[order.account % len(customer.accounts)],
                "@referredType": "BillingAccount",
            }
        return body

    def _place(self, settings: Settings, order: OrderPlan) -> None:
        with self.database.session(write=True) as session:
            captured = capture_order(self._context(session, settings), self._body(order))
        self.order_ids[order.number] = str(captured["id"])

    def _release(self, settings: Settings, order: OrderPlan) -> None:
        with self.database.session(write=True) as session:
            handling.release_order(
                self._context(session, settings),
                self.order_ids[order.number],
                "four business sites confirmed with the customer by phone",
            )

    def _cancel(self, settings: Settings, order: OrderPlan) -> None:
        with self.database.session(write=True) as session:
            engine.create(
                self._context(session, settings),
                CANCEL_PRODUCT_ORDER,
                {"productOrder": {"id": self.order_ids[order.number]}, "cancellationReason": order.reason},
            )
        self.cancellations += 1

    def _finish(self, oss: RunningSimulator, order: OrderPlan, item: ItemPlan) -> None:
        """The network finishes the item's service order: completed, or failed with the plan's reason."""
        with self.database.session() as session:
            rows = repository.southbound_of_order(session, self.order_ids[order.number], current_only=True)
            service_order_id = next((r.service_order_id for r in rows if r.item_id == item.item_id), None)
        if service_order_id is None:
            raise OrderDeskError(f"order {order.external_id} item {item.item_id} was not sent to the OSS")
        oss.wait_for_state(service_order_id, "inProgress")
        if item.fail:
            oss.fail(service_order_id, reason=item.fail)
        else:
            oss.complete(service_order_id)

    def _settle(self, worker: Worker, rounds: int = 20) -> None:
        """Run the jobs that are due until none is left (what the server's worker does meanwhile)."""
        for _ in range(rounds):
            if not worker.run_once():
                return

    def _wait_for_cancellations(self, worker: Worker, plan: tuple[OrderPlan, ...], timeout: float = 10.0) -> None:
        """The OSS confirms cancellations a moment later (real time): poll until it has."""
        wanted = [self.order_ids[o.number] for o in plan if o.fate == "cancelled"]
        deadline = time.monotonic() + timeout
        while wanted and time.monotonic() < deadline:
            with self.database.session() as session:
                open_ = [i for i in wanted if (row := repository.order(session, i)) and row.status != "cancelled"]
            if not open_:
                return
            time.sleep(0.05)
            self.clock.advance(timedelta(seconds=2))
            self._settle(worker)
