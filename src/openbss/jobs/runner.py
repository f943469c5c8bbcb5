"""Job worker (placeholder until the runner lands)."""

from __future__ import annotations

from openbss.core.db import Database
from openbss.core.settings import Settings


class EmbeddedWorker:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


def run_worker_forever(database: Database, settings: Settings, name: str | None = None) -> None:
    raise NotImplementedError
