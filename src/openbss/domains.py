"""The list of business domains the server mounts."""

from __future__ import annotations

from openbss.tmf.resource import Domain, ResourceType


def _domains() -> tuple[Domain, ...]:
    from openbss.accounts.api import DOMAIN as ACCOUNTS
    from openbss.cart.api import DOMAIN as CART
    from openbss.catalog.api import DOMAIN as CATALOG
    from openbss.customers.api import DOMAIN as CUSTOMERS
    from openbss.inventory.api import DOMAIN as INVENTORY
    from openbss.ordering.api import DOMAIN as ORDERING
    from openbss.oss.api import DOMAIN as OSS
    from openbss.parties.api import DOMAIN as PARTIES

    return (PARTIES, CUSTOMERS, ACCOUNTS, CATALOG, INVENTORY, OSS, ORDERING, CART)


DOMAINS = _domains()


def resource_type(kind: str) -> ResourceType:
    """The declared resource with ``kind`` (``TMF629.customer``)."""
    for domain in DOMAINS:
        for rt in domain.resources:
            if rt.kind == kind:
                return rt
    raise KeyError(kind)
