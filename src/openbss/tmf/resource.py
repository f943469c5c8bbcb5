"""Declarations of TMF APIs and their resources.

A domain declares each resource once, as a :class:`ResourceType`: its table,
its Pydantic models, its lifecycle, which roles may write it and the hooks in
which its business rules run. The engine (:mod:`openbss.tmf.service` and
:mod:`openbss.tmf.router`) does the rest: REST verbs, TMF630 queries, PATCH,
ETags, idempotency, events and authorisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from openbss.tmf.schema_base import TmfModel

if TYPE_CHECKING:
    from openbss.tmf.context import Context
    from openbss.tmf.models import ResourceRow

Doc = dict[str, Any]


@dataclass(frozen=True)
class TmfApi:
    """One TMF Open API: its number, name and base path."""

    code: str  # "TMF629"
    title: str  # "Customer Management"
    base_path: str  # "/tmf-api/customerManagement/v4"


class Hooks(Protocol):
    """Business rules of one resource type. Each hook may raise an ApiError."""

    def before_create(self, ctx: Context, doc: Doc) -> None:
        """Checks and normalisation of a new document; reads the database but does not write it."""
        ...

    def before_insert(self, ctx: Context, doc: Doc) -> Iterable[str]:
        """The last step before a new row is written; may write (issue a number, say).

        Returns the top-level attributes of ``doc`` it set. What does not need
        to write belongs in :meth:`before_create`: on SQLite the writer lock is
        held from a unit's first write on, so work done here waits for it.
        """
        ...

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None: ...

    def before_delete(self, ctx: Context, row: ResourceRow) -> None: ...

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None: ...

    def after_create(self, ctx: Context, row: ResourceRow) -> None:
        """After a create's own ``...CreateEvent`` is recorded: events that must follow it."""
        ...


class NoHooks:
    """Hooks that accept everything."""

    def before_create(self, ctx: Context, doc: Doc) -> None:
        return None

    def before_insert(self, ctx: Context, doc: Doc) -> Iterable[str]:
        return ()

    def before_update(self, ctx: Context, row: ResourceRow, old: Doc, new: Doc) -> None:
        return None

    def before_delete(self, ctx: Context, row: ResourceRow) -> None:
        return None

    def after_write(self, ctx: Context, row: ResourceRow, old: Doc | None) -> None:
        return None

    def after_create(self, ctx: Context, row: ResourceRow) -> None:
        return None


ALL_ROLES = frozenset({"admin", "agent", "billing", "customer", "partner"})
STAFF_WRITERS = frozenset({"admin", "agent"})


@dataclass
class ResourceType:
    api: TmfApi
    path: str  # "customer"
    type_name: str  # "Customer"
    model: type[Any]  # a ResourceRow table class
    create_schema: type[TmfModel]
    update_schema: type[TmfModel]
    full_schema: type[TmfModel]
    hooks: Hooks = field(default_factory=NoHooks)
    state_field: str | None = None  # "status" or "state"
    initial_state: str | None = None
    transitions: Mapping[str, frozenset[str]] | None = None  # from -> allowed targets
    name_field: str | None = "name"  # which attribute fills the indexed 'name' column
    owner_of: Callable[[Doc], str | None] | None = None  # party that owns it (authorisation)
    public_read: bool = False  # reference data every role may read (bill formats, ...)
    create_roles: frozenset[str] = STAFF_WRITERS
    update_roles: frozenset[str] = STAFF_WRITERS | {"customer", "partner"}
    delete_roles: frozenset[str] = frozenset({"admin"})
    deletable: bool = True
    extra_read_only: frozenset[str] = frozenset()
    create_process: str | None = None  # eTOM process id of the create step
    update_process: str | None = None
    subtypes: frozenset[str] = frozenset()  # accepted @type values besides type_name
    extra_columns: Callable[[Doc], dict[str, Any]] | None = None  # domain columns derived from doc
    # attribute paths whose equality filters run on an indexed column of the table, e.g.
    # {"engagedParty.id": "engaged_party_id"}; the column must hold exactly that value
    filter_columns: Mapping[str, str] = field(default_factory=dict)
    # the indexed column a party-bound caller's lists are narrowed on; it must always hold the
    # owner party (``owner_of``), e.g. a customer's engaged_party_id, so that the table needs
    # no second index on owner_party_id
    owner_column: str = "owner_party_id"

    def __post_init__(self) -> None:
        from openbss.core.processes import register_implementation

        if self.create_process:
            register_implementation(self.create_process, f"POST {self.api.base_path}/{self.path}")
        if self.update_process:
            register_implementation(self.update_process, f"PATCH {self.api.base_path}/{self.path}/{{id}}")

    @property
    def kind(self) -> str:
        """Key of this resource in shared tables (search entries, events)."""
        return f"{self.api.code}.{self.path}"

    @property
    def event_name(self) -> str:
        """The resource's name inside an event payload: ``customer``."""
        return self.type_name[0].lower() + self.type_name[1:]

    @property
    def wire_fields(self) -> frozenset[str]:
        return frozenset(_wire_names(self.full_schema))

    @property
    def read_only(self) -> frozenset[str]:
        """Attributes a client may not change through PATCH."""
        updatable = frozenset(_wire_names(self.update_schema))
        fixed = frozenset({"id", "href"}) | self.extra_read_only
        return (self.wire_fields - updatable) | fixed


def _wire_names(schema: type[TmfModel]) -> list[str]:
    return [f.alias or name for name, f in schema.model_fields.items()]


@dataclass(frozen=True)
class Domain:
    """A business domain as the server mounts it: its resources and any extra routes."""

    name: str
    resources: tuple[ResourceType, ...]
    routers: tuple[Any, ...] = ()  # FastAPI APIRouters with the domain's own operations
