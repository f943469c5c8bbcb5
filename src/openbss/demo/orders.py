"""The demo's product orders, planned from the seed (pure: no database, no clock).

A share of the approved customers whose accounts are in euros (the demo
catalog sells in EUR) buy one to three products from the demo catalog
(:mod:`openbss.catalog.demo`) over the months before the load: fibre at one
of three speeds or the "Fibre 500 + TV" bundle, a mobile line, the TV add-on;
business customers buy Fibre 1000 lines for their sites. Each order says when
it is placed and, per item, when the network (the OSS simulator) finishes its
service order, so that the order handling sees realistic lead times.

Six orders are planned to end somewhere other than ``completed``, so that
the order desk has something to do: one held for review, one rejected, one
partial (an item failed: open fallout), one in jeopardy (the OSS never
answers), one cancelled by the customer, and one held order that an agent
released and that then completed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from openbss.demo.dataset import CustomerSpec, DemoDataset

__all__ = ["DEMO_ORDER_POLICY", "ItemPlan", "OrderPlan", "order_external_id", "plan_orders"]

Doc = dict[str, Any]
Fate = Literal["completed", "held", "released", "rejected", "partial", "jeopardy", "cancelled"]

DEMO_ORDER_SHARE = 0.35
"""About this share of all demo customers get products."""

DEMO_ORDER_POLICY: Doc = {
    "allowedChannels": ["web", "shop", "callcentre"],
    "holdForReview": {"oneTimeTotalAbove": "300.00", "itemCountAbove": 8},
    "expectedDuration": {
        "default": "P3D",
        "byOffering": {
            "demo-po-fibre-100": "P5D",
            "demo-po-fibre-500": "P5D",
            "demo-po-fibre-1000": "P5D",
            "demo-po-mobile": "P1D",
            "demo-po-tv": "P2D",
            "demo-po-bundle-fibre500-tv": "P5D",
        },
    },
}
"""The operator's order policy in the demo: large orders are reviewed; lead times per offering."""

_NAMES = {
    "demo-po-fibre-100": "Fibre 100",
    "demo-po-fibre-500": "Fibre 500",
    "demo-po-fibre-1000": "Fibre 1000",
    "demo-po-mobile": "Mobile Unlimited Talk",
    "demo-po-tv": "TV add-on",
    "demo-po-bundle-fibre500-tv": "Fibre 500 + TV",
}
_SPEED = {"demo-po-fibre-100": 100, "demo-po-fibre-500": 500, "demo-po-fibre-1000": 1000}


@dataclass(frozen=True)
class ItemPlan:
    """One order item: an ``add`` of an offering, with its characteristics (and bundle components).

    ``fulfil`` is how long after the order is placed the OSS finishes this
    item's service order; ``fail`` (a reason) makes it fail instead.
    """

    item_id: str
    offering_id: str
    characteristics: tuple[Doc, ...]
    fulfil: timedelta
    components: tuple[ItemPlan, ...] = ()
    fail: str | None = None

    @property
    def name(self) -> str:
        return _NAMES[self.offering_id]

    def body(self) -> Doc:
        item: Doc = {
            "id": self.item_id,
            "action": "add",
            "quantity": 1,
            "productOffering": {
                "id": self.offering_id,
                "name": _NAMES[self.offering_id],
                "@referredType": "ProductOffering",
            },
            "product": {"productCharacteristic": [dict(c) for c in self.characteristics], "@type": "Product"},
        }
        if self.components:
            item["productOrderItem"] = [c.body() for c in self.components]
        return item

    def leaves(self) -> list[ItemPlan]:
        """The items that get a service order (bundle components; not the bundle itself)."""
        if self.components:
            return [leaf for c in self.components for leaf in c.leaves()]
        return [self]


@dataclass(frozen=True)
class OrderPlan:
    """One product order of one customer."""

    number: int
    customer: int  # index into DemoDataset.customers
    account: int  # index into that customer's accounts
    channel: str
    placed: timedelta  # after the start of the order period
    items: tuple[ItemPlan, ...]
    fate: Fate = "completed"
    # released: the agent's release, after placed; cancelled: the customer's request, after placed
    decision: timedelta | None = None
    reason: str | None = None

    @property
    def external_id(self) -> str:
        return order_external_id(self.number)


def order_external_id(number: int) -> str:
    return f"DEMO-PO-{number:05d}"


def _char(name: str, value: Any) -> Doc:
    return {"name": name, "value": value}


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=round(rng.uniform(low, high) * 60))


def _fibre(rng: random.Random, item_id: str, offering: str, *, business: bool = False) -> ItemPlan:
    technician = rng.random() < 0.35 or business
    chars = [
        _char("downloadSpeed", _SPEED[offering]),
        _char("installation", "technician" if technician else "self"),
    ]
    if business or rng.random() < 0.1:
        chars.append(_char("staticIp", True))
    # a technician's appointment takes two to four days, a posted router one to two
    fulfil = _hours(rng, 50, 100) if technician else _hours(rng, 20, 44)
    return ItemPlan(item_id, offering, tuple(chars), fulfil)


def _mobile(rng: random.Random, item_id: str) -> ItemPlan:
    sim = "eSIM" if rng.random() < 0.6 else "physical"
    fulfil = _hours(rng, 0.2, 1.5) if sim == "eSIM" else _hours(rng, 6, 18)
    return ItemPlan(item_id, "demo-po-mobile", (_char("simType", sim),), fulfil)


def _tv(rng: random.Random, item_id: str) -> ItemPlan:
    package = "family" if rng.random() < 0.4 else "basic"
    return ItemPlan(item_id, "demo-po-tv", (_char("channelPackage", package),), _hours(rng, 4, 30))


def _bundle(rng: random.Random, item_id: str) -> ItemPlan:
    fibre = _fibre(rng, f"{item_id}.1", "demo-po-fibre-500")
    tv = _tv(rng, f"{item_id}.2")
    return ItemPlan(item_id, "demo-po-bundle-fibre500-tv", (), max(fibre.fulfil, tv.fulfil), (fibre, tv))


def _residential_products(rng: random.Random) -> list[str]:
    """What a household buys: a line (fibre or the bundle) and maybe a mobile and TV."""
    wanted = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
    line = rng.choices(
        ("demo-po-fibre-100", "demo-po-fibre-500", "demo-po-fibre-1000", "demo-po-bundle-fibre500-tv", "mobile-only"),
        weights=(3, 4, 2, 2, 2),
    )[0]
    if line == "mobile-only":
        return ["demo-po-mobile"] * min(wanted, 2)
    products = [line]
    extras = ["demo-po-mobile", "demo-po-tv"] if line != "demo-po-bundle-fibre500-tv" else ["demo-po-mobile"]
    rng.shuffle(extras)
    products += extras[: wanted - 1]
    return products


def _item(rng: random.Random, item_id: str, offering: str, *, business: bool) -> ItemPlan:
    if offering in _SPEED:
        return _fibre(rng, item_id, offering, business=business)
    if offering == "demo-po-mobile":
        return _mobile(rng, item_id)
    if offering == "demo-po-tv":
        return _tv(rng, item_id)
    return _bundle(rng, item_id)


def _channel(rng: random.Random, offerings: list[str], *, business: bool) -> str:
    if business:
        return "callcentre"
    if "demo-po-mobile" in offerings:  # mobile is sold on the web and in the shops only
        return rng.choices(("web", "shop"), weights=(3, 2))[0]
    return rng.choices(("web", "shop", "callcentre"), weights=(5, 3, 2))[0]


def _placed(rng: random.Random, day_low: float, day_high: float) -> timedelta:
    """A moment between the two days (after the start of the period), in shop hours (08:00-20:00)."""
    day = rng.randint(int(day_low), max(int(day_low), int(day_high)))
    return timedelta(days=day, minutes=rng.randint(8 * 60, 20 * 60 - 1))


def _eligible(spec: CustomerSpec) -> bool:
    active = all(a.state == "active" for a in spec.accounts)
    return spec.status == "approved" and spec.party.currency == "EUR" and active


def plan_orders(data: DemoDataset, days: int = 180) -> tuple[OrderPlan, ...]:
    """The orders of the demo, over ``days`` days, ordered by the time they are placed."""
    rng = random.Random(f"openbss-demo-orders-{data.seed}")
    customers = data.customers
    eligible = [i for i, c in enumerate(customers) if _eligible(c)]
    not_approved = [i for i, c in enumerate(customers) if c.status != "approved"]
    orders: list[OrderPlan] = []
    number = 0

    def add(customer: int, placed: timedelta, offerings: list[str], *, sites: bool = False, **extra: Any) -> None:
        nonlocal number
        number += 1
        spec = customers[customer]
        business = spec.party.kind == "Organization"
        # sites: several lines installed by technicians (business-like installation)
        items = tuple(_item(rng, str(n), o, business=business or sites) for n, o in enumerate(offerings, start=1))
        orders.append(
            OrderPlan(
                number=number,
                customer=customer,
                account=rng.randrange(len(spec.accounts)),
                channel=_channel(rng, offerings, business=business),
                placed=placed,
                items=items,
                **extra,
            )
        )

    # the ones with a story; the customers are drawn first so that the rest does not depend on them
    households = [i for i in eligible if customers[i].party.kind == "Individual"]
    special = rng.sample(households, min(len(households), 3))  # they buy residential offerings
    others = [i for i in eligible if i not in special]
    special += rng.sample(others, min(len(others), 2))  # Fibre 1000: residential and business
    rejected_by = rng.choice(not_approved) if not_approved else None
    target = min(len(eligible) - len(special), max(0, round(DEMO_ORDER_SHARE * len(customers)) - len(special)))
    buyers = sorted(rng.sample([i for i in eligible if i not in special], target))

    for customer in buyers:
        business = customers[customer].party.kind == "Organization"
        products = ["demo-po-fibre-1000"] * rng.choices((1, 2), weights=(3, 1))[0] if business else []
        if not business:
            products = _residential_products(rng)
        later: list[str] = []
        if len(products) > 1 and rng.random() < 0.4:  # the last product is bought weeks later
            later = [products.pop()]
        first = _placed(rng, 1, days - 40)
        add(customer, first, products)
        if later:
            add(customer, first + _placed(rng, 7, 30), later)

    def at(days_before_end: float) -> timedelta:
        return timedelta(days=days) - timedelta(hours=round(days_before_end * 24))

    stories: list[tuple[int, timedelta, list[str], dict[str, Any]]] = []
    if len(special) == 5:
        held_by, partial_by, cancelled_by, released_by, jeopardy_by = special
        stories = [
            (
                released_by,
                at(60),
                ["demo-po-fibre-1000"] * 4,
                {"fate": "released", "decision": timedelta(hours=3), "sites": True},
            ),
            (
                partial_by,
                at(12),
                ["demo-po-fibre-500", "demo-po-mobile"],
                {"fate": "partial", "reason": "SIM activation refused by the HLR: IMSI already in use"},
            ),
            (
                cancelled_by,
                at(20),
                ["demo-po-fibre-100"],
                {"fate": "cancelled", "decision": timedelta(hours=20), "reason": "moving abroad before installation"},
            ),
            (jeopardy_by, at(5.25), ["demo-po-fibre-1000"], {"fate": "jeopardy"}),
            (held_by, at(2), ["demo-po-fibre-500"] * 4, {"fate": "held", "sites": True}),
        ]
    if rejected_by is not None:
        stories.append((rejected_by, at(8), ["demo-po-fibre-100"], {"fate": "rejected"}))
    for customer, placed, offerings, extra in stories:
        add(customer, placed, offerings, **extra)

    partial = next((o for o in orders if o.fate == "partial"), None)
    if partial is not None:  # its mobile item fails at the OSS
        items = tuple(
            ItemPlan(i.item_id, i.offering_id, i.characteristics, i.fulfil, i.components, partial.reason)
            if i.offering_id == "demo-po-mobile"
            else i
            for i in partial.items
        )
        orders[orders.index(partial)] = OrderPlan(
            partial.number,
            partial.customer,
            partial.account,
            partial.channel,
            partial.placed,
            items,
            partial.fate,
            partial.decision,
            partial.reason,
        )
    return tuple(sorted(orders, key=lambda o: (o.placed, o.number)))
