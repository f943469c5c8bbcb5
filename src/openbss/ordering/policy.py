"""Manage Customer Order Policy (1.3.3.18): defined, implemented, changeable at run time.

The policy is one JSON document, versioned in the ``order_policy`` table (the
newest version applies; version 0 is :data:`DEFAULT_POLICY`). An admin reads
it at ``GET /admin/ordering/policy`` and changes it with a merge patch at
``PATCH /admin/ordering/policy``; every change is a new version with who and
why, so the policy in force for any past decision can be read back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openbss.core.errors import ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.ordering import repository
from openbss.ordering.models import OrderPolicyRow
from openbss.ordering.rules import JeopardyLevel, parse_duration
from openbss.tmf import patch as patching
from openbss.tmf.context import Context
from openbss.tmf.validation import problems_from

Doc = dict[str, Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _duration(value: str) -> str:
    parse_duration(value)
    return value


class HoldForReview(_Strict):
    """An order matching any of these waits in ``held`` until an agent releases or rejects it."""

    oneTimeTotalAbove: Decimal | None = Field(None, ge=0)
    recurringTotalAbove: Decimal | None = Field(None, ge=0)
    itemCountAbove: int | None = Field(None, ge=0)
    channels: list[str] = []
    offerings: list[str] = []
    customerCategories: list[str] = []


class UpfrontPayment(_Strict):
    """Whether one-time charges are paid before fulfilment starts (1.3.3.11)."""

    required: bool = False
    channels: list[str] = []  # empty: every channel
    oneTimeTotalAbove: Decimal = Field(Decimal("0"), ge=0)


class ExpectedDuration(_Strict):
    """How long fulfilling an item takes; the most specific entry applies (offering, then action)."""

    default: str = "P3D"
    byAction: dict[str, str] = {}
    byOffering: dict[str, str] = {}

    @field_validator("default")
    @classmethod
    def _check_default(cls, value: str) -> str:
        return _duration(value)

    @field_validator("byAction", "byOffering")
    @classmethod
    def _check_map(cls, value: dict[str, str]) -> dict[str, str]:
        for text in value.values():
            _duration(text)
        return value


class JeopardyLevelSpec(_Strict):
    level: int = Field(ge=1, le=9)
    name: str = Field(min_length=1, max_length=60)
    offset: str  # relative to the committed completion date; negative = before it
    escalateTo: str | None = None

    @field_validator("offset")
    @classmethod
    def _check_offset(cls, value: str) -> str:
        return _duration(value)


class Jeopardy(_Strict):
    levels: list[JeopardyLevelSpec] = []

    @field_validator("levels")
    @classmethod
    def _distinct(cls, value: list[JeopardyLevelSpec]) -> list[JeopardyLevelSpec]:
        numbers = [lv.level for lv in value]
        if len(set(numbers)) != len(numbers):
            raise ValueError("each jeopardy level number appears once")
        ordered = sorted(value, key=lambda lv: lv.level)
        offsets = [parse_duration(lv.offset) for lv in ordered]
        if offsets != sorted(offsets):
            raise ValueError("a higher jeopardy level is reached later: offsets grow with the level")
        return value


class Fallout(_Strict):
    southboundTimeout: str = "P2D"  # no final answer from the OSS by then: a timeout fallout
    escalateAfter: list[str] = ["PT4H", "P1D"]  # unresolved fallout escalates one level at each
    escalateTo: list[str] = ["orderDesk", "fulfilmentLead"]

    @field_validator("southboundTimeout")
    @classmethod
    def _check_timeout(cls, value: str) -> str:
        return _duration(value)

    @field_validator("escalateAfter")
    @classmethod
    def _check_escalation(cls, value: list[str]) -> list[str]:
        for text in value:
            _duration(text)
        return value


class Cancellation(_Strict):
    # issued: no cancellation once the order is in progress; southboundInProgress: once the
    # OSS works on any service order; itemCompleted: once any item is completed
    pointOfNoReturn: Literal["issued", "southboundInProgress", "itemCompleted"] = "itemCompleted"


class OrderPolicy(_Strict):
    # validate (and issue) a new order in the transaction that captures it; off: the job
    # ordering.process_order validates it a moment later (see openbss.ordering.capture)
    validateAtCapture: bool = True
    maxItems: int = Field(50, ge=1)
    allowedChannels: list[str] = []  # empty: any channel (and orders naming none)
    channelRequired: bool = False
    billingAccountRequired: bool = True
    creditCheck: bool = True
    holdForReview: HoldForReview = HoldForReview()
    upfrontPayment: UpfrontPayment = UpfrontPayment()
    expectedDuration: ExpectedDuration = ExpectedDuration()
    jeopardy: Jeopardy = Jeopardy(
        levels=[
            JeopardyLevelSpec(level=1, name="atRisk", offset="-PT4H", escalateTo="orderDesk"),
            JeopardyLevelSpec(level=2, name="overdue", offset="PT0S", escalateTo="orderDeskSupervisor"),
            JeopardyLevelSpec(level=3, name="critical", offset="P1D", escalateTo="operationsManager"),
        ]
    )
    fallout: Fallout = Fallout()
    cancellation: Cancellation = Cancellation()


DEFAULT_POLICY: Doc = OrderPolicy().model_dump(mode="json")


@dataclass(frozen=True)
class PolicyVersion:
    version: int
    policy: OrderPolicy
    doc: Doc

    def duration_for(self, action: str, offering_id: str | None) -> timedelta:
        spec = self.policy.expectedDuration
        if offering_id and offering_id in spec.byOffering:
            return parse_duration(spec.byOffering[offering_id])
        if action in spec.byAction:
            return parse_duration(spec.byAction[action])
        return parse_duration(spec.default)

    @property
    def jeopardy_levels(self) -> list[JeopardyLevel]:
        return [
            JeopardyLevel(lv.level, lv.name, parse_duration(lv.offset), lv.escalateTo)
            for lv in sorted(self.policy.jeopardy.levels, key=lambda lv: lv.level)
        ]


def parse_policy(doc: Any) -> OrderPolicy:
    """The policy in ``doc``, or a 400 naming every attribute that breaks a rule."""
    try:
        return OrderPolicy.model_validate(doc)
    except ValidationError as error:
        raise ValidationFailed.from_problems(problems_from(error)) from None


DEFAULT_VERSION = PolicyVersion(0, OrderPolicy(), DEFAULT_POLICY)
"""The policy in force while none was defined (shared: never changed in place)."""

_cache: dict[tuple[int, Any], PolicyVersion] = {}


def current_policy(ctx: Context) -> PolicyVersion:
    """The policy in force; every order decision reads it (once per transaction)."""
    known = ctx.session.info.get("ordering.policy")
    if isinstance(known, PolicyVersion):
        return known
    version = _newest_policy(ctx)
    ctx.session.info["ordering.policy"] = version
    return version


def _newest_policy(ctx: Context) -> PolicyVersion:
    """One query for the newest version's number and time; its document is read and parsed only the
    first time this process sees that version (versions are never changed once stored)."""
    head = repository.newest_policy_head(ctx.session)
    if head is None:
        return DEFAULT_VERSION
    cached = _cache.get(head)
    if cached is not None:
        return cached
    row = repository.policy_row(ctx.session, head[0])
    if row is None:  # removed since (a database reset): read it all again
        return DEFAULT_VERSION
    version = PolicyVersion(row.version, parse_policy(row.doc), row.doc)
    _cache.clear()
    _cache[head] = version
    return version


def _store(ctx: Context, policy: OrderPolicy, reason: str | None) -> PolicyVersion:
    doc = policy.model_dump(mode="json")
    version = repository.max_policy_version(ctx.session) + 1
    ctx.session.info.pop("ordering.policy", None)
    repository.add_policy(
        ctx.session,
        OrderPolicyRow(
            version=version, doc=doc, created_at=ctx.now, created_by=ctx.principal.subject[:120], reason=reason
        ),
    )
    return PolicyVersion(version, policy, doc)


@process("1.3.3.18.1")
def define_policy(ctx: Context, doc: Any, reason: str | None) -> PolicyVersion:
    """Define Customer Order Policy: a whole new policy (attributes left out take their defaults)."""
    if not isinstance(doc, dict):
        raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "a policy is a JSON object")])
    return _store(ctx, parse_policy(doc), reason)


@process("1.3.3.18.3")
def change_policy(ctx: Context, changes: Any, reason: str | None) -> PolicyVersion:
    """Change Customer Order Policy: apply a merge patch, validate, store as the next version."""
    if not isinstance(changes, dict):
        raise ValidationFailed.from_problems([FieldProblem("body", "type.object", "a merge patch must be an object")])
    current = current_policy(ctx)
    merged = patching.merge_patch(copy.deepcopy(current.doc), changes)
    return _store(ctx, parse_policy(merged), reason)


def policy_history(ctx: Context, limit: int = 50) -> list[Doc]:
    rows = repository.policy_versions(ctx.session, limit)
    out = [render_version(r.version, r.doc, r.created_at, r.created_by, r.reason) for r in rows]
    out.append(render_version(0, DEFAULT_POLICY, None, "openbss", "the default policy"))
    return out


def render_version(version: int, doc: Doc, at: Any, by: str | None, reason: str | None) -> Doc:
    from openbss.core.clock import isoformat

    return {
        "version": version,
        "policy": doc,
        "changedAt": isoformat(at) if at is not None else None,
        "changedBy": by,
        "reason": reason,
    }
