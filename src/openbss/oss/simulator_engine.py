"""The simulated OSS: service orders and cancellations in memory, moved forward
by asyncio tasks on real time, with a TMF641 event for every change.

An order goes ``acknowledged`` → (``start`` delay) → ``inProgress`` or
``rejected``; then each item in turn, after the ``item`` delay, becomes
``completed`` or ``failed`` (an item whose outcome is ``hang`` stays
``inProgress`` until a control call finishes it). Once every item is final the
order closes ``completed``, ``failed`` (all failed) or ``partial`` (some of each).

A cancellation (``cancelServiceOrder``) of an order that is not final moves it
at once to ``assessingCancellation``, after the ``cancel`` delay to
``pendingCancellation`` and after another to ``cancelled``; the task goes
``accepted`` → ``inProgress`` → ``done``. Items finished before the cancellation
keep their state; the others are ``cancelled``.

Every method runs on the event loop of the app that owns the simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine
from typing import Any

from openbss.core import clock, jsoncodec
from openbss.core.errors import Conflict, NotFound, ValidationFailed
from openbss.core.ids import new_id
from openbss.core.problems import FieldProblem
from openbss.oss.simulator_config import BASE_PATH, SimulatorConfig
from openbss.oss.simulator_events import EventHub
from openbss.oss.simulator_rules import (
    CANCELLABLE_STATES,
    FINAL_ITEM_STATES,
    FINAL_STATES,
    Outcome,
    final_order_state,
    item_outcome,
    service_state_after,
    validate_order,
    validate_patch,
)

Doc = dict[str, Any]
ORDER_EVENT = "ServiceOrder{}Event"
CANCEL_EVENT = "CancelServiceOrder{}Event"


def _copy(doc: Doc) -> Doc:
    result: Doc = jsoncodec.loads(jsoncodec.dumps(doc))
    return result


def _now() -> str:
    return clock.isoformat(clock.now())


def _error(code: str, reason: str, message: str, **extra: Any) -> Doc:
    return {"code": code, "reason": reason, "message": message, "timestamp": _now(), **extra}


class Simulator:
    """State and behaviour of one simulated OSS."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.hub = EventHub(config)
        self.rng = random.Random(config.seed)
        self.orders: dict[str, Doc] = {}
        self.cancellations: dict[str, Doc] = {}
        self._plans: dict[str, dict[str, Outcome]] = {}
        self._by_idempotency_key: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- service orders ----------------------------------------------------------------------------

    def create(self, body: Any, root: str, *, idempotency_key: str | None = None) -> tuple[Doc, bool]:
        """Accept a new order (``acknowledged``) and start its progress; (order, created)."""
        if idempotency_key and idempotency_key in self._by_idempotency_key:
            existing = self.orders.get(self._by_idempotency_key[idempotency_key])
            if existing is not None:
                return existing, False
        problems = validate_order(body)
        if problems:
            raise ValidationFailed.from_problems(problems)
        order = _copy(body)
        order_id = new_id()
        order["id"] = order_id
        order["href"] = f"{root}{BASE_PATH}/serviceOrder/{order_id}"
        order.setdefault("@type", "ServiceOrder")
        order["state"] = "acknowledged"
        order["orderDate"] = _now()
        for item in order["serviceOrderItem"]:
            item["state"] = "acknowledged"
        self._plans[order_id] = self._plan(order)
        self.orders[order_id] = order
        if idempotency_key:
            self._by_idempotency_key[idempotency_key] = order_id
        self.hub.publish(ORDER_EVENT.format("Create"), "serviceOrder", order)
        self._spawn(self._progress(order_id))
        return order, True

    def _plan(self, order: Doc) -> dict[str, Outcome]:
        # one draw per order and one per item, always, so that forcing an outcome does not
        # shift the fate of the orders and items that come after it
        rejected = self.rng.random() < self.config.reject_rate
        plan: dict[str, Outcome] = {}
        for item in order["serviceOrderItem"]:
            failed = self.rng.random() < self.config.failure_rate
            drawn: Outcome = "reject" if rejected else "fail" if failed else "complete"
            plan[item["id"]] = item_outcome(
                order,
                item,
                by_external_id=self.config.outcome_by_external_id,
                by_specification=self.config.outcome_by_specification,
                drawn=drawn,
            )
        return plan

    def get(self, order_id: str) -> Doc:
        order = self.orders.get(order_id)
        if order is None:
            raise NotFound(f"no service order with id '{order_id}'", field="id", rule="exists")
        return order

    def patch(self, order_id: str, body: Any) -> Doc:
        order = self.get(order_id)
        problems, closed = validate_patch(body, order)
        if problems:
            raise ValidationFailed.from_problems(problems)
        if closed:
            raise Conflict(
                f"service order '{order_id}' is {order['state']}; it can no longer be changed",
                field="state",
                rule="simulator.closed",
            )
        for name, value in body.items():
            if value is None:
                order.pop(name, None)
            else:
                order[name] = _copy({"v": value})["v"]
        if body:
            self.hub.publish(
                ORDER_EVENT.format("AttributeValueChange"), "serviceOrder", order, field_path=",".join(sorted(body))
            )
        return order

    def delete(self, order_id: str) -> None:
        order = self.get(order_id)
        if order["state"] not in FINAL_STATES:
            raise Conflict(
                f"service order '{order_id}' is {order['state']}; only a closed order can be deleted (cancel it first)",
                field="state",
                rule="simulator.open",
            )
        del self.orders[order_id]
        self._plans.pop(order_id, None)
        self.hub.publish(ORDER_EVENT.format("Delete"), "serviceOrder", order)

    async def _progress(self, order_id: str) -> None:
        await asyncio.sleep(self.config.step("start"))
        order = self.orders.get(order_id)
        if order is None or order["state"] != "acknowledged":
            return
        plan = self._plans[order_id]
        items = order["serviceOrderItem"]
        refused = [item for item in items if plan[item["id"]] == "reject"]
        if refused:
            self._reject(order, refused)
            return
        order["state"] = "inProgress"
        order["startDate"] = _now()
        for item in items:
            item["state"] = "inProgress"
        self._state_changed(order)
        for item in items:
            await asyncio.sleep(self.config.step("item"))
            if order.get("state") != "inProgress" or self.orders.get(order_id) is not order:
                return  # cancelled, finished by a control call, or deleted meanwhile
            outcome = plan[item["id"]]
            if item["state"] in FINAL_ITEM_STATES or outcome == "hang":
                continue
            self._finish_item(order, item, "completed" if outcome == "complete" else "failed", None)
        self._close_if_done(order)

    def _reject(self, order: Doc, refused: list[Doc]) -> None:
        for item in order["serviceOrderItem"]:
            item["state"] = "rejected"
        for item in refused:
            item["errorMessage"] = [
                _error("SIM-REJECT", "Rejected", f"item '{item['id']}' was refused by the simulated OSS")
            ]
        order["state"] = "rejected"
        order["errorMessage"] = [
            _error(
                "SIM-REJECT",
                "Rejected",
                "the simulated OSS refused the order",
                serviceOrderItem=[self._item_ref(order, item) for item in refused],
            )
        ]
        self._state_changed(order)

    def _finish_item(self, order: Doc, item: Doc, state: str, reason: str | None) -> None:
        item["state"] = state
        service = item["service"]
        if state == "completed":
            if item.get("action") == "add" and not service.get("id"):
                service["id"] = new_id()
            if item.get("action") != "noChange":
                service["state"] = service_state_after(str(item.get("action")))
        else:
            item["errorMessage"] = [
                _error("SIM-FAIL", "Failed", reason or f"item '{item['id']}' failed in the simulated network")
            ]
        self.hub.publish(
            ORDER_EVENT.format("AttributeValueChange"), "serviceOrder", order, field_path="serviceOrderItem.state"
        )

    def _close_if_done(self, order: Doc) -> None:
        final = final_order_state([item["state"] for item in order["serviceOrderItem"]])
        if final is None:
            return
        order["state"] = final
        order["completionDate"] = _now()
        failed = [item for item in order["serviceOrderItem"] if item["state"] == "failed"]
        if failed:
            order["errorMessage"] = [
                _error(
                    "SIM-FAIL",
                    "Failed",
                    f"{len(failed)} of {len(order['serviceOrderItem'])} item(s) failed",
                    serviceOrderItem=[self._item_ref(order, item) for item in failed],
                )
            ]
        self._state_changed(order)

    def _item_ref(self, order: Doc, item: Doc) -> Doc:
        return {"itemId": item["id"], "serviceOrderId": order["id"], "serviceOrderHref": order["href"]}

    def _state_changed(self, order: Doc) -> None:
        self.hub.publish(ORDER_EVENT.format("StateChange"), "serviceOrder", order)

    # --- control: finish a hanging order --------------------------------------------------------------

    def resolve(self, order_id: str, outcome: str, *, item_id: str | None = None, reason: str | None = None) -> Doc:
        """Finish the open items of an ``inProgress`` order (or one of them) as ``complete`` or ``fail``."""
        order = self.get(order_id)
        if order["state"] != "inProgress":
            raise Conflict(
                f"service order '{order_id}' is {order['state']}; only an inProgress order can be finished",
                field="state",
                rule="simulator.notInProgress",
            )
        items = [item for item in order["serviceOrderItem"] if item_id is None or item["id"] == item_id]
        if not items:
            raise NotFound(f"service order '{order_id}' has no item '{item_id}'", field="itemId", rule="exists")
        open_items = [item for item in items if item["state"] not in FINAL_ITEM_STATES]
        if item_id is not None and not open_items:
            raise Conflict(
                f"item '{item_id}' is already {items[0]['state']}", field="itemId", rule="simulator.itemClosed"
            )
        for item in open_items:
            self._finish_item(order, item, "completed" if outcome == "complete" else "failed", reason)
        self._close_if_done(order)
        return order

    # --- cancellation ------------------------------------------------------------------------------------

    def cancel(self, body: Any, root: str) -> Doc:
        order = self._order_to_cancel(body)
        task_id = new_id()
        task: Doc = {
            "id": task_id,
            "href": f"{root}{BASE_PATH}/cancelServiceOrder/{task_id}",
            "@type": "CancelServiceOrder",
            "state": "accepted",
            "serviceOrder": {"id": order["id"], "href": order["href"], "@referredType": "ServiceOrder"},
        }
        for name in ("cancellationReason", "requestedCancellationDate"):
            if body.get(name) is not None:
                task[name] = body[name]
        self.cancellations[task_id] = task
        self.hub.publish(CANCEL_EVENT.format("Create"), "cancelServiceOrder", task)
        self._move_open(order, "assessingCancellation")
        self._spawn(self._cancellation(task_id))
        return task

    def _order_to_cancel(self, body: Any) -> Doc:
        if not isinstance(body, dict):
            raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "must be a JSON object")])
        ref = body.get("serviceOrder")
        problems = []
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
            problems.append(FieldProblem("serviceOrder.id", "required", "the order to cancel is required"))
        reason = body.get("cancellationReason")
        if reason is not None and not isinstance(reason, str):
            problems.append(FieldProblem("cancellationReason", "type.string", "must be a string"))
        if problems:
            raise ValidationFailed.from_problems(problems)
        assert isinstance(ref, dict)
        order = self.orders.get(ref["id"])
        if order is None:
            raise NotFound(f"no service order with id '{ref['id']}'", field="serviceOrder.id", rule="exists")
        if order["state"] not in CANCELLABLE_STATES:
            raise Conflict(
                f"service order '{order['id']}' is {order['state']}: past the point of no return, "
                "it can no longer be cancelled",
                field="serviceOrder.id",
                rule="simulator.pointOfNoReturn",
            )
        return order

    def _move_open(self, order: Doc, state: str) -> None:
        order["state"] = state
        for item in order["serviceOrderItem"]:
            if item["state"] not in FINAL_ITEM_STATES:
                item["state"] = state
        self._state_changed(order)

    async def _cancellation(self, task_id: str) -> None:
        task = self.cancellations[task_id]
        await asyncio.sleep(self.config.step("cancel"))
        order = self.orders.get(task["serviceOrder"]["id"])
        if order is None:
            return
        task["state"] = "inProgress"
        self.hub.publish(CANCEL_EVENT.format("StateChange"), "cancelServiceOrder", task)
        self._move_open(order, "pendingCancellation")
        await asyncio.sleep(self.config.step("cancel"))
        now = _now()
        order["cancellationDate"] = now
        if task.get("cancellationReason"):
            order["cancellationReason"] = task["cancellationReason"]
        self._move_open(order, "cancelled")
        task["state"] = "done"
        task["effectiveCancellationDate"] = now
        task["completionMessage"] = "the service order is cancelled"
        self.hub.publish(CANCEL_EVENT.format("StateChange"), "cancelServiceOrder", task)

    def get_cancellation(self, task_id: str) -> Doc:
        task = self.cancellations.get(task_id)
        if task is None:
            raise NotFound(f"no cancelServiceOrder with id '{task_id}'", field="id", rule="exists")
        return task

    # --- housekeeping ------------------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def reset(self, seed: int | None = None) -> None:
        """Forget every order, cancellation and subscription (running progress stops)."""
        for task in list(self._tasks):
            task.cancel()
        self.orders.clear()
        self.cancellations.clear()
        self._plans.clear()
        self._by_idempotency_key.clear()
        self.hub.subscriptions.clear()
        self.hub.recent.clear()
        self.rng = random.Random(seed if seed is not None else self.config.seed)

    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for order in self.orders.values():
            result[order["state"]] = result.get(order["state"], 0) + 1
        return result

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await self.hub.close()
