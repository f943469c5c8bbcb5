"""The oss domain as the server mounts it: no stored resources, only the TMF641 event listener."""

from __future__ import annotations

from openbss.oss.listener import router as listener_router
from openbss.tmf.resource import Domain

DOMAIN = Domain(name="oss", resources=(), routers=(listener_router,))
