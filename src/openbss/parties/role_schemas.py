"""Wire models of TMF669 Party Role Management v4.

``roleType`` is an openbss addition the v4.0.0 swagger lacks but the TMF669
conformance kit expects: it classifies the role (``{"name": "dealer"}``,
``collectionAgency``, ``supplier``, ``businessPartner``, ...).
"""

from __future__ import annotations

from pydantic import Field

from openbss.tmf.common_schemas import PartyRoleBase
from openbss.tmf.schema_base import Extensible, TmfModel

__all__ = ["RESOURCE_MODELS", "PartyRole", "PartyRoleCreate", "PartyRoleUpdate", "RoleType"]


class RoleType(Extensible):
    """What kind of role a party plays (a reference to a role type, or just its name)."""

    id: str | None = None
    href: str | None = None
    name: str | None = None
    referred_type: str | None = Field(None, alias="@referredType")


class _RoleFields(PartyRoleBase):
    roleType: RoleType | None = None


class PartyRoleCreate(_RoleFields):
    name: str


class PartyRoleUpdate(_RoleFields):
    pass


class PartyRole(_RoleFields):
    id: str | None = None
    href: str | None = None


RESOURCE_MODELS: dict[str, tuple[type[TmfModel], type[TmfModel], type[TmfModel]]] = {
    "partyRole": (PartyRoleCreate, PartyRoleUpdate, PartyRole),
}
