"""Sub-structures the TMF product APIs share: TMF622 orders, TMF637 products, TMF663 carts.

References (offering, price, specification, billing account, service,
resource, agreement item), exact money, prices with their alterations, product
relationships and terms, places and the order-item trail of a product. One
definition each, so that an order item and the product it becomes validate
the same way.
"""

from __future__ import annotations

from pydantic import Field

from openbss.tmf.common_schemas import TimePeriod
from openbss.tmf.schema_base import Extensible, Number, TmfModel

__all__ = [
    "AgreementItemRef",
    "BillingAccountRef",
    "EntityRef",
    "Money",
    "Price",
    "PriceAlteration",
    "ProductOfferingPriceRef",
    "ProductOfferingRef",
    "ProductPrice",
    "ProductSpecificationRef",
    "ProductTerm",
    "Quantity",
    "RelatedPlaceRefOrValue",
    "RelatedProductOrderItem",
    "ResourceRef",
    "ServiceRef",
    "TargetProductSchema",
]


class EntityRef(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class AgreementItemRef(EntityRef):
    agreementItemId: str | None = None


class BillingAccountRef(EntityRef):
    pass


class ProductOfferingPriceRef(EntityRef):
    pass


class ProductOfferingRef(EntityRef):
    pass


class RelatedPlaceRefOrValue(Extensible):
    id: str | None = None
    href: str | None = None
    name: str | None = None
    role: str
    referred_type: str | None = Field(None, alias="@referredType")


class ResourceRef(EntityRef):
    value: str | None = None


class ServiceRef(EntityRef):
    pass


class TargetProductSchema(TmfModel):
    base_type: str | None = Field(None, alias="@baseType")
    schema_location: str = Field(alias="@schemaLocation")
    type_: str = Field(alias="@type")


class ProductSpecificationRef(EntityRef):
    version: str | None = None
    targetProductSchema: TargetProductSchema | None = None


class RelatedProductOrderItem(Extensible):
    orderItemAction: str | None = None
    orderItemId: str
    productOrderHref: str | None = None
    productOrderId: str
    role: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class Money(TmfModel):
    """An exact amount in a currency."""

    unit: str | None = None
    value: Number | None = None


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


class Quantity(TmfModel):
    amount: Number | None = None
    units: str | None = None


class ProductTerm(Extensible):
    description: str | None = None
    name: str | None = None
    duration: Quantity | None = None
    validFor: TimePeriod | None = None
