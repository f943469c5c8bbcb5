"""Wire models of TMF620 Product Catalog Management v4.

The attributes follow the v4.0.0 specification. Where the specification
leaves a value open (``lifecycleStatus``, ``priceType``, ``valueType``,
``recurringChargePeriodType``), openbss accepts the documented set of values
(see docs/catalog.md) so that a typo is refused instead of stored.

openbss extension attributes (declared here, so no ``@schemaLocation`` is
needed) on ProductOfferingPrice: ``recurringChargeTiming`` (in advance or in
arrears), ``tierMode`` and ``priceTier`` (usage tiers), ``includedQuantity``
(an allowance) and ``applicationDuration`` (how many charge periods a
discount lasts).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from openbss.tmf.common_schemas import AgreementRef, RelatedParty, TimePeriod
from openbss.tmf.schema_base import DateTime, Extensible, Number, TmfModel

__all__ = [
    "LIFECYCLE_STATUSES",
    "PRICE_TYPES",
    "RESOURCE_MODELS",
    "VALUE_TYPES",
    "Catalog",
    "Category",
    "ProductOffering",
    "ProductOfferingPrice",
    "ProductSpecification",
]

LifecycleStatus = Literal["In study", "In design", "In test", "Active", "Launched", "Retired", "Obsolete", "Rejected"]
LIFECYCLE_STATUSES: tuple[str, ...] = get_args(LifecycleStatus)
PriceType = Literal["oneTime", "recurring", "usage", "discount"]
PRICE_TYPES: tuple[str, ...] = get_args(PriceType)
ValueType = Literal["string", "integer", "number", "boolean", "dateTime", "object"]
VALUE_TYPES: tuple[str, ...] = get_args(ValueType)
PeriodType = Literal["day", "week", "month", "year"]


# --- references and small structures -----------------------------------------------------------


class _Ref(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class _VersionedRef(_Ref):
    version: str | None = None


class CategoryRef(_VersionedRef):
    pass


class ChannelRef(_Ref):
    pass


class MarketSegmentRef(_Ref):
    pass


class PlaceRef(_Ref):
    pass


class ProductOfferingRef(_Ref):
    pass


class ProductOfferingPriceRef(_Ref):
    pass


class ConstraintRef(_VersionedRef):
    pass


class SLARef(_Ref):
    pass


class ServiceCandidateRef(_VersionedRef):
    pass


class ResourceCandidateRef(_VersionedRef):
    pass


class ResourceSpecificationRef(_VersionedRef):
    pass


class TargetSchema(TmfModel):
    schema_location: str = Field(alias="@schemaLocation")
    type_: str = Field(alias="@type")
    base_type: str | None = Field(None, alias="@baseType")


class ServiceSpecificationRef(_VersionedRef):
    targetServiceSchema: TargetSchema | None = None


class ProductSpecificationRef(_VersionedRef):
    targetProductSchema: TargetSchema | None = None


class Money(TmfModel):
    unit: str | None = None
    value: Number | None = None


class Quantity(TmfModel):
    amount: Number | None = None
    units: str | None = None


class TaxItem(Extensible):
    taxCategory: str | None = None
    taxRate: Number | None = None
    taxAmount: Money | None = None


class AttachmentRefOrValue(Extensible):
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


class ProductOfferingTerm(Extensible):
    description: str | None = None
    name: str | None = None
    duration: Quantity | None = None
    validFor: TimePeriod | None = None


# --- characteristics ---------------------------------------------------------------------------


class ProductSpecificationCharacteristicValue(Extensible):
    isDefault: bool | None = None
    rangeInterval: Literal["open", "closed", "closedBottom", "closedTop"] | None = None
    regex: str | None = None
    unitOfMeasure: str | None = None
    valueFrom: Any = None
    valueTo: Any = None
    valueType: ValueType | None = None
    validFor: TimePeriod | None = None
    value: Any = None


class ProductSpecificationCharacteristicRelationship(Extensible):
    id: str | None = None
    href: str | None = None
    charSpecSeq: int | None = None
    name: str | None = None
    relationshipType: str | None = None
    validFor: TimePeriod | None = None


class ProductSpecificationCharacteristic(Extensible):
    configurable: bool | None = None
    description: str | None = None
    extensible: bool | None = None
    isUnique: bool | None = None
    maxCardinality: int | None = None
    minCardinality: int | None = None
    name: str
    regex: str | None = None
    valueType: ValueType | None = None
    productSpecCharRelationship: list[ProductSpecificationCharacteristicRelationship] | None = None
    productSpecCharacteristicValue: list[ProductSpecificationCharacteristicValue] | None = None
    validFor: TimePeriod | None = None


class ProductSpecificationCharacteristicValueUse(Extensible):
    description: str | None = None
    maxCardinality: int | None = None
    minCardinality: int | None = None
    name: str
    valueType: ValueType | None = None
    productSpecCharacteristicValue: list[ProductSpecificationCharacteristicValue] | None = None
    productSpecification: ProductSpecificationRef | None = None
    validFor: TimePeriod | None = None


# --- catalog and category -----------------------------------------------------------------------


class _CatalogFields(Extensible):
    catalogType: str | None = None
    description: str | None = None
    lifecycleStatus: LifecycleStatus | None = None
    name: str | None = None
    version: str | None = None
    category: list[CategoryRef] | None = None
    relatedParty: list[RelatedParty] | None = None
    validFor: TimePeriod | None = None


class CatalogCreate(_CatalogFields):
    name: str
    lastUpdate: DateTime | None = None


class CatalogUpdate(_CatalogFields):
    pass


class Catalog(CatalogCreate):
    id: str | None = None
    href: str | None = None


class _CategoryFields(Extensible):
    description: str | None = None
    isRoot: bool | None = None
    lifecycleStatus: LifecycleStatus | None = None
    name: str | None = None
    parentId: str | None = None
    version: str | None = None
    productOffering: list[ProductOfferingRef] | None = None
    subCategory: list[CategoryRef] | None = None
    validFor: TimePeriod | None = None


class CategoryCreate(_CategoryFields):
    name: str
    lastUpdate: DateTime | None = None


class CategoryUpdate(_CategoryFields):
    pass


class Category(CategoryCreate):
    id: str | None = None
    href: str | None = None


# --- product specification ----------------------------------------------------------------------


class BundledProductSpecification(Extensible):
    id: str
    href: str | None = None
    lifecycleStatus: str | None = None
    name: str | None = None


class ProductSpecificationRelationship(Extensible):
    id: str
    href: str | None = None
    relationshipType: str | None = None
    validFor: TimePeriod | None = None


class _ProductSpecificationFields(Extensible):
    brand: str | None = None
    description: str | None = None
    isBundle: bool | None = None
    lifecycleStatus: LifecycleStatus | None = None
    name: str | None = None
    productNumber: str | None = None
    version: str | None = None
    attachment: list[AttachmentRefOrValue] | None = None
    bundledProductSpecification: list[BundledProductSpecification] | None = None
    productSpecCharacteristic: list[ProductSpecificationCharacteristic] | None = None
    productSpecificationRelationship: list[ProductSpecificationRelationship] | None = None
    relatedParty: list[RelatedParty] | None = None
    resourceSpecification: list[ResourceSpecificationRef] | None = None
    serviceSpecification: list[ServiceSpecificationRef] | None = None
    targetProductSchema: TargetSchema | None = None
    validFor: TimePeriod | None = None


class ProductSpecificationCreate(_ProductSpecificationFields):
    name: str
    lastUpdate: DateTime | None = None


class ProductSpecificationUpdate(_ProductSpecificationFields):
    pass


class ProductSpecification(ProductSpecificationCreate):
    id: str | None = None
    href: str | None = None


# --- product offering ---------------------------------------------------------------------------


class BundledProductOfferingOption(Extensible):
    numberRelOfferDefault: int | None = None
    numberRelOfferLowerLimit: int | None = None
    numberRelOfferUpperLimit: int | None = None


class BundledProductOffering(Extensible):
    # The specification leaves id optional; a bundle names its parts, so openbss requires it.
    id: str
    href: str | None = None
    lifecycleStatus: str | None = None
    name: str | None = None
    bundledProductOfferingOption: BundledProductOfferingOption | None = None


class _ProductOfferingFields(Extensible):
    description: str | None = None
    isBundle: bool | None = None
    isSellable: bool | None = None
    lifecycleStatus: LifecycleStatus | None = None
    name: str | None = None
    statusReason: str | None = None
    version: str | None = None
    agreement: list[AgreementRef] | None = None
    attachment: list[AttachmentRefOrValue] | None = None
    bundledProductOffering: list[BundledProductOffering] | None = None
    category: list[CategoryRef] | None = None
    channel: list[ChannelRef] | None = None
    marketSegment: list[MarketSegmentRef] | None = None
    place: list[PlaceRef] | None = None
    prodSpecCharValueUse: list[ProductSpecificationCharacteristicValueUse] | None = None
    productOfferingPrice: list[ProductOfferingPriceRef] | None = None
    productOfferingTerm: list[ProductOfferingTerm] | None = None
    productSpecification: ProductSpecificationRef | None = None
    resourceCandidate: ResourceCandidateRef | None = None
    serviceCandidate: ServiceCandidateRef | None = None
    serviceLevelAgreement: SLARef | None = None
    validFor: TimePeriod | None = None


class ProductOfferingCreate(_ProductOfferingFields):
    name: str
    lastUpdate: DateTime | None = None


class ProductOfferingUpdate(_ProductOfferingFields):
    pass


class ProductOffering(ProductOfferingCreate):
    id: str | None = None
    href: str | None = None


# --- product offering price ---------------------------------------------------------------------


class PriceTier(Extensible):
    """openbss extension: one usage tier, ``fromQuantity`` (inclusive) up to ``toQuantity`` (exclusive)."""

    fromQuantity: Number
    toQuantity: Number | None = None
    price: Money


class ProductOfferingPriceRelationship(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    relationshipType: str | None = None


class BundledProductOfferingPriceRelationship(Extensible):
    id: str
    href: str | None = None
    name: str | None = None


class PricingLogicAlgorithm(Extensible):
    id: str | None = None
    href: str | None = None
    description: str | None = None
    name: str | None = None
    plaSpecId: str | None = None
    validFor: TimePeriod | None = None


class _ProductOfferingPriceFields(Extensible):
    description: str | None = None
    isBundle: bool | None = None
    lifecycleStatus: LifecycleStatus | None = None
    name: str | None = None
    percentage: Number | None = None
    priceType: PriceType | None = None
    recurringChargePeriodLength: int | None = None
    recurringChargePeriodType: PeriodType | None = None
    version: str | None = None
    bundledPopRelationship: list[BundledProductOfferingPriceRelationship] | None = None
    constraint: list[ConstraintRef] | None = None
    place: list[PlaceRef] | None = None
    popRelationship: list[ProductOfferingPriceRelationship] | None = None
    price: Money | None = None
    pricingLogicAlgorithm: list[PricingLogicAlgorithm] | None = None
    prodSpecCharValueUse: list[ProductSpecificationCharacteristicValueUse] | None = None
    productOfferingTerm: list[ProductOfferingTerm] | None = None
    tax: list[TaxItem] | None = None
    unitOfMeasure: Quantity | None = None
    validFor: TimePeriod | None = None
    # openbss extensions (docs/catalog.md)
    recurringChargeTiming: Literal["inAdvance", "inArrears"] | None = None
    tierMode: Literal["tiered", "volume"] | None = None
    priceTier: list[PriceTier] | None = None
    includedQuantity: Quantity | None = None
    applicationDuration: int | None = None


class ProductOfferingPriceCreate(_ProductOfferingPriceFields):
    name: str
    lastUpdate: DateTime | None = None


class ProductOfferingPriceUpdate(_ProductOfferingPriceFields):
    pass


class ProductOfferingPrice(ProductOfferingPriceCreate):
    id: str | None = None
    href: str | None = None


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "catalog": (CatalogCreate, CatalogUpdate, Catalog),
    "category": (CategoryCreate, CategoryUpdate, Category),
    "productSpecification": (ProductSpecificationCreate, ProductSpecificationUpdate, ProductSpecification),
    "productOffering": (ProductOfferingCreate, ProductOfferingUpdate, ProductOffering),
    "productOfferingPrice": (ProductOfferingPriceCreate, ProductOfferingPriceUpdate, ProductOfferingPrice),
}
