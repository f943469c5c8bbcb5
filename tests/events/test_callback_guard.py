"""/hub callbacks may not point into blocked networks (cloud metadata and the like): refused when
registered as an IP address, and never sent to when a host name resolves there."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from webhook_listener import PARTY, Listener, Subscribe

from openbss.core.db import Database
from openbss.core.settings import Settings, get_settings, reset_settings
from openbss.events.callback_guard import delivery_problem, delivery_target, parse_networks
from openbss.events.dispatcher import dispatch_once
from openbss.events.models import EventDelivery
from openbss.tmf.models import HubSubscription


def _subscriptions(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(HubSubscription)).scalar_one())


@pytest.mark.parametrize(
    "callback",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/computeMetadata",
        "https://0.0.0.0:8443/",
        "http://[fe80::1]/x",
        "http://224.0.0.1/",
    ],
)
def test_a_callback_in_a_blocked_network_is_refused_and_nothing_is_written(
    client: TestClient, admin: dict[str, str], db: Database, callback: str
) -> None:
    response = client.post(f"{PARTY}/hub", json={"callback": callback}, headers=admin)

    assert response.status_code == 400, response.text
    [problem] = response.json()["details"]
    assert (problem["field"], problem["rule"]) == ("callback", "callback.network")
    assert "blocked network" in problem["message"]
    assert _subscriptions(db) == 0


def test_loopback_and_private_addresses_are_allowed_by_default(
    client: TestClient, admin: dict[str, str], db: Database
) -> None:
    for callback in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]:9/x", "http://hooks.example/x"):
        assert client.post(f"{PARTY}/hub", json={"callback": callback}, headers=admin).status_code == 201
    assert _subscriptions(db) == 4


def test_the_operator_can_block_more_networks(
    client: TestClient, admin: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBSS_HUB_BLOCKED_NETWORKS", "10.0.0.0/8,fc00::/7")
    reset_settings()
    refused = client.post(f"{PARTY}/hub", json={"callback": "http://10.1.2.3/x"}, headers=admin)
    assert refused.status_code == 400
    assert client.post(f"{PARTY}/hub", json={"callback": "http://169.254.169.254/"}, headers=admin).status_code == 201


def test_a_host_name_resolving_into_a_blocked_network_gets_no_request(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    callback = listener.url("/hooks").replace("127.0.0.1", "localhost")  # a name: registration cannot tell
    subscribe(callback)
    monkeypatch.setenv("OPENBSS_HUB_BLOCKED_NETWORKS", "127.0.0.0/8,::1/128")
    reset_settings()
    created = client.post(f"{PARTY}/individual", json={"givenName": "Lo", "familyName": "Cal"}, headers=agent)
    assert created.status_code == 201

    report = dispatch_once(db, get_settings())

    assert report.delivered == 0
    assert listener.received == []
    delivery = _only_delivery(db)
    assert delivery.attempts == 1 and delivery.status == "pending"
    assert delivery.last_error is not None and "blocked network" in delivery.last_error


def test_delivery_check_resolves_names_and_unwraps_mapped_addresses() -> None:
    blocked = parse_networks("127.0.0.0/8,169.254.0.0/16")
    assert delivery_problem("http://localhost:8080/x", blocked) is not None
    assert delivery_problem("http://[::ffff:169.254.169.254]/", blocked) is not None
    assert delivery_problem("http://10.0.0.1/", blocked) is None
    assert delivery_problem("http://no-such-host.invalid/", blocked) is None  # left to the HTTP client
    assert delivery_problem("http://127.0.0.1/", ()) is None


def test_a_malformed_network_setting_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBSS_HUB_BLOCKED_NETWORKS", "10.0.0.0/8,not-a-network")
    with pytest.raises(ValidationError, match="not-a-network"):
        Settings()


def test_a_delivery_connects_to_the_address_it_checked() -> None:
    blocked = parse_networks("169.254.0.0/16")
    target, problem = delivery_target("http://user:pw@localhost:8443/hooks?x=1", blocked)
    assert problem is None and target is not None
    assert target.url in ("http://user:pw@127.0.0.1:8443/hooks?x=1", "http://user:pw@[::1]:8443/hooks?x=1")
    assert target.host_header == "localhost:8443"  # the receiver still sees its own name
    assert target.sni_hostname is None
    secure, _ = delivery_target("https://localhost/hooks", blocked)
    assert secure is not None and secure.sni_hostname == "localhost"  # TLS checks the certificate for the name
    assert secure.host_header == "localhost"
    literal, _ = delivery_target("http://10.0.0.1:81/x", blocked)
    assert literal is not None and literal.url == "http://10.0.0.1:81/x" and literal.host_header is None
    unchecked, _ = delivery_target("http://localhost/x", ())
    assert unchecked is not None and unchecked.url == "http://localhost/x"  # nothing blocked: nothing to pin
    refused, reason = delivery_target("http://localhost/x", parse_networks("127.0.0.0/8,::1/128"))
    assert refused is None and reason is not None and "blocked network" in reason


def test_a_pinned_delivery_reaches_the_listener_under_its_own_name(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    callback = listener.url("/pinned").replace("127.0.0.1", "localhost")
    subscribe(callback)
    monkeypatch.setenv("OPENBSS_HUB_BLOCKED_NETWORKS", "169.254.0.0/16")
    reset_settings()
    created = client.post(f"{PARTY}/individual", json={"givenName": "Pin", "familyName": "Ned"}, headers=agent)
    assert created.status_code == 201

    report = dispatch_once(db, get_settings())

    assert report.delivered == 1
    [received] = listener.to("/pinned")
    port = callback.split(":")[2].split("/")[0]
    assert received.headers["host"] == f"localhost:{port}"


def _resolving_to(monkeypatch: pytest.MonkeyPatch, name: str, addresses: list[str]) -> None:
    """Make ``name`` resolve to ``addresses``, in that order (every other name resolves as usual).

    The loopback network is 127.0.0.0/8: the listener binds 127.0.0.1 only, so a
    connection to 127.0.0.2 on its port is refused by the kernel, a real failed connect.
    """
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _subscribed_by_name(
    monkeypatch: pytest.MonkeyPatch, listener: Listener, subscribe: Subscribe, path: str, addresses: list[str]
) -> str:
    """Subscribe the listener's ``path`` under a host name resolving to ``addresses``; deliveries
    are pinned to checked addresses (a blocked network is set). Returns the callback."""
    _resolving_to(monkeypatch, "hooks.example.test", addresses)
    callback = listener.url(path).replace("127.0.0.1", "hooks.example.test")
    subscribe(callback)
    monkeypatch.setenv("OPENBSS_HUB_BLOCKED_NETWORKS", "169.254.0.0/16")
    reset_settings()
    return callback


def _only_delivery(db: Database) -> EventDelivery:
    with db.session() as session:
        [delivery] = session.execute(select(EventDelivery)).scalars()
    return delivery


def test_a_name_whose_first_address_refuses_is_delivered_to_its_next_one(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    callback = _subscribed_by_name(monkeypatch, listener, subscribe, "/two", ["127.0.0.2", "127.0.0.1"])
    target, _ = delivery_target(callback, parse_networks(get_settings().hub_blocked_networks))
    assert target is not None and "127.0.0.2" in target.url and "127.0.0.1" in target.fallbacks[0]
    created = client.post(f"{PARTY}/individual", json={"givenName": "Two", "familyName": "Homes"}, headers=agent)
    assert created.status_code == 201

    report = dispatch_once(db, get_settings())

    assert report.delivered == 1
    [received] = listener.to("/two")
    assert received.headers["host"] == f"hooks.example.test:{callback.split(':')[2].split('/')[0]}"
    delivery = _only_delivery(db)
    assert delivery.status == "delivered" and delivery.attempts == 1


def test_a_name_whose_every_address_refuses_records_a_failed_attempt(
    client: TestClient,
    agent: dict[str, str],
    db: Database,
    listener: Listener,
    subscribe: Subscribe,
    dispatch_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _subscribed_by_name(monkeypatch, listener, subscribe, "/none", ["127.0.0.2", "127.0.0.3"])
    created = client.post(f"{PARTY}/individual", json={"givenName": "No", "familyName": "Body"}, headers=agent)
    assert created.status_code == 201

    report = dispatch_once(db, get_settings())

    assert report.delivered == 0
    assert listener.received == []
    delivery = _only_delivery(db)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error is not None and "ConnectError" in delivery.last_error
