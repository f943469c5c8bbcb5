"""TMF666 Account Management: resource declarations."""

from __future__ import annotations

from openbss.accounts import models, schemas, service
from openbss.domains import Domain
from openbss.tmf.resource import ResourceType, TmfApi

ACCOUNT_API = TmfApi("TMF666", "Account Management", "/tmf-api/accountManagement/v4")
ACCOUNT_WRITERS = frozenset({"admin", "agent", "billing"})


def _account(path: str, type_name: str, model: type, hooks: service.AccountHooks) -> ResourceType:
    create, update, full = schemas.RESOURCE_MODELS[path]
    return ResourceType(
        api=ACCOUNT_API, path=path, type_name=type_name, model=model, create_schema=create,
        update_schema=update, full_schema=full, hooks=hooks, state_field="state", initial_state="pending",
        transitions=service.ACCOUNT_TRANSITIONS, owner_of=service.account_owner, create_roles=ACCOUNT_WRITERS,
        update_roles=ACCOUNT_WRITERS | {"customer", "partner"}, delete_roles=frozenset({"admin"}),
        create_process="1.3.10.1", update_process="1.3.10.1", extra_columns=hooks.columns,
    )


def _reference(path: str, type_name: str, model: type, process: str) -> ResourceType:
    create, update, full = schemas.RESOURCE_MODELS[path]
    return ResourceType(
        api=ACCOUNT_API, path=path, type_name=type_name, model=model, create_schema=create,
        update_schema=update, full_schema=full, public_read=True, create_roles=ACCOUNT_WRITERS,
        update_roles=ACCOUNT_WRITERS, delete_roles=frozenset({"admin", "billing"}),
        create_process=process, update_process=process,
    )


PARTY_ACCOUNT = _account("partyAccount", "PartyAccount", models.PartyAccountRow, service.AccountHooks())
BILLING_ACCOUNT = _account("billingAccount", "BillingAccount", models.BillingAccountRow,
                           service.BillingAccountHooks())
SETTLEMENT_ACCOUNT = _account("settlementAccount", "SettlementAccount", models.SettlementAccountRow,
                              service.AccountHooks())
FINANCIAL_ACCOUNT = _account("financialAccount", "FinancialAccount", models.FinancialAccountRow,
                             service.AccountHooks())
BILL_FORMAT = _reference("billFormat", "BillFormat", models.BillFormatRow, "1.3.1.6.2")
BILLING_CYCLE = _reference("billingCycleSpecification", "BillingCycleSpecification",
                           models.BillingCycleSpecificationRow, "1.3.1.6.4")
BILL_PRESENTATION_MEDIA = _reference("billPresentationMedia", "BillPresentationMedia",
                                     models.BillPresentationMediaRow, "1.3.1.6.2")

DOMAIN = Domain(name="accounts", resources=(
    PARTY_ACCOUNT, BILLING_ACCOUNT, SETTLEMENT_ACCOUNT, FINANCIAL_ACCOUNT, BILL_FORMAT, BILLING_CYCLE,
    BILL_PRESENTATION_MEDIA))
