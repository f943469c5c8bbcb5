"""Run the OSS simulator on a loopback port in a background thread (tests, demos, benchmarks).

with running_simulator(delay=0.05, failure_rate=0.0, seed=1) as oss:
    client = ServiceOrderClient(oss.base_url, timeout=2)
    order = client.create({...})
    oss.wait_for_state(order["id"], "completed")
    oss.configure(failure_rate=0.5)            # change behaviour while it runs
    oss.force_specification("spec-tv", "fail")  # every item of that service specification fails
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from openbss.oss.simulator import create_simulator_app
from openbss.oss.simulator_config import BASE_PATH, SimulatorConfig, config_problems
from openbss.oss.simulator_engine import Simulator
from openbss.oss.simulator_rules import OUTCOMES, Outcome

Doc = dict[str, Any]


class LoopbackServer:
    """Any ASGI app served by uvicorn on ``host:port`` (0: a free port) in a daemon thread.

    Tests use it to make a real HTTP server of the simulator, or of openbss
    itself when the simulator must call back.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP
        # (with proto 0 every keep-alive answer waits ~40 ms for a delayed ACK)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", loop="asyncio")
        )
        self._thread = threading.Thread(target=self._run, name=f"loopback-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {host}:{self.port} did not start")
            time.sleep(0.01)

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


class RunningSimulator(LoopbackServer):
    """A simulator served by uvicorn in a daemon thread; :meth:`stop` ends it."""

    def __init__(self, config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_simulator_app(config), host, port)
        self.simulator: Simulator = self.app.state.simulator
        self._http = httpx.Client(base_url=self.url, timeout=10)

    @property
    def base_url(self) -> str:
        """The TMF641 base URL (what ``OPENBSS_OSS_URL`` holds)."""
        return f"{self.url}{BASE_PATH}"

    @property
    def config(self) -> SimulatorConfig:
        """The live configuration; attributes may be set directly."""
        return self.simulator.config

    def configure(self, **changes: Any) -> None:
        """Change settings by their Python names (``delay=0.2, failure_rate=0.5, seed=3``)."""
        camel = {_camel(name): value for name, value in changes.items()}
        _, problems = config_problems(camel)
        if problems:
            raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
        response = self._http.patch("/simulator/config", json=camel)
        response.raise_for_status()

    def force_specification(self, key: str, outcome: Outcome | None) -> None:
        """Every item whose ``service.serviceSpecification`` id or name is ``key`` gets ``outcome`` (None: forget)."""
        _set_rule(self.config.outcome_by_specification, key, outcome)

    def force_external_id(self, external_id: str, outcome: Outcome | None) -> None:
        """Every item of orders whose ``externalId`` is ``external_id`` gets ``outcome`` (None: forget)."""
        _set_rule(self.config.outcome_by_external_id, external_id, outcome)

    def complete(self, order_id: str, item_id: str | None = None) -> Doc:
        """Finish a hanging order (or one item of it) as completed, through the control endpoint."""
        return self._resolve(order_id, "complete", item_id, None)

    def fail(self, order_id: str, item_id: str | None = None, reason: str | None = None) -> Doc:
        """Finish a hanging order (or one item of it) as failed, through the control endpoint."""
        return self._resolve(order_id, "fail", item_id, reason)

    def _resolve(self, order_id: str, outcome: str, item_id: str | None, reason: str | None) -> Doc:
        # an order hangs once the simulator has moved it to inProgress, a step that runs on real
        # time; on a loaded machine the caller can get there first
        if self.order(order_id)["state"] == "acknowledged":
            self.wait_for_state(order_id, "inProgress", timeout=30.0)
        path = f"/simulator/serviceOrder/{order_id}"
        if item_id is not None:
            path += f"/serviceOrderItem/{item_id}"
        response = self._http.post(f"{path}/{outcome}", json={"reason": reason} if reason else None)
        response.raise_for_status()
        result: Doc = response.json()
        return result

    def order(self, order_id: str) -> Doc:
        response = self._http.get(f"{BASE_PATH}/serviceOrder/{order_id}")
        response.raise_for_status()
        result: Doc = response.json()
        return result

    def wait_for_state(self, order_id: str, *states: str, timeout: float = 10.0) -> Doc:
        """Poll the order until its state is one of ``states``; the order (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            order = self.order(order_id)
            if order["state"] in states:
                return order
            if time.monotonic() > deadline:
                raise AssertionError(f"service order {order_id} is {order['state']}, not {' or '.join(states)}")
            time.sleep(0.01)

    def reset(self) -> None:
        """Forget all orders, cancellations and subscriptions."""
        self._http.post("/simulator/reset").raise_for_status()

    def stop(self) -> None:
        self._http.close()
        super().stop()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _set_rule(rules: dict[str, Outcome], key: str, outcome: Outcome | None) -> None:
    if outcome is None:
        rules.pop(key, None)
    elif outcome in OUTCOMES:
        rules[key] = outcome
    else:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")


@contextmanager
def running_simulator(
    config: SimulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0, **settings: Any
) -> Iterator[RunningSimulator]:
    """Serve a simulator on ``host:port`` (0: a free port) for the duration of the block.

    ``settings`` are :class:`SimulatorConfig` fields (``delay=0.05, failure_rate=0.0, seed=1``).
    """
    if config is None:
        config = SimulatorConfig(**settings)
    else:
        for name, value in settings.items():
            setattr(config, name, value)
    running = RunningSimulator(config, host, port)
    try:
        yield running
    finally:
        running.stop()
