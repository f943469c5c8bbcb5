"""Waiting in tests for something a background thread does."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``check`` came true within ``seconds`` (looked at every 20 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()
