"""Process-wide caches valid while a generation counter in the database holds (core.generations).

These run on the suite's database: SQLite, or PostgreSQL in CI."""

from __future__ import annotations

from sqlalchemy import delete, select

from openbss.core.db import Database
from openbss.core.generations import CacheGeneration, SharedCache, bump, current

NAME = "test-cache"


def _bump(db: Database) -> None:
    with db.session(write=True) as session:
        bump(session, NAME)


def _bump_from_another_process(db: Database) -> None:
    """What another process's commit does: its own engine on the same database moves the counter."""
    other = Database(db.url)
    try:
        with other.engine.begin() as connection:
            connection.execute(CacheGeneration.__table__.update().values(value=CacheGeneration.value + 1))
    finally:
        other.dispose()


def _generation(db: Database) -> int | None:
    with db.session() as session:
        return current(session, NAME)


def test_without_a_counter_nothing_is_shared(db: Database) -> None:
    cache: SharedCache[str, str] = SharedCache(NAME)
    with db.session() as session:
        assert current(session, NAME) is None
        cache.entries(session)["a"] = "first"
        assert cache.entries(session)["a"] == "first"  # the same transaction keeps its own entries
    with db.session() as session:
        assert "a" not in cache.entries(session)


def test_entries_are_shared_across_transactions_until_a_commit_bumps_the_counter(db: Database) -> None:
    cache: SharedCache[str, str] = SharedCache(NAME)
    _bump(db)
    first = _generation(db)
    assert first is not None
    with db.session() as session:
        cache.entries(session)["a"] = "read once"
    with db.session() as session:
        assert cache.entries(session)["a"] == "read once"
    _bump(db)
    assert _generation(db) == first + 1
    with db.session() as session:
        assert "a" not in cache.entries(session)  # every transaction from the commit on reads afresh


def test_a_transaction_that_changes_the_data_never_fills_the_shared_entries(db: Database) -> None:
    cache: SharedCache[str, str] = SharedCache(NAME)
    _bump(db)
    generation = _generation(db)
    with db.session() as session:
        cache.entries(session)["a"] = "committed"
    session = db.sessions()
    try:
        assert cache.entries(session)["a"] == "committed"  # before its own change it reads the shared ones
        bump(session, NAME)
        private = cache.entries(session)
        assert "a" not in private  # read again after the change
        private["a"] = "uncommitted"
        assert cache.entries(session)["a"] == "uncommitted"
        bump(session, NAME)  # a second change in the same transaction
        assert "a" not in cache.entries(session)
        session.rollback()
    finally:
        session.close()
    assert _generation(db) == generation  # the rollback took the bumps back
    with db.session() as session:
        assert cache.entries(session)["a"] == "committed"  # the uncommitted value never reached them


def test_a_change_committed_elsewhere_is_seen_by_the_next_transaction(db: Database) -> None:
    cache: SharedCache[str, str] = SharedCache(NAME)
    _bump(db)
    with db.session() as session:
        cache.entries(session)["a"] = "old"
    _bump_from_another_process(db)
    with db.session() as session:
        assert "a" not in cache.entries(session)


def test_a_counter_made_again_starts_elsewhere(db: Database) -> None:
    _bump(db)
    before = _generation(db)
    with db.session(write=True) as session:
        session.execute(delete(CacheGeneration).where(CacheGeneration.name == NAME))
    _bump(db)
    after = _generation(db)
    assert before is not None and after is not None
    assert after != before  # random start: a wiped database does not bring back a value still cached
    with db.session() as session:
        assert session.execute(select(CacheGeneration.name)).scalars().all() == [NAME]


def test_the_generation_is_read_once_per_transaction(db: Database) -> None:
    _bump(db)
    with db.session() as session:
        seen = current(session, NAME)
        _bump_from_another_process(db)
        assert current(session, NAME) == seen  # the transaction keeps the value it started with
    assert _generation(db) == (seen or 0) + 1
