"""Database engine, sessions and the declarative base.

SQLite (WAL mode) is the embedded default; PostgreSQL is the production
database. Both get the same schema through Alembic. A unit of work is a
:class:`~sqlalchemy.orm.Session`; services only flush, the request or job
that opened the session commits.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import JSON, MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import StaticPool

from openbss.core import jsoncodec
from openbss.core.driver_sql import insert_rows
from openbss.core.sqlite_statistics import watch_statistics
from openbss.core.wal_checkpoint import DEFAULT_INTERVAL, RESTART_LOG_PAGES, STATISTICS_INTERVAL, WalCheckpointer
from openbss.core.write_turn import WRITE_TURN, WriteTurn, claim_turn_before_writing
from openbss.core.writer_release import LockWaiter

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _sqlite_regexp(pattern: str, value: Any) -> bool:
    if value is None:
        return False
    try:
        return re.search(pattern, str(value)) is not None
    except re.error:
        return False


MMAP_BYTES = 1 << 36
"""SQLite reads the database file through a memory map of up to this size instead of ``read`` calls
(SQLite caps it at its compiled maximum, 2 GiB in the usual builds; pages beyond are read as before).

In WAL mode a connection forgets the pages it cached whenever another connection
has written since its last transaction, so with several writers (server processes,
the job worker) every transaction reads its index pages again; through the map that
is a memory access instead of a system call and a copy. Address space, not memory:
the pages are the kernel's file cache, shared by every connection and process."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()
    dbapi_connection.create_function("regexp", 2, _sqlite_regexp, deterministic=True)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and pick the psycopg 3 driver for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {
        "json_serializer": jsoncodec.dumps_text,
        "json_deserializer": jsoncodec.loads,
    }
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:  # the connection used last: its page cache is the likeliest to be still valid
            kwargs["pool_use_lifo"] = True
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=True)
    return create_engine(url, **kwargs)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class WriterLock:
    """The turn to write to a SQLite database, among the threads and processes using it.

    SQLite has one writer at a time. Writers that collide wait in SQLite's busy
    handler, which sleeps in steps of up to 100 ms, so under load a write could
    wait a second for a lock that was free after a millisecond. Writers here
    queue instead: threads of this process on a re-entrant lock, processes
    (several ``openbss serve`` workers, ``openbss worker``) on an exclusive
    ``flock`` of a file beside the database, and each is woken the moment the
    previous writer is done.
    """

    def __init__(self, lock_path: str | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0  # nesting of the holding thread; changed only while holding _threads
        self._owner: int | None = None  # the holding thread's ident
        self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600) if lock_path else None
        self._gate = threading.Event()  # cleared while a thread takes the turn ahead of the others
        self._gate.set()

    def acquire(self, *, blocking: bool = True) -> bool:
        if not self._gate.is_set() and self._owner != threading.get_ident():
            if not blocking:
                return False
            self._gate.wait()
        return self._take(blocking)

    def _take(self, blocking: bool) -> bool:
        if not self._threads.acquire(blocking=blocking):
            return False
        if self._depth == 0 and self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._threads.release()
                return False
        self._depth += 1
        self._owner = threading.get_ident()
        return True

    @contextmanager
    def first_turn(self) -> Iterator[None]:
        """Hold the turn for the block, taken ahead of this process's other writers.

        A thread lock is not fair: a writer that releases it and comes straight
        back usually gets it again before a waiting thread has woken up, so under
        back-to-back writes a waiter can wait indefinitely. While this waits, new
        writers of this process wait for it (a non-blocking ``acquire`` answers
        ``False``); the writers already waiting for the lock may still go first.
        """
        self._gate.clear()
        try:
            self._take(blocking=True)
        finally:
            self._gate.set()
        try:
            yield
        finally:
            self.release()

    def wait_in_kernel(self) -> bool:
        """Block until this process's descriptor holds the ``flock`` (for :class:`LockWaiter`'s thread);
        whether that meant waiting (another process, or a thread of this one, held it).

        Takes nothing in this process: the writer that asked takes the lock over
        with ``acquire(blocking=False)``; until then (or until
        :meth:`drop_unadopted`) the other processes wait.
        """
        if self._fd is None:
            return False
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            return True

    def drop_unadopted(self) -> None:
        """Let go of a ``flock`` that :meth:`wait_in_kernel` took and no writer of this process holds."""
        if self._fd is None or not self._threads.acquire(blocking=False):
            return  # a thread of this process holds the lock: it lets go of the flock when done
        try:
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def held_by_other_thread(self) -> bool:
        owner = self._owner
        return owner is not None and owner != threading.get_ident()

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _sqlite_file(engine: Engine) -> str | None:
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def _sqlite_lock_path(engine: Engine) -> str | None:
    path = _sqlite_file(engine)
    return f"{path}.writer-lock" if path else None


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        lock_path = _sqlite_lock_path(self.engine)
        self._write_lock = WriterLock(lock_path) if self.engine.dialect.name == "sqlite" else None
        self._lock_waiter = LockWaiter(self._write_lock) if self._write_lock is not None and lock_path else None
        self._checkpointer: WalCheckpointer | None = None
        path = _sqlite_file(self.engine)
        if path is not None:
            watch_statistics(self.engine, path)
        if self._write_lock is not None:
            event.listen(self.engine, "connect", self._leave_checkpoints_to_thread)
            event.listen(self.engine, "before_cursor_execute", claim_turn_before_writing)

    def _leave_checkpoints_to_thread(self, dbapi_connection: Any, _record: Any) -> None:
        if self._checkpointer is not None:
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def start_background_checkpoints(
        self,
        interval: float = DEFAULT_INTERVAL,
        *,
        restart_log_pages: int = RESTART_LOG_PAGES,
        statistics_interval: float | None = STATISTICS_INTERVAL,
    ) -> WalCheckpointer | None:
        """On a SQLite file, checkpoint the write-ahead log from a thread instead of in commits.

        Returns the running checkpointer (``None`` for PostgreSQL or an in-memory
        database). Connections opened from now on leave checkpoints to it; idle
        pooled ones are closed so that none keeps checkpointing in its commits.
        The same thread keeps the planner statistics current every
        ``statistics_interval`` seconds (``None``: never). See
        :mod:`openbss.core.wal_checkpoint` and :mod:`openbss.core.sqlite_statistics`.
        """
        path = _sqlite_file(self.engine)
        if path is None or self._checkpointer is not None:
            return self._checkpointer
        self._checkpointer = WalCheckpointer(
            path,
            interval=interval,
            writer_turn=self._writer_turn,
            restart_log_pages=restart_log_pages,
            statistics_interval=statistics_interval,
        )
        self.engine.dispose()
        self._checkpointer.start()
        return self._checkpointer

    def stop_background_checkpoints(self) -> None:
        """Stop the checkpointer (a last checkpoint truncates the log); commits checkpoint again."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
            self.engine.dispose()

    def _writer_turn(self) -> AbstractContextManager[None]:
        """The writer lock held ahead of the queue (this process's threads and the other processes)."""
        return self._write_lock.first_turn() if self._write_lock is not None else nullcontext()

    @property
    def serial_writes(self) -> bool:
        """Whether write units of this process run one at a time (SQLite)."""
        return self._write_lock is not None

    async def writer_flock_granted(self) -> bool:
        """Return once this process holds the SQLite writer ``flock``, without blocking the event loop
        meanwhile; the caller then takes the writer lock over without blocking (see
        :class:`openbss.core.writer_release.LockWaiter`); whether it had to wait for it. An in-memory
        database: after a millisecond."""
        if self._lock_waiter is not None:
            return await self._lock_waiter.granted()
        await asyncio.sleep(0.001)
        return True

    def writer_busy_in_process(self) -> bool:
        """Whether another thread of this process holds the writer lock now (a job, the checkpointer)."""
        lock = self._write_lock
        return lock is not None and lock.held_by_other_thread()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, else rolled back.

        ``write=True`` marks a unit that will write. On SQLite such a unit
        takes the writer lock at its first statement that writes or locks
        (``INSERT``/``UPDATE``/``DELETE``, ``SELECT ... FOR UPDATE``, a
        savepoint, DDL) and keeps it until it ends: its reads before that run
        side by side with other processes' writes, as reads do on PostgreSQL
        under READ COMMITTED, and whatever must not change under it is read
        with ``FOR UPDATE``, as PostgreSQL needs anyway. See :class:`WriteTurn`.
        """
        turn = WriteTurn(self._write_lock) if write and self._write_lock is not None else None
        session = self.sessions()
        if turn is not None:
            session.info[WRITE_TURN] = turn
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            if turn is not None:
                turn.end()  # the transaction is over: returning the connection to the pool needs no turn
            session.close()

    def dispose(self) -> None:
        self.stop_background_checkpoints()
        self.engine.dispose()
        if self._write_lock is not None:
            self._write_lock.close()


# --- locked reads see the latest row ------------------------------------------------------------------


@event.listens_for(Session, "do_orm_execute")
def _locked_reads_refresh(state: ORMExecuteState) -> None:
    """A ``SELECT ... FOR UPDATE`` returns the rows as they are once locked, also for objects the
    session already holds.

    Without this the ORM hands back the object it loaded earlier in the transaction, with the
    values it had then: a transaction that read a row, waited for the lock while another one
    changed and committed it, would decide on (and write back) the old values. What this
    session changed and not yet flushed is flushed first, so refreshing never drops it.
    """
    if not state.is_select or getattr(state.statement, "_for_update_arg", None) is None:
        return
    if state.execution_options.get("populate_existing"):
        return
    session = state.session
    if session.dirty or session.new or session.deleted:
        session.flush()
    state.update_execution_options(populate_existing=True)


# --- what a unit of work is about to write -------------------------------------------------------------

CREATES_IN_UNIT = "openbss.creates_in_unit"
"""``Session.info`` key: how many creates the unit of work is about to write (set by
:mod:`openbss.tmf.create_batches`), so that a counter may take that many values in one statement."""


# --- rows written when the transaction commits ------------------------------------------------------

_AT_COMMIT = "openbss.insert_at_commit"


def insert_at_commit(session: Session, table: Table, row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table`` as the transaction commits (never, if it rolls back).

    For append-only records nobody reads inside the transaction that writes
    them (outbox events, process runs): the rows of one unit of work go to the
    database in one multi-row statement per table instead of one each.
    """
    pending: dict[Table, list[dict[str, Any]]] = session.info.setdefault(_AT_COMMIT, {})
    pending.setdefault(table, []).append(row)


def pending_at_commit(session: Session, table: Table) -> list[dict[str, Any]]:
    """Rows :func:`insert_at_commit` holds for ``table`` in this transaction."""
    return list(session.info.get(_AT_COMMIT, {}).get(table, ()))


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    pending: dict[Table, list[dict[str, Any]]] | None = session.info.pop(_AT_COMMIT, None)
    if pending:
        connection = session.connection()
        for table, rows in pending.items():
            insert_rows(connection, table, rows)


_SAVEPOINT_MARKS = "openbss.insert_at_commit.savepoints"


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # a savepoint remembers how many rows each table held when it began
    if transaction.nested:
        pending: dict[Table, list[dict[str, Any]]] = session.info.get(_AT_COMMIT, {})
        marks = session.info.setdefault(_SAVEPOINT_MARKS, {})
        marks[transaction] = {table: len(rows) for table, rows in pending.items()}


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    """Rows queued in a rolled-back transaction are never inserted; a savepoint drops only its own."""
    marks: dict[SessionTransaction, dict[Table, int]] = session.info.get(_SAVEPOINT_MARKS, {})
    if not previous_transaction.nested:
        session.info.pop(_AT_COMMIT, None)
        session.info.pop(_SAVEPOINT_MARKS, None)
        return
    mark = marks.pop(previous_transaction, None)
    pending: dict[Table, list[dict[str, Any]]] = session.info.get(_AT_COMMIT, {})
    if mark is None:
        return
    for table in list(pending):
        del pending[table][mark.get(table, 0) :]
        if not pending[table]:
            del pending[table]


_current: Database | None = None
_lock = threading.Lock()


def set_database(database: Database) -> None:
    global _current
    with _lock:
        _current = database


def get_database() -> Database:
    if _current is None:
        raise RuntimeError("no database configured; call set_database() first")
    return _current
