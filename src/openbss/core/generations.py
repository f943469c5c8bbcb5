"""Process-wide caches of database reads, kept honest by a generation counter in the database.

Some data is read by almost every request and written rarely: the product
catalog is read three times for each order line and changed by a product
manager a few times a day. Reading it from the database in every transaction
costs more than the rest of validating an order. A :class:`SharedCache` keeps
what was read across transactions, in this process, for as long as the
named counter in ``cache_generation`` is unchanged:

* Every transaction that changes the cached data calls :func:`bump` in that
  transaction. The counter moves when that transaction commits, so every
  process, this one included, sees the change with its next transaction
  (the counter is read once per transaction, in a few microseconds).
* A transaction that has bumped the counter reads and fills a private cache
  of its own, never the shared one: what it wrote is not committed yet and
  may still be rolled back.
* The first bump of a counter starts it at a random value, not at 1, so a
  counter dropped and created again (a restored or wiped database) does not
  come back to a value a process still holds entries for. Without the row
  (nothing bumped it yet) nothing is shared.

Entries handed out are shared between requests: callers must not modify them.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import MutableMapping
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from openbss.core.counters import increment_statement
from openbss.core.db import Base

K = TypeVar("K")
V = TypeVar("V")


class CacheGeneration(Base):
    """One row per named shared cache: the generation its entries must carry to be used."""

    __tablename__ = "cache_generation"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


_READ = select(CacheGeneration.value).where(CacheGeneration.name == bindparam("name"))
_BUMPS: dict[str, Any] = {}
_BUMPED = "openbss.generations.bumped"
_SEEN = "openbss.generations.seen"


def bump(session: Session, name: str) -> None:
    """Mark the data behind cache ``name`` as changed by this transaction (effective when it commits)."""
    dialect = session.get_bind().dialect.name
    stmt = _BUMPS.get(dialect)
    if stmt is None:
        stmt = _BUMPS[dialect] = increment_statement(CacheGeneration, dialect, start=bindparam("start"))
    session.connection().execute(stmt, {"name": name, "start": secrets.randbits(62)})
    session.info.setdefault(_BUMPED, {})[name] = session.get_transaction()
    session.info.pop(_private_key(name), None)  # entries read before this change are stale for this transaction


def _private_key(name: str) -> str:
    return f"openbss.generations.private.{name}"


def _bumped_here(session: Session, name: str) -> bool:
    transaction = session.get_transaction()
    return transaction is not None and session.info.get(_BUMPED, {}).get(name) is transaction


def current(session: Session, name: str) -> int | None:
    """The committed generation of cache ``name`` as this transaction sees it (read once per transaction)."""
    transaction = session.get_transaction()
    seen: dict[str, tuple[Any, int | None]] = session.info.setdefault(_SEEN, {})
    known = seen.get(name)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1]
    value = session.connection().execute(_READ, {"name": name}).scalar_one_or_none()
    generation = int(value) if value is not None else None
    seen[name] = (session.get_transaction(), generation)
    return generation


class SharedCache(Generic[K, V]):
    """Entries read from one database, shared by the transactions of this process while generation ``name`` holds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, dict[K, V]]] = {}  # database URL -> (generation, entries)
        self._private_key = _private_key(name)

    def entries(self, session: Session) -> MutableMapping[K, V]:
        """The entries this transaction may read and fill.

        The shared ones when the generation is known and this transaction has
        not changed the data; else a mapping private to this transaction.
        """
        session.connection()  # begins the transaction if none is under way
        transaction = session.get_transaction()
        if not _bumped_here(session, self.name):
            generation = current(session, self.name)
            if generation is not None:
                url = str(session.connection().engine.url)
                with self._lock:
                    held = self._entries.get(url)
                    if held is None or held[0] != generation:
                        held = self._entries[url] = (generation, {})
                return held[1]
        private = session.info.get(self._private_key)
        if private is None or private[0] is not transaction:
            private = (transaction, {})
            session.info[self._private_key] = private
        entries: dict[K, V] = private[1]
        return entries
