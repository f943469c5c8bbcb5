"""Sub-structures that several of our TMF APIs (632, 629, 669, 666) have in common.

Where two APIs declare the same structure with different ``required`` lists,
the model here carries the union of the attributes and only requires what
every variant requires; the stricter per-API rules belong to the business
layer, not to the wire model.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from openbss.tmf.schema_base import DateTime, Extensible, TmfModel

__all__ = [
    "AccountRef",
    "AgreementRef",
    "Characteristic",
    "ContactMedium",
    "CreditProfile",
    "MediumCharacteristic",
    "PartyRoleBase",
    "PaymentMethodRef",
    "RelatedParty",
    "TimePeriod",
]


class TimePeriod(TmfModel):
    """A validity interval; either end may be open."""

    endDateTime: DateTime | None = None
    startDateTime: DateTime | None = None


class Characteristic(Extensible):
    """A named value of any JSON type."""

    name: str
    valueType: str | None = None
    value: Any


class MediumCharacteristic(Extensible):
    """The address, number or handle of one contact medium."""

    city: str | None = None
    contactType: str | None = None
    country: str | None = None
    emailAddress: str | None = None
    faxNumber: str | None = None
    phoneNumber: str | None = None
    postCode: str | None = None
    socialNetworkId: str | None = None
    stateOrProvince: str | None = None
    street1: str | None = None
    street2: str | None = None


class ContactMedium(Extensible):
    """One way to reach a party (TMF629/669 require mediumType and characteristic)."""

    mediumType: str | None = None
    preferred: bool | None = None
    characteristic: MediumCharacteristic | None = None
    validFor: TimePeriod | None = None


class RelatedParty(Extensible):
    """Reference to a party or party role (TMF666 also requires name)."""

    id: str
    href: str | None = None
    name: str | None = None
    role: str | None = None
    referred_type: str = Field(alias="@referredType")


class AccountRef(Extensible):
    """Reference to an account (TMF629/669 require name, TMF666 requires id)."""

    id: str | None = None
    href: str | None = None
    description: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class AgreementRef(Extensible):
    """Reference to an agreement."""

    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class PaymentMethodRef(Extensible):
    """Reference to a payment method."""

    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class CreditProfile(Extensible):
    """A dated credit assessment of a party role."""

    creditProfileDate: DateTime
    creditRiskRating: int | None = None
    creditScore: int | None = None
    validFor: TimePeriod


class PartyRoleBase(Extensible):
    """Attributes shared by PartyRole (TMF669) and Customer (TMF629), all optional."""

    name: str | None = None
    status: str | None = None
    statusReason: str | None = None
    account: list[AccountRef] | None = None
    agreement: list[AgreementRef] | None = None
    characteristic: list[Characteristic] | None = None
    contactMedium: list[ContactMedium] | None = None
    creditProfile: list[CreditProfile] | None = None
    engagedParty: RelatedParty | None = None
    paymentMethod: list[PaymentMethodRef] | None = None
    relatedParty: list[RelatedParty] | None = None
    validFor: TimePeriod | None = None
