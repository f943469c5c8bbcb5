"""TMF666 Account Management: resource declarations.

Accounts (party, billing, settlement, financial) are written by staff and
billing clerks and read by their holders; the bill format, presentation
media and billing cycle catalogues are reference data every role may read.
"""

from __future__ import annotations

from openbss.accounts import models, schemas, service
from openbss.accounts.catalogue import BillingCycleHooks, CatalogueHooks
from openbss.tmf.resource import Domain, Hooks, ResourceType, TmfApi

ACCOUNT_API = TmfApi("TMF666", "Account Management", "/tmf-api/accountManagement/v4")
ACCOUNT_WRITERS = frozenset({"admin", "agent", "billing"})
CATALOGUE_WRITERS = frozenset({"admin", "billing"})


def _account(path: str, type_name: str, model: type, hooks: service.AccountHooks) -> ResourceType:
    create, update, full = schemas.RESOURCE_MODELS[path]
    return ResourceType(
        api=ACCOUNT_API,
        path=path,
        type_name=type_name,
        model=model,
        create_schema=create,
        update_schema=update,
        full_schema=full,
        hooks=hooks,
        state_field="state",
        initial_state="pending",
        transitions=service.ACCOUNT_TRANSITIONS,
        owner_of=service.account_owner,
        create_roles=ACCOUNT_WRITERS,
        update_roles=ACCOUNT_WRITERS | {"customer", "partner"},
        delete_roles=frozenset({"admin"}),
        create_process="1.3.10.1",
        update_process="1.3.10.1",
        extra_columns=hooks.columns,
    )


def _catalogue(path: str, type_name: str, model: type, process: str, hooks: Hooks) -> ResourceType:
    create, update, full = schemas.RESOURCE_MODELS[path]
    return ResourceType(
        api=ACCOUNT_API,
        path=path,
        type_name=type_name,
        model=model,
        create_schema=create,
        update_schema=update,
        full_schema=full,
        hooks=hooks,
        public_read=True,
        create_roles=CATALOGUE_WRITERS,
        update_roles=CATALOGUE_WRITERS,
        delete_roles=CATALOGUE_WRITERS,
        create_process=process,
        update_process=process,
    )


PARTY_ACCOUNT = _account("partyAccount", "PartyAccount", models.PartyAccountRow, service.AccountHooks("partyAccount"))
BILLING_ACCOUNT = _account("billingAccount", "BillingAccount", models.BillingAccountRow, service.BillingAccountHooks())
SETTLEMENT_ACCOUNT = _account(
    "settlementAccount", "SettlementAccount", models.SettlementAccountRow, service.AccountHooks("settlementAccount")
)
FINANCIAL_ACCOUNT = _account(
    "financialAccount",
    "FinancialAccount",
    models.FinancialAccountRow,
    service.AccountHooks("financialAccount", party_owned=False),
)
BILL_FORMAT = _catalogue("billFormat", "BillFormat", models.BillFormatRow, "1.3.1.6.2", CatalogueHooks("billFormat"))
BILLING_CYCLE = _catalogue(
    "billingCycleSpecification",
    "BillingCycleSpecification",
    models.BillingCycleSpecificationRow,
    "1.3.1.6.4",
    BillingCycleHooks(),
)
BILL_PRESENTATION_MEDIA = _catalogue(
    "billPresentationMedia",
    "BillPresentationMedia",
    models.BillPresentationMediaRow,
    "1.3.1.6.2",
    CatalogueHooks("billPresentationMedia"),
)

DOMAIN = Domain(
    name="accounts",
    resources=(
        PARTY_ACCOUNT,
        BILLING_ACCOUNT,
        SETTLEMENT_ACCOUNT,
        FINANCIAL_ACCOUNT,
        BILL_FORMAT,
        BILLING_CYCLE,
        BILL_PRESENTATION_MEDIA,
    ),
)
