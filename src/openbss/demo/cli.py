"""The ``openbss demo`` command's output: progress, summary and next steps."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openbss.core.db import Database
from openbss.demo.loader import DemoLoadError, load_demo

__all__ = ["run_demo"]

_ORDER = (
    "Individual",
    "Organization",
    "PartyRole",
    "Customer",
    "BillingAccount",
    "BillFormat",
    "BillingCycleSpecification",
    "BillPresentationMedia",
    "ProductSpecification",
    "ProductOfferingPrice",
    "ProductOffering",
    "Category",
    "Catalog",
    "ProductOrder",
    "CancelProductOrder",
    "Product",
)


def run_demo(database: Database, console: Console, *, seed: int, customers: int) -> int:
    """Load the demo into ``database`` and print what happened; returns the exit code."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("loading demo customers", total=customers)
        orders = bar.add_task("orders", total=None, visible=False)

        def order_progress(done: int, total: int) -> None:
            bar.update(task, visible=False)
            bar.update(orders, completed=done, total=total, visible=True, description="placing demo orders")

        try:
            result = load_demo(
                database,
                seed=seed,
                customers=customers,
                progress=lambda done, _total: bar.update(task, completed=done),
                order_progress=order_progress,
            )
        except DemoLoadError as exc:
            console.print(f"[red]demo not loaded, nothing was written: {exc}[/red]")
            return 1
    where = database.engine.url.render_as_string()
    if result.already_loaded:
        console.print(
            f"demo data already loaded in {where} (seed {result.seed}, {result.customers} customers); nothing changed"
        )
    else:
        table = Table(title=f"demo data loaded (seed {seed})")
        table.add_column("resource")
        table.add_column("created", justify="right")
        table.add_column("already there", justify="right")
        for name in _ORDER:
            if result.created[name] or result.reused[name]:
                table.add_row(name, str(result.created[name]), str(result.reused[name]) if result.reused[name] else "")
        console.print(table)
        if result.order_states and result.orders_from and result.orders_to:
            states = ", ".join(f"{n} {state}" for state, n in sorted(result.order_states.items()))
            console.print(f"orders placed {result.orders_from:%Y-%m-%d} to {result.orders_to:%Y-%m-%d}, now: {states}")
        console.print(f"database: {where}")
    console.print(
        "next: openbss serve --database <same URL>, then get a token with "
        "[bold]openbss token create --role agent[/bold] and call e.g. "
        "GET /tmf-api/customerManagement/v4/customer?status=approved&limit=5 "
        "with 'Authorization: Bearer <token>'; the order desk: "
        "GET /tmf-api/productOrderingManagement/v4/productOrder?state=held,partial,inProgress"
    )
    return 0
