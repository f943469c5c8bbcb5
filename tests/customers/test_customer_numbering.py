"""Issue Unique Customer ID (1.3.4.2.5) through the TMF629 API and the database sequence."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from test_customer_helpers import CUSTOMERS, Auth, Headers, customer, error_fields, individual, number_of

from openbss.core.db import Database
from openbss.customers import repository
from openbss.customers.numbering import (
    customer_number,
    format_customer_number,
    is_valid_customer_number,
    sequence_of,
)


def test_numbers_are_unique_monotonic_and_check_digit_valid(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    numbers = [number_of(customer(client, agent, party)) for _ in range(5)]
    assert all(is_valid_customer_number(n) for n in numbers)
    sequences = [sequence_of(n) for n in numbers]
    assert sequences == sorted(sequences)
    assert len(set(numbers)) == 5
    assert sequences[-1] - sequences[0] == 4


def test_number_is_a_characteristic_and_filterable(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    first = customer(client, agent, party, characteristic=[{"name": "segment", "value": "gold"}])
    customer(client, agent, party)
    number = number_of(first)
    assert first["characteristic"][0] == {"name": "customerNumber", "valueType": "string", "value": number}
    assert {"name": "segment", "value": "gold"} in first["characteristic"]
    found = client.get(CUSTOMERS, params={"characteristic.value": number}, headers=agent)
    assert found.status_code == 200
    assert [c["id"] for c in found.json()] == [first["id"]]


def test_lookup_by_number_accepts_spaces_and_dashes(client: TestClient, agent: Headers) -> None:
    created = customer(client, agent, individual(client, agent))
    number = number_of(created)
    for typed in (number, format_customer_number(number), number.lower(), f"{number[:4]}-{number[4:]}"):
        response = client.get(f"{CUSTOMERS}/byNumber/{typed}", headers=agent)
        assert response.status_code == 200, (typed, response.text)
        assert response.json()["id"] == created["id"]
        assert response.headers["ETag"]


def test_lookup_by_number_rejects_bad_check_digit_and_unknown(client: TestClient, agent: Headers) -> None:
    created = customer(client, agent, individual(client, agent))
    number = number_of(created)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    bad = client.get(f"{CUSTOMERS}/byNumber/{wrong}", headers=agent)
    assert bad.status_code == 400
    assert bad.json()["details"][0] == {
        "field": "number",
        "rule": "customerNumber.checkDigit",
        "message": bad.json()["details"][0]["message"],
    }
    shape = client.get(f"{CUSTOMERS}/byNumber/X123", headers=agent)
    assert shape.status_code == 400
    assert shape.json()["details"][0]["rule"] == "customerNumber.format"
    unknown = client.get(f"{CUSTOMERS}/byNumber/{customer_number(999_999)}", headers=agent)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "ERR_NOT_FOUND"


def test_lookup_by_number_hides_other_parties_from_customer_tokens(
    client: TestClient, agent: Headers, auth: Auth
) -> None:
    mine = individual(client, agent)
    other = customer(client, agent, individual(client, agent, "Otto", "Other"))
    token = auth("customer", party=mine["id"])
    response = client.get(f"{CUSTOMERS}/byNumber/{number_of(other)}", headers=token)
    assert response.status_code == 404


def test_customer_number_is_read_only(client: TestClient, agent: Headers) -> None:
    party = individual(client, agent)
    given = client.post(
        CUSTOMERS,
        json={
            "name": "Jane",
            "engagedParty": {"id": party["id"], "@referredType": "Individual"},
            "characteristic": [{"name": "customerNumber", "value": "C0000000013"}],
        },
        headers=agent,
    )
    assert given.status_code == 400
    assert error_fields(given) == ["characteristic[0].name"]

    created = customer(client, agent, party)
    number = number_of(created)
    changed = client.patch(
        f"{CUSTOMERS}/{created['id']}",
        headers=agent,
        json={"characteristic": [{"name": "customerNumber", "valueType": "string", "value": "C0000000021"}]},
    )
    assert changed.status_code == 400
    assert changed.json()["details"][0]["rule"] == "readOnly"
    assert changed.json()["details"][0]["field"] == "characteristic.customerNumber"
    json_patch = client.patch(
        f"{CUSTOMERS}/{created['id']}",
        headers={**agent, "Content-Type": "application/json-patch+json"},
        content=b'[{"op": "replace", "path": "/characteristic/0/value", "value": "C0000000021"}]',
    )
    assert json_patch.status_code == 400
    unchanged = client.get(f"{CUSTOMERS}/{created['id']}", headers=agent).json()
    assert number_of(unchanged) == number
    assert unchanged["characteristic"] == created["characteristic"]

    # leaving the number out of a new characteristic list keeps it
    kept = client.patch(
        f"{CUSTOMERS}/{created['id']}", headers=agent, json={"characteristic": [{"name": "segment", "value": "gold"}]}
    )
    assert kept.status_code == 200, kept.text
    assert number_of(kept.json()) == number
    assert {"name": "segment", "value": "gold"} in kept.json()["characteristic"]


def test_sequence_is_unique_under_concurrency(db: Database) -> None:
    issued: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(10):
                with db.session() as session:
                    value = repository.next_sequence(session, "test-concurrency")
                with lock:
                    issued.append(value)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(issued) == list(range(1, 81))


def test_rolled_back_number_is_given_back(db: Database) -> None:
    with db.session() as session:
        first = repository.next_sequence(session, "test-rollback")
    session = db.sessions()
    try:
        assert repository.next_sequence(session, "test-rollback") == first + 1
        session.rollback()
    finally:
        session.close()
    with db.session() as session:
        assert repository.next_sequence(session, "test-rollback") == first + 1


def test_concurrent_creates_get_unique_numbers_and_find_each_other(
    client: TestClient, agent: Headers, db: Database
) -> None:
    from openbss.core.security import Principal
    from openbss.core.settings import get_settings
    from openbss.customers.api import CUSTOMER
    from openbss.tmf import service as engine
    from openbss.tmf.context import Context

    party = individual(client, agent, "Ann", "Other")
    staff = Principal(subject="test", role="agent")
    created: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    body = {"name": "Jane", "engagedParty": {"id": party["id"], "@referredType": "Individual"}}

    def work() -> None:
        try:
            for _ in range(3):
                with db.session() as session:
                    ctx = Context(session=session, principal=staff, settings=get_settings())
                    row = engine.create(ctx, CUSTOMER, body)
                    with lock:
                        created.append(row.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = []
    for customer_id in created:
        doc = client.get(f"{CUSTOMERS}/{customer_id}", headers=agent).json()
        numbers.append(number_of(doc))
        others = client.get(f"{CUSTOMERS}/{customer_id}/duplicateCandidates", headers=agent).json()
        assert {c["customer"]["id"] for c in others} == set(created) - {customer_id}
    assert len(set(numbers)) == 18
    assert all(is_valid_customer_number(n) for n in numbers)
