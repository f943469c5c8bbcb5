"""Identifiers of resources."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A random, URL-safe resource id (UUID4 text)."""
    return str(uuid.uuid4())
