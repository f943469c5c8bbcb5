"""Creates that arrive together are written in one SQLite transaction.

On SQLite one writer at a time holds the database (see
:mod:`openbss.core.write_turn`), and a create's commit writes every page it
changed to the write-ahead log: the new row's page and one page of each of
its indexes, the pages of its search entries, its duplicate-detection keys,
its event. Consecutive creates change mostly the same pages (the ends of the
same indexes), so writing several of them in one transaction writes those
pages once, and the commit and the unit of work are paid once.

:class:`CreateBatches` collects the ``POST`` creates of one server process
that are ready on the event loop at the same moment (under load, those that
arrived while the previous write ran) and writes them together:

1. every create is prepared (:func:`openbss.tmf.service.prepare_create`:
   validation, reference checks, reads), none of which writes, so the other
   server processes keep writing meanwhile; a create refused here is answered
   with its own error and leaves the batch;
2. while another process holds the writer lock, the batch waits for it on the
   event loop (:meth:`openbss.core.db.Database.writer_flock_granted`) instead of
   blocking the process in ``flock``: the process keeps answering
   requests, and the creates that arrive meanwhile are prepared and join the
   batch, so under load the two server processes take turns, one writing
   while the other prepares its next batch;
3. the prepared creates are written one after the other in one transaction
   (:func:`openbss.tmf.service.finish_create`), each seeing the ones before
   it exactly as if they had been committed first (duplicate detection finds
   a duplicate created in the same batch; customer numbers follow the order);
4. one commit; each caller gets its ``201``.

If anything fails while writing or committing, the transaction is rolled
back, so nothing of the batch is stored, and each of its creates runs again
on its own as an ordinary unit of work: a create that fails then fails
alone, with its own error, and the others are stored.

A create sent with an ``Idempotency-Key`` does not join a batch (its record
is written with it by :func:`openbss.tmf.http.idempotent_post`), and neither
does any create on PostgreSQL, where writes run side by side in threads.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbss.core.db import CREATES_IN_UNIT, Database
from openbss.core.errors import ApiError
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.core.write_turn import WRITE_TURN, WriteTurn
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.http import json_response, run_write, writer_free_in_process
from openbss.tmf.resource import ResourceType

__all__ = ["CreateBatches", "created_response"]

log = logging.getLogger(__name__)

MAX_BATCH = 32
"""Creates written in one transaction at most; more waiting ones go into the next batch."""
GATHER_TURNS = 4
"""Event-loop turns a batch waits at most for more creates to join it (each turn costs microseconds)."""


def created_response(ctx: Context, rt: ResourceType, row: Any) -> Response:
    """The ``201`` of a create: the resource, its ``ETag`` and ``Location``."""
    headers = {"ETag": service.etag(row), "Location": service.href(ctx, rt, row.id)}
    return json_response(service.render(ctx, rt, row), 201, headers)


@dataclass(eq=False)
class _Create:
    rt: ResourceType
    principal: Principal
    base_url: str
    body: Any
    answer: asyncio.Future[Response] = field(repr=False)


class CreateBatches:
    """The create batches of one database in one process (one event loop)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Create] = []
        self._draining: asyncio.Task[None] | None = None
        self._arrival: asyncio.Future[None] | None = None  # resolved when a create arrives
        self._contended = False  # the last batch waited for another process
        self.batches = 0  # transactions written, for tests and measurements
        self.largest = 0

    async def create(self, rt: ResourceType, principal: Principal, base_url: str, body: Any) -> Response:
        """Create a resource of ``rt`` from ``body``; answers its ``201`` once committed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests start several): nothing carries over
            self._loop, self._waiting, self._draining, self._arrival = loop, [], None, None
        item = _Create(rt, principal, base_url, body, loop.create_future())
        self._waiting.append(item)
        if self._arrival is not None and not self._arrival.done():  # a batch waits for the lock: join it
            self._arrival.set_result(None)
        if self._draining is None or self._draining.done():
            self._draining = loop.create_task(self._drain())
        return await item.answer

    async def _drain(self) -> None:
        try:
            await self._gather()
            while self._waiting:
                await writer_free_in_process(self._database)  # a job or the checkpointer: see run_write
                for item in await self._write_next():
                    await self._alone(item)
                await self._gather()
        except BaseException as exc:  # cancelled (shutdown): no caller is left waiting for ever
            waiting, self._waiting = self._waiting, []
            for item in waiting:
                _give_up(item, exc)
            raise

    async def _gather(self) -> None:
        """Give the event loop a few turns, while creates keep joining: a request that arrived with
        the last one (or while the last batch was written) reaches the queue a turn or two later."""
        for _ in range(GATHER_TURNS):
            seen = len(self._waiting)
            await asyncio.sleep(0)
            if len(self._waiting) == seen:
                return

    async def _write_next(self) -> list[_Create]:
        """Write the waiting creates in one transaction; returns the creates to run again alone (it failed).

        The creates are prepared first. While another process holds the writer
        lock, the batch waits for it without blocking the event loop
        (:meth:`_claim`), so this process keeps serving requests meanwhile;
        creates that arrive during the wait are prepared and join the batch.
        The responses are rendered after the commit, once the lock is let go.
        """
        batch: list[_Create] = []
        prepared: list[tuple[_Create, Context, service.PreparedCreate]] = []
        written: list[tuple[_Create, Context, Any]] = []
        try:
            with self._database.session(write=True) as session:
                turn: WriteTurn | None = session.info.get(WRITE_TURN)
                self._prepare_waiting(session, batch, prepared)
                if turn is not None:
                    await self._claim(turn, session, batch, prepared)
                session.info[CREATES_IN_UNIT] = len(prepared)  # e.g. customer numbers, taken in one go
                for item, ctx, ready in prepared:
                    written.append((item, ctx, service.finish_create(ctx, item.rt, ready)))
        except Exception as exc:
            # nothing of the batch was stored: each create runs again alone and gets its own answer
            again = [item for item in batch if not item.answer.done()]
            if len(again) == 1:
                _settle(again[0], exc)
                return []
            log.info("a batch of %d creates failed (%s); writing them one by one", len(again), exc)
            return again
        except BaseException as exc:  # cancelled while waiting for the lock: so are the creates it took
            for item in batch:
                _give_up(item, exc)
            raise
        self.batches += 1
        self.largest = max(self.largest, len(written))
        for item, ctx, row in written:  # rendered once the lock is let go: nobody waits for that
            _answer(item, created_response(ctx, item.rt, row))
        return []

    async def _claim(
        self,
        turn: WriteTurn,
        session: Session,
        batch: list[_Create],
        prepared: list[tuple[_Create, Context, service.PreparedCreate]],
    ) -> None:
        """Take the writer lock for the batch, preparing the creates that arrive while waiting for it.

        Right after a batch that had to wait, the next one queues in the kernel
        behind the other processes' waiters instead of trying first: a process
        that has just let go of the lock would otherwise take it again before
        a waiter wakes up, every time.
        """
        if not self._contended and turn.try_claim():
            return
        self._contended = True
        while True:
            await writer_free_in_process(self._database)  # a job or the checkpointer: see run_write
            granted = asyncio.ensure_future(self._database.writer_flock_granted())
            try:
                while not granted.done():
                    self._arrival = asyncio.get_running_loop().create_future()
                    await asyncio.wait((granted, self._arrival), return_when=asyncio.FIRST_COMPLETED)
                    self._arrival = None
                    self._prepare_waiting(session, batch, prepared)
            finally:
                granted.cancel()  # when cancelled itself: a grant that comes later is let go again
                self._arrival = None
            if turn.try_claim():
                self._contended = granted.result()  # whether another process held the lock
                return

    def _prepare_waiting(
        self, session: Session, batch: list[_Create], prepared: list[tuple[_Create, Context, service.PreparedCreate]]
    ) -> None:
        """Move waiting creates into ``batch`` (up to :data:`MAX_BATCH`) and prepare them; a create
        refused before writing anything is answered with its error and leaves the batch."""
        room = MAX_BATCH - len(batch)
        if room <= 0 or not self._waiting:
            return
        taken, self._waiting = self._waiting[:room], self._waiting[room:]
        batch.extend(taken)
        settings = get_settings()
        for item in taken:
            ctx = Context(session=session, principal=item.principal, settings=settings, base_url=item.base_url)
            try:
                prepared.append((item, ctx, service.prepare_create(ctx, item.rt, item.body)))
            except ApiError as exc:
                if _has_written(session):  # a hook wrote before refusing: only a rollback undoes that
                    raise
                _settle(item, exc)

    async def _alone(self, item: _Create) -> None:
        def work() -> Response:
            with self._database.session(write=True) as session:
                ctx = Context(session, item.principal, get_settings(), item.base_url)
                return created_response(ctx, item.rt, service.create(ctx, item.rt, item.body))

        try:
            _answer(item, await run_write(work))
        except Exception as exc:
            _settle(item, exc)


def _has_written(session: Session) -> bool:
    turn = session.info.get(WRITE_TURN)
    return turn is not None and bool(turn.held)


def _answer(item: _Create, response: Response) -> None:
    if not item.answer.done():  # its caller may have gone (cancelled)
        item.answer.set_result(response)


def _settle(item: _Create, error: BaseException) -> None:
    if not item.answer.done():
        item.answer.set_exception(error)


def _give_up(item: _Create, error: BaseException) -> None:
    """The batch task ended without writing ``item``: its caller is cancelled too, or gets the error."""
    if isinstance(error, asyncio.CancelledError):
        item.answer.cancel()
    else:
        _settle(item, error)


_BATCHES: weakref.WeakKeyDictionary[Database, CreateBatches] = weakref.WeakKeyDictionary()


def create_batches(database: Database) -> CreateBatches | None:
    """The create batches of ``database`` in this process; ``None`` where creates run alone (PostgreSQL)."""
    if not database.serial_writes:
        return None
    batches = _BATCHES.get(database)
    if batches is None:
        batches = _BATCHES[database] = CreateBatches(database)
    return batches
