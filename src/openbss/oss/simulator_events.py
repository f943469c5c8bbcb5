"""The simulator's ``/hub``: subscriptions and signed, ordered, retried event deliveries.

An event for a subscription with callback ``C`` is POSTed to
``C/listener/<eventName>`` (``eventName`` is the event type with a lower-case
first letter, e.g. ``serviceOrderStateChangeEvent``), as the TMF641 listener
paths are laid out. Each delivery carries openbss's signature headers
(:mod:`openbss.events.signing`), keyed with the simulator's secret.

Deliveries to one subscriber run in a few lanes; all events of one order go
through the same lane, so a listener sees an order's events in the order
they happened. A failed attempt is retried with back-off; after the last
attempt the event is dropped for that subscriber (and counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from openbss import __version__
from openbss.core import clock, jsoncodec
from openbss.core.ids import new_id
from openbss.events.matching import matches
from openbss.events.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)
from openbss.oss.simulator_config import SimulatorConfig

log = logging.getLogger("openbss.oss.simulator")
Doc = dict[str, Any]
ATTEMPT_HEADER = "X-OpenBSS-Delivery-Attempt"


@dataclass
class Subscription:
    id: str
    callback: str
    query: str | None

    def render(self) -> Doc:
        return {"id": self.id, "callback": self.callback, "query": self.query}


@dataclass
class DeliveryStats:
    published: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    dropped: int = 0

    def render(self) -> Doc:
        return {
            "published": self.published,
            "delivered": self.delivered,
            "failedAttempts": self.failed_attempts,
            "dropped": self.dropped,
        }


@dataclass
class _Delivery:
    subscription: Subscription
    event: Doc
    body: bytes


@dataclass
class EventHub:
    config: SimulatorConfig
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    stats: DeliveryStats = field(default_factory=DeliveryStats)
    recent: deque[Doc] = field(default_factory=lambda: deque(maxlen=1000))
    _lanes: dict[tuple[str, int], asyncio.Queue[_Delivery]] = field(default_factory=dict)
    _workers: set[asyncio.Task[None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None

    def subscribe(self, callback: str, query: str | None) -> Subscription:
        subscription = Subscription(new_id(), callback, query)
        self.subscriptions[subscription.id] = subscription
        return subscription

    def unsubscribe(self, subscription_id: str) -> bool:
        return self.subscriptions.pop(subscription_id, None) is not None

    def publish(self, event_type: str, resource_name: str, resource: Doc, *, field_path: str | None = None) -> Doc:
        """Build the TMF event for ``resource`` (copied as it is now) and queue it for every matching subscriber."""
        now = clock.now()
        # a cancellation's events correlate (and queue) with the order they cancel
        order_id = str(resource.get("serviceOrder", {}).get("id", resource["id"]))
        event: Doc = {
            "eventId": new_id(),
            "eventTime": clock.isoformat(now),
            "eventType": event_type,
            "timeOcurred": clock.isoformat(now),
            "correlationId": order_id,
            "domain": "serviceOrdering",
            "title": event_type,
            "event": {resource_name: jsoncodec.loads(jsoncodec.dumps(resource))},
        }
        if field_path:
            event["fieldPath"] = field_path
        self.stats.published += 1
        self.recent.append(event)
        body = jsoncodec.dumps(event)
        lane = zlib.crc32(order_id.encode())
        for subscription in list(self.subscriptions.values()):
            if matches(subscription.query, event):
                self._queue(lane % max(1, self.config.delivery_lanes), _Delivery(subscription, event, body))
        return event

    def _queue(self, lane: int, delivery: _Delivery) -> None:
        key = (delivery.subscription.id, lane)
        queue = self._lanes.get(key)
        if queue is None:
            queue = asyncio.Queue()
            self._lanes[key] = queue
            task = asyncio.get_running_loop().create_task(self._work(queue))
            self._workers.add(task)
            task.add_done_callback(self._workers.discard)
        queue.put_nowait(delivery)

    async def _work(self, queue: asyncio.Queue[_Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                await self._deliver(delivery)
            except Exception:  # a bug in delivery must not stop the lane
                log.exception("event delivery failed")
            finally:
                queue.task_done()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False, headers={"User-Agent": f"openbss-oss-simulator/{__version__}"}
            )
        return self._client

    async def _deliver(self, delivery: _Delivery) -> None:
        event_type = str(delivery.event["eventType"])
        url = f"{delivery.subscription.callback.rstrip('/')}/listener/{event_type[0].lower()}{event_type[1:]}"
        attempts = max(1, self.config.delivery_attempts)
        for attempt in range(1, attempts + 1):
            if delivery.subscription.id not in self.subscriptions:
                return  # unsubscribed meanwhile
            # the signature's timestamp is transport time: the receiver checks it against its wall clock
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: str(delivery.event["eventId"]),
                EVENT_TYPE_HEADER: event_type,
                TIMESTAMP_HEADER: str(timestamp),
                ATTEMPT_HEADER: str(attempt),
            }
            if self.config.secret:
                headers[SIGNATURE_HEADER] = signature_header(self.config.secret, timestamp, delivery.body)
            try:
                response = await self._http().post(
                    url, content=delivery.body, headers=headers, timeout=self.config.delivery_timeout
                )
                if 200 <= response.status_code < 300:
                    self.stats.delivered += 1
                    return
                log.info("event %s to %s: HTTP %s", event_type, url, response.status_code)
            except httpx.HTTPError as exc:
                log.info("event %s to %s: %s", event_type, url, type(exc).__name__)
            self.stats.failed_attempts += 1
            if attempt < attempts:
                await asyncio.sleep(self.config.delivery_backoff * 2 ** (attempt - 1))
        self.stats.dropped += 1

    async def drain(self) -> None:
        """Wait until every queued delivery has been made or dropped."""
        for queue in list(self._lanes.values()):
            await queue.join()

    async def close(self) -> None:
        for task in list(self._workers):
            task.cancel()
        for task in list(self._workers):
            with contextlib.suppress(BaseException):
                await task
        self._lanes.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
