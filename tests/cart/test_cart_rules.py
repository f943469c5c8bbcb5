"""Pure rules of the cart: item numbering and checks, totals' inputs, validity, the order it becomes."""

from __future__ import annotations

from datetime import UTC, datetime

from openbss.cart import rules
from openbss.inventory.rules import owner_ref

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def test_items_get_ids_defaults_and_problems() -> None:
    items = [
        {"productOffering": {"id": "po"}, "cartItem": [{"productOffering": {"id": "p1"}, "id": "2"}]},
        {"productOffering": {"id": "po"}, "quantity": 0},
        {"action": "delete"},
    ]
    problems = rules.normalise_items(items)
    assert [i["id"] for _p, i in rules.walk(items)] == ["1", "2", "3", "4"]
    assert items[0]["quantity"] == 1 and items[0]["action"] == "add" and items[0]["status"] == "active"
    assert [(p.field, p.rule) for p in problems] == [
        ("cartItem[1].quantity", "quantity.range"),
        ("cartItem[2].product.id", "required"),
    ]
    assert next((p.field, p.rule) for p in rules.normalise_items([{"id": "a"}, {"id": "a"}])) == (
        "cartItem[1].id",
        "cartItem.id.duplicate",
    )
    assert rules.normalise_items([{"productOffering": {"id": "x"}, "quantity": 1.5}])[0].rule == "quantity.range"


def test_total_inputs_skip_saved_for_later_branches() -> None:
    price = {"priceType": "oneTime"}
    items = [
        {"itemPrice": [price], "cartItem": [{"itemPrice": [price]}, {"itemPrice": [price], "status": "saveForLater"}]},
        {"itemPrice": [price], "status": "saveForLater", "cartItem": [{"itemPrice": [price]}]},
    ]
    assert len(rules.total_inputs(items)) == 2
    assert len(rules.item_total_inputs(items[1])) == 2  # an item's own total counts its parts


def test_owner_and_category() -> None:
    assert owner_ref({"relatedParty": [{"id": "p"}, {"id": "c", "@referredType": "Customer"}]}) == {
        "id": "c",
        "@referredType": "Customer",
    }
    assert (
        rules.customer_category({"characteristic": [{"name": "customerCategory", "value": "business"}]}) == "business"
    )
    assert rules.customer_category({"customerCategory": "vip"}) == "vip"
    assert rules.customer_category(None) is None


def test_validity() -> None:
    period = rules.validity(NOW, 30)
    assert period == {"startDateTime": "2026-05-01T08:00:00.000Z", "endDateTime": "2026-05-31T08:00:00.000Z"}
    assert not rules.expired(period, NOW)
    assert rules.expired(period, datetime(2026, 5, 31, 8, 0, tzinfo=UTC))
    assert not rules.expired(None, NOW)
    assert rules.validity_problems({"startDateTime": "2026-05-02T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"})


def test_order_from_cart() -> None:
    cart = {
        "id": "c1",
        "relatedParty": [{"id": "cust", "@referredType": "Customer"}],
        "cartTotalPrice": [{"priceType": "oneTime"}],
        "cartItem": [
            {
                "id": "1",
                "quantity": 1,
                "action": "add",
                "status": "active",
                "productOffering": {"id": "po"},
                "itemPrice": [{"priceType": "oneTime"}],
                "ItemTotalPrice": [{"priceType": "oneTime"}],
                "note": [{"text": "gift"}],
            },
            {"id": "2", "status": "saveForLater", "productOffering": {"id": "po2"}},
        ],
    }
    order = rules.order_from_cart(cart, {"priority": "1", "note": [{"text": "call first"}]}, "web", "http://x/c1")
    assert order["productOrderItem"] == [
        {
            "id": "1",
            "quantity": 1,
            "action": "add",
            "productOffering": {"id": "po"},
            "itemPrice": [{"priceType": "oneTime"}],
            "itemTotalPrice": [{"priceType": "oneTime"}],
        }
    ]
    assert order["channel"][0]["id"] == "web" and order["priority"] == "1"
    assert [n["text"] for n in order["note"]] == ["call first", "from shopping cart http://x/c1"]
    assert order["orderTotalPrice"] == cart["cartTotalPrice"]
    assert [p.field for p in rules.checkout_problems({"state": "completed", "priority": "1"})] == ["state"]
