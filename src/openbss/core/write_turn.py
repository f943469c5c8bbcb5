"""A SQLite write unit takes the writer lock at its first write, not at its start.

See :class:`WriteTurn`; :meth:`openbss.core.db.Database.session` opens a turn
for every ``write=True`` unit on SQLite, and the engine's
``before_cursor_execute`` listener (or :func:`claim_write_turn`, for
statements run on the driver directly) claims it.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["WRITE_TURN", "WriteTurn", "claim_turn_before_writing", "claim_write_turn"]


class _Lock(Protocol):
    def acquire(self, *, blocking: bool = True) -> bool: ...

    def release(self) -> None: ...


WRITE_TURN = "openbss.write_turn"


class WriteTurn:
    """A SQLite write unit's claim on the writer lock, taken when the unit first writes.

    Python's ``sqlite3`` begins a transaction right before the first
    ``INSERT``/``UPDATE``/``DELETE`` of a unit; until then every ``SELECT``
    reads the latest committed data on its own. So a unit needs the writer
    lock only from its first write (or locking read) on: the validation,
    reference checks and other reads before it run while another process
    writes, and two server processes share the cores instead of taking turns
    for whole requests.
    """

    __slots__ = ("_lock", "held", "open")

    def __init__(self, lock: _Lock) -> None:
        self._lock = lock
        self.held = False
        self.open = True

    def claim(self) -> None:
        """Hold the writer lock from now until :meth:`end` (a no-op once held or ended)."""
        if self.open and not self.held:
            self._lock.acquire()
            self.held = True

    def try_claim(self) -> bool:
        """Take the writer lock now if it is free; whether the unit holds it (a unit that ended does not)."""
        if self.open and not self.held and self._lock.acquire(blocking=False):
            self.held = True
        return self.held

    def end(self) -> None:
        self.open = False
        if self.held:
            self.held = False
            self._lock.release()


_READ_ONLY_STARTS = ("SELECT", "PRAGMA", "EXPLAIN")


def _writes(statement: str, context: Any) -> bool:
    """Whether a statement about to run writes, or locks what it reads (``FOR UPDATE``)."""
    compiled = getattr(context, "compiled", None)
    if compiled is not None:
        if context.isinsert or context.isupdate or context.isdelete or context.isddl:
            return True
        if getattr(compiled.statement, "_for_update_arg", None) is not None:
            return True  # SQLite's compiler drops FOR UPDATE from the text; the statement still asks for it
    return not statement.lstrip().upper().startswith(_READ_ONLY_STARTS)


def claim_write_turn(connection: Any) -> None:
    """Take the writer lock for the write unit ``connection`` belongs to, before it writes (SQLite)."""
    turn = connection.info.get(WRITE_TURN)
    if turn is not None:
        turn.claim()


def claim_turn_before_writing(
    connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    turn = connection.info.get(WRITE_TURN)
    if turn is not None and not turn.held and turn.open and _writes(statement, context):
        turn.claim()


@event.listens_for(Session, "after_begin")
def _mark_write_unit(session: Session, _transaction: SessionTransaction, connection: Any) -> None:
    """Tell the connection which write unit (if any) its statements belong to."""
    connection.info[WRITE_TURN] = session.info.get(WRITE_TURN)
