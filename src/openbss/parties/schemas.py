"""Wire models of TMF632 Party Management v4: Individual and Organization."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from openbss.tmf.common_schemas import Characteristic, ContactMedium, RelatedParty, TimePeriod
from openbss.tmf.schema_base import DateTime, Extensible, Number, TmfModel

__all__ = [
    "RESOURCE_MODELS",
    "AttachmentRefOrValue",
    "Disability",
    "ExternalReference",
    "Individual",
    "IndividualCreate",
    "IndividualIdentification",
    "IndividualStateType",
    "IndividualUpdate",
    "LanguageAbility",
    "Organization",
    "OrganizationChildRelationship",
    "OrganizationCreate",
    "OrganizationIdentification",
    "OrganizationParentRelationship",
    "OrganizationRef",
    "OrganizationStateType",
    "OrganizationUpdate",
    "OtherNameIndividual",
    "OtherNameOrganization",
    "PartyCreditProfile",
    "Quantity",
    "Skill",
    "TaxDefinition",
    "TaxExemptionCertificate",
]

# "deceaded" (sic) is the value the TMF632 v4.0.0 specification defines.
IndividualStateType = Literal["initialized", "validated", "deceaded"]
OrganizationStateType = Literal["initialized", "validated", "closed"]


# --- sub-structures -----------------------------------------------------------


class Quantity(TmfModel):
    """An amount with its unit."""

    amount: Number | None = None
    units: str | None = None


class AttachmentRefOrValue(Extensible):
    """A document, given inline or by reference."""

    id: str | None = None
    href: str | None = None
    attachmentType: str | None = None
    content: str | None = None
    description: str | None = None
    mimeType: str | None = None
    name: str | None = None
    url: str | None = None
    size: Quantity | None = None
    validFor: TimePeriod | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class Disability(Extensible):
    disabilityCode: str | None = None
    disabilityName: str | None = None
    validFor: TimePeriod | None = None


class ExternalReference(Extensible):
    """The party's identifier in an external system."""

    externalReferenceType: str | None = None
    name: str | None = None


class _Identification(Extensible):
    """Attributes common to individual and organization identifications."""

    identificationId: str | None = None
    identificationType: str | None = None
    issuingAuthority: str | None = None
    issuingDate: DateTime | None = None
    attachment: AttachmentRefOrValue | None = None
    validFor: TimePeriod | None = None


class IndividualIdentification(_Identification):
    """An official document identifying a person."""


class OrganizationIdentification(_Identification):
    """An official registration identifying an organization."""


class LanguageAbility(Extensible):
    isFavouriteLanguage: bool | None = None
    languageCode: str | None = None
    languageName: str | None = None
    listeningProficiency: str | None = None
    readingProficiency: str | None = None
    speakingProficiency: str | None = None
    writingProficiency: str | None = None
    validFor: TimePeriod | None = None


class Skill(Extensible):
    comment: str | None = None
    evaluatedLevel: str | None = None
    skillCode: str | None = None
    skillName: str | None = None
    validFor: TimePeriod | None = None


class PartyCreditProfile(Extensible):
    """A rating from a credit agency."""

    creditAgencyName: str | None = None
    creditAgencyType: str | None = None
    ratingReference: str | None = None
    ratingScore: int | None = None
    validFor: TimePeriod | None = None


class TaxDefinition(Extensible):
    id: str | None = None
    name: str | None = None
    taxType: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class TaxExemptionCertificate(Extensible):
    id: str | None = None
    attachment: AttachmentRefOrValue | None = None
    taxDefinition: list[TaxDefinition] | None = None
    validFor: TimePeriod | None = None


class _IndividualNameFields(Extensible):
    """The name parts of a person, shared by Individual and OtherNameIndividual."""

    aristocraticTitle: str | None = None
    familyName: str | None = None
    familyNamePrefix: str | None = None
    formattedName: str | None = None
    fullName: str | None = None
    generation: str | None = None
    givenName: str | None = None
    legalName: str | None = None
    middleName: str | None = None
    preferredGivenName: str | None = None
    title: str | None = None


class OtherNameIndividual(_IndividualNameFields):
    """An alternative name of a person."""

    validFor: TimePeriod | None = None


class _OrganizationNameFields(Extensible):
    """The names of an organization, shared by Organization and OtherNameOrganization."""

    name: str | None = None
    nameType: str | None = None
    tradingName: str | None = None


class OtherNameOrganization(_OrganizationNameFields):
    """An alternative name of an organization."""

    validFor: TimePeriod | None = None


class OrganizationRef(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class _OrganizationRelationship(Extensible):
    relationshipType: str | None = None
    organization: OrganizationRef | None = None


class OrganizationChildRelationship(_OrganizationRelationship):
    """Link to a subordinate organization."""


class OrganizationParentRelationship(_OrganizationRelationship):
    """Link to the parent organization."""


# --- resources ------------------------------------------------------------------


class _PartyFields(Extensible):
    """Attributes common to Individual and Organization."""

    contactMedium: list[ContactMedium] | None = None
    creditRating: list[PartyCreditProfile] | None = None
    externalReference: list[ExternalReference] | None = None
    partyCharacteristic: list[Characteristic] | None = None
    relatedParty: list[RelatedParty] | None = None
    taxExemptionCertificate: list[TaxExemptionCertificate] | None = None


class _IndividualFields(_PartyFields, _IndividualNameFields):
    birthDate: DateTime | None = None
    countryOfBirth: str | None = None
    deathDate: DateTime | None = None
    gender: str | None = None
    location: str | None = None
    maritalStatus: str | None = None
    nationality: str | None = None
    placeOfBirth: str | None = None
    disability: list[Disability] | None = None
    individualIdentification: list[IndividualIdentification] | None = None
    languageAbility: list[LanguageAbility] | None = None
    otherName: list[OtherNameIndividual] | None = None
    skill: list[Skill] | None = None
    status: IndividualStateType | None = None


class IndividualCreate(_IndividualFields):
    givenName: str
    familyName: str


class IndividualUpdate(_IndividualFields):
    pass


class Individual(_IndividualFields):
    id: str
    href: str | None = None


class _OrganizationFields(_PartyFields, _OrganizationNameFields):
    isHeadOffice: bool | None = None
    isLegalEntity: bool | None = None
    organizationType: str | None = None
    existsDuring: TimePeriod | None = None
    organizationChildRelationship: list[OrganizationChildRelationship] | None = None
    organizationIdentification: list[OrganizationIdentification] | None = None
    organizationParentRelationship: OrganizationParentRelationship | None = None
    otherName: list[OtherNameOrganization] | None = None
    status: OrganizationStateType | None = None


class OrganizationCreate(_OrganizationFields):
    tradingName: str


class OrganizationUpdate(_OrganizationFields):
    pass


class Organization(_OrganizationFields):
    id: str
    href: str | None = None


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "individual": (IndividualCreate, IndividualUpdate, Individual),
    "organization": (OrganizationCreate, OrganizationUpdate, Organization),
}
