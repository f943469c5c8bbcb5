"""Verify Customer (eTOM 1.3.4.2.1) as an operation on a stored customer.

The pure checks live in :mod:`openbss.customers.verification_rules`; this
module picks the policy, runs the checks on the customer and its engaged
party, keeps the outcome in ``customer_verification`` and writes a summary
into the customer (characteristics ``verificationStatus`` = ``passed`` or
``failed`` and ``verifiedAt``). A passed verification of an ``initialized``
customer approves it.

The policy is :class:`~openbss.customers.verification_rules.VerificationPolicy`
with these environment overrides (read on every run):

=====================================  =============================================
``OPENBSS_VERIFY_MIN_AGE``             minimum age of an individual (default 18)
``OPENBSS_VERIFY_REQUIRED_RULES``      comma list replacing the required rules
``OPENBSS_VERIFY_ACCEPTED_DOCUMENTS``  comma list of accepted identification types
                                       (``*`` accepts any type)
``OPENBSS_VERIFY_REQUIRE_EMAIL``       ``true`` to require a valid e-mail address
``OPENBSS_VERIFY_REQUIRE_PHONE``       ``true`` to require a valid phone number
``OPENBSS_VERIFY_ORG_REQUIRES_ID``     ``false`` to accept organisations without a
                                       tax/VAT/company identifier
=====================================  =============================================
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from openbss.core.clock import isoformat
from openbss.core.errors import Conflict
from openbss.core.processes import process
from openbss.customers import repository
from openbss.customers.models import CustomerRow, CustomerVerification
from openbss.customers.resource import CUSTOMER, STAFF_WRITERS
from openbss.customers.service import VERIFICATION_STATUS, VERIFIED_AT, with_characteristics
from openbss.customers.verification_rules import (
    DEFAULT_ACCEPTED_DOCUMENTS,
    DEFAULT_REQUIRED,
    RULE_CUSTOMER_PARTY,
    CheckResult,
    VerificationOutcome,
    VerificationPolicy,
    verify,
)
from openbss.parties.service import engaged_party_id, find_party
from openbss.tmf import service as engine
from openbss.tmf.context import Context

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    text = environ.get(name)
    if text is None or not text.strip():
        return default
    value = text.strip().lower()
    if value not in _TRUE | _FALSE:
        raise ValueError(f"{name}={text!r} must be true or false")
    return value in _TRUE


def _names(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def verification_policy(
    environ: Mapping[str, str] | None = None, default_region: str | None = None
) -> VerificationPolicy:
    """The policy in force: the defaults with the ``OPENBSS_VERIFY_*`` overrides applied."""
    env = os.environ if environ is None else environ
    min_age = env.get("OPENBSS_VERIFY_MIN_AGE", "").strip()
    rules = env.get("OPENBSS_VERIFY_REQUIRED_RULES", "").strip()
    documents = env.get("OPENBSS_VERIFY_ACCEPTED_DOCUMENTS", "").strip()
    try:
        age = int(min_age) if min_age else 18
    except ValueError:
        raise ValueError(f"OPENBSS_VERIFY_MIN_AGE={min_age!r} is not a whole number") from None
    return VerificationPolicy(
        required_rules=_names(rules) if rules else DEFAULT_REQUIRED,
        minimum_age=age,
        accepted_identification_types=(frozenset() if documents == "*" else _names(documents))
        if documents
        else DEFAULT_ACCEPTED_DOCUMENTS,
        require_valid_email=_flag(env, "OPENBSS_VERIFY_REQUIRE_EMAIL", False),
        require_valid_phone=_flag(env, "OPENBSS_VERIFY_REQUIRE_PHONE", False),
        organisation_requires_valid_id=_flag(env, "OPENBSS_VERIFY_ORG_REQUIRES_ID", True),
        default_region=default_region,
    )


def _policy_summary(policy: VerificationPolicy) -> dict[str, Any]:
    return {
        "requiredRules": sorted(policy.required_rules),
        "minimumAge": policy.minimum_age,
        "acceptedIdentificationTypes": sorted(policy.accepted_identification_types),
        "requireValidEmail": policy.require_valid_email,
        "requireValidPhone": policy.require_valid_phone,
        "organisationRequiresValidId": policy.organisation_requires_valid_id,
    }


def _check_json(check: CheckResult) -> dict[str, Any]:
    return {"rule": check.rule, "passed": check.passed, "required": check.required, "detail": check.detail}


def _outcome(ctx: Context, row: CustomerRow, policy: VerificationPolicy) -> tuple[VerificationOutcome, str | None]:
    party_id = engaged_party_id(row.doc)
    found = find_party(ctx, party_id) if party_id else None
    if found is None:
        missing = CheckResult(RULE_CUSTOMER_PARTY, False, f"engaged party '{party_id}' was not found")
        return VerificationOutcome(passed=False, checks=(missing,)), party_id
    type_name, party = found
    party_doc = {**party.doc, "id": party.id, "@type": party.doc.get("@type") or type_name}
    return verify(party_doc, row.doc, policy, ctx.now.date()), party_id


@process("1.3.4.2.1")
def verify_customer(ctx: Context, customer_id: str) -> tuple[CustomerRow, CustomerVerification]:
    """Run the verification policy on the customer and record the outcome."""
    engine.require_role(ctx, STAFF_WRITERS, "verify a customer")
    row = engine.load(ctx, CUSTOMER, customer_id, for_update=True)
    assert isinstance(row, CustomerRow)
    if row.status == "merged":
        raise Conflict(
            f"customer {row.customer_number or row.id} was merged "
            f"({row.doc.get('statusReason')}); verify the surviving customer instead",
            field="status",
            rule="lifecycle.merged",
        )
    policy = verification_policy(default_region=ctx.settings.default_phone_region)
    outcome, party_id = _outcome(ctx, row, policy)
    record = repository.add_verification(
        ctx.session,
        CustomerVerification(
            customer_id=row.id,
            verified_at=ctx.now,
            passed=outcome.passed,
            checks=[_check_json(c) for c in outcome.checks],
            policy=_policy_summary(policy),
            verified_by=ctx.principal.subject[:120],
            party_id=party_id,
        ),
    )
    new = copy.deepcopy(row.doc)
    new["characteristic"] = with_characteristics(
        new,
        {
            VERIFICATION_STATUS: ("string", "passed" if outcome.passed else "failed"),
            VERIFIED_AT: ("dateTime", isoformat(record.verified_at)),
        },
    )
    if outcome.passed and row.status == "initialized":
        engine.set_state(ctx, CUSTOMER, row, "approved", extra_doc={"characteristic": new["characteristic"]})
    else:
        engine.replace_doc(ctx, CUSTOMER, row, new)
    return row, record


def render_verification(ctx: Context, record: CustomerVerification) -> dict[str, Any]:
    checks: list[dict[str, Any]] = list(record.checks)
    return {
        "id": str(record.id),
        "customer": {
            "id": record.customer_id,
            "href": f"{ctx.base_url}{CUSTOMER.api.base_path}/customer/{record.customer_id}",
        },
        "verifiedAt": isoformat(record.verified_at),
        "status": "passed" if record.passed else "failed",
        "passed": record.passed,
        "failedRules": [c["rule"] for c in checks if c.get("required") and not c.get("passed")],
        "checks": checks,
        "policy": record.policy,
        "verifiedBy": record.verified_by,
    }


def verification_history(ctx: Context, customer_id: str) -> list[CustomerVerification]:
    engine.load(ctx, CUSTOMER, customer_id)
    return repository.verifications_of(ctx.session, customer_id)
