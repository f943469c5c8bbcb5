"""The periodic job ``housekeeping.retention``: deletes what the retention settings no longer keep."""

from __future__ import annotations

import logging

from openbss.core import clock
from openbss.housekeeping.retention import RetentionPolicy, purge
from openbss.jobs.context import JobContext
from openbss.jobs.registry import every, task

log = logging.getLogger("openbss.housekeeping")

RETENTION_TASK = "housekeeping.retention"


@task(RETENTION_TASK, lease_seconds=600)
def retention(ctx: JobContext) -> None:
    counts = purge(ctx.database, RetentionPolicy.from_settings(ctx.settings), clock.now(), should_stop=ctx.should_stop)
    if counts.total:
        log.info("retention: deleted %s", ", ".join(f"{n} {table}" for table, n in counts.rows().items() if n))


every(RETENTION_TASK, seconds=lambda s: s.retention_interval_seconds)
