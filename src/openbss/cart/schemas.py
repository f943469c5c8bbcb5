"""Wire models of TMF663 Shopping Cart v4.

A cart's items name product offerings (or, to change what a customer owns,
products); the product structures are TMF637's, shared with the inventory.
"""

from __future__ import annotations

from typing import Literal

from openbss.inventory.schemas import (
    ProductRefOrValue,
    ProductRelationship,
    ProductStatusType,
)
from openbss.tmf.common_schemas import ContactMedium, RelatedParty, TimePeriod
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
    TargetProductSchema,
)
from openbss.tmf.schema_base import DateTime, Extensible, TmfModel

__all__ = [
    "RESOURCE_MODELS",
    "AgreementItemRef",
    "BillingAccountRef",
    "CartItem",
    "CartItemActionType",
    "CartItemRelationship",
    "CartItemStatusType",
    "CartPrice",
    "CartTerm",
    "ContactMedium",
    "Money",
    "Note",
    "Price",
    "PriceAlteration",
    "ProductOfferingPriceRef",
    "ProductOfferingRef",
    "ProductPrice",
    "ProductRefOrValue",
    "ProductRelationship",
    "ProductSpecificationRef",
    "ProductStatusType",
    "ProductTerm",
    "Quantity",
    "RelatedParty",
    "RelatedPlaceRefOrValue",
    "RelatedProductOrderItem",
    "ResourceRef",
    "ServiceRef",
    "ShoppingCart",
    "ShoppingCartCreate",
    "ShoppingCartUpdate",
    "TargetProductSchema",
    "TimePeriod",
]

CartItemActionType = Literal["add", "modify", "delete", "noChange"]
CartItemStatusType = Literal["active", "saveForLater"]


class CartPrice(Extensible):
    """A price of an item or of the cart (computed by the catalog, never taken from the client)."""

    description: str | None = None
    name: str | None = None
    priceType: str | None = None
    recurringChargePeriod: str | None = None
    unitOfMeasure: str | None = None
    price: Price | None = None
    priceAlteration: list[PriceAlteration] | None = None
    productOfferingPrice: ProductOfferingPriceRef | None = None


class CartTerm(Extensible):
    description: str | None = None
    name: str | None = None
    duration: Quantity | None = None


class Note(Extensible):
    id: str | None = None
    author: str | None = None
    date: DateTime | None = None
    text: str | None = None


class CartItemRelationship(Extensible):
    id: str | None = None
    relationshipType: str | None = None


class CartItem(Extensible):
    id: str | None = None
    quantity: int | None = None
    ItemTotalPrice: list[CartPrice] | None = None  # sic: the v4 specification's capital I
    action: CartItemActionType | None = None
    cartItem: list[CartItem] | None = None
    cartItemRelationship: list[CartItemRelationship] | None = None
    itemPrice: list[CartPrice] | None = None
    itemTerm: list[CartTerm] | None = None
    note: list[Note] | None = None
    product: ProductRefOrValue | None = None
    productOffering: ProductOfferingRef | None = None
    status: CartItemStatusType | None = None


class ShoppingCartUpdate(Extensible):
    cartItem: list[CartItem] | None = None
    contactMedium: list[ContactMedium] | None = None
    relatedParty: list[RelatedParty] | None = None


class ShoppingCartCreate(ShoppingCartUpdate):
    cartTotalPrice: list[CartPrice] | None = None
    validFor: TimePeriod | None = None


class ShoppingCart(ShoppingCartCreate):
    id: str | None = None
    href: str | None = None


CartItem.model_rebuild()

RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "shoppingCart": (ShoppingCartCreate, ShoppingCartUpdate, ShoppingCart),
}
