"""Validate Customer Order (1.3.3.10.3) and Implement Customer Order Policy (1.3.3.18.2).

:func:`validate_order` decides what becomes of a captured order:

* **rejected** - something is wrong that nobody can wave through: the customer
  is unknown or not active, the billing account is not the customer's or not
  active, an offering may not be sold to this customer on this channel, a
  characteristic is not valid, a modify/delete item names a product the
  customer does not own, a quoted price differs from the catalog, the policy
  forbids the order (too many items, channel not allowed);
* **held** - a person must decide (a policy hold-for-review rule matched, or
  a credit check asks for review);
* **pending** - up-front payment of the one-time charges is required and not
  yet received (1.3.3.11);
* otherwise the order is valid and is issued.

Each reason names the field and a rule code. With ``OPENBSS_REFERENCE_CHECK=off``
customers, parties and billing accounts that are not known here are taken
as given (an external party master); catalog offerings and inventory
products are always checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from openbss.catalog import service as catalog
from openbss.core.errors import ApiError
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.inventory import service as inventory
from openbss.ordering import rules
from openbss.ordering.parties import ACTIVE_CUSTOMER, AccountInfo, CustomerInfo, billing_account, customer_ref
from openbss.ordering.parties import resolve_customer as find_customer
from openbss.ordering.policy import PolicyVersion, current_policy
from openbss.ordering.pricing import compare_prices, one_time_total, recurring_total
from openbss.tmf.context import Context
from openbss.tmf.resource import Doc

ENDED_PRODUCT_STATES = frozenset({"terminated", "cancelled", "aborted", "aborted "})


@dataclass(frozen=True)
class CreditDecision:
    """A credit check's answer: ``ok``, ``hold`` (a person decides) or ``reject``, with the reason."""

    outcome: str
    reason: str | None = None


class CreditCheck(Protocol):
    def __call__(
        self, ctx: Context, customer: CustomerInfo | None, account: AccountInfo | None, totals: Sequence[Doc], /
    ) -> CreditDecision: ...


CREDIT_CHECKS: list[CreditCheck] = []
"""Filled by the receivables domain: the account's open balance against its credit limit."""


def register_credit_check(check: CreditCheck) -> CreditCheck:
    if check not in CREDIT_CHECKS:
        CREDIT_CHECKS.append(check)
    return check


@dataclass
class Verdict:
    doc: Doc  # the order with catalog prices filled in
    problems: list[FieldProblem] = field(default_factory=list)  # -> rejected
    review: list[FieldProblem] = field(default_factory=list)  # -> held
    payment_due: list[Doc] = field(default_factory=list)  # one-time totals to pay first -> pending
    customer: CustomerInfo | None = None
    policy_version: int = 0

    @property
    def outcome(self) -> str:
        if self.problems:
            return rules.REJECTED
        if self.review:
            return rules.HELD
        if self.payment_due:
            return rules.PENDING
        return rules.IN_PROGRESS


@process("1.3.3.10.3")
def validate_order(ctx: Context, doc: Doc, *, review: bool = True, paid: bool = False) -> Verdict:
    """Check a captured order; ``review=False`` after an agent released it from review."""
    policy = current_policy(ctx)
    verdict = Verdict(doc=rules.json_copy(doc), policy_version=policy.version)
    verdict.problems += rules.item_content_problems(doc)
    customer = _check_customer(ctx, doc, verdict)
    verdict.customer = customer
    account = _check_billing_accounts(ctx, doc, customer, policy, verdict)
    _check_items(ctx, verdict, customer)
    apply_policy(ctx, verdict, policy, review=review, paid=paid)
    if not verdict.problems:
        _credit_checks(ctx, verdict, customer, account)
    return verdict


def _strict(ctx: Context) -> bool:
    return ctx.settings.reference_check == "strict"


def _check_customer(ctx: Context, doc: Doc, verdict: Verdict) -> CustomerInfo | None:
    ref = customer_ref(doc)
    if ref is None:
        verdict.problems.append(
            FieldProblem(
                "relatedParty",
                "order.customerRequired",
                "the order names its customer in relatedParty (role 'customer', a Customer or the party)",
            )
        )
        return None
    index = (doc.get("relatedParty") or []).index(ref)
    customer = find_customer(ctx, ref)
    if customer is None:
        if _strict(ctx):
            verdict.problems.append(
                FieldProblem(
                    f"relatedParty[{index}].id",
                    "reference.exists",
                    f"no customer '{ref.get('id')}' (nor a customer of that party) exists here",
                )
            )
        return None
    if customer.status != ACTIVE_CUSTOMER:
        verdict.problems.append(
            FieldProblem(
                f"relatedParty[{index}].id",
                "customer.notActive",
                f"customer {customer.id} is {customer.status}; only an approved customer may order",
            )
        )
    return customer


def _account_refs(doc: Doc) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    if isinstance(doc.get("billingAccount"), dict) and doc["billingAccount"].get("id"):
        refs.append(("billingAccount", str(doc["billingAccount"]["id"])))
    for path, item in rules.iter_items_with_path(doc.get("productOrderItem"), "productOrderItem"):
        ref = item.get("billingAccount")
        if isinstance(ref, dict) and ref.get("id"):
            refs.append((f"{path}.billingAccount", str(ref["id"])))
    return refs


def _check_billing_accounts(
    ctx: Context, doc: Doc, customer: CustomerInfo | None, policy: PolicyVersion, verdict: Verdict
) -> AccountInfo | None:
    refs = _account_refs(doc)
    needs_account = any(i.get("action") in ("add", "modify") for i in rules.iter_items(doc.get("productOrderItem")))
    if not refs:
        if policy.policy.billingAccountRequired and needs_account:
            verdict.problems.append(
                FieldProblem(
                    "billingAccount", "billingAccount.required", "the order names the billing account to charge"
                )
            )
        return None
    first: AccountInfo | None = None
    for path, account_id in refs:
        account = billing_account(ctx, account_id)
        if account is None:
            if _strict(ctx):
                verdict.problems.append(
                    FieldProblem(f"{path}.id", "reference.exists", f"no BillingAccount with id '{account_id}'")
                )
            continue
        first = first or account
        if account.state != "active":
            verdict.problems.append(
                FieldProblem(
                    f"{path}.id",
                    "billingAccount.notActive",
                    f"billing account {account_id} is {account.state}; it must be active",
                )
            )
        if customer is not None and not (
            account.customer_id == customer.id or (customer.party_id and account.owner_party_id == customer.party_id)
        ):
            verdict.problems.append(
                FieldProblem(
                    f"{path}.id",
                    "billingAccount.notOwned",
                    f"billing account {account_id} does not belong to customer {customer.id}",
                )
            )
    return first


def _channel_ids(doc: Doc) -> list[str]:
    return [str(c["id"]) for c in doc.get("channel") or [] if isinstance(c, dict) and c.get("id")]


def _check_items(ctx: Context, verdict: Verdict, customer: CustomerInfo | None) -> None:
    doc = verdict.doc
    channels = _channel_ids(doc)
    for path, item in rules.iter_items_with_path(doc.get("productOrderItem"), "productOrderItem"):
        action = item.get("action")
        product = rules.sub(item, "product")
        characteristics = [c for c in product.get("productCharacteristic") or [] if isinstance(c, dict)]
        offering = rules.sub(item, "productOffering")
        offering_id = str(offering["id"]) if offering.get("id") else None
        if action == "add" and offering_id:
            problems = catalog.check_orderable(
                ctx,
                offering_id,
                at=ctx.now,
                channel_ids=channels,
                customer_category=customer.category if customer else None,
                field=f"{path}.productOffering",
            )
            if not problems:
                problems += catalog.check_characteristics(
                    ctx, offering_id, characteristics, f"{path}.product.productCharacteristic"
                )
            verdict.problems += problems
            if not problems:
                _price_item(ctx, verdict, path, item, offering_id, characteristics)
        elif action in ("modify", "delete", "noChange") and product.get("id"):
            _check_owned_product(ctx, verdict, path, item, str(product["id"]), customer, characteristics)
    _total_prices(verdict)


def _check_owned_product(
    ctx: Context,
    verdict: Verdict,
    path: str,
    item: Doc,
    product_id: str,
    customer: CustomerInfo | None,
    characteristics: list[Doc],
) -> None:
    owned = inventory.get_product(ctx, product_id)
    if owned is None:
        verdict.problems.append(
            FieldProblem(f"{path}.product.id", "product.exists", f"no product '{product_id}' in the inventory")
        )
        return
    if customer is not None and not _belongs_to(owned, customer):
        verdict.problems.append(
            FieldProblem(
                f"{path}.product.id",
                "product.notOwned",
                f"product {product_id} is not a product of customer {customer.id}",
            )
        )
    if str(owned.get("status")) in ENDED_PRODUCT_STATES:
        verdict.problems.append(
            FieldProblem(f"{path}.product.id", "product.ended", f"product {product_id} is {owned.get('status')}")
        )
    offering = rules.sub(owned, "productOffering")
    if item.get("action") == "modify" and characteristics and offering.get("id"):
        verdict.problems += catalog.check_characteristics(
            ctx, str(offering["id"]), characteristics, f"{path}.product.productCharacteristic"
        )


def _belongs_to(product: Doc, customer: CustomerInfo) -> bool:
    ids = {customer.id, customer.party_id}
    return any(isinstance(r, dict) and r.get("id") in ids for r in product.get("relatedParty") or [])


def _price_item(
    ctx: Context, verdict: Verdict, path: str, item: Doc, offering_id: str, characteristics: list[Doc]
) -> None:
    try:
        expected = catalog.price_item(
            ctx, offering_id, quantity=int(item.get("quantity") or 1), characteristics=characteristics, at=ctx.now
        )
    except ApiError as error:
        verdict.problems.append(FieldProblem(f"{path}.productOffering.id", error.rule or "price", error.message))
        return
    quoted = item.get("itemPrice")
    if quoted:
        verdict.problems += compare_prices(quoted, expected, f"{path}.itemPrice")
    else:
        item["itemPrice"] = expected


def _total_prices(verdict: Verdict) -> None:
    prices = [p for i in rules.iter_items(verdict.doc.get("productOrderItem")) for p in i.get("itemPrice") or []]
    if verdict.problems or not prices:
        return
    expected = catalog.total_prices(prices)
    quoted = verdict.doc.get("orderTotalPrice")
    if quoted:
        verdict.problems += compare_prices(quoted, expected, "orderTotalPrice")
    else:
        verdict.doc["orderTotalPrice"] = expected


@process("1.3.3.18.2")
def apply_policy(ctx: Context, verdict: Verdict, policy: PolicyVersion, *, review: bool, paid: bool) -> None:
    """Implement Customer Order Policy: limits, channels, hold-for-review and up-front payment."""
    rules_ = policy.policy
    doc = verdict.doc
    items = list(rules.iter_items(doc.get("productOrderItem")))
    channels = _channel_ids(doc)
    if len(items) > rules_.maxItems:
        verdict.problems.append(
            FieldProblem(
                "productOrderItem",
                "policy.maxItems",
                f"the order has {len(items)} items; the order policy allows at most {rules_.maxItems}",
            )
        )
    if rules_.channelRequired and not channels:
        verdict.problems.append(FieldProblem("channel", "policy.channelRequired", "the order names its sales channel"))
    if rules_.allowedChannels and channels and not set(channels) & set(rules_.allowedChannels):
        verdict.problems.append(
            FieldProblem(
                "channel",
                "policy.channel",
                f"orders are not taken through channel {', '.join(channels)}; allowed: "
                + ", ".join(rules_.allowedChannels),
            )
        )
    totals = doc.get("orderTotalPrice") or []
    if review:
        _hold_rules(verdict, policy, items, channels, totals)
    pay = rules_.upfrontPayment
    if not paid and pay.required and (not pay.channels or set(channels) & set(pay.channels)):
        due = one_time_total(totals)
        if due is not None and due[0] > pay.oneTimeTotalAbove:
            verdict.payment_due = [t for t in totals if t.get("priceType") == "oneTime"]


def _hold_rules(
    verdict: Verdict, policy: PolicyVersion, items: list[Doc], channels: list[str], totals: list[Doc]
) -> None:
    hold = policy.policy.holdForReview
    reasons: list[FieldProblem] = []

    def above(limit: Decimal | None, total: tuple[Decimal, str | None] | None, what: str, path: str) -> None:
        if limit is not None and total is not None and total[0] > limit:
            reasons.append(
                FieldProblem(
                    path, "policy.review.amount", f"{what} {total[0]} {total[1] or ''} exceeds {limit}".strip()
                )
            )

    above(hold.oneTimeTotalAbove, one_time_total(totals), "the one-time total", "orderTotalPrice")
    above(hold.recurringTotalAbove, recurring_total(totals), "the recurring total", "orderTotalPrice")
    if hold.itemCountAbove is not None and len(items) > hold.itemCountAbove:
        reasons.append(FieldProblem("productOrderItem", "policy.review.items", f"{len(items)} items need a review"))
    if hold.channels and set(channels) & set(hold.channels):
        reasons.append(FieldProblem("channel", "policy.review.channel", "orders from this channel are reviewed"))
    offerings = {str((i.get("productOffering") or {}).get("id")) for i in items}
    if hold.offerings and offerings & set(hold.offerings):
        reasons.append(
            FieldProblem(
                "productOrderItem",
                "policy.review.offering",
                "orders of " + ", ".join(sorted(offerings & set(hold.offerings))) + " are reviewed",
            )
        )
    category = verdict.customer.category if verdict.customer else None
    if hold.customerCategories and category in hold.customerCategories:
        reasons.append(
            FieldProblem("relatedParty", "policy.review.category", f"orders of {category} customers are reviewed")
        )
    verdict.review += reasons


def _credit_checks(ctx: Context, verdict: Verdict, customer: CustomerInfo | None, account: AccountInfo | None) -> None:
    if not current_policy(ctx).policy.creditCheck:
        return
    totals = verdict.doc.get("orderTotalPrice") or []
    for check in CREDIT_CHECKS:
        decision = check(ctx, customer, account, totals)
        if decision.outcome == "reject":
            verdict.problems.append(
                FieldProblem("billingAccount", "credit.refused", decision.reason or "the credit check refused")
            )
        elif decision.outcome == "hold":
            verdict.review.append(
                FieldProblem("billingAccount", "credit.review", decision.reason or "the credit check asks for a review")
            )
