"""The TMF637 Product resource declaration (shared by the routes and the inventory operations)."""

from __future__ import annotations

from openbss.inventory import hooks, rules, schemas
from openbss.inventory.models import ProductRow
from openbss.tmf.resource import ResourceType, TmfApi

INVENTORY_API = TmfApi("TMF637", "Product Inventory", "/tmf-api/productInventory/v4")
ADMIN = frozenset({"admin"})
STAFF = frozenset({"admin", "agent", "billing"})

create, update, full = schemas.RESOURCE_MODELS["product"]

PRODUCT = ResourceType(
    api=INVENTORY_API,
    path="product",
    type_name="Product",
    model=ProductRow,
    create_schema=create,
    update_schema=update,
    full_schema=full,
    hooks=hooks.ProductHooks(),
    state_field="status",
    initial_state=rules.CREATED,
    transitions=rules.PRODUCT_TRANSITIONS,
    owner_of=hooks.product_owner,
    # Products change through orders (and collections), by the service functions; the REST
    # writes are for an administrator's data migration and repairs.
    create_roles=ADMIN,
    update_roles=ADMIN,
    delete_roles=ADMIN,
    create_process="1.3.16.3",
    update_process="1.3.16.3",
    extra_columns=hooks.product_columns,
    filter_columns={"billingAccount.id": "billing_account_id", "productOffering.id": "offering_id"},
)
