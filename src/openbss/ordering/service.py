"""What other domains ask of order handling (the interface they code against).

* :func:`capture_order` - what ``POST /productOrder`` does (the shopping cart's
  checkout calls it): the order is captured, validated and decided in the
  caller's transaction (``rejected``, ``held``, ``pending`` or issued), or,
  with the policy's ``validateAtCapture`` off, captured ``acknowledged`` for
  the job ``ordering.process_order``;
* :func:`record_order_payment` - the up-front payment of an order arrived
  (the receivables domain calls it; also ``POST .../productOrder/{id}/payment``);
* :func:`register_credit_check` - the receivables domain adds its credit check
  (open balance against the credit limit) to order validation.
"""

from __future__ import annotations

from openbss.ordering.handling import record_order_payment as _record_order_payment
from openbss.ordering.orders import render
from openbss.ordering.resource import PRODUCT_ORDER
from openbss.ordering.validation import CreditCheck, CreditDecision, register_credit_check
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

__all__ = ["CreditCheck", "CreditDecision", "capture_order", "record_order_payment", "register_credit_check"]


def capture_order(ctx: Context, body: Doc) -> Doc:
    """Capture Customer Order (1.3.3.10.1): store a new order, as ``POST /productOrder`` does.

    Raises the same errors (400 naming the field, 403); returns the order as
    rendered: decided (validated at capture, see :mod:`openbss.ordering.capture`)
    or ``acknowledged``.
    """
    row = engine.create(ctx, PRODUCT_ORDER, body)
    return engine.render(ctx, PRODUCT_ORDER, row)


def record_order_payment(ctx: Context, order_id: str, payment_ref: str) -> Doc:
    """Record the up-front payment ``payment_ref`` of order ``order_id``; returns the order.

    A ``pending`` order waiting for it is issued in the same transaction. 404
    for an unknown order, 409 when it was already paid or has ended.
    """
    return render(ctx, _record_order_payment(ctx, order_id, payment_ref))
