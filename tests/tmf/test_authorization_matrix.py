"""Who may do what: every TMF632/TMF669 endpoint against every kind of caller.

Callers: no token, a token that is not one (garbage, another signing key), a
token expired by the openbss clock, a customer token of ANOTHER party and of
the SAME party as the resource, a partner token of the same party, billing,
agent and admin. A refused call must leave the database exactly as it was.

The resources live for the whole module (building them for each of the ~250
cases would be slow); allowed writes are chosen so that later cases still
hold: creations engage an unrelated party, status changes move forward once
and repeat as no-ops, deletions remove a resource made for the case.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from engine_support import (
    INDIVIDUAL,
    ORGANIZATION,
    PARTY,
    PARTY_ROLE,
    ROLE,
    Headers,
    expire,
    snapshot,
    token_headers,
    wipe,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openbss.core.db import Database, set_database


@dataclass(frozen=True)
class World:
    ids: dict[str, str]  # name -> id: A, B (individuals), O, P (organizations), C (bystander), rA, rB, hub...


@pytest.fixture(scope="module")
def matrix_client(database: Database, engine_app: FastAPI) -> Iterator[TestClient]:
    set_database(database)
    wipe(database)
    with TestClient(engine_app) as client:
        yield client
    wipe(database)


@pytest.fixture(scope="module")
def world(matrix_client: TestClient) -> World:
    admin = token_headers("admin")

    def post(path: str, body: dict[str, Any]) -> str:
        response = matrix_client.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    ids = {
        "A": post(INDIVIDUAL, {"givenName": "Ann", "familyName": "Owner"}),
        "B": post(INDIVIDUAL, {"givenName": "Bob", "familyName": "Other"}),
        "C": post(INDIVIDUAL, {"givenName": "Cy", "familyName": "Bystander"}),
        "O": post(ORGANIZATION, {"tradingName": "Own Ltd"}),
        "P": post(ORGANIZATION, {"tradingName": "Other plc"}),
    }
    ids["rA"] = post(PARTY_ROLE, {"name": "dealer", "engagedParty": {"id": ids["A"], "@referredType": "Individual"}})
    ids["rB"] = post(PARTY_ROLE, {"name": "dealer", "engagedParty": {"id": ids["B"], "@referredType": "Individual"}})
    ids["hub632"] = post(f"{PARTY}/hub", {"callback": "https://listener.example.org/632"})
    ids["hub669"] = post(f"{ROLE}/hub", {"callback": "https://listener.example.org/669"})
    return World(ids)


# resource -> (collection path, the target, its owner, the party of the other customer, create body,
#              name patch, status patch)
RESOURCES: dict[str, tuple[str, str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "individual": (
        INDIVIDUAL,
        "A",
        "A",
        "B",
        {"givenName": "New", "familyName": "Person"},
        {"givenName": "Annie"},
        {"status": "validated"},
    ),
    "organization": (
        ORGANIZATION,
        "O",
        "O",
        "P",
        {"tradingName": "New Co"},
        {"name": "Own Limited"},
        {"status": "validated"},
    ),
    "partyRole": (
        PARTY_ROLE,
        "rA",
        "A",
        "B",
        {"name": "supplier", "engagedParty": {"id": "C"}},
        {"name": "reseller"},
        {"status": "approved"},
    ),
}
OPERATIONS = ("create", "list", "read", "patch", "patch-status", "delete")
HUB_OPERATIONS = ("hub-create", "hub-read", "hub-delete")
CALLERS = (
    "anonymous",
    "garbage",
    "foreign",
    "expired",
    "customer-other",
    "customer-same",
    "partner-same",
    "billing",
    "agent",
    "admin",
)
UNAUTHENTICATED = {"anonymous", "garbage", "foreign", "expired"}
PARTY_BOUND = {"customer-other", "customer-same", "partner-same"}
DELETE_ROLES = {"individual": {"admin"}, "organization": {"admin"}, "partyRole": {"admin", "agent"}}


def expected_status(resource: str, operation: str, caller: str) -> int:
    if caller in UNAUTHENTICATED:
        return 401
    role = caller.split("-")[0]
    if operation.startswith("hub-"):
        return 403 if caller in PARTY_BOUND else {"hub-create": 201, "hub-read": 200, "hub-delete": 204}[operation]
    if operation == "create":
        return 201 if role in ("admin", "agent") else 403
    if operation == "list":
        return 200
    if operation == "delete":
        return 204 if role in DELETE_ROLES[resource] else 403
    if caller == "customer-other":
        return 404  # someone else's resource does not exist for a party-bound token
    if operation == "read":
        return 200
    if operation == "patch":
        return 200 if role in ("admin", "agent", "customer", "partner") else 403
    return 200 if role in ("admin", "agent") else 403  # status: staff only


CASES = [(r, o, c) for r in RESOURCES for o in OPERATIONS for c in CALLERS]
CASES += [(api, o, c) for api in ("hub632", "hub669") for o in HUB_OPERATIONS for c in CALLERS]


@pytest.mark.parametrize(("resource", "operation", "caller"), CASES)
def test_authorization(
    matrix_client: TestClient, database: Database, world: World, resource: str, operation: str, caller: str
) -> None:
    client, ids = matrix_client, world.ids
    admin = token_headers("admin")
    hub_base = {"hub632": PARTY, "hub669": ROLE}.get(resource)
    if hub_base:
        path, target_key, owner_key, other_key = f"{hub_base}/hub", resource, "A", "B"
    else:
        path, target_key, owner_key, other_key, _, _, _ = RESOURCES[resource]
    party = ids[other_key] if caller == "customer-other" else ids[owner_key]
    headers = token_headers(caller.split("-")[0], party)
    target = ids[target_key]

    if operation in ("delete", "hub-delete"):  # a resource of its own, so the module's resources stay
        if hub_base:
            victim = client.post(path, json={"callback": "https://listener.example.org/x"}, headers=admin)
        elif resource == "partyRole":
            victim = client.post(
                path,
                json={
                    "name": "victim",
                    "engagedParty": {"id": ids[owner_key], "@referredType": "Individual"},
                },
                headers=admin,
            )
        else:
            victim = client.post(path, json=RESOURCES[resource][4], headers=admin)
        assert victim.status_code == 201, victim.text
        target = victim.json()["id"]
        if resource in ("individual", "organization") and caller in PARTY_BOUND:
            # bound to the victim itself: 'same party' still may not delete it
            headers = token_headers(caller.split("-")[0], target if caller != "customer-other" else party)

    if caller == "expired":
        expire()
    before = snapshot(database)
    response = send(client, resource, operation, path, target, headers, ids)
    expected = expected_status(resource, operation, caller)
    assert response.status_code == expected, response.text

    if expected >= 400:
        error = response.json()
        assert error["@type"] == "Error" and error["status"] == str(expected)
        if expected == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
        assert snapshot(database) == before, "a refused call left something behind"
        return
    check_effect(client, resource, operation, caller, path, target, response, admin, ids, party)


def send(
    client: TestClient,
    resource: str,
    operation: str,
    path: str,
    target: str,
    headers: Headers,
    ids: dict[str, str],
) -> Any:
    if operation == "hub-create":
        return client.post(path, json={"callback": "https://listener.example.org/new"}, headers=headers)
    if operation == "hub-read":
        return client.get(f"{path}/{target}", headers=headers)
    if operation == "hub-delete":
        return client.delete(f"{path}/{target}", headers=headers)
    _, _, _, _, create_body, name_patch, status_patch = RESOURCES[resource]
    if operation == "create":
        body = dict(create_body)
        if resource == "partyRole":
            body["engagedParty"] = {"id": ids["C"], "@referredType": "Individual"}
        return client.post(path, json=body, headers=headers)
    if operation == "list":
        return client.get(path, headers=headers)
    if operation == "read":
        return client.get(f"{path}/{target}", headers=headers)
    if operation == "patch":
        return client.patch(f"{path}/{target}", json=name_patch, headers=headers)
    if operation == "patch-status":
        return client.patch(f"{path}/{target}", json=status_patch, headers=headers)
    return client.delete(f"{path}/{target}", headers=headers)


def check_effect(
    client: TestClient,
    resource: str,
    operation: str,
    caller: str,
    path: str,
    target: str,
    response: Any,
    admin: Headers,
    ids: dict[str, str],
    party: str,
) -> None:
    """An allowed call did what it says."""
    if operation in ("delete", "hub-delete"):
        assert client.get(f"{path}/{target}", headers=admin).status_code == 404
        return
    if operation in ("create", "hub-create"):
        created = response.json()
        assert client.get(f"{path}/{created['id']}", headers=admin).status_code == 200
        return
    if operation == "hub-read":
        assert response.json()["id"] == target
        return
    if operation == "list":
        listed = {d["id"] for d in response.json()}
        if caller in PARTY_BOUND:
            everything = {d["id"] for d in client.get(f"{path}?limit=1000", headers=admin).json()}
            own = {
                d["id"]
                for d in client.get(f"{path}?limit=1000", headers=admin).json()
                if party in (d["id"], (d.get("engagedParty") or {}).get("id"))
            }
            assert listed == own
            assert own and own < everything
        else:
            assert target_ids(ids, resource) <= listed
        return
    body = response.json()
    assert body["id"] == target
    stored = client.get(f"{path}/{target}", headers=admin).json()
    if operation == "patch":
        patch = RESOURCES[resource][5]
        assert all(stored[k] == v for k, v in patch.items())
    elif operation == "patch-status":
        assert stored["status"] == RESOURCES[resource][6]["status"]
    else:
        assert stored == body


def target_ids(ids: dict[str, str], resource: str) -> set[str]:
    return {
        "individual": {ids["A"], ids["B"], ids["C"]},
        "organization": {ids["O"], ids["P"]},
        "partyRole": {ids["rA"], ids["rB"]},
    }[resource]


def test_the_matrix_covers_every_party_route(engine_app: FastAPI) -> None:
    """A route added to TMF632/TMF669 without a row in this matrix makes this test fail."""
    paths = engine_app.openapi()["paths"]
    routes = {
        (method.upper(), path) for path, item in paths.items() if path.startswith((PARTY, ROLE)) for method in item
    }
    covered = set()
    for path in (INDIVIDUAL, ORGANIZATION, PARTY_ROLE):
        covered |= {
            ("POST", path),
            ("GET", path),
            ("GET", path + "/{resource_id}"),
            ("PATCH", path + "/{resource_id}"),
            ("DELETE", path + "/{resource_id}"),
        }
    for base in (PARTY, ROLE):
        covered |= {
            ("POST", f"{base}/hub"),
            ("GET", f"{base}/hub/{{sub_id}}"),
            ("DELETE", f"{base}/hub/{{sub_id}}"),
        }
    assert routes == covered


@pytest.mark.parametrize("authorization", ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Token abc", "bearer x.y.z"])
def test_malformed_authorization_headers_are_401(matrix_client: TestClient, authorization: str) -> None:
    response = matrix_client.get(INDIVIDUAL, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] == "ERR_UNAUTHORIZED"


def test_tokens_with_an_unknown_role_or_no_party_are_401(matrix_client: TestClient) -> None:
    import jwt

    from openbss.core.settings import get_settings

    settings = get_settings()
    for claims in (
        {"sub": "x", "role": "superuser"},
        {"sub": "x", "role": "customer"},
        {"sub": "x"},
        {"role": "admin"},
    ):
        token = jwt.encode({"iss": settings.jwt_issuer, "exp": 4102444800, **claims}, settings.jwt_secret, "HS256")
        response = matrix_client.get(INDIVIDUAL, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, claims


def test_a_token_expires_by_the_openbss_clock_not_the_wall_clock(matrix_client: TestClient) -> None:
    headers = token_headers("expired")
    assert matrix_client.get(INDIVIDUAL, headers=headers).status_code == 200
    expire()
    response = matrix_client.get(INDIVIDUAL, headers=headers)
    assert response.status_code == 401
    assert response.json()["details"][0]["rule"] == "auth.expired"


def test_a_party_bound_token_cannot_hand_its_resource_to_another_party(
    matrix_client: TestClient, database: Database, world: World
) -> None:
    ids = world.ids
    own = token_headers("customer", ids["A"])
    before = snapshot(database)
    response = matrix_client.patch(
        f"{PARTY_ROLE}/{ids['rA']}",
        json={"engagedParty": {"id": ids["B"], "@referredType": "Individual"}},
        headers=own,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "ERR_FORBIDDEN"
    assert snapshot(database) == before
    staff = matrix_client.get(f"{PARTY_ROLE}/{ids['rA']}", headers=token_headers("admin")).json()
    assert staff["engagedParty"]["id"] == ids["A"]
