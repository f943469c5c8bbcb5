"""ServiceOrderClient against the OSS simulator over real HTTP on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openbss.oss.client import OssError, ServiceOrderClient
from openbss.oss.simulator_thread import LoopbackServer, RunningSimulator, running_simulator

FINAL = ("completed", "failed", "partial", "rejected", "cancelled")


def _item(item_id: str, spec: str = "spec-internet", action: str = "add", **extra: Any) -> dict[str, Any]:
    service: dict[str, Any] = {"serviceSpecification": {"id": spec, "name": spec}}
    if action != "add":
        service["id"] = f"svc-{item_id}"
    return {"id": item_id, "action": action, "service": service, **extra}


def _order(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"externalId": "po-1", "serviceOrderItem": list(items) or [_item("1")], **extra}


@pytest.fixture
def oss(oss_simulator: RunningSimulator) -> Iterator[ServiceOrderClient]:
    with ServiceOrderClient(oss_simulator.base_url, timeout=5) as client:
        yield client


def test_an_order_is_acknowledged_then_progresses_to_completed(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1"), _item("2", action="modify"), _item("3", action="delete")))

    assert created["state"] == "acknowledged"
    assert [item["state"] for item in created["serviceOrderItem"]] == ["acknowledged"] * 3
    assert created["href"].endswith(f"/tmf-api/serviceOrdering/v4/serviceOrder/{created['id']}")
    assert created["orderDate"]
    done = oss_simulator.wait_for_state(created["id"], *FINAL)
    assert done["state"] == "completed"
    assert [item["state"] for item in done["serviceOrderItem"]] == ["completed"] * 3
    services = [item["service"] for item in done["serviceOrderItem"]]
    assert [s["state"] for s in services] == ["active", "active", "terminated"]
    assert services[0]["id"]  # the OSS names the new service
    assert services[1]["id"] == "svc-2"
    assert done["startDate"] <= done["completionDate"]
    assert oss.get(created["id"]) == done


def test_the_order_passes_through_in_progress(oss: ServiceOrderClient, oss_simulator: RunningSimulator) -> None:
    oss_simulator.configure(start_delay=0.05, item_delay=0.5)
    created = oss.create(_order())

    seen = oss_simulator.wait_for_state(created["id"], "inProgress")

    assert seen["serviceOrderItem"][0]["state"] == "inProgress"
    assert seen["startDate"]
    assert oss_simulator.wait_for_state(created["id"], *FINAL)["state"] == "completed"


def test_a_forced_item_failure_leaves_the_order_partial(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1"), _item("2", simulatorOutcome="fail"), _item("3")))

    done = oss_simulator.wait_for_state(created["id"], *FINAL)

    assert done["state"] == "partial"
    assert [item["state"] for item in done["serviceOrderItem"]] == ["completed", "failed", "completed"]
    failed = done["serviceOrderItem"][1]
    assert failed["errorMessage"][0]["code"] == "SIM-FAIL"
    assert done["errorMessage"][0]["serviceOrderItem"] == [
        {"itemId": "2", "serviceOrderId": created["id"], "serviceOrderHref": created["href"]}
    ]


def test_an_outcome_can_be_forced_by_service_characteristic(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    item = _item("1")
    item["service"]["serviceCharacteristic"] = [
        {"name": "speed", "value": "100M"},
        {"name": "simulatorOutcome", "value": "fail"},
    ]
    created = oss.create(_order(item))

    assert oss_simulator.wait_for_state(created["id"], *FINAL)["state"] == "failed"


def test_an_order_level_failure_fails_every_item(oss: ServiceOrderClient, oss_simulator: RunningSimulator) -> None:
    created = oss.create(_order(_item("1"), _item("2"), simulatorOutcome="fail"))

    done = oss_simulator.wait_for_state(created["id"], *FINAL)

    assert done["state"] == "failed"
    assert {item["state"] for item in done["serviceOrderItem"]} == {"failed"}


def test_the_item_attribute_wins_over_the_order_attribute(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1", simulatorOutcome="complete"), _item("2"), simulatorOutcome="fail"))

    done = oss_simulator.wait_for_state(created["id"], *FINAL)

    assert done["state"] == "partial"
    assert [item["state"] for item in done["serviceOrderItem"]] == ["completed", "failed"]


def test_a_forced_rejection_rejects_the_order_with_the_reason(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1"), _item("2", simulatorOutcome="reject")))

    done = oss_simulator.wait_for_state(created["id"], *FINAL)

    assert done["state"] == "rejected"
    assert [item["state"] for item in done["serviceOrderItem"]] == ["rejected", "rejected"]
    assert "errorMessage" not in done["serviceOrderItem"][0]
    assert done["serviceOrderItem"][1]["errorMessage"][0]["code"] == "SIM-REJECT"
    assert done["errorMessage"][0]["serviceOrderItem"][0]["itemId"] == "2"
    assert "startDate" not in done


def test_a_hanging_order_waits_until_a_control_call_finishes_it(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1"), _item("2"), simulatorOutcome="hang"))
    oss_simulator.wait_for_state(created["id"], "inProgress")

    time.sleep(0.3)  # several item delays: nothing moves
    still = oss.get(created["id"])
    assert still["state"] == "inProgress"
    assert [item["state"] for item in still["serviceOrderItem"]] == ["inProgress", "inProgress"]

    one = oss_simulator.fail(created["id"], item_id="2", reason="no port free on the DSLAM")
    assert one["state"] == "inProgress"
    assert one["serviceOrderItem"][1]["errorMessage"][0]["message"] == "no port free on the DSLAM"
    done = oss_simulator.complete(created["id"])

    assert done["state"] == "partial"
    assert [item["state"] for item in done["serviceOrderItem"]] == ["completed", "failed"]
    assert oss.get(created["id"])["state"] == "partial"


def test_control_calls_are_refused_on_orders_that_do_not_hang(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order())
    oss_simulator.wait_for_state(created["id"], "completed")

    answer = httpx.post(f"{oss_simulator.url}/simulator/serviceOrder/{created['id']}/fail")
    assert answer.status_code == 409
    assert answer.json()["details"][0]["rule"] == "simulator.notInProgress"
    assert httpx.post(f"{oss_simulator.url}/simulator/serviceOrder/nope/complete").status_code == 404
    assert httpx.post(f"{oss_simulator.url}/simulator/serviceOrder/{created['id']}/explode").status_code == 404


def test_runtime_rules_force_outcomes_by_specification_and_external_id(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    oss_simulator.force_specification("spec-tv", "fail")
    oss_simulator.force_external_id("po-rejected", "reject")

    mixed = oss.create(_order(_item("1", spec="spec-tv"), _item("2")))
    refused = oss.create(_order(_item("1"), externalId="po-rejected"))

    assert oss_simulator.wait_for_state(mixed["id"], *FINAL)["state"] == "partial"
    assert oss_simulator.wait_for_state(refused["id"], *FINAL)["state"] == "rejected"
    oss_simulator.force_specification("spec-tv", None)
    again = oss.create(_order(_item("1", spec="spec-tv")))
    assert oss_simulator.wait_for_state(again["id"], *FINAL)["state"] == "completed"


def _outcomes(seed: int, orders: int = 12) -> list[str]:
    with (
        running_simulator(delay=0.0, failure_rate=0.4, seed=seed) as simulator,
        ServiceOrderClient(simulator.base_url, timeout=5) as client,
    ):
        ids = [client.create(_order(_item("1"), _item("2")))["id"] for _ in range(orders)]
        return [simulator.wait_for_state(i, *FINAL)["state"] for i in ids]


def test_the_failure_rate_is_reproducible_with_a_seed() -> None:
    first = _outcomes(seed=7)

    assert first == _outcomes(seed=7)
    assert {"completed", "partial", "failed"} & set(first)
    assert len(set(first)) > 1  # 40% per item over 24 items: not all alike


def test_a_reject_rate_rejects_whole_orders() -> None:
    with (
        running_simulator(delay=0.0, reject_rate=1.0, seed=1) as simulator,
        ServiceOrderClient(simulator.base_url, timeout=5) as client,
    ):
        created = client.create(_order(_item("1"), _item("2")))
        assert simulator.wait_for_state(created["id"], *FINAL)["state"] == "rejected"


def test_cancelling_an_open_order_walks_it_to_cancelled(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(_item("1"), _item("2"), simulatorOutcome="hang"))
    oss_simulator.wait_for_state(created["id"], "inProgress")

    task = oss.cancel(created["id"], "customer changed their mind")

    assert task["state"] == "accepted"
    assert task["serviceOrder"]["id"] == created["id"]
    assert task["cancellationReason"] == "customer changed their mind"
    assert oss.get(created["id"])["state"] == "assessingCancellation"
    oss_simulator.wait_for_state(created["id"], "pendingCancellation", "cancelled")
    done = oss_simulator.wait_for_state(created["id"], "cancelled")
    assert {item["state"] for item in done["serviceOrderItem"]} == {"cancelled"}
    assert done["cancellationReason"] == "customer changed their mind"
    assert done["cancellationDate"]
    finished = oss.get_cancellation(task["id"])
    assert finished["state"] == "done"
    assert finished["effectiveCancellationDate"] == done["cancellationDate"]


def test_cancelling_an_acknowledged_order_stops_its_progress(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    oss_simulator.configure(start_delay=0.3, cancel_delay=0.01)
    created = oss.create(_order())

    oss.cancel(created["id"])

    done = oss_simulator.wait_for_state(created["id"], "cancelled")
    time.sleep(0.4)  # past the start delay: the order does not come back to life
    assert oss.get(created["id"])["state"] == "cancelled"
    assert "cancellationReason" not in done


def test_cancelling_after_completion_is_refused_with_the_reason(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order())
    oss_simulator.wait_for_state(created["id"], "completed")

    with pytest.raises(OssError) as refused:
        oss.cancel(created["id"], "too late")

    assert refused.value.kind == "rejected"
    assert refused.value.status == 409
    assert "point of no return" in refused.value.message
    assert refused.value.body["details"][0]["rule"] == "simulator.pointOfNoReturn"
    assert oss.get(created["id"])["state"] == "completed"


def test_cancelling_twice_is_refused(oss: ServiceOrderClient, oss_simulator: RunningSimulator) -> None:
    created = oss.create(_order(simulatorOutcome="hang"))
    oss.cancel(created["id"])

    with pytest.raises(OssError) as refused:
        oss.cancel(created["id"])

    assert (refused.value.kind, refused.value.status) == ("rejected", 409)


def test_cancelling_an_unknown_order_is_rejected(oss: ServiceOrderClient) -> None:
    with pytest.raises(OssError) as refused:
        oss.cancel("no-such-order")
    assert (refused.value.kind, refused.value.status) == ("rejected", 404)


def test_an_invalid_order_is_rejected_with_the_fields_named(oss: ServiceOrderClient) -> None:
    bad = {
        "state": "completed",
        "serviceOrderItem": [{"id": "1", "action": "upgrade"}, {"id": "1", "action": "delete", "service": {}}],
    }

    with pytest.raises(OssError) as refused:
        oss.create(bad)

    error = refused.value
    assert (error.kind, error.status, error.code) == ("rejected", 400, "ERR_VALIDATION")
    fields = {d["field"]: d["rule"] for d in error.body["details"]}
    assert fields == {
        "state": "readOnly",
        "serviceOrderItem[0].action": "enum",
        "serviceOrderItem[0].service": "required",
        "serviceOrderItem[1].id": "unique",
        "serviceOrderItem[1].service.id": "required",
    }
    assert "serviceOrderItem[0].action" in error.message
    assert "upgrade" not in error.message or "must be one of" in error.message


def test_an_unknown_order_is_rejected_with_404(oss: ServiceOrderClient) -> None:
    with pytest.raises(OssError) as missing:
        oss.get("no-such-order")
    assert (missing.value.kind, missing.value.status, missing.value.code) == ("rejected", 404, "ERR_NOT_FOUND")


def test_find_by_external_id_and_list_paging(oss: ServiceOrderClient, oss_simulator: RunningSimulator) -> None:
    first = oss.create(_order(externalId="po-a"))
    oss.create(_order(externalId="po-b"))
    oss.create(_order(externalId="po-b"))

    assert [o["id"] for o in oss.find(externalId="po-a")] == [first["id"]]
    assert len(oss.find(externalId="po-b")) == 2
    page = httpx.get(f"{oss_simulator.base_url}/serviceOrder", params={"limit": "1", "offset": "1", "fields": "state"})
    assert page.headers["X-Total-Count"] == "3"
    assert page.headers["X-Result-Count"] == "1"
    assert set(page.json()[0]) == {"id", "href", "@type", "state"}
    assert httpx.get(f"{oss_simulator.base_url}/serviceOrder", params={"limit": "x"}).status_code == 400


def test_the_same_idempotency_key_gives_the_same_order(oss: ServiceOrderClient) -> None:
    first = oss.create(_order(), idempotency_key="po-1-attempt")
    again = oss.create(_order(), idempotency_key="po-1-attempt")

    assert again["id"] == first["id"]
    assert len(oss.find(externalId="po-1")) == 1


def test_patch_changes_allowed_attributes_until_the_order_closes(
    oss: ServiceOrderClient, oss_simulator: RunningSimulator
) -> None:
    created = oss.create(_order(simulatorOutcome="hang"))
    url = f"{oss_simulator.base_url}/serviceOrder/{created['id']}"

    changed = httpx.patch(url, json={"priority": "1", "description": "rush"})
    assert changed.status_code == 200
    assert (changed.json()["priority"], changed.json()["description"]) == ("1", "rush")
    refused = httpx.patch(url, json={"state": "completed"})
    assert refused.status_code == 400
    assert refused.json()["details"][0]["field"] == "state"
    assert httpx.delete(url).status_code == 409  # open orders are not deleted

    oss.cancel(created["id"])
    oss_simulator.wait_for_state(created["id"], "cancelled")
    assert httpx.patch(url, json={"priority": "2"}).status_code == 409
    assert httpx.delete(url).status_code == 204
    assert httpx.get(url).status_code == 404


def test_configuration_can_be_read_and_changed_at_run_time(oss_simulator: RunningSimulator) -> None:
    url = f"{oss_simulator.url}/simulator/config"
    answer = httpx.patch(url, json={"failureRate": 0.25, "itemDelay": 0.01, "outcomeBySpecification": {"x": "hang"}})
    assert answer.status_code == 200, answer.text
    assert oss_simulator.config.failure_rate == 0.25
    assert oss_simulator.config.item_delay == 0.01
    assert oss_simulator.config.outcome_by_specification == {"x": "hang"}
    assert "secret" not in answer.json()
    bad = httpx.patch(url, json={"failureRate": 2, "delay": "slow", "colour": "red", "outcomeByExternalId": {"a": "x"}})
    assert bad.status_code == 400
    assert {d["field"] for d in bad.json()["details"]} == {"failureRate", "delay", "colour", "outcomeByExternalId"}
    with pytest.raises(ValueError):
        oss_simulator.configure(failure_rate=-1)


# --- failure classification -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_is_unreachable() -> None:
    url = f"http://127.0.0.1:{_free_port()}/tmf-api/serviceOrdering/v4"
    with ServiceOrderClient(url, timeout=2) as client, pytest.raises(OssError) as failure:
        client.create(_order())
    assert failure.value.kind == "unreachable"
    assert failure.value.retryable
    assert failure.value.status is None


def test_a_bad_url_is_unreachable() -> None:
    with ServiceOrderClient("ftp://127.0.0.1/tmf", timeout=1) as client, pytest.raises(OssError) as failure:
        client.get("1")
    assert failure.value.kind == "unreachable"


class _SilentServer:
    """Accepts connections and reads the request, but never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


def test_no_answer_in_time_is_a_timeout() -> None:
    silent = _SilentServer()
    try:
        url = f"http://127.0.0.1:{silent.port}/tmf"
        with ServiceOrderClient(url, timeout=0.3) as client, pytest.raises(OssError) as failure:
            client.create(_order())
        assert failure.value.kind == "timeout"
        assert not failure.value.retryable
        assert "no answer" in failure.value.message
    finally:
        silent.close()


def _misbehaving_app() -> Starlette:
    async def unavailable(_request: Request) -> Response:
        return Response(
            b'{"code": "ERR_DOWN", "reason": "Maintenance", "message": "back at noon", "status": "503"}',
            status_code=503,
            media_type="application/json",
        )

    async def html(_request: Request) -> Response:
        return Response(b"<html>hello</html>", media_type="text/html")

    async def plain_error(_request: Request) -> Response:
        return Response(b"upstream exploded", status_code=502)

    async def array(_request: Request) -> Response:
        return Response(b"[1, 2]", media_type="application/json")

    return Starlette(
        routes=[
            Route("/down/serviceOrder", unavailable, methods=["POST"]),
            Route("/html/serviceOrder/{id}", html),
            Route("/plain/serviceOrder/{id}", plain_error),
            Route("/array/serviceOrder/{id}", array),
        ]
    )


def test_server_side_failures_are_classified_as_server() -> None:
    server = LoopbackServer(_misbehaving_app())
    try:
        with ServiceOrderClient(f"{server.url}/down", timeout=2) as client, pytest.raises(OssError) as down:
            client.create(_order())
        assert (down.value.kind, down.value.status, down.value.code) == ("server", 503, "ERR_DOWN")
        assert "Maintenance - back at noon" in down.value.message
        for prefix, status in (("html", 200), ("plain", 502), ("array", 200)):
            with ServiceOrderClient(f"{server.url}/{prefix}", timeout=2) as client, pytest.raises(OssError) as bad:
                client.get("1")
            assert bad.value.kind == "server"
            assert bad.value.status in (status, None)
        assert "upstream exploded" in str(_raise_plain(server.url))
    finally:
        server.stop()


def _raise_plain(url: str) -> OssError:
    with ServiceOrderClient(f"{url}/plain", timeout=2) as client:
        try:
            client.get("1")
        except OssError as exc:
            return exc
    raise AssertionError("no error")


def test_recent_events_status_and_reset(oss: ServiceOrderClient, oss_simulator: RunningSimulator) -> None:
    created = oss.create(_order())
    other = oss.create(_order(simulatorOutcome="hang"))
    oss_simulator.wait_for_state(created["id"], "completed")

    events = httpx.get(f"{oss_simulator.url}/simulator/events", params={"correlationId": created["id"]}).json()
    assert [e["eventType"] for e in events] == [
        "ServiceOrderCreateEvent",
        "ServiceOrderStateChangeEvent",
        "ServiceOrderAttributeValueChangeEvent",
        "ServiceOrderStateChangeEvent",
    ]
    oss_simulator.wait_for_state(other["id"], "inProgress")
    status = httpx.get(f"{oss_simulator.url}/simulator/status").json()
    assert status["orders"] == {"completed": 1, "inProgress": 1}
    assert status["events"]["published"] == 6

    oss_simulator.reset()

    assert oss.find() == []
    assert httpx.get(f"{oss_simulator.url}/simulator/events").json() == []
    with pytest.raises(OssError):
        oss.get(other["id"])
