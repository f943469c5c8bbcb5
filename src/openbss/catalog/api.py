"""TMF620 Product Catalog Management: the domain as the server mounts it.

Catalogs, categories, product specifications, offerings and prices are
reference data: every authenticated role reads them, admins (product
managers) write them. The rules are in :mod:`openbss.catalog.hooks`.
"""

from __future__ import annotations

from openbss.catalog.resource import RESOURCES
from openbss.tmf.resource import Domain

DOMAIN = Domain(name="catalog", resources=RESOURCES)
