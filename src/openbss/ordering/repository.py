"""Every query of the ordering domain."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from openbss.core.driver_sql import insert_rows
from openbss.ordering import rules
from openbss.ordering.models import (
    CancelProductOrderRow,
    OrderFalloutRow,
    OrderItemRow,
    OrderPaymentRow,
    OrderPolicyRow,
    OssSubscriptionRow,
    ProductOrderRow,
    SouthboundOrderRow,
)

Doc = dict[str, Any]


# --- orders -----------------------------------------------------------------------------------------


def order(session: Session, order_id: str, *, for_update: bool = False) -> ProductOrderRow | None:
    stmt = select(ProductOrderRow).where(ProductOrderRow.id == order_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def orders_needing_validation(session: Session, limit: int) -> list[str]:
    stmt = (
        select(ProductOrderRow.id)
        .where(ProductOrderRow.needs_validation.is_(True))
        .order_by(ProductOrderRow.created_at, ProductOrderRow.id)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def acknowledged_waiting(session: Session, limit: int, *, skip: str | None = None) -> list[ProductOrderRow]:
    """Captured orders waiting for validation, oldest first (on the ``status`` index), read and
    locked by one query (on PostgreSQL rows another transaction holds are skipped)."""
    stmt = (
        select(ProductOrderRow)
        .where(ProductOrderRow.status == rules.ACKNOWLEDGED, ProductOrderRow.needs_validation.is_(True))
        .order_by(ProductOrderRow.created_at, ProductOrderRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [row for row in session.execute(stmt).scalars() if row.id != skip]


def delete_order_records(session: Session, order_id: str) -> None:
    for model in (OrderItemRow, SouthboundOrderRow, OrderFalloutRow, OrderPaymentRow):
        session.execute(delete(model).where(model.order_id == order_id))


# --- items ------------------------------------------------------------------------------------------


def _item_values(order_id: str, doc: Doc) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}

    def walk(items: Any, parent: str | None) -> None:
        for item in items or []:
            if not isinstance(item, dict):
                continue
            offering = rules.sub(item, "productOffering")
            product = rules.sub(item, "product")
            item_id = str(item.get("id"))[:64]
            values[item_id] = {
                "order_id": order_id,
                "item_id": item_id,
                "parent_item_id": parent,
                "action": str(item.get("action"))[:20],
                "offering_id": str(offering["id"])[:64] if offering.get("id") else None,
                "product_id": str(product["id"])[:64] if product.get("id") else None,
                "state": str(item.get("state") or rules.ACKNOWLEDGED)[:40],
                "quantity": int(item.get("quantity") or 1),
            }
            walk(item.get("productOrderItem"), item_id)

    walk(doc.get("productOrderItem"), None)
    return values


_ITEM_TABLE = cast(Table, OrderItemRow.__table__)
_ITEM_KEYS = ("parent_item_id", "action", "offering_id", "product_id", "state", "quantity")


def sync_items(
    session: Session, order_id: str, doc: Doc, *, new: bool = False, expected: Mapping[str, datetime] | None = None
) -> None:
    """Keep the order's item rows in step with its document (dates set by order handling stay).

    Core statements on the item table (no ORM objects): one read, then at
    most one DELETE, one INSERT and one executemany UPDATE of the rows that
    changed. Item rows a caller holds in the session are expired. ``new``:
    the order was just created (one INSERT, with each item's ``expected``
    date when it was issued as it was captured).
    """
    wanted = _item_values(order_id, doc)
    connection = session.connection()
    if new:
        if wanted:
            rows = list(wanted.values())
            if expected:
                rows = [{**r, "expected_date": expected.get(r["item_id"])} for r in rows]
            insert_rows(connection, _ITEM_TABLE, rows)
        return
    columns = [_ITEM_TABLE.c.item_id, *(_ITEM_TABLE.c[k] for k in _ITEM_KEYS)]
    current = {
        r.item_id: r._mapping for r in connection.execute(select(*columns).where(_ITEM_TABLE.c.order_id == order_id))
    }
    gone = sorted(set(current) - set(wanted))
    if gone:
        connection.execute(
            _ITEM_TABLE.delete().where(_ITEM_TABLE.c.order_id == order_id, _ITEM_TABLE.c.item_id.in_(gone))
        )
    new_rows = [v for k, v in wanted.items() if k not in current]
    if new_rows:
        insert_rows(connection, _ITEM_TABLE, new_rows)
    changed = [
        {"b_item": item_id, **{k: values[k] for k in _ITEM_KEYS}}
        for item_id, values in wanted.items()
        if item_id in current and any(current[item_id][k] != values[k] for k in _ITEM_KEYS)
    ]
    if changed:
        connection.execute(
            _ITEM_TABLE.update()
            .where(_ITEM_TABLE.c.order_id == order_id, _ITEM_TABLE.c.item_id == bindparam("b_item"))
            .values({k: bindparam(k) for k in _ITEM_KEYS}),
            changed,
        )
    _expire_items(session, order_id, [*gone, *(c["b_item"] for c in changed)])


def _expire_items(session: Session, order_id: str, item_ids: Collection[str]) -> None:
    """Item rows changed by Core statements: a copy the session holds is read again when next used."""
    for item_id in item_ids:
        held = session.identity_map.get(identity_key(OrderItemRow, (order_id, item_id)))
        if held is not None:
            session.expire(held)


def items(session: Session, order_id: str) -> list[OrderItemRow]:
    stmt = select(OrderItemRow).where(OrderItemRow.order_id == order_id).order_by(OrderItemRow.item_id)
    return list(session.execute(stmt).scalars())


def set_item_dates(
    session: Session,
    order_id: str,
    item_ids: Collection[str],
    *,
    expected: datetime | None = None,
    completed: datetime | None = None,
    product_id: str | None = None,
) -> None:
    values: dict[str, Any] = {}
    if expected is not None:
        values["expected_date"] = expected
    if completed is not None:
        values["completed_at"] = completed
    if product_id is not None:
        values["product_id"] = product_id
    if values and item_ids:
        session.connection().execute(
            _ITEM_TABLE.update()
            .where(_ITEM_TABLE.c.order_id == order_id, _ITEM_TABLE.c.item_id.in_(sorted(item_ids)))
            .values(**values)
        )
        _expire_items(session, order_id, item_ids)


def set_expected_dates(session: Session, order_id: str, expected: dict[str, datetime]) -> None:
    """Each item's expected date: one UPDATE per distinct date (usually one for the whole order)."""
    by_date: dict[datetime, list[str]] = {}
    for item_id, date in expected.items():
        by_date.setdefault(date, []).append(item_id)
    for date, item_ids in by_date.items():
        set_item_dates(session, order_id, item_ids, expected=date)


# --- cancellation -------------------------------------------------------------------------------------


def cancel_task(session: Session, task_id: str, *, for_update: bool = False) -> CancelProductOrderRow | None:
    stmt = select(CancelProductOrderRow).where(CancelProductOrderRow.id == task_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def open_cancel_tasks(session: Session, order_id: str) -> list[CancelProductOrderRow]:
    stmt = (
        select(CancelProductOrderRow)
        .where(
            CancelProductOrderRow.product_order_id == order_id,
            CancelProductOrderRow.status.in_(("acknowledged", "inProgress")),
        )
        .order_by(CancelProductOrderRow.created_at)
    )
    return list(session.execute(stmt).scalars())


# --- southbound service orders ------------------------------------------------------------------------


def add_southbound(session: Session, row: SouthboundOrderRow) -> SouthboundOrderRow:
    session.add(row)
    session.flush()
    return row


_SOUTHBOUND_TABLE = cast(Table, SouthboundOrderRow.__table__)


def insert_southbound(
    session: Session, values: Sequence[dict[str, Any]], *, attach: bool = True
) -> list[SouthboundOrderRow]:
    """New southbound rows in one Core INSERT. With ``attach`` they join the session as persistent
    objects (as the engine's new resources do), so later changes in this transaction are ordinary
    UPDATEs; without, nothing is returned (the caller does not use them in this transaction)."""
    if not values:
        return []
    insert_rows(session.connection(), _SOUTHBOUND_TABLE, values)
    if not attach:
        return []
    rows = []
    for row_values in values:
        row = SouthboundOrderRow(**row_values)
        make_transient_to_detached(row)
        session.add(row)
        rows.append(row)
    return rows


def southbound(session: Session, southbound_id: str, *, for_update: bool = False) -> SouthboundOrderRow | None:
    stmt = select(SouthboundOrderRow).where(SouthboundOrderRow.id == southbound_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def southbound_by_service_order(session: Session, service_order_id: str) -> SouthboundOrderRow | None:
    stmt = select(SouthboundOrderRow).where(SouthboundOrderRow.service_order_id == service_order_id)
    return session.execute(stmt).scalars().first()


def southbound_of_order(session: Session, order_id: str, *, current_only: bool = False) -> list[SouthboundOrderRow]:
    stmt = select(SouthboundOrderRow).where(SouthboundOrderRow.order_id == order_id)
    if current_only:
        stmt = stmt.where(SouthboundOrderRow.current.is_(True))
    return list(session.execute(stmt.order_by(SouthboundOrderRow.created_at, SouthboundOrderRow.id)).scalars())


def southbound_to_send(session: Session, *, order_id: str | None = None, limit: int = 100) -> list[str]:
    stmt = select(SouthboundOrderRow.id).where(
        SouthboundOrderRow.current.is_(True), SouthboundOrderRow.status == "toSend"
    )
    if order_id is not None:
        stmt = stmt.where(SouthboundOrderRow.order_id == order_id)
    return list(session.execute(stmt.order_by(SouthboundOrderRow.created_at).limit(limit)).scalars())


def southbound_to_poll(session: Session, states: Sequence[str], limit: int, *, quiet_since: datetime) -> list[str]:
    """Open service orders with no news since ``quiet_since``, the longest quiet first."""
    stmt = (
        select(SouthboundOrderRow.id)
        .where(
            SouthboundOrderRow.current.is_(True),
            SouthboundOrderRow.status.in_(list(states)),
            SouthboundOrderRow.updated_at <= quiet_since,
        )
        .order_by(SouthboundOrderRow.updated_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def southbound_past_deadline(session: Session, states: Sequence[str], now: datetime, limit: int) -> list[str]:
    stmt = (
        select(SouthboundOrderRow.id)
        .where(
            SouthboundOrderRow.current.is_(True),
            SouthboundOrderRow.status.in_(list(states)),
            SouthboundOrderRow.deadline <= now,
        )
        .order_by(SouthboundOrderRow.deadline)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


# --- fallout ------------------------------------------------------------------------------------------


def add_fallout(session: Session, row: OrderFalloutRow) -> OrderFalloutRow:
    session.add(row)
    session.flush()
    return row


def fallout_of_order(session: Session, order_id: str, *, open_only: bool = False) -> list[OrderFalloutRow]:
    stmt = select(OrderFalloutRow).where(OrderFalloutRow.order_id == order_id)
    if open_only:
        stmt = stmt.where(OrderFalloutRow.status == "open")
    return list(session.execute(stmt.order_by(OrderFalloutRow.id)).scalars())


def open_fallout_detected_before(
    session: Session, before: datetime, max_level: int, limit: int
) -> list[OrderFalloutRow]:
    stmt = (
        select(OrderFalloutRow)
        .where(
            OrderFalloutRow.status == "open",
            OrderFalloutRow.escalation_level < max_level,
            OrderFalloutRow.detected_at <= before,
        )
        .order_by(OrderFalloutRow.detected_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


# --- payments -----------------------------------------------------------------------------------------


def add_payment(session: Session, row: OrderPaymentRow) -> None:
    session.add(row)
    session.flush()


def payments_of_order(session: Session, order_id: str) -> list[OrderPaymentRow]:
    stmt = select(OrderPaymentRow).where(OrderPaymentRow.order_id == order_id).order_by(OrderPaymentRow.id)
    return list(session.execute(stmt).scalars())


# --- policy -------------------------------------------------------------------------------------------


_NEWEST_POLICY_HEAD = (
    select(OrderPolicyRow.version, OrderPolicyRow.created_at).order_by(OrderPolicyRow.version.desc()).limit(1)
)


def newest_policy_head(session: Session) -> tuple[int, datetime] | None:
    """(version, created_at) of the newest policy version, without its document."""
    row = session.execute(_NEWEST_POLICY_HEAD).first()
    return (int(row[0]), row[1]) if row is not None else None


def policy_row(session: Session, version: int) -> OrderPolicyRow | None:
    return session.get(OrderPolicyRow, version)


def policy_versions(session: Session, limit: int) -> list[OrderPolicyRow]:
    stmt = select(OrderPolicyRow).order_by(OrderPolicyRow.version.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def add_policy(session: Session, row: OrderPolicyRow) -> None:
    session.add(row)
    session.flush()


def max_policy_version(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(OrderPolicyRow.version), 0))).scalar_one())


# --- OSS subscription ---------------------------------------------------------------------------------


def oss_subscription(session: Session, oss_url: str) -> OssSubscriptionRow | None:
    return session.get(OssSubscriptionRow, oss_url)


def save_oss_subscription(session: Session, row: OssSubscriptionRow) -> None:
    session.merge(row)
    session.flush()


def orders_of_customer(
    session: Session,
    customer_id: str,
    party_id: str | None,
    *,
    for_update: bool = False,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[ProductOrderRow]:
    """Orders of a customer (by the customer column, or naming the customer's party)."""
    condition = ProductOrderRow.customer_id == customer_id
    if party_id:
        condition = condition | (ProductOrderRow.customer_id.is_(None) & (ProductOrderRow.owner_party_id == party_id))
    stmt = select(ProductOrderRow).where(condition)
    stmt = stmt.order_by(ProductOrderRow.created_at.desc() if newest_first else ProductOrderRow.created_at)
    if limit is not None:
        stmt = stmt.limit(limit)
    if for_update:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())
