"""Merge two customer records of one customer (eTOM 1.3.4.2.4 De-duplicate Customer Identity).

``merge_customers(ctx, loser_id, survivor_id, reason)``:

* refuses (409) to merge a customer into itself, a customer that is already
  merged, or into a survivor that is merged or terminated - nothing changes;
* copies to the survivor the contact media it (and its party) lacks and the
  account, agreement and payment-method references it does not have yet;
* moves the loser's duplicate candidates to the survivor;
* calls every :data:`openbss.customers.service.MERGE_HANDLERS` entry so that
  other domains move their references (billing accounts, orders, ...);
* puts the loser in the final status ``merged`` with a ``statusReason`` that
  names the survivor and ends its ``validFor``.

The loser keeps its document and number, so old references and quoted
numbers still resolve and show where the customer went.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process
from openbss.customers import dedupe, repository, service
from openbss.customers.models import CustomerRow
from openbss.customers.resource import CUSTOMER, STAFF_WRITERS
from openbss.tmf import service as engine
from openbss.tmf.context import Context

REFERENCE_LISTS = ("account", "agreement", "paymentMethod")


@dataclass
class MergeResult:
    loser: CustomerRow
    survivor: CustomerRow
    moved: dict[str, int] = field(default_factory=dict)


def _merge_media(survivor_doc: dict[str, Any], known: list[Any], loser_media: list[Any]) -> int:
    keys = {k for k in (dedupe.medium_key(m) for m in known) if k is not None}
    added = 0
    for medium in loser_media:
        key = dedupe.medium_key(medium)
        if key is None or key in keys:
            continue
        moved = copy.deepcopy(medium)
        if moved.get("preferred"):
            moved["preferred"] = False
        survivor_doc.setdefault("contactMedium", []).append(moved)
        keys.add(key)
        added += 1
    return added


def _merge_references(survivor_doc: dict[str, Any], loser_doc: dict[str, Any], name: str) -> int:
    present = {str(r.get("id") or r.get("name")) for r in survivor_doc.get(name) or [] if isinstance(r, dict)}
    added = 0
    for ref in loser_doc.get(name) or []:
        if not isinstance(ref, dict):
            continue
        key = str(ref.get("id") or ref.get("name"))
        if key in present:
            continue
        survivor_doc.setdefault(name, []).append(copy.deepcopy(ref))
        present.add(key)
        added += 1
    return added


def _move_candidates(ctx: Context, loser: CustomerRow, survivor: CustomerRow) -> int:
    session = ctx.session
    moved = 0
    label = f"via-merge:{loser.customer_number or loser.id}"
    pairs = [p for p in repository.candidates_of(session, loser.id) if p.candidate_id != survivor.id]
    moves = [(p.candidate_id, p.score, [*p.reasons, label]) for p in pairs]
    repository.delete_pairs(session, loser.id)
    for other_id, score, reasons in moves:
        for a, b in ((survivor.id, other_id), (other_id, survivor.id)):
            repository.upsert_pair(session, a, b, score, reasons, "merge", ctx.now)
        moved += 1
    return moved


def _refuse(message: str, rule: str, field_name: str = "mergeInto") -> Conflict:
    return Conflict(message, field=field_name, rule=rule)


def _lock_pair(ctx: Context, loser_id: str, survivor_id: str) -> tuple[CustomerRow, CustomerRow]:
    loser = engine.load(ctx, CUSTOMER, loser_id)  # 404 for an unknown customer in the path
    if survivor_id == loser_id:
        raise _refuse(f"customer {loser.customer_number or loser.id} cannot be merged into itself", "merge.self")
    rows = repository.customers_by_ids(ctx.session, {loser_id, survivor_id}, for_update=True)
    if survivor_id not in rows:
        raise ValidationFailed.from_problems(
            [FieldProblem("mergeInto", "reference.exists", f"no Customer with id '{survivor_id}'")]
        )
    return rows[loser_id], rows[survivor_id]


@process("1.3.4.2.4")
def merge_customers(ctx: Context, loser_id: str, survivor_id: str, reason: str | None) -> MergeResult:
    """Fold customer ``loser_id`` into ``survivor_id``; see the module docstring."""
    engine.require_role(ctx, STAFF_WRITERS, "merge customers")
    loser, survivor = _lock_pair(ctx, loser_id, survivor_id)
    loser_name = loser.customer_number or loser.id
    survivor_name = survivor.customer_number or survivor.id
    if loser.status == "merged":
        raise _refuse(
            f"customer {loser_name} is already merged ({loser.doc.get('statusReason')})", "merge.alreadyMerged", "id"
        )
    if survivor.status in ("merged", "terminated"):
        raise _refuse(
            f"customer {survivor_name} is {survivor.status} and cannot receive a merge; "
            "choose an active customer as the survivor",
            f"merge.survivor{survivor.status.title()}",
        )

    result = MergeResult(loser, survivor)
    new_survivor = copy.deepcopy(survivor.doc)
    known = dedupe.identity_document(ctx, survivor.doc).get("contactMedium") or []
    loser_media = list(loser.doc.get("contactMedium") or [])
    result.moved["contactMedium"] = _merge_media(new_survivor, list(known), loser_media)
    for name in REFERENCE_LISTS:
        result.moved[name] = _merge_references(new_survivor, loser.doc, name)
    result.moved["duplicateCandidates"] = _move_candidates(ctx, loser, survivor)
    for handler in service.MERGE_HANDLERS:
        count = handler(ctx, loser, survivor)
        result.moved[getattr(handler, "__name__", type(handler).__name__)] = int(count or 0)

    engine.replace_doc(ctx, CUSTOMER, survivor, new_survivor)
    why = f"merged into customer {survivor_name} (id {survivor.id})" + (f": {reason}" if reason else "")
    period = dict(loser.doc.get("validFor") or {})
    period["endDateTime"] = isoformat(ctx.now)
    engine.set_state(ctx, CUSTOMER, loser, "merged", check=False, extra_doc={"statusReason": why, "validFor": period})
    dedupe.reindex(ctx, loser)  # a merged customer leaves the match index
    dedupe.reindex(ctx, survivor)
    return result
