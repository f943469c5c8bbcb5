"""Rows queued with insert_at_commit are inserted at commit, and only if their transaction (or
savepoint) was not rolled back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from openbss.core.db import Database, insert_at_commit

metadata = MetaData()
note = Table("note", metadata, Column("id", Integer, primary_key=True), Column("text", String, nullable=False))


def _notes(database: Database) -> list[str]:
    with database.session() as session:
        return sorted(session.execute(select(note.c.text)).scalars())


def test_a_rolled_back_savepoint_drops_only_its_own_rows(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'notes.db'}")
    metadata.create_all(database.engine)
    try:
        with database.session(write=True) as session:
            insert_at_commit(session, note, {"text": "before"})
            savepoint = session.begin_nested()
            insert_at_commit(session, note, {"text": "inside, rolled back"})
            savepoint.rollback()
            kept = session.begin_nested()
            insert_at_commit(session, note, {"text": "inside, kept"})
            kept.commit()
            insert_at_commit(session, note, {"text": "after"})
        assert _notes(database) == ["after", "before", "inside, kept"]
    finally:
        database.dispose()


def test_a_rolled_back_transaction_inserts_nothing(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'notes.db'}")
    metadata.create_all(database.engine)
    try:
        try:
            with database.session(write=True) as session:
                insert_at_commit(session, note, {"text": "lost"})
                raise RuntimeError("the unit of work fails")
        except RuntimeError:
            pass
        with database.session(write=True) as session:
            insert_at_commit(session, note, {"text": "kept"})
        assert _notes(database) == ["kept"]
    finally:
        database.dispose()
