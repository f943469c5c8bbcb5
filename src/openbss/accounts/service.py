"""Account domain rules (TMF666): Manage Customer Billing Account (1.3.10.1).

Party, billing and settlement accounts belong to a party or customer
(:mod:`openbss.accounts.ownership`); billing accounts also carry the account
currency, locked once the account has been billed (:func:`mark_billed`).

Lifecycle (``state``)::

    pending --> active <--> suspended
    pending | active | suspended --> closed (final: a closed account no longer changes)

A new account starts ``pending`` (or ``active`` when created so). Closing
asks every :data:`CLOSE_GUARDS` entry first: the receivables domain refuses
while the account has an open balance. A customer or partner token may
change only the holder-editable attributes of its own accounts
(:data:`openbss.accounts.rules.HOLDER_EDITABLE`), never the state.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from openbss.accounts import repository
from openbss.accounts.catalogue import bill_cycle_id, bill_structure_problems, check_cycle_assignment
from openbss.accounts.models import BillingAccountRow, FinancialAccountRow
from openbss.accounts.ownership import check_related_parties, store_owner
from openbss.accounts.rules import (
    ACCOUNT_TRANSITIONS,
    CLOSED,
    account_currency,
    all_period_problems,
    currency_problems,
    holder_problems,
    is_currency,
    normalise_currency,
    owner_ref,
)
from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.customers.models import CustomerRow
from openbss.customers.service import register_merge_handler
from openbss.tmf import service as engine
from openbss.tmf.context import Context
from openbss.tmf.models import ResourceRow
from openbss.tmf.resource import Doc, NoHooks, ResourceType

__all__ = [
    "ACCOUNT_TRANSITIONS",
    "CLOSE_GUARDS",
    "AccountHooks",
    "BillingAccountHooks",
    "CloseGuard",
    "account_owner",
    "change_account_state",
    "mark_billed",
    "move_accounts_on_merge",
    "register_close_guard",
]

_MONEY_KEYS = frozenset({"creditLimit", "characteristic", "paymentPlan", "accountBalance"})


# --- close guards ---------------------------------------------------------------------------------


class CloseGuard(Protocol):
    """Says why ``account`` (any kind of account row) may not be closed now, or None when it may."""

    def __call__(self, ctx: Context, account: Any, /) -> str | None: ...


CLOSE_GUARDS: list[CloseGuard] = []
"""Filled by other domains: receivables refuses to close an account with an open balance."""


def register_close_guard(guard: CloseGuard) -> CloseGuard:
    """Add ``guard`` to :data:`CLOSE_GUARDS` (usable as a decorator)."""
    if guard not in CLOSE_GUARDS:
        CLOSE_GUARDS.append(guard)
    return guard


def check_close_guards(ctx: Context, row: Any) -> None:
    for guard in CLOSE_GUARDS:
        reason = guard(ctx, row)
        if reason:
            raise Conflict(f"the account cannot be closed: {reason}", field="state", rule="account.closeGuard")


# --- hooks -------------------------------------------------------------------------------------------


def account_owner(doc: Doc) -> str | None:
    """First guess of the owner column (the owner reference's id); corrected after each write."""
    ref = owner_ref(doc)
    return str(ref["id"]) if ref and ref.get("id") else None


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise ValidationFailed.from_problems(problems)


def _plan_problems(doc: Doc) -> list[FieldProblem]:
    problems = []
    for index, plan in enumerate(doc.get("paymentPlan") or []):
        if not isinstance(plan, dict):
            continue
        count, priority = plan.get("numberOfPayments"), plan.get("priority")
        if isinstance(count, int) and count < 1:
            problems.append(
                FieldProblem(
                    f"paymentPlan[{index}].numberOfPayments",
                    "paymentPlan.count",
                    "a payment plan has at least one payment",
                )
            )
        if isinstance(priority, int) and priority < 0:
            problems.append(
                FieldProblem(f"paymentPlan[{index}].priority", "paymentPlan.priority", "must not be negative")
            )
    return problems


def _relationship_problems(ctx: Context, doc: Doc, own_id: str | None) -> list[FieldProblem]:
    problems = []
    for index, relation in enumerate(doc.get("accountRelationship") or []):
        account = relation.get("account") if isinstance(relation, dict) else None
        if not isinstance(account, dict):
            continue
        field = f"accountRelationship[{index}].account.id"
        account_id = account.get("id")
        referred = account.get("@referredType")
        paths = (
            [repository.ACCOUNT_PATH_OF_TYPE[referred]]
            if referred in repository.ACCOUNT_PATH_OF_TYPE
            else list(repository.ACCOUNT_MODELS)
        )
        if not account_id:
            problems.append(FieldProblem(field, "required", "a related account is named by its id"))
        elif account_id == own_id:
            problems.append(FieldProblem(field, "account.self", "an account cannot be related to itself"))
        elif repository.find_account(ctx.session, str(account_id), paths) is None:
            problems.append(
                FieldProblem(field, "reference.exists", f"no {referred or 'account'} with id '{account_id}'")
            )
    return problems


def _financial_problems(ctx: Context, doc: Doc) -> list[FieldProblem]:
    ref = doc.get("financialAccount")
    if (
        isinstance(ref, dict)
        and ref.get("id")
        and not repository.exists(ctx.session, FinancialAccountRow, str(ref["id"]))
    ):
        return [FieldProblem("financialAccount.id", "reference.exists", f"no FinancialAccount with id '{ref['id']}'")]
    return []


class AccountHooks(NoHooks):
    """Rules every kind of account shares; ``party_owned`` for party, billing and settlement accounts."""

    def __init__(self, path: str, *, party_owned: bool = True) -> None:
        self.path = path
        self.party_owned = party_owned

    def columns(self, doc: Doc) -> dict[str, Any]:
        return {}

    def before_create(self, ctx: Context, doc: Doc) -> None:
        self._validate(ctx, doc, None, None)
        doc["lastModified"] = isoformat(ctx.now)

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        if old.get("state") == CLOSED:
            raise Conflict(
                "the account is closed; a closed account no longer changes", field="state", rule="account.closed"
            )
        if ctx.principal.party_bound:
            problems = holder_problems(old, new)
            if problems:
                raise Forbidden(problems[0].message, problems=problems)
        self._validate(ctx, new, old, row)
        if new.get("state") == CLOSED:
            check_close_guards(ctx, row)
        new["lastModified"] = isoformat(ctx.now)

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        users = repository.referrers(
            ctx.session,
            list(repository.ACCOUNT_MODELS),
            "accountRelationship.account.id",
            [row.id],
            exclude_id=row.id,
            limit=3,
        )
        if isinstance(row, FinancialAccountRow):
            users += repository.referrers(
                ctx.session, repository.BILLED_ACCOUNT_PATHS, "financialAccount.id", [row.id], limit=3
            )
        if users:
            names = ", ".join(f"{path} {rid}" for path, rid in users)
            raise Conflict(
                f"this account is referred to by {names}; remove those references first",
                field="id",
                rule="account.inUse",
            )

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        store_owner(ctx, row)

    def _validate(self, ctx: Context, doc: Doc, old: Doc | None, row: Any) -> None:
        before = old or {}
        changed = {k for k in set(before) | set(doc) if before.get(k) != doc.get(k)}
        problems = all_period_problems({k: doc[k] for k in sorted(changed) if k in doc})
        if changed & _MONEY_KEYS:
            problems += currency_problems(doc, getattr(row, "currency", None))
        if "paymentPlan" in changed:
            problems += _plan_problems(doc)
        if "accountRelationship" in changed:
            problems += _relationship_problems(ctx, doc, row.id if row is not None else None)
        if self.party_owned and "billStructure" in changed:
            problems += bill_structure_problems(ctx, doc.get("billStructure"))
        if self.party_owned and "financialAccount" in changed:
            problems += _financial_problems(ctx, doc)
        _raise(problems)
        if old is None or "relatedParty" in changed:
            check_related_parties(ctx, doc, required=self.party_owned, old=old)
        if "billStructure" in changed:
            check_cycle_assignment(ctx, doc.get("billStructure"), before.get("billStructure"))
        if row is not None and changed & _MONEY_KEYS:
            self._check_currency_lock(row, doc)

    def _check_currency_lock(self, row: Any, doc: Doc) -> None:
        return None


class BillingAccountHooks(AccountHooks):
    """A billing account also keeps its currency, its billing cycle and whether it has been billed."""

    def __init__(self) -> None:
        super().__init__("billingAccount")

    def columns(self, doc: Doc) -> dict[str, Any]:
        cols: dict[str, Any] = {"bill_cycle_id": bill_cycle_id(doc.get("billStructure"))}
        stated = account_currency(doc)
        if stated is not None and is_currency(stated.code):
            cols["currency"] = stated.code  # a currency, once stated, stays until another is stated
        return cols

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        if getattr(row, "billed", False):
            raise Conflict(
                "the account has been billed and its bills refer to it; close it instead",
                field="id",
                rule="account.billed",
            )
        super().before_delete(ctx, row)

    def _check_currency_lock(self, row: Any, doc: Doc) -> None:
        stated = account_currency(doc)
        if row.billed and row.currency and stated is not None and stated.code != row.currency:
            raise Conflict(
                f"the account has been billed in {row.currency}; its currency cannot change to {stated.code}",
                field=stated.field,
                rule="currency.locked",
            )


# --- operations other domains call -------------------------------------------------------------------------


def _resource_type(path: str) -> ResourceType:
    from openbss.domains import resource_type

    return resource_type(repository.kind_of(path))


@process("1.3.10.1")
def mark_billed(ctx: Context, account_id: str, currency: str | None = None) -> BillingAccountRow:
    """Record that billing account ``account_id`` has been billed; its currency is locked from now on.

    ``currency`` is the currency the bill was issued in: it becomes the
    account currency when the account had none, and must equal it otherwise.
    Idempotent.
    """
    row = repository.get_row(ctx.session, BillingAccountRow, account_id, for_update=True)
    if row is None:
        raise NotFound(f"no BillingAccount with id '{account_id}'", field="id", rule="exists")
    code = normalise_currency(currency)
    if currency is not None and (code is None or not is_currency(code)):
        raise ValidationFailed.from_problems(
            [FieldProblem("currency", "currency.iso4217", f"{currency!r} is not an ISO 4217 currency code")]
        )
    if code is not None and row.currency is not None and code != row.currency:
        raise Conflict(
            f"billing account {account_id} is kept in {row.currency}, not {code}",
            field="currency",
            rule="currency.locked",
        )
    if code is not None and row.currency is None:
        row.currency = code
    row.billed = True
    ctx.session.flush()
    assert isinstance(row, BillingAccountRow)
    return row


@process("1.3.10.1")
def change_account_state(ctx: Context, path: str, account_id: str, state: str) -> Any:
    """Activate, suspend or close an account from another domain (collections, a bill run, ...)."""
    if path not in repository.ACCOUNT_MODELS:
        raise ValueError(f"unknown kind of account {path!r}")
    row = repository.get_row(ctx.session, repository.ACCOUNT_MODELS[path], account_id, for_update=True)
    if row is None:
        raise NotFound(f"no account with id '{account_id}'", field="id", rule="exists")
    rt = _resource_type(path)
    if row.doc.get("state") == state:
        return row
    engine.check_transition(rt, row.doc.get("state"), state)
    if state == CLOSED:
        check_close_guards(ctx, row)
    engine.set_state(ctx, rt, row, state, check=False, extra_doc={"lastModified": isoformat(ctx.now)})
    return row


def _moved_ref(ref: dict[str, Any], moves: dict[str, dict[str, Any]]) -> dict[str, Any]:
    target = moves.get(str(ref.get("id")))
    if target is None:
        return ref
    out = {**ref, "id": target["id"]}
    for key in ("@referredType", "name"):
        if key in ref and target.get(key):
            out[key] = target[key]
    if isinstance(ref.get("href"), str):
        out["href"] = ref["href"].replace(str(ref.get("id")), str(target["id"]))
    return out


def _dedupe(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ref in refs:
        key = (str(ref.get("id")), str(ref.get("role") or ""))
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def move_accounts_on_merge(ctx: Context, loser: CustomerRow, survivor: CustomerRow) -> int:
    """Customer ``loser`` is merged into ``survivor``: its accounts become the survivor's.

    Every account whose ``relatedParty`` names the loser customer names the
    survivor instead; when the two customers engage different parties,
    references to the loser's party move to the survivor's party too (the
    merge says they are the same person or organisation). Owner columns
    follow. Returns the number of accounts changed.
    """
    moves: dict[str, dict[str, Any]] = {
        loser.id: {"id": survivor.id, "@referredType": "Customer", "name": survivor.doc.get("name")}
    }
    engaged = survivor.doc.get("engagedParty")
    loser_party, survivor_party = loser.engaged_party_id, survivor.engaged_party_id
    if loser_party and survivor_party and loser_party != survivor_party and isinstance(engaged, dict):
        moves[loser_party] = engaged
    changed = 0
    for path, model in repository.ACCOUNT_MODELS.items():
        ids = {rid for _, rid in repository.referrers(ctx.session, [path], "relatedParty.id", list(moves))}
        rt = _resource_type(path)
        for row in repository.rows_by_ids(ctx.session, model, ids, for_update=True):
            new = copy.deepcopy(row.doc)
            new["relatedParty"] = _dedupe([_moved_ref(ref, moves) for ref in new.get("relatedParty") or []])
            new["lastModified"] = isoformat(ctx.now)
            engine.replace_doc(ctx, rt, row, new)  # its after_write hook stores the new owner
            changed += 1
    return changed


register_merge_handler(move_accounts_on_merge)
