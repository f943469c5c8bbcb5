"""What a service call knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from openbss.core import clock
from openbss.core.security import Principal
from openbss.core.settings import Settings


@dataclass
class Context:
    """A unit of work: the session, who asks, and where the API lives.

    ``base_url`` is the server root as the client sees it (for ``href``).
    """

    session: Session
    principal: Principal
    settings: Settings
    base_url: str = "http://localhost"
    started: datetime = field(default_factory=clock.now)
    # lookups this unit of work already made (a party found while validating is found again
    # by duplicate detection); holds the loaded objects, so keep it to this one unit of work
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return clock.now()
