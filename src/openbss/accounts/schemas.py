"""Wire models of TMF666 Account Management v4.

Party, billing and settlement accounts share one attribute set (billing and
settlement accounts are party accounts); a financial account has a smaller
one. The bill format, presentation media and billing cycle catalogues are
small named entities, each also usable "by reference or by value" inside a
bill structure.
"""

from __future__ import annotations

from pydantic import Field

from openbss.tmf.common_schemas import AccountRef, ContactMedium, PaymentMethodRef, RelatedParty, TimePeriod
from openbss.tmf.schema_base import DateTime, Extensible, Number, TmfModel

__all__ = [
    "RESOURCE_MODELS",
    "AccountBalance",
    "AccountRelationship",
    "AccountTaxExemption",
    "BillFormat",
    "BillFormatCreate",
    "BillFormatRefOrValue",
    "BillFormatUpdate",
    "BillPresentationMedia",
    "BillPresentationMediaCreate",
    "BillPresentationMediaRefOrValue",
    "BillPresentationMediaUpdate",
    "BillStructure",
    "BillingAccount",
    "BillingAccountCreate",
    "BillingAccountUpdate",
    "BillingCycleSpecification",
    "BillingCycleSpecificationCreate",
    "BillingCycleSpecificationRefOrValue",
    "BillingCycleSpecificationUpdate",
    "Contact",
    "FinancialAccount",
    "FinancialAccountCreate",
    "FinancialAccountRef",
    "FinancialAccountUpdate",
    "Money",
    "PartyAccount",
    "PartyAccountCreate",
    "PartyAccountUpdate",
    "PaymentPlan",
    "SettlementAccount",
    "SettlementAccountCreate",
    "SettlementAccountUpdate",
]


# --- sub-structures -----------------------------------------------------------


class Money(TmfModel):
    """An exact amount in a currency."""

    unit: str | None = None
    value: Number | None = None


class AccountBalance(Extensible):
    balanceType: str
    amount: Money
    validFor: TimePeriod


class AccountRelationship(Extensible):
    relationshipType: str
    account: AccountRef | None = None
    validFor: TimePeriod


class AccountTaxExemption(Extensible):
    certificateNumber: str | None = None
    issuingJurisdiction: str
    reason: str | None = None
    validFor: TimePeriod


class Contact(Extensible):
    """A person to contact about the account."""

    contactName: str | None = None
    contactType: str
    partyRoleType: str | None = None
    contactMedium: list[ContactMedium] | None = None
    relatedParty: RelatedParty | None = None
    validFor: TimePeriod


class FinancialAccountRef(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    accountBalance: AccountBalance | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class PaymentPlan(Extensible):
    """An agreed schedule of payments."""

    numberOfPayments: int | None = None
    paymentFrequency: str | None = None
    planType: str | None = None
    priority: int | None = None
    status: str | None = None
    paymentMethod: PaymentMethodRef | None = None
    totalAmount: Money | None = None
    validFor: TimePeriod | None = None


class _RefOrValueMarkers(Extensible):
    """What turns a catalogue entry into its "reference or value" form."""

    isRef: bool
    referred_type: str | None = Field(None, alias="@referredType")


# --- bill format and bill presentation media -------------------------------------


class _NamedEntityFields(Extensible):
    description: str | None = None
    name: str | None = None


class BillFormatCreate(_NamedEntityFields):
    name: str


class BillFormatUpdate(_NamedEntityFields):
    pass


class BillFormat(BillFormatCreate):
    id: str | None = None
    href: str | None = None


class BillFormatRefOrValue(BillFormat, _RefOrValueMarkers):
    pass


class BillPresentationMediaCreate(_NamedEntityFields):
    name: str


class BillPresentationMediaUpdate(_NamedEntityFields):
    pass


class BillPresentationMedia(BillPresentationMediaCreate):
    id: str | None = None
    href: str | None = None


class BillPresentationMediaRefOrValue(BillPresentationMedia, _RefOrValueMarkers):
    pass


# --- billing cycle specification --------------------------------------------------


class _BillingCycleSpecificationFields(_NamedEntityFields):
    billingDateShift: int | None = None
    billingPeriod: str | None = None
    chargeDateOffset: int | None = None
    creditDateOffset: int | None = None
    frequency: str | None = None
    mailingDateOffset: int | None = None
    paymentDueDateOffset: int | None = None
    validFor: TimePeriod | None = None


class BillingCycleSpecificationCreate(_BillingCycleSpecificationFields):
    name: str


class BillingCycleSpecificationUpdate(_BillingCycleSpecificationFields):
    pass


class BillingCycleSpecification(BillingCycleSpecificationCreate):
    id: str | None = None
    href: str | None = None


class BillingCycleSpecificationRefOrValue(BillingCycleSpecification, _RefOrValueMarkers):
    # Only the by-reference-or-value form has dateShift in the specification.
    dateShift: int | None = None


class BillStructure(Extensible):
    cycleSpecification: BillingCycleSpecificationRefOrValue | None = None
    format: BillFormatRefOrValue | None = None
    presentationMedia: list[BillPresentationMediaRefOrValue] | None = None


# --- accounts ---------------------------------------------------------------------


class _AccountFields(Extensible):
    """Attributes of every kind of account."""

    accountType: str | None = None
    description: str | None = None
    name: str | None = None
    state: str | None = None
    accountRelationship: list[AccountRelationship] | None = None
    contact: list[Contact] | None = None
    creditLimit: Money | None = None
    relatedParty: list[RelatedParty] | None = None
    taxExemption: list[AccountTaxExemption] | None = None


class _PartyAccountFields(_AccountFields):
    lastModified: DateTime | None = None
    paymentStatus: str | None = None
    billStructure: BillStructure | None = None
    defaultPaymentMethod: PaymentMethodRef | None = None
    financialAccount: FinancialAccountRef | None = None
    paymentPlan: list[PaymentPlan] | None = None
    relatedParty: list[RelatedParty] | None = Field(None, min_length=1)


class PartyAccountCreate(_PartyAccountFields):
    name: str
    relatedParty: list[RelatedParty] = Field(min_length=1)
    accountBalance: list[AccountBalance] | None = None


class PartyAccountUpdate(_PartyAccountFields):
    # Neither required attributes (the specification lists name and
    # relatedParty) nor accountBalance, which the specification leaves out.
    pass


class PartyAccount(PartyAccountCreate):
    id: str | None = None
    href: str | None = None


class BillingAccountCreate(PartyAccountCreate):
    pass


class BillingAccountUpdate(PartyAccountUpdate):
    pass


class BillingAccount(PartyAccount):
    pass


class SettlementAccountCreate(PartyAccountCreate):
    pass


class SettlementAccountUpdate(PartyAccountUpdate):
    pass


class SettlementAccount(PartyAccount):
    pass


class _FinancialAccountFields(_AccountFields):
    accountBalance: list[AccountBalance] | None = None


class FinancialAccountCreate(_FinancialAccountFields):
    name: str
    lastModified: DateTime | None = None


class FinancialAccountUpdate(_FinancialAccountFields):
    # The specification leaves lastModified out of the update form.
    pass


class FinancialAccount(FinancialAccountCreate):
    id: str | None = None
    href: str | None = None


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "partyAccount": (PartyAccountCreate, PartyAccountUpdate, PartyAccount),
    "billingAccount": (BillingAccountCreate, BillingAccountUpdate, BillingAccount),
    "settlementAccount": (SettlementAccountCreate, SettlementAccountUpdate, SettlementAccount),
    "financialAccount": (FinancialAccountCreate, FinancialAccountUpdate, FinancialAccount),
    "billFormat": (BillFormatCreate, BillFormatUpdate, BillFormat),
    "billingCycleSpecification": (
        BillingCycleSpecificationCreate,
        BillingCycleSpecificationUpdate,
        BillingCycleSpecification,
    ),
    "billPresentationMedia": (
        BillPresentationMediaCreate,
        BillPresentationMediaUpdate,
        BillPresentationMedia,
    ),
}
