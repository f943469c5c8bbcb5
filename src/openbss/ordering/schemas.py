"""Wire models of TMF622 Product Ordering Management v4.

One model per definition of the v4.0.0 swagger that the ``productOrder`` and
``cancelProductOrder`` resources reach (checked by
``tests/ordering/test_ordering_schemas.py``). Money and other numbers are
:class:`~decimal.Decimal`.

openbss adds three read-only attributes to ``ProductOrder`` that v4 lacks,
shaped as in TMF622 v5 (each element carries its ``@schemaLocation``):
``jeopardyAlert`` (order handling at risk), ``milestone`` (what happened when)
and ``errorMessage`` (why the order was rejected, held or fell out). The
``CancelProductOrder`` task gets ``errorMessage`` too (why a cancellation was
refused). See docs/ordering.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from openbss.tmf.common_schemas import AgreementRef, Characteristic, RelatedParty, TimePeriod
from openbss.tmf.product_schemas import (
    AgreementItemRef,
    BillingAccountRef,
    EntityRef,
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
    "AgreementRef",
    "AppointmentRef",
    "BillingAccountRef",
    "CancelProductOrder",
    "CancelProductOrderCreate",
    "Characteristic",
    "ErrorMessage",
    "JeopardyAlert",
    "Milestone",
    "Money",
    "Note",
    "OrderItemActionType",
    "OrderItemRelationship",
    "OrderPrice",
    "OrderTerm",
    "PaymentRef",
    "Price",
    "PriceAlteration",
    "ProductOfferingPriceRef",
    "ProductOfferingQualificationItemRef",
    "ProductOfferingQualificationRef",
    "ProductOfferingRef",
    "ProductOrder",
    "ProductOrderCreate",
    "ProductOrderItem",
    "ProductOrderItemRef",
    "ProductOrderItemStateType",
    "ProductOrderRef",
    "ProductOrderStateType",
    "ProductOrderUpdate",
    "ProductPrice",
    "ProductRefOrValue",
    "ProductRelationship",
    "ProductSpecificationRef",
    "ProductStatusType",
    "ProductTerm",
    "Quantity",
    "QuoteItemRef",
    "QuoteRef",
    "RelatedChannel",
    "RelatedParty",
    "RelatedPlaceRefOrValue",
    "RelatedProductOrderItem",
    "ResourceRef",
    "ServiceRef",
    "TargetProductSchema",
    "TaskStateType",
    "TimePeriod",
]

OrderItemActionType = Literal["add", "modify", "delete", "noChange"]
ProductOrderStateType = Literal[
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "partial",
    "assessingCancellation",
    "pendingCancellation",
]
ProductOrderItemStateType = Literal[
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "assessingCancellation",
    "pendingCancellation",
]
# The v4.0.0 swagger spells one value with a trailing space; it is kept as published.
ProductStatusType = Literal[
    "created", "pendingActive", "cancelled", "active", "pendingTerminate", "terminated", "suspended", "aborted "
]
TaskStateType = Literal["acknowledged", "terminatedWithError", "inProgress", "done"]


# --- references ------------------------------------------------------------------------------------


class AppointmentRef(Extensible):
    id: str
    href: str | None = None
    description: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class PaymentRef(EntityRef):
    pass


class ProductOfferingQualificationRef(EntityRef):
    pass


class ProductOfferingQualificationItemRef(EntityRef):
    productOfferingQualificationHref: str | None = None
    productOfferingQualificationId: str
    productOfferingQualificationName: str | None = None


class ProductOrderRef(EntityRef):
    pass


class QuoteRef(EntityRef):
    pass


class QuoteItemRef(EntityRef):
    quoteHref: str | None = None
    quoteId: str
    quoteName: str | None = None


class RelatedChannel(EntityRef):
    role: str | None = None


# --- prices and terms ------------------------------------------------------------------------------


class OrderPrice(Extensible):
    description: str | None = None
    name: str | None = None
    priceType: str | None = None
    recurringChargePeriod: str | None = None
    unitOfMeasure: str | None = None
    billingAccount: BillingAccountRef | None = None
    price: Price | None = None
    priceAlteration: list[PriceAlteration] | None = None
    productOfferingPrice: ProductOfferingPriceRef | None = None


class OrderTerm(Extensible):
    description: str | None = None
    name: str | None = None
    duration: Quantity | None = None


# --- product (by reference or by value) ------------------------------------------------------------


class ProductRelationship(Extensible):
    relationshipType: str
    product: ProductRefOrValue


class ProductRefOrValue(Extensible):
    id: str | None = None
    href: str | None = None
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
    referred_type: str | None = Field(None, alias="@referredType")


ProductRelationship.model_rebuild()


# --- order items and notes -------------------------------------------------------------------------


class Note(Extensible):
    id: str | None = None
    author: str | None = None
    date: DateTime | None = None
    text: str


class OrderItemRelationship(Extensible):
    id: str | None = None
    relationshipType: str | None = None


class ProductOrderItem(Extensible):
    id: str
    quantity: int | None = None
    action: OrderItemActionType
    appointment: AppointmentRef | None = None
    billingAccount: BillingAccountRef | None = None
    itemPrice: list[OrderPrice] | None = None
    itemTerm: list[OrderTerm] | None = None
    itemTotalPrice: list[OrderPrice] | None = None
    payment: list[PaymentRef] | None = None
    product: ProductRefOrValue | None = None
    productOffering: ProductOfferingRef | None = None
    productOfferingQualificationItem: ProductOfferingQualificationItemRef | None = None
    productOrderItem: list[ProductOrderItem] | None = None
    productOrderItemRelationship: list[OrderItemRelationship] | None = None
    qualification: list[ProductOfferingQualificationRef] | None = None
    quoteItem: QuoteItemRef | None = None
    state: ProductOrderItemStateType | None = None


ProductOrderItem.model_rebuild()
ProductRefOrValue.model_rebuild()


# --- openbss extension attributes, shaped as in TMF622 v5 -------------------------------------------


class ProductOrderItemRef(Extensible):
    """Names one item of an order (v5 ``ProductOrderItemRef``)."""

    itemId: str
    productOrderHref: str | None = None
    productOrderId: str | None = None


class JeopardyAlert(Extensible):
    """The order (or some of its items) may miss its committed completion date."""

    id: str | None = None
    alertDate: DateTime | None = None
    exception: str | None = None
    jeopardyType: str | None = None
    message: str | None = None
    name: str | None = None
    productOrderItem: list[ProductOrderItemRef] | None = None


class Milestone(Extensible):
    """A step the order reached, with its date."""

    id: str | None = None
    description: str | None = None
    message: str | None = None
    milestoneDate: DateTime | None = None
    name: str | None = None
    status: str | None = None
    productOrderItem: list[ProductOrderItemRef] | None = None


class ErrorMessage(Extensible):
    """Why the order was rejected, held, or why some of it failed."""

    code: str | None = None
    message: str | None = None
    reason: str | None = None
    referenceError: str | None = None
    status: str | None = None
    timestamp: DateTime | None = None
    productOrderItem: list[ProductOrderItemRef] | None = None


# --- product order ---------------------------------------------------------------------------------


class _ProductOrderFields(Extensible):
    cancellationDate: DateTime | None = None
    cancellationReason: str | None = None
    category: str | None = None
    description: str | None = None
    externalId: str | None = None
    notificationContact: str | None = None
    priority: str | None = None
    requestedCompletionDate: DateTime | None = None
    requestedStartDate: DateTime | None = None
    agreement: list[AgreementRef] | None = None
    billingAccount: BillingAccountRef | None = None
    channel: list[RelatedChannel] | None = None
    note: list[Note] | None = None
    orderTotalPrice: list[OrderPrice] | None = None
    payment: list[PaymentRef] | None = None
    productOfferingQualification: list[ProductOfferingQualificationRef] | None = None
    quote: list[QuoteRef] | None = None
    relatedParty: list[RelatedParty] | None = None


class ProductOrderCreate(_ProductOrderFields):
    productOrderItem: list[ProductOrderItem] = Field(min_length=1)


class ProductOrderUpdate(_ProductOrderFields):
    # The swagger requires productOrderItem in the update form too; a PATCH is partial.
    completionDate: DateTime | None = None
    expectedCompletionDate: DateTime | None = None
    productOrderItem: list[ProductOrderItem] | None = Field(None, min_length=1)
    state: ProductOrderStateType | None = None


class ProductOrder(ProductOrderCreate):
    id: str | None = None
    href: str | None = None
    completionDate: DateTime | None = None
    expectedCompletionDate: DateTime | None = None
    orderDate: DateTime | None = None
    state: ProductOrderStateType | None = None
    # openbss extension attributes (read-only), v5 shapes
    jeopardyAlert: list[JeopardyAlert] | None = None
    milestone: list[Milestone] | None = None
    errorMessage: list[ErrorMessage] | None = None


# --- cancel product order (task resource) ----------------------------------------------------------


class CancelProductOrderCreate(Extensible):
    cancellationReason: str | None = None
    requestedCancellationDate: DateTime | None = None
    productOrder: ProductOrderRef


class CancelProductOrder(CancelProductOrderCreate):
    id: str | None = None
    href: str | None = None
    effectiveCancellationDate: DateTime | None = None
    state: TaskStateType | None = None
    # openbss extension attribute (read-only): why the cancellation was refused
    errorMessage: list[ErrorMessage] | None = None


class CancelProductOrderUpdate(Extensible):
    """The task is changed by openbss only; the swagger has no PATCH for it."""


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "productOrder": (ProductOrderCreate, ProductOrderUpdate, ProductOrder),
    "cancelProductOrder": (CancelProductOrderCreate, CancelProductOrderUpdate, CancelProductOrder),
}
