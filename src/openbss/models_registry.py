"""Import every table module so that the metadata is complete (Alembic, tests)."""

from __future__ import annotations


def import_all_models() -> None:
    import openbss.accounts.models
    import openbss.cart.models
    import openbss.catalog.models
    import openbss.core.clock_store
    import openbss.core.generations
    import openbss.core.processes
    import openbss.customers.models
    import openbss.events.models
    import openbss.inventory.models
    import openbss.jobs.models
    import openbss.ordering.models
    import openbss.oss.models
    import openbss.parties.models
    import openbss.tmf.models  # noqa: F401
