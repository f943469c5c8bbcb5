"""The one source of the current time.

Nothing in openbss reads the wall clock directly: every timestamp comes from
:func:`now`. A test (or an admin, when ``OPENBSS_TEST_CLOCK=on``) can move the
clock forward so that months of billing and collection run in seconds. The
offset is kept in the database (table ``clock_offset``) by the server so that
workers in other processes see the same time; in-process it is cached here.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any


class Clock:
    """Wall-clock time plus an offset that only moves forward."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()

    def set_offset(self, offset: timedelta) -> None:
        """Adopt an offset read from shared storage (never moves backwards)."""
        with self._lock:
            if offset > self._offset:
                self._offset = offset

    def reset(self) -> None:
        """Back to real time; for test isolation only."""
        with self._lock:
            self._offset = timedelta(0)


clock = Clock()


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return clock.now()


def isoformat(moment: datetime) -> str:
    """TMF wire form: UTC with milliseconds and a ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_instant(value: Any) -> datetime | None:
    """A date-time read back from a document: ISO text (``Z`` or an offset) or a datetime; None otherwise."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
