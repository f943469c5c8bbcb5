"""Pure rules of the product inventory: lifecycle, dates, owner, bundles, order trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openbss.inventory import rules

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

LEGAL = [
    ("created", "pendingActive"),
    ("created", "active"),
    ("created", "cancelled"),
    ("pendingActive", "active"),
    ("pendingActive", "cancelled"),
    ("active", "suspended"),
    ("active", "pendingTerminate"),
    ("active", "terminated"),
    ("suspended", "active"),
    ("suspended", "pendingTerminate"),
    ("suspended", "terminated"),
    ("pendingTerminate", "active"),
    ("pendingTerminate", "terminated"),
]


@pytest.mark.parametrize(("old", "new"), LEGAL)
def test_legal_transitions(old: str, new: str) -> None:
    assert rules.transition_problem(old, new) is None


def test_every_other_transition_is_refused() -> None:
    refused = [(old, new) for old in rules.STATUSES for new in rules.STATUSES if old != new and (old, new) not in LEGAL]
    assert len(refused) == 7 * 6 - len(LEGAL)
    for old, new in refused:
        problem = rules.transition_problem(old, new)
        assert problem is not None and f"'{old}' to '{new}'" in problem


def test_final_statuses_name_no_way_out() -> None:
    for final in rules.FINAL:
        assert "none (final status)" in str(rules.transition_problem(final, "active"))


def test_unknown_status_and_staying_put() -> None:
    assert "not a product status" in str(rules.transition_problem("active", "aborted"))
    assert rules.transition_problem("active", "active") is None


def test_status_dates() -> None:
    assert rules.status_dates({"status": "active"}, "created", AT) == {"startDate": "2026-03-01T12:00:00.000Z"}
    assert rules.status_dates({"status": "active", "startDate": "2026-01-01T00:00:00Z"}, "created", AT) == {}
    assert rules.status_dates({"status": "terminated"}, "active", AT) == {"terminationDate": "2026-03-01T12:00:00.000Z"}
    assert rules.status_dates({"status": "suspended"}, "active", AT) == {}
    assert rules.status_dates({"status": "active"}, "active", AT) == {}


def test_date_problems() -> None:
    ok = {"status": "active", "startDate": "2026-01-01T00:00:00Z"}
    assert rules.date_problems(ok) == []
    backwards = {**ok, "status": "terminated", "terminationDate": "2025-12-31T00:00:00Z"}
    assert [p.rule for p in rules.date_problems(backwards)] == ["terminationDate.beforeStart"]
    assert [p.field for p in rules.date_problems({"status": "terminated", "startDate": "2026-01-01T00:00:00Z"})] == [
        "terminationDate"
    ]
    assert [p.field for p in rules.date_problems({"status": "suspended"})] == ["startDate"]
    assert rules.date_problems({"status": "created"}) == []


def test_owner_index() -> None:
    assert rules.owner_index([]) is None
    assert rules.owner_index([{"id": "p"}, {"id": "c", "role": "Customer"}]) == 1
    assert rules.owner_index([{"id": "p", "role": "payer"}, {"id": "c", "@referredType": "Customer"}]) == 1
    assert rules.owner_index([{"id": "p", "role": "user"}]) == 0
    assert rules.owner_ref({"relatedParty": [{"role": "owner"}]}) is None  # no id: no owner


def test_bundle_links() -> None:
    child = {"productRelationship": [{"relationshipType": "IsBundledIn", "product": {"id": "B"}}]}
    assert rules.parent_id(child) == "B"
    assert rules.parent_id({"productRelationship": [{"relationshipType": "reliesOn", "product": {"id": "X"}}]}) is None
    assert rules.with_parent(child, {"id": "B"}) == child["productRelationship"]
    added = rules.with_parent({}, {"id": "B"})
    assert rules.parent_id({"productRelationship": added}) == "B"
    bundle = {"product": [{"id": "c1"}, {"name": "by value"}, {"id": "c1"}]}
    assert rules.child_ids(bundle) == ["c1"]
    assert len(rules.with_child(bundle, {"id": "c1"})) == 3
    assert rules.child_ids({"product": rules.with_child(bundle, {"id": "c2"})}) == ["c1", "c2"]


@pytest.mark.parametrize(
    ("parent", "child", "follows"),
    [
        ("suspended", "active", True),
        ("active", "suspended", True),
        ("active", "created", False),  # a part still being provisioned is not activated with the bundle
        ("terminated", "active", True),
        ("terminated", "terminated", False),
        ("terminated", "created", False),  # created cannot be terminated; it is cancelled
        ("cancelled", "created", True),
        ("pendingActive", "created", False),
    ],
)
def test_parts_follow_their_bundle(parent: str, child: str, follows: bool) -> None:
    assert rules.follows_bundle(parent, child) is follows


def test_order_ref_problems() -> None:
    assert rules.order_ref_problems({"productOrderId": "o", "orderItemId": "1", "orderItemAction": "add"}) == []
    assert [p.field for p in rules.order_ref_problems({"productOrderId": "o"})] == ["order_ref.orderItemId"]
    assert [
        p.rule for p in rules.order_ref_problems({"productOrderId": "o", "orderItemId": "1", "orderItemAction": "x"})
    ] == ["enum"]
    assert [p.rule for p in rules.order_ref_problems("o-1")] == ["type.object"]


def test_order_trail_is_appended_once() -> None:
    ref = {"productOrderId": "o", "orderItemId": "1", "orderItemAction": "add", "role": None}
    trail = rules.with_order_item(None, ref)
    assert trail == [
        {"productOrderId": "o", "orderItemId": "1", "orderItemAction": "add", "@referredType": "ProductOrderItem"}
    ]
    assert rules.with_order_item(trail, ref) == trail
    assert len(rules.with_order_item(trail, {**ref, "orderItemAction": "modify"})) == 2
