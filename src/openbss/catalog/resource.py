"""The TMF620 resource declarations (shared by the routes and the domain operations)."""

from __future__ import annotations

from openbss.catalog import hooks, models, rules, schemas
from openbss.tmf.resource import ResourceType, TmfApi

CATALOG_API = TmfApi("TMF620", "Product Catalog Management", "/tmf-api/productCatalogManagement/v4")
CATALOG_WRITERS = frozenset({"admin"})
"""Product managers work with admin tokens; every other role only reads the catalog."""


def _entry(path: str, type_name: str, model: type, entry_hooks: hooks.CatalogEntryHooks) -> ResourceType:
    create, update, full = schemas.RESOURCE_MODELS[path]
    return ResourceType(
        api=CATALOG_API,
        path=path,
        type_name=type_name,
        model=model,
        create_schema=create,
        update_schema=update,
        full_schema=full,
        hooks=entry_hooks,
        state_field="lifecycleStatus",
        initial_state=rules.INITIAL,
        transitions=rules.LIFECYCLE_TRANSITIONS,
        public_read=True,
        create_roles=CATALOG_WRITERS,
        update_roles=CATALOG_WRITERS,
        delete_roles=CATALOG_WRITERS,
        extra_columns=entry_hooks.columns,
    )


CATALOG = _entry("catalog", "Catalog", models.CatalogRow, hooks.CatalogHooks())
CATEGORY = _entry("category", "Category", models.CategoryRow, hooks.CategoryHooks())
PRODUCT_SPECIFICATION = _entry(
    "productSpecification", "ProductSpecification", models.ProductSpecificationRow, hooks.SpecificationHooks()
)
PRODUCT_OFFERING = _entry("productOffering", "ProductOffering", models.ProductOfferingRow, hooks.OfferingHooks())
PRODUCT_OFFERING_PRICE = _entry(
    "productOfferingPrice", "ProductOfferingPrice", models.ProductOfferingPriceRow, hooks.PriceHooks()
)

RESOURCES = (CATALOG, CATEGORY, PRODUCT_SPECIFICATION, PRODUCT_OFFERING, PRODUCT_OFFERING_PRICE)
