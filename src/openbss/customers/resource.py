"""The TMF629 Customer resource declaration (shared by the routes and the domain operations)."""

from __future__ import annotations

from openbss.customers import schemas, service
from openbss.customers.models import CustomerRow
from openbss.parties.service import engaged_party_id
from openbss.tmf.resource import ResourceType, TmfApi

CUSTOMER_API = TmfApi("TMF629", "Customer Management", "/tmf-api/customerManagement/v4")
STAFF = frozenset({"admin", "agent", "billing"})
STAFF_WRITERS = frozenset({"admin", "agent"})

CUSTOMER = ResourceType(
    api=CUSTOMER_API,
    path="customer",
    type_name="Customer",
    model=CustomerRow,
    create_schema=schemas.CustomerCreate,
    update_schema=schemas.CustomerUpdate,
    full_schema=schemas.Customer,
    hooks=service.CustomerHooks(),
    state_field="status",
    initial_state="initialized",
    transitions=service.CUSTOMER_TRANSITIONS,
    owner_of=engaged_party_id,
    extra_columns=service.customer_columns,
    filter_columns={"engagedParty.id": "engaged_party_id"},
    owner_column="engaged_party_id",
    create_process="1.3.4.2.2",
    update_process="1.3.6.2",
    deletable=False,
)


def customer_href(base_url: str, customer_id: str) -> str:
    return f"{base_url}{CUSTOMER_API.base_path}/{CUSTOMER.path}/{customer_id}"
