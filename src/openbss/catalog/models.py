"""Tables of the TMF620 product catalog.

Besides the engine's columns, an offering keeps the id of its product
specification and a price its price type, so "which offerings use this
specification" and "the recurring prices" are indexed lookups.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from openbss.core.db import Base
from openbss.tmf.models import ResourceRow


class CatalogRow(ResourceRow, Base):
    __tablename__ = "product_catalog"


class CategoryRow(ResourceRow, Base):
    __tablename__ = "catalog_category"

    parent_id: Mapped[str | None] = mapped_column(String(64), index=True)


class ProductSpecificationRow(ResourceRow, Base):
    __tablename__ = "product_specification"


class ProductOfferingRow(ResourceRow, Base):
    __tablename__ = "product_offering"

    product_specification_id: Mapped[str | None] = mapped_column(String(64), index=True)


class ProductOfferingPriceRow(ResourceRow, Base):
    __tablename__ = "product_offering_price"

    price_type: Mapped[str | None] = mapped_column(String(20), index=True)
