"""Wire models of TMF629 Customer Management v4.

A Customer carries exactly the attributes of a TMF669 party role; only the
required attributes differ.
"""

from __future__ import annotations

from openbss.tmf.common_schemas import PartyRoleBase, RelatedParty
from openbss.tmf.schema_base import TmfModel

__all__ = ["RESOURCE_MODELS", "Customer", "CustomerCreate", "CustomerUpdate"]


class CustomerCreate(PartyRoleBase):
    name: str
    engagedParty: RelatedParty


class CustomerUpdate(PartyRoleBase):
    # The specification lists engagedParty as required in Customer_Update too;
    # a partial update must not have to repeat it, so it stays optional here.
    pass


class Customer(PartyRoleBase):
    id: str | None = None
    href: str | None = None
    engagedParty: RelatedParty


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "customer": (CustomerCreate, CustomerUpdate, Customer),
}
