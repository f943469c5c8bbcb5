"""Every query of the customer domain's own tables."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, event, insert, or_, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from openbss.core import jsoncodec
from openbss.core.counters import increment_statement
from openbss.core.db import CREATES_IN_UNIT
from openbss.core.driver_sql import first_row, insert_rows, statement_row
from openbss.customers.models import (
    CustomerMatchKey,
    CustomerNumberSequence,
    CustomerRow,
    CustomerVerification,
    DuplicateCandidate,
)

CUSTOMER_SEQUENCE = "customer"
MATCH_KEY_TABLE = cast(Table, CustomerMatchKey.__table__)


# --- customer numbers ---------------------------------------------------------------------------


def next_sequence(session: Session, name: str = CUSTOMER_SEQUENCE) -> int:
    """Increment counter ``name`` and return its new value, atomically.

    On PostgreSQL the customer numbers come from the sequence
    ``customer_number_seq`` (migration 0008): ``nextval`` takes no lock, so
    creates run side by side; a rolled-back create leaves a gap. Other
    counters, and every counter on SQLite, work as follows.

    One statement, ``INSERT ... ON CONFLICT DO UPDATE SET value = value + 1
    RETURNING value``: the first call creates the row, every later call takes
    the row's write lock (PostgreSQL row lock, SQLite database write lock)
    until the transaction ends, so two transactions never get the same value
    and a rolled-back transaction gives its value back. A SQLite unit of work
    that writes several creates at once takes its customer numbers in one such
    statement (:func:`_reserved_number`).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and name == CUSTOMER_SEQUENCE:
        return int(session.connection().execute(_NEXT_CUSTOMER_NUMBER).scalar_one())
    if dialect == "sqlite" and name == CUSTOMER_SEQUENCE:
        reserved = _reserved_number(session)
        if reserved is not None:
            return reserved
    stmt = _SEQUENCE_STATEMENTS.get(dialect)
    if stmt is None:  # built once per dialect: building it costs more than running it
        stmt = _SEQUENCE_STATEMENTS[dialect] = _next_sequence_statement(dialect)
    row = statement_row(session.connection(), stmt, {"name": name})
    assert row is not None  # RETURNING always gives the row
    return int(row[0])


_RESERVED = "customers.reserved_numbers"  # Session.info: [next, last] of the numbers taken ahead


def _reserved_number(session: Session) -> int | None:
    """The next customer number of a unit of work that writes several creates (SQLite).

    The first create of the unit takes as many numbers as the unit has creates
    (:data:`~openbss.core.db.CREATES_IN_UNIT`) in one statement, and the
    following ones use them up. Whatever is left when the unit commits (it had
    creates of other kinds too) is given back then, so the numbers stay
    without gaps; a rolled-back unit gives back everything with the rest. SQLite
    has one writer at a time, so nobody else moves the counter in between.
    """
    reserved: list[int] | None = session.info.get(_RESERVED)
    if reserved is not None and reserved[0] <= reserved[1]:
        value = reserved[0]
        reserved[0] += 1
        return value
    wanted = int(session.info.get(CREATES_IN_UNIT, 1))
    if wanted < 2:
        return None
    row = statement_row(session.connection(), _TAKE_NUMBERS, {"name": CUSTOMER_SEQUENCE, "count": wanted})
    assert row is not None  # RETURNING always gives the row
    last = int(row[0])
    session.info[_RESERVED] = [last - wanted + 2, last]
    return last - wanted + 1


@event.listens_for(Session, "before_commit")
def _give_back_unused(session: Session) -> None:
    reserved: list[int] | None = session.info.pop(_RESERVED, None)
    if reserved is not None and reserved[0] <= reserved[1]:
        statement_row(
            session.connection(), _GIVE_BACK, {"name": CUSTOMER_SEQUENCE, "count": reserved[1] - reserved[0] + 1}
        )


@event.listens_for(Session, "after_soft_rollback")
def _forget_reserved(session: Session, _previous: Any) -> None:
    session.info.pop(_RESERVED, None)


_seq = CustomerNumberSequence.__table__.c
_TAKE_NUMBERS = (
    sqlite.insert(CustomerNumberSequence)
    .values(name=bindparam("name"), value=bindparam("count"))
    .on_conflict_do_update(index_elements=["name"], set_={"value": _seq.value + bindparam("count")})
    .returning(_seq.value)
)
_GIVE_BACK = (
    update(CustomerNumberSequence).where(_seq.name == bindparam("name")).values(value=_seq.value - bindparam("count"))
)

_SEQUENCE_STATEMENTS: dict[str, Any] = {}
_NEXT_CUSTOMER_NUMBER = text("SELECT nextval('customer_number_seq')")


def _next_sequence_statement(dialect: str) -> Any:
    seq = CustomerNumberSequence
    return increment_statement(seq, dialect, start=1).returning(seq.value)


def customer_by_number(session: Session, number: str) -> CustomerRow | None:
    stmt = select(CustomerRow).where(CustomerRow.customer_number == number)
    return session.execute(stmt).scalar_one_or_none()


def customers_by_ids(session: Session, ids: Collection[str], *, for_update: bool = False) -> dict[str, CustomerRow]:
    if not ids:
        return {}
    stmt = select(CustomerRow).where(CustomerRow.id.in_(sorted(ids))).order_by(CustomerRow.id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return {row.id: row for row in session.execute(stmt).scalars()}


def customers_of_party(session: Session, party_id: str) -> list[CustomerRow]:
    stmt = select(CustomerRow).where(CustomerRow.engaged_party_id == party_id).order_by(CustomerRow.id)
    return list(session.execute(stmt).scalars())


# --- match keys ---------------------------------------------------------------------------------


def replace_match_keys(session: Session, customer_id: str, keys: Iterable[str]) -> None:
    wanted = set(keys)
    current = set(
        session.execute(select(CustomerMatchKey.key).where(CustomerMatchKey.customer_id == customer_id)).scalars()
    )
    gone = current - wanted
    added = wanted - current
    if gone:
        session.execute(
            delete(CustomerMatchKey).where(
                CustomerMatchKey.customer_id == customer_id, CustomerMatchKey.key.in_(sorted(gone))
            )
        )
    if added:
        rows = [{"customer_id": customer_id, "key": k} for k in sorted(added)]
        session.execute(insert(CustomerMatchKey), rows)


def lock_match_keys(session: Session, keys: Collection[str]) -> None:
    """Make concurrent transactions that share a duplicate-detection key take turns (PostgreSQL).

    A transaction-scoped advisory lock per key, taken in one order: two
    customers created at the same moment with the same e-mail, phone, tax id
    or name and birth date wait for each other, so the second one's search
    sees the first one's keys; creates with nothing in common do not wait.
    (On SQLite writers take turns anyway.)
    """
    if not keys or session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({_lock_id(key) for key in keys})
    session.connection().execute(_LOCK_KEYS, {"ids": ids})


def _lock_id(key: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(key.encode(), digest_size=8, person=b"openbss-dedupe").digest(), "big", signed=True
    )


# the sorted subquery fixes the order the locks are taken in (no deadlock between two lockers)
_LOCK_KEYS = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(CAST(:ids AS bigint[])) AS k ORDER BY k) AS ordered"
)


def insert_match_keys(session: Session, customer_id: str, keys: Iterable[str]) -> None:
    """The keys of a customer that has none yet (a new one)."""
    rows = [{"customer_id": customer_id, "key": k} for k in sorted(set(keys))]
    if rows:
        insert_rows(session.connection(), MATCH_KEY_TABLE, rows)


def delete_match_keys(session: Session, customer_id: str) -> None:
    session.execute(delete(CustomerMatchKey).where(CustomerMatchKey.customer_id == customer_id))


def customers_sharing_keys(
    session: Session, customer_id: str, keys: Collection[str], party_id: str | None, limit: int
) -> list[str]:
    """Ids of other customers (merged ones excluded) that share at least one key or the engaged
    party ``party_id``, newest first."""
    if not keys and not party_id:
        return []
    connection = session.connection()
    ordered = sorted(keys)
    # most new customers share nothing with anyone: one probe on the key index and the customer
    # table's party index answers that (run on the driver: the full query's IN list is rewritten
    # for every call)
    dialect = connection.dialect.name
    probe = _ANY_OTHER.get(dialect)
    if probe is not None:
        array: Any = ordered if dialect == "postgresql" else jsoncodec.dumps_text(ordered)
        if first_row(connection, probe, (array, customer_id, party_id, customer_id)) is None:
            return []
    params = {"keys": ordered, "customer_id": customer_id, "party_id": party_id, "limit": limit}
    return list(connection.execute(_SHARING_KEYS, params).scalars())


_ANY_OTHER = {
    "sqlite": 'SELECT 1 FROM customer_match_key WHERE "key" IN (SELECT value FROM json_each(?)) '
    "AND customer_id != ? UNION ALL SELECT 1 FROM customer WHERE engaged_party_id = ? AND id != ? "
    "AND (status IS NULL OR status != 'merged') LIMIT 1",
    "postgresql": 'SELECT 1 FROM customer_match_key WHERE "key" = ANY(%s) AND customer_id != %s '
    "UNION ALL SELECT 1 FROM customer WHERE engaged_party_id = %s AND id != %s "
    "AND (status IS NULL OR status != 'merged') LIMIT 1",
}


_SHARING_KEYS = (
    select(CustomerRow.id)
    .where(
        or_(
            CustomerRow.id.in_(
                select(CustomerMatchKey.customer_id).where(
                    CustomerMatchKey.key.in_(bindparam("keys", expanding=True)),
                    CustomerMatchKey.customer_id != bindparam("customer_id"),
                )
            ),
            and_(
                CustomerRow.engaged_party_id == bindparam("party_id"),
                CustomerRow.id != bindparam("customer_id"),
            ),
        ),
        or_(CustomerRow.status.is_(None), CustomerRow.status != "merged"),
    )
    .order_by(CustomerRow.created_at.desc(), CustomerRow.id)
    .limit(bindparam("limit"))
)


# --- duplicate candidates -----------------------------------------------------------------------


def candidates_of(session: Session, customer_id: str) -> list[DuplicateCandidate]:
    stmt = (
        select(DuplicateCandidate)
        .where(DuplicateCandidate.customer_id == customer_id)
        .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.candidate_id)
    )
    return list(session.execute(stmt).scalars())


def pairs_involving(session: Session, customer_id: str) -> list[DuplicateCandidate]:
    stmt = select(DuplicateCandidate).where(
        or_(DuplicateCandidate.customer_id == customer_id, DuplicateCandidate.candidate_id == customer_id)
    )
    return list(session.execute(stmt).scalars())


def delete_detected_pairs(session: Session, customer_id: str) -> None:
    """Forget the detected (not merge-moved) pairs of a customer, both directions."""
    session.execute(
        delete(DuplicateCandidate).where(
            DuplicateCandidate.source == "match",
            or_(DuplicateCandidate.customer_id == customer_id, DuplicateCandidate.candidate_id == customer_id),
        )
    )


def delete_pairs(session: Session, customer_id: str) -> int:
    result = session.execute(
        delete(DuplicateCandidate).where(
            or_(DuplicateCandidate.customer_id == customer_id, DuplicateCandidate.candidate_id == customer_id)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def upsert_pair(
    session: Session, customer_id: str, candidate_id: str, score: Decimal, reasons: list[str], source: str, at: datetime
) -> None:
    """Record ``candidate_id`` as a candidate of ``customer_id`` (one direction)."""
    existing = session.get(DuplicateCandidate, (customer_id, candidate_id))
    if existing is None:
        session.execute(
            insert(DuplicateCandidate).values(
                customer_id=customer_id,
                candidate_id=candidate_id,
                score=score,
                reasons=reasons,
                source=source,
                detected_at=at,
            )
        )
        return
    better = score >= existing.score
    session.execute(
        update(DuplicateCandidate)
        .where(
            DuplicateCandidate.customer_id == customer_id,
            DuplicateCandidate.candidate_id == candidate_id,
        )
        .values(score=max(score, existing.score), reasons=reasons if better else existing.reasons, detected_at=at)
    )
    session.expire(existing)


# --- verifications ------------------------------------------------------------------------------


def add_verification(session: Session, record: CustomerVerification) -> CustomerVerification:
    session.add(record)
    session.flush()
    return record


def verifications_of(session: Session, customer_id: str, limit: int = 100) -> list[CustomerVerification]:
    stmt = (
        select(CustomerVerification)
        .where(CustomerVerification.customer_id == customer_id)
        .order_by(CustomerVerification.verified_at.desc(), CustomerVerification.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def last_verification(session: Session, customer_id: str) -> CustomerVerification | None:
    found = verifications_of(session, customer_id, limit=1)
    return found[0] if found else None
