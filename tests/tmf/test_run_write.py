"""Where a request's write runs (tmf.http.run_write): on SQLite, on the event loop once the writer lock is free."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from openbss.core import db as db_module
from openbss.core.db import Database, set_database
from openbss.tmf.http import run_write


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Database]:
    previous = db_module._current
    database = Database(f"sqlite:///{tmp_path / 'writes.db'}")
    set_database(database)
    try:
        yield database
    finally:
        db_module._current = previous
        database.dispose()


def test_a_write_waits_for_a_busy_writer_on_the_event_loop(sqlite_file: Database) -> None:
    released = threading.Event()
    holding = threading.Event()

    def other_writer() -> None:
        with sqlite_file.session(write=True) as session:
            session.execute(text("CREATE TABLE busy (x INTEGER)"))  # its first write takes the lock
            holding.set()
            time.sleep(0.05)
            released.set()

    async def scenario() -> tuple[int, int, bool, int]:
        loop_thread = threading.get_ident()
        ticks = 0

        async def ticker() -> None:  # the loop stays free for other requests while the write waits
            nonlocal ticks
            while not released.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        thread = threading.Thread(target=other_writer)
        thread.start()
        holding.wait()
        tick_task = asyncio.create_task(ticker())
        ran_in = await run_write(lambda: threading.get_ident())
        after_release = released.is_set()
        await tick_task
        thread.join()
        return loop_thread, ran_in, after_release, ticks

    loop_thread, ran_in, after_release, ticks = asyncio.run(scenario())
    assert ran_in == loop_thread  # not handed to a worker thread
    assert after_release  # only once the other writer was done
    assert ticks >= 3  # and the loop went on meanwhile


def test_a_free_writer_runs_at_once(sqlite_file: Database) -> None:
    async def scenario() -> tuple[int, int]:
        return threading.get_ident(), await run_write(threading.get_ident)

    loop_thread, ran_in = asyncio.run(scenario())
    assert ran_in == loop_thread
