"""A SQLite write unit takes the writer lock at its first write (core.write_turn), and that keeps
writes exact across processes: each database object below has its own lock file descriptor, as a
second ``openbss serve`` process has."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.orm import Session

from openbss.core.db import Database, WriterLock
from openbss.core.driver_sql import insert_rows, statement_row

metadata = MetaData()
counter = Table("counter", metadata, Column("name", String, primary_key=True), Column("value", Integer))
note = Table("note", metadata, Column("id", Integer, primary_key=True), Column("text", String))
_BUMP = update(counter).values(value=counter.c.value + 1)


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    file = tmp_path / "turns.db"
    database = Database(f"sqlite:///{file}")
    metadata.create_all(database.engine)
    with database.session(write=True) as session:
        session.execute(counter.insert().values(name="c", value=0))
    database.dispose()
    yield file


def _lock(database: Database) -> WriterLock:
    lock = database._write_lock
    assert lock is not None
    return lock


def _free_elsewhere(database: Database) -> bool:
    """Whether another thread can take the writer lock right now."""
    result: list[bool] = []

    def probe() -> None:
        taken = _lock(database).acquire(blocking=False)
        if taken:
            _lock(database).release()
        result.append(taken)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return result[0]


def test_reads_do_not_take_the_lock_the_first_write_does(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    try:
        with database.session(write=True) as session:
            session.execute(select(counter.c.value)).scalar_one()
            assert _free_elsewhere(database)
            session.execute(update(counter).values(value=counter.c.value + 1))
            assert not _free_elsewhere(database)
        assert _free_elsewhere(database)
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "how", ["select for update", "savepoint", "driver insert", "driver statement", "insert through the session"]
)
def test_locking_reads_savepoints_and_every_write_path_take_the_lock(path: Path, how: str) -> None:
    database = Database(f"sqlite:///{path}")
    try:
        with database.session(write=True) as session:
            if how == "select for update":
                session.execute(select(counter.c.value).with_for_update()).scalar_one()
            elif how == "savepoint":  # SQLite begins a transaction there: its reads would hold a snapshot
                session.begin_nested()
                session.execute(select(counter.c.value)).scalar_one()
            elif how == "driver insert":
                insert_rows(session.connection(), note, [{"id": 1, "text": "x"}])
            elif how == "driver statement":
                statement_row(session.connection(), _BUMP, {})
            else:
                session.execute(note.insert().values(id=2, text="y"))
            assert not _free_elsewhere(database)
    finally:
        database.dispose()


def test_a_unit_that_only_reads_never_waits_for_a_writer(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    other = Database(f"sqlite:///{path}")
    try:
        assert _lock(other).acquire()  # another process is writing
        try:
            with database.session(write=True) as session:
                assert session.execute(select(counter.c.value)).scalar_one() == 0
        finally:
            _lock(other).release()
    finally:
        database.dispose()
        other.dispose()


def test_the_first_write_sees_what_another_process_committed_after_the_units_reads(path: Path) -> None:
    first = Database(f"sqlite:///{path}")
    second = Database(f"sqlite:///{path}")
    try:
        with first.session(write=True) as session:
            assert session.execute(select(counter.c.value)).scalar_one() == 0
            with second.session(write=True) as meanwhile:
                meanwhile.execute(update(counter).values(value=counter.c.value + 10))
            # no stale snapshot to upgrade: the write starts a fresh transaction and adds to 10
            session.execute(update(counter).values(value=counter.c.value + 1))
            assert session.execute(select(counter.c.value)).scalar_one() == 11
    finally:
        first.dispose()
        second.dispose()


def test_read_modify_write_under_for_update_loses_nothing_across_processes(path: Path) -> None:
    databases = [Database(f"sqlite:///{path}") for _ in range(2)]
    errors: list[BaseException] = []

    def bump(database: Database) -> None:
        try:
            for _ in range(150):
                with database.session(write=True) as session:
                    value = cast(Session, session).execute(select(counter.c.value).with_for_update()).scalar_one()
                    session.execute(update(counter).values(value=value + 1))
        except BaseException as exc:  # reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=bump, args=(database,)) for database in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with databases[0].session() as session:
            assert session.execute(select(counter.c.value)).scalar_one() == 300
    finally:
        for database in databases:
            database.dispose()


def test_a_failed_unit_gives_the_lock_back(path: Path) -> None:
    database = Database(f"sqlite:///{path}")
    try:
        with pytest.raises(RuntimeError), database.session(write=True) as session:
            session.execute(update(counter).values(value=5))
            raise RuntimeError("refused")
        assert _free_elsewhere(database)
        with database.session() as session:
            assert session.execute(select(counter.c.value)).scalar_one() == 0
    finally:
        database.dispose()
