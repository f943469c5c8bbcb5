"""The SQLite writer's turn (core.db.WriterLock): re-entrant, and ``first_turn`` goes ahead of new writers."""

from __future__ import annotations

import threading
import time

from openbss.core.db import WriterLock


def test_the_holder_may_take_it_again_and_others_wait() -> None:
    lock = WriterLock(None)
    assert lock.acquire()
    assert lock.acquire(blocking=False)  # the same thread, nested
    lock.release()
    taken = threading.Event()

    def other() -> None:
        if lock.acquire(blocking=False):
            taken.set()
            lock.release()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert not taken.is_set()
    lock.release()


def test_first_turn_goes_ahead_of_writers_that_keep_coming_back() -> None:
    lock = WriterLock(None)
    stop = threading.Event()
    order: list[str] = []
    refused = threading.Event()

    def busy_writer() -> None:  # releases and takes the turn again at once, as back-to-back requests do
        while not stop.is_set():
            if not lock.acquire(blocking=False):
                refused.set()
                lock.acquire()
            order.append("writer")
            time.sleep(0.0005)
            lock.release()

    writer = threading.Thread(target=busy_writer)
    writer.start()
    time.sleep(0.05)
    began = time.monotonic()
    with lock.first_turn():
        waited = time.monotonic() - began
        order.append("first")
        held_by_writer = len(order)
        time.sleep(0.02)  # the writer cannot slip in while the turn is held
        assert len(order) == held_by_writer
    time.sleep(0.02)
    stop.set()
    writer.join()
    assert "first" in order and order[-1] == "writer"  # the writer went on afterwards
    assert refused.is_set()  # while first_turn waited, a non-blocking acquire was refused
    assert waited < 1.0


def test_first_turn_nests_with_the_same_thread() -> None:
    lock = WriterLock(None)
    with lock.first_turn():
        assert lock.acquire(blocking=False)  # the holder passes its own gate
        lock.release()
    assert lock.acquire(blocking=False)
    lock.release()
