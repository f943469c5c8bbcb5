"""Wire models of TMF637 Product Inventory v4.

A Product is what a customer owns after an order completes: which offering
and specification it was sold from, its characteristics and prices, the
billing account that pays for it, its dates, the order items that created or
changed it, and its relations to other products (a bundle and its parts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from openbss.tmf.common_schemas import Characteristic, RelatedParty
from openbss.tmf.product_schemas import (
    AgreementItemRef,
    BillingAccountRef,
    Money,
    Price,
    PriceAlteration,
    ProductOfferingPriceRef,
    ProductOfferingRef,
    ProductPrice,
    ProductSpecificationRef,
    ProductTerm,
    Quantity,
    RelatedPlaceRefOrValue,
    RelatedProductOrderItem,
    ResourceRef,
    ServiceRef,
)
from openbss.tmf.schema_base import DateTime, Extensible, TmfModel

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


# --- prices ---------------------------------------------------------------------------


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
