"""Wire models of TMF637 Product Inventory v4.

A Product is what a customer owns after an order completes: which offering
and specification it was sold from, its characteristics and prices, the
billing account that pays for it, its dates, the order items that created or
changed it, and its relations to other products (a bundle and its parts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from openbss.tmf.common_schemas import Characteristic, RelatedParty, TimePeriod
from openbss.tmf.schema_base import DateTime, Extensible, Number, TmfModel

__all__ = [
    "RESOURCE_MODELS",
    "AgreementItemRef",
    "BillingAccountRef",
    "Money",
    "Price",
    "PriceAlteration",
    "Product",
    "ProductCreate",
    "ProductOfferingPriceRef",
    "ProductOfferingRef",
    "ProductPrice",
    "ProductRefOrValue",
    "ProductRelationship",
    "ProductSpecificationRef",
    "ProductStatusType",
    "ProductTerm",
    "ProductUpdate",
    "Quantity",
    "RelatedPlaceRefOrValue",
    "RelatedProductOrderItem",
    "ResourceRef",
    "ServiceRef",
]

ProductStatusType = Literal[
    "created", "pendingActive", "active", "suspended", "pendingTerminate", "terminated", "cancelled"
]


# --- references ---------------------------------------------------------------------


class _Ref(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class AgreementItemRef(_Ref):
    agreementItemId: str | None = None


class BillingAccountRef(_Ref):
    pass


class ProductOfferingRef(_Ref):
    pass


class ProductOfferingPriceRef(_Ref):
    pass


class TargetProductSchema(TmfModel):
    base_type: str | None = Field(None, alias="@baseType")
    schema_location: str = Field(alias="@schemaLocation")
    type_: str = Field(alias="@type")


class ProductSpecificationRef(_Ref):
    version: str | None = None
    targetProductSchema: TargetProductSchema | None = None


class ResourceRef(_Ref):
    value: str | None = None


class ServiceRef(_Ref):
    pass


class RelatedPlaceRefOrValue(Extensible):
    id: str | None = None
    href: str | None = None
    name: str | None = None
    role: str
    referred_type: str | None = Field(None, alias="@referredType")


class RelatedProductOrderItem(Extensible):
    """The order item that created or changed the product (the product's order trail)."""

    orderItemAction: str | None = None
    orderItemId: str
    productOrderHref: str | None = None
    productOrderId: str
    role: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


# --- prices ---------------------------------------------------------------------------


class Money(TmfModel):
    """An exact amount in a currency."""

    unit: str | None = None
    value: Number | None = None


class Quantity(TmfModel):
    amount: Number | None = None
    units: str | None = None


class Price(Extensible):
    percentage: Number | None = None
    taxRate: Number | None = None
    dutyFreeAmount: Money | None = None
    taxIncludedAmount: Money | None = None


class PriceAlteration(Extensible):
    applicationDuration: int | None = None
    description: str | None = None
    name: str | None = None
    priceType: str
    priority: int | None = None
    recurringChargePeriod: str | None = None
    unitOfMeasure: str | None = None
    price: Price
    productOfferingPrice: ProductOfferingPriceRef | None = None


class ProductPrice(Extensible):
    description: str | None = None
    name: str | None = None
    priceType: str
    recurringChargePeriod: str | None = None
    unitOfMeasure: str | None = None
    billingAccount: BillingAccountRef | None = None
    price: Price
    productOfferingPrice: ProductOfferingPriceRef | None = None
    productPriceAlteration: list[PriceAlteration] | None = None


class ProductTerm(Extensible):
    description: str | None = None
    name: str | None = None
    duration: Quantity | None = None
    validFor: TimePeriod | None = None


# --- the product --------------------------------------------------------------------------


class _ProductFields(Extensible):
    description: str | None = None
    isBundle: bool | None = None
    isCustomerVisible: bool | None = None
    name: str | None = None
    orderDate: DateTime | None = None
    productSerialNumber: str | None = None
    startDate: DateTime | None = None
    terminationDate: DateTime | None = None
    agreement: list[AgreementItemRef] | None = None
    billingAccount: BillingAccountRef | None = None
    place: list[RelatedPlaceRefOrValue] | None = None
    product: list[ProductRefOrValue] | None = None
    productCharacteristic: list[Characteristic] | None = None
    productOffering: ProductOfferingRef | None = None
    productOrderItem: list[RelatedProductOrderItem] | None = None
    productPrice: list[ProductPrice] | None = None
    productRelationship: list[ProductRelationship] | None = None
    productSpecification: ProductSpecificationRef | None = None
    productTerm: list[ProductTerm] | None = None
    realizingResource: list[ResourceRef] | None = None
    realizingService: list[ServiceRef] | None = None
    relatedParty: list[RelatedParty] | None = None
    status: ProductStatusType | None = None


class ProductRefOrValue(_ProductFields):
    """A product given by reference (``id``) or by value (inside a bundle)."""

    id: str | None = None
    href: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class ProductRelationship(Extensible):
    relationshipType: str
    product: ProductRefOrValue


class ProductCreate(_ProductFields):
    status: ProductStatusType


class ProductUpdate(_ProductFields):
    pass


class Product(_ProductFields):
    id: str | None = None
    href: str | None = None


ProductRefOrValue.model_rebuild()
_ProductFields.model_rebuild()
ProductCreate.model_rebuild()
ProductUpdate.model_rebuild()
Product.model_rebuild()

RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "product": (ProductCreate, ProductUpdate, Product),
}
