"""Order handling end to end against the TMF641 simulator over real HTTP, driven by the test clock."""

from __future__ import annotations

from order_helpers import Shop, item_states

from openbss.oss.simulator_thread import RunningSimulator


def test_three_items_one_fails_partial_then_retry_completes(net_shop: Shop, oss_simulator: RunningSimulator) -> None:
    shop = net_shop
    shop.make_offering("Fibre", services=("cfs-fibre",))
    shop.make_offering("TV", services=("cfs-tv",))
    shop.make_offering("Phone", services=("cfs-voice",))
    oss_simulator.force_specification("cfs-tv", "fail")
    order = shop.place(shop.item("1", "Fibre"), shop.item("2", "TV"), shop.item("3", "Phone"))
    partial = shop.wait_for(order["id"], lambda o: o["state"] in ("partial", "completed", "failed"))
    assert partial["state"] == "partial", partial
    assert item_states(partial) == {"1": "completed", "2": "failed", "3": "completed"}
    oss_simulator.force_specification("cfs-tv", None)
    retried = shop.post(f"/tmf-api/productOrderingManagement/v4/productOrder/{order['id']}/retry", {"itemId": "2"})
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "inProgress"
    done = shop.wait_for(order["id"], lambda o: o["state"] == "completed")
    assert item_states(done) == {"1": "completed", "2": "completed", "3": "completed"}
    print(done)
