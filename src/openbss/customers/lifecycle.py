"""Terminate (eTOM 1.3.4.4) and Re-establish (1.3.4.3) Customer Relationship as operations.

The same rules run when a client changes ``status`` with ``PATCH`` (see
:func:`openbss.customers.service.apply_termination` and
:func:`~openbss.customers.service.apply_reestablishment`); these operations
add a reason and a clear answer for the two business events.
"""

from __future__ import annotations

from openbss.core.errors import Conflict
from openbss.customers.models import CustomerRow
from openbss.customers.resource import CUSTOMER, STAFF_WRITERS
from openbss.customers.service import REESTABLISH_FROM, prepared_status_change
from openbss.tmf import service as engine
from openbss.tmf.context import Context


def _change(
    ctx: Context,
    customer_id: str,
    target: str,
    reason: str | None,
    done: str,
    allowed_from: frozenset[str] | None = None,
) -> CustomerRow:
    row = engine.load(ctx, CUSTOMER, customer_id, for_update=True)
    assert isinstance(row, CustomerRow)
    name = row.customer_number or row.id
    if row.status == "merged":
        raise Conflict(
            f"customer {name} was merged ({row.doc.get('statusReason')}); a merged customer cannot be {done}",
            field="status",
            rule="lifecycle.merged",
        )
    if allowed_from is not None and row.status not in allowed_from:
        raise Conflict(
            f"customer {name} is '{row.status}'; only a customer that is "
            f"{' or '.join(sorted(allowed_from))} can be {done}",
            field="status",
            rule="lifecycle.transition",
        )
    engine.check_transition(CUSTOMER, row.status, target)
    new = prepared_status_change(ctx, row, target, reason)
    extra = {k: v for k, v in new.items() if k != "status"}
    engine.set_state(ctx, CUSTOMER, row, target, check=False, extra_doc=extra)
    return row


def terminate_customer(ctx: Context, customer_id: str, reason: str | None) -> CustomerRow:
    """Move the customer to ``terminated`` (a termination guard may refuse: 409)."""
    engine.require_role(ctx, STAFF_WRITERS, "terminate a customer")
    return _change(ctx, customer_id, "terminated", reason, "terminated")


def reestablish_customer(ctx: Context, customer_id: str, reason: str | None) -> CustomerRow:
    """Move a terminated or suspended customer back to ``approved``."""
    engine.require_role(ctx, STAFF_WRITERS, "re-establish a customer")
    return _change(ctx, customer_id, "approved", reason, "re-established", REESTABLISH_FROM)
