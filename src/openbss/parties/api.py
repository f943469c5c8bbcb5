"""TMF632 Party and TMF669 Party Role: resource declarations."""

from __future__ import annotations

from openbss.parties import role_schemas, schemas, service
from openbss.parties.models import IndividualRow, OrganizationRow, PartyRoleRow
from openbss.tmf.resource import Domain, ResourceType, TmfApi

PARTY_API = TmfApi("TMF632", "Party Management", "/tmf-api/party/v4")
PARTY_ROLE_API = TmfApi("TMF669", "Party Role Management", "/tmf-api/partyRoleManagement/v4")

INDIVIDUAL = ResourceType(
    api=PARTY_API,
    path="individual",
    type_name="Individual",
    model=IndividualRow,
    create_schema=schemas.IndividualCreate,
    update_schema=schemas.IndividualUpdate,
    full_schema=schemas.Individual,
    hooks=service.IndividualHooks(),
    state_field="status",
    initial_state="initialized",
    transitions=service.INDIVIDUAL_TRANSITIONS,
    name_field=None,
    owner_of=lambda doc: str(doc["id"]),
    extra_columns=service.individual_columns,
    create_process="1.3.6.1",
    update_process="1.3.6.2",
)
ORGANIZATION = ResourceType(
    api=PARTY_API,
    path="organization",
    type_name="Organization",
    model=OrganizationRow,
    create_schema=schemas.OrganizationCreate,
    update_schema=schemas.OrganizationUpdate,
    full_schema=schemas.Organization,
    hooks=service.OrganizationHooks(),
    state_field="status",
    initial_state="initialized",
    transitions=service.ORGANIZATION_TRANSITIONS,
    name_field=None,
    owner_of=lambda doc: str(doc["id"]),
    extra_columns=service.organization_columns,
    create_process="1.3.6.1",
    update_process="1.3.6.2",
)
PARTY_ROLE = ResourceType(
    api=PARTY_ROLE_API,
    path="partyRole",
    type_name="PartyRole",
    model=PartyRoleRow,
    create_schema=role_schemas.PartyRoleCreate,
    update_schema=role_schemas.PartyRoleUpdate,
    full_schema=role_schemas.PartyRole,
    hooks=service.PartyRoleHooks(),
    state_field="status",
    initial_state="initialized",
    transitions=service.PARTY_ROLE_TRANSITIONS,
    owner_of=service.engaged_party_id,
    extra_columns=lambda doc: {"engaged_party_id": service.engaged_party_id(doc)},
    filter_columns={"engagedParty.id": "engaged_party_id"},
    delete_roles=frozenset({"admin", "agent"}),
)

DOMAIN = Domain(name="parties", resources=(INDIVIDUAL, ORGANIZATION, PARTY_ROLE))
