"""Background jobs of the OSS integration: ``oss.apply_events`` applies the events the listener stored."""

from __future__ import annotations

from openbss.jobs.context import JobContext
from openbss.jobs.registry import task
from openbss.oss import inbox


@task(inbox.APPLY_TASK, max_attempts=inbox.APPLY_MAX_ATTEMPTS, backoff_seconds=inbox.APPLY_BACKOFF_SECONDS)
def apply_events(ctx: JobContext) -> None:
    """Apply the pending events of the job's service order in the order they arrived (see :mod:`openbss.oss.inbox`)."""
    inbox.apply_pending(ctx.database, ctx.settings, str(ctx.payload["serviceOrder"]), last_attempt=ctx.last_attempt)
