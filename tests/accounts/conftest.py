"""Fixtures of the account tests."""

from __future__ import annotations

import pytest

from openbss.accounts import service


@pytest.fixture(autouse=True)
def _no_close_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty close-guard registry (tests add their own)."""
    monkeypatch.setattr(service, "CLOSE_GUARDS", [])
