"""Fixtures of the oss tests (defined in oss_simulator_fixture.py so other packages can reuse them)."""

from __future__ import annotations

from oss_simulator_fixture import event_recorder, openbss_server, oss_settings, oss_simulator

__all__ = ["event_recorder", "openbss_server", "oss_settings", "oss_simulator"]
