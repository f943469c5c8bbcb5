"""A ``SELECT ... FOR UPDATE`` through the ORM returns rows as they are when locked, also for
objects the session already holds (core.db), and keeps what the session changed but had not
flushed yet. Runs on the suite's database (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

from sqlalchemy import select, update

from openbss.core.db import Database
from openbss.core.generations import CacheGeneration


def _add(db: Database, name: str, value: int) -> None:
    with db.session(write=True) as session:
        session.add(CacheGeneration(name=name, value=value))


def test_a_locked_read_refreshes_an_object_loaded_before(db: Database) -> None:
    _add(db, "row", 1)
    with db.session(write=True) as session:
        held = session.execute(select(CacheGeneration).where(CacheGeneration.name == "row")).scalar_one()
        assert held.value == 1
        # the row changes behind the ORM's back (another transaction, as seen once the lock is taken)
        session.connection().execute(update(CacheGeneration).where(CacheGeneration.name == "row").values(value=7))
        unlocked = session.execute(select(CacheGeneration).where(CacheGeneration.name == "row")).scalar_one()
        assert unlocked is held and unlocked.value == 1  # a plain read keeps what the session holds
        locked = session.execute(
            select(CacheGeneration).where(CacheGeneration.name == "row").with_for_update()
        ).scalar_one()
        assert locked is held and locked.value == 7


def test_a_locked_read_keeps_unflushed_changes(db: Database) -> None:
    _add(db, "a", 1)
    _add(db, "b", 1)
    with db.session(write=True) as session:
        a, _b = session.execute(select(CacheGeneration).order_by(CacheGeneration.name)).scalars().all()
        a.value = 2  # changed, not flushed
        session.connection().execute(update(CacheGeneration).where(CacheGeneration.name == "b").values(value=9))
        rows = session.execute(select(CacheGeneration).order_by(CacheGeneration.name).with_for_update()).scalars()
        assert [(r.name, r.value) for r in rows] == [("a", 2), ("b", 9)]
    with db.session() as session:
        stored = dict(
            session.execute(select(CacheGeneration.name, CacheGeneration.value).order_by(CacheGeneration.name)).all()
        )
    assert stored == {"a": 2, "b": 9}
