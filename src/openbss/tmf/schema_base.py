"""Base classes and scalar types for the Pydantic models of TMF resources.

Every TMF resource and sub-structure model derives from :class:`TmfModel`.
Attributes whose wire names start with ``@`` are declared with a Python name
ending in an underscore and an alias, for example::

    type_: str | None = Field(None, alias="@type")

Numbers are :class:`~decimal.Decimal` (money must stay exact) and date-times
are timezone-aware; a date-time sent without an offset is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _assume_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date-time is out of range once put in UTC (years 1 to 9999)") from None


DateTime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A date-time on the wire; naive values are taken as UTC."""

Number = Annotated[Decimal, Field(allow_inf_nan=False)]
"""A JSON number, kept exact."""


class TmfModel(BaseModel):
    """Base of every TMF model.

    Unknown attributes are kept (``extra="allow"``): TMF polymorphism lets a
    client send a sub-class (``@type``/``@schemaLocation``) with attributes of
    its own. The REST engine decides at the top level whether extension
    attributes are acceptable.
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow", str_strip_whitespace=False)


class Extensible(TmfModel):
    """The polymorphism attributes most TMF structures carry."""

    base_type: str | None = Field(None, alias="@baseType")
    schema_location: str | None = Field(None, alias="@schemaLocation")
    type_: str | None = Field(None, alias="@type")
