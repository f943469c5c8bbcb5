"""Identifiers of resources.

Ids are UUIDs of version 7 (RFC 9562) written as text: 48 bits of the Clock's
milliseconds, then 74 random bits. They are as unguessable as before for
anyone who does not know when a resource was made, and they sort by creation
time, so the B-tree indexes that hold them (every primary key, and every
column referring to another resource) grow at their right edge: a create
writes to the same few hot index pages instead of one random page per index,
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import os
import uuid

from openbss.core import clock

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62


def new_id() -> str:
    """A new resource id: a time-ordered, URL-safe UUID (version 7) as text."""
    millis = int(clock.now().timestamp() * 1000) & ((1 << 48) - 1)
    random = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them used
    rand_a = (random >> 62) & 0xFFF
    rand_b = random & ((1 << 62) - 1)
    return str(uuid.UUID(int=(millis << 80) | _VERSION | (rand_a << 64) | _VARIANT | rand_b))
