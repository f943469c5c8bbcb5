"""Capture, validation and the state machines over the API (no OSS involved)."""

from __future__ import annotations

from order_helpers import ORDERS, Shop, item_states


def test_valid_order_without_network_work_completes_into_the_inventory(shop: Shop) -> None:
    shop.make_offering("Email", services=())
    order = shop.place(shop.item("1", "Email"))
    assert order["state"] == "acknowledged"
    shop.run_jobs()
    done = shop.get(order["id"])
    assert done["state"] == "completed", done
    print(done)
