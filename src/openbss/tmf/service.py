"""The generic operations every TMF resource gets.

Create, read, list, patch and delete, each with authorisation, validation,
lifecycle checks, search-index upkeep and outbox events. Domain rules run in
the resource's hooks. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, tuple_
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from openbss.core.db import insert_at_commit
from openbss.core.driver_sql import insert_rows
from openbss.core.errors import ApiError, Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from openbss.core.ids import new_id
from openbss.core.problems import FieldProblem
from openbss.core.processes import RUN_TABLE
from openbss.core.security import Principal
from openbss.events.outbox import record_event
from openbss.tmf import patch as patching
from openbss.tmf.context import Context
from openbss.tmf.models import SearchEntry
from openbss.tmf.query import ENTRIES, ColumnMap, ListQuery, sort_expression, where_clauses
from openbss.tmf.resource import Doc, ResourceType
from openbss.tmf.search_index import entries
from openbss.tmf.validation import validate_document

POLYMORPHIC = ("@type", "@baseType", "@schemaLocation")


# --- authorisation ---------------------------------------------------------------------------------


def require_role(ctx: Context, allowed: frozenset[str], action: str) -> None:
    if ctx.principal.role not in allowed:
        raise Forbidden(f"the '{ctx.principal.role}' role may not {action}", rule="auth.role")


def visible(ctx: Context, rt: ResourceType, row: Any) -> bool:
    return visible_to(ctx.principal, rt, row)


def visible_to(principal: Principal, rt: ResourceType, row: Any) -> bool:
    """Whether ``principal`` may see ``row``: staff see all, a party-bound token only its party's."""
    if not principal.party_bound or rt.public_read:
        return True
    return bool(row.owner_party_id) and row.owner_party_id == principal.party_id


def not_found(rt: ResourceType, resource_id: str) -> NotFound:
    """The answer for an unknown id, and for one the caller may not see (existence does not leak)."""
    return NotFound(f"no {rt.type_name} with id '{resource_id}'", field="id", rule="exists")


# --- rendering -------------------------------------------------------------------------------------


def href(ctx: Context, rt: ResourceType, resource_id: str) -> str:
    return f"{ctx.base_url}{rt.api.base_path}/{rt.path}/{resource_id}"


def render(ctx: Context, rt: ResourceType, row: Any) -> Doc:
    return render_at(ctx.base_url, rt, row)


def render_at(base_url: str, rt: ResourceType, row: Any) -> Doc:
    """The resource as the API returns it: ``id`` and absolute ``href`` first, then the document."""
    doc: Doc = row.doc
    out: Doc = {"id": row.id, "href": f"{base_url}{rt.api.base_path}/{rt.path}/{row.id}"}
    for key, value in doc.items():
        if key not in out:
            out[key] = value
    return out


def etag(row: Any) -> str:
    return f'"{row.version}"'


def check_if_match(row: Any, if_match: str | None) -> None:
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return
    if etag(row) not in [t.removeprefix("W/") for t in tags]:
        raise PreconditionFailed(
            f"If-Match {if_match} does not match the current ETag {etag(row)}; read the resource again",
            field="If-Match",
            rule="etag.mismatch",
        )


# --- reading ----------------------------------------------------------------------------------------


_COLUMN_MAPS: dict[str, ColumnMap] = {}


def column_map(rt: ResourceType) -> ColumnMap:
    """The wire attributes of ``rt`` that typed columns of its table hold, with those columns."""
    known = _COLUMN_MAPS.get(rt.kind)
    if known is not None:
        return known
    table = rt.model.__mapper__.columns  # the table's columns, by the model's attribute names
    cols: dict[str, Any] = {"id": table["id"], "@type": table["type"]}
    if rt.name_field:
        cols[rt.name_field] = table["name"]
    if rt.state_field:
        cols[rt.state_field] = table["status"]
    for path, attribute in rt.filter_columns.items():
        cols[path] = table[attribute]
    _COLUMN_MAPS[rt.kind] = ColumnMap(cols)
    return _COLUMN_MAPS[rt.kind]


def load(ctx: Context, rt: ResourceType, resource_id: str, *, for_update: bool = False) -> Any:
    stmt = select(rt.model).where(rt.model.id == resource_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = ctx.session.execute(stmt).scalar_one_or_none()
    if row is None or not visible(ctx, rt, row):
        raise not_found(rt, resource_id)
    return row


def _read_columns(rt: ResourceType) -> tuple[Any, ...]:
    """What a response needs of a row, as the table's Core columns."""
    table = rt.model.__table__.c
    return (table.id, table.doc, table.version, table.owner_party_id)


_READ_BY_ID: dict[str, Any] = {}


def _read_by_id(rt: ResourceType) -> Any:
    stmt = _READ_BY_ID.get(rt.kind)
    if stmt is None:  # built once: constructing a statement costs more than running it
        stmt = _READ_BY_ID[rt.kind] = select(*_read_columns(rt)).where(rt.model.id == bindparam("resource_id"))
    return stmt


def read(ctx: Context, rt: ResourceType, resource_id: str) -> Any:
    """A resource for rendering only: the columns a response needs, without ORM bookkeeping."""
    row = ctx.session.execute(_read_by_id(rt), {"resource_id": resource_id}).one_or_none()
    if row is None or not visible(ctx, rt, row):
        raise not_found(rt, resource_id)
    return row


def visibility_clause(ctx: Context, rt: ResourceType) -> Any:
    if ctx.principal.party_bound and not rt.public_read:
        return rt.model.__table__.c[rt.owner_column] == ctx.principal.party_id
    return None


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    total: int


def list_rows(ctx: Context, rt: ResourceType, query: ListQuery) -> Page:
    table = rt.model.__table__.c  # Core columns throughout: see openbss.tmf.query
    columns = column_map(rt)
    clauses = where_clauses(query.conditions, kind=rt.kind, id_column=table.id, column_map=columns)
    scope = visibility_clause(ctx, rt)
    if scope is not None:
        clauses.append(scope)
    condition = and_(*clauses) if clauses else None
    count_stmt = select(func.count()).select_from(rt.model.__table__)
    stmt = select(*_read_columns(rt))
    if condition is not None:
        count_stmt = count_stmt.where(condition)
        stmt = stmt.where(condition)
    order = [sort_expression(k, kind=rt.kind, id_column=table.id, column_map=columns) for k in query.sort]
    order += [table.created_at.asc(), table.id.asc()]
    # plain column reads run on the connection: the session's ORM execution path adds nothing to them
    connection = ctx.session.connection()
    rows = list(connection.execute(stmt.order_by(*order).offset(query.offset).limit(query.limit)).all())
    if query.offset == 0 and len(rows) < query.limit:
        return Page(rows, len(rows))  # a first page that is not full already tells the total
    return Page(rows, int(connection.execute(count_stmt).scalar_one()))


# --- writing ----------------------------------------------------------------------------------------


def _check_extensions(rt: ResourceType, doc: Doc, body: Doc) -> None:
    """Unknown top-level attributes need a declared sub-class (``@type``/``@schemaLocation``)."""
    unknown = sorted(set(body) - rt.wire_fields - {"id", "href"})
    if not unknown:
        return
    declared = doc.get("@schemaLocation") or (doc.get("@type") not in (None, rt.type_name))
    if not declared:
        raise ValidationFailed.from_problems(
            [
                FieldProblem(
                    name,
                    "unknownAttribute",
                    f"'{name}' is not an attribute of {rt.type_name}; extension attributes need an "
                    "@type naming the sub-class and its @schemaLocation",
                )
                for name in unknown
            ]
        )


def _check_type(rt: ResourceType, doc: Doc) -> None:
    given = doc.get("@type")
    if given is None:
        doc["@type"] = rt.type_name
        return
    if given != rt.type_name and given not in rt.subtypes and not doc.get("@schemaLocation"):
        raise ValidationFailed.from_problems(
            [
                FieldProblem(
                    "@type",
                    "polymorphism",
                    f"'{given}' is not {rt.type_name} or a known sub-class of it; "
                    "a sub-class must give its @schemaLocation",
                )
            ]
        )


def _check_initial_state(rt: ResourceType, doc: Doc) -> None:
    if not rt.state_field or rt.initial_state is None:
        return
    state = doc.get(rt.state_field)
    if state is None:
        doc[rt.state_field] = rt.initial_state
    elif rt.transitions is not None and state != rt.initial_state:
        allowed = sorted({rt.initial_state, *rt.transitions.get("@create", frozenset())})
        if state not in allowed:
            raise ValidationFailed.from_problems(
                [
                    FieldProblem(
                        rt.state_field,
                        "lifecycle.initial",
                        f"a new {rt.type_name} cannot start as '{state}'; it starts as one of {', '.join(allowed)}",
                    )
                ]
            )


def _columns(rt: ResourceType, doc: Doc) -> dict[str, Any]:
    name = doc.get(rt.name_field) if rt.name_field else None
    state = doc.get(rt.state_field) if rt.state_field else None
    cols: dict[str, Any] = {
        "type": str(doc.get("@type") or rt.type_name)[:100],
        "name": str(name)[:255] if name is not None else None,
        "status": str(state)[:40] if state is not None else None,
        "owner_party_id": rt.owner_of(doc) if rt.owner_of else None,
    }
    if rt.extra_columns:
        cols.update(rt.extra_columns(doc))
    return cols


Entry = tuple[str, str, str]  # (path, value, value type)

_COLUMN_PATHS: dict[str, frozenset[str]] = {}


def _column_paths(rt: ResourceType) -> frozenset[str]:
    skip = _COLUMN_PATHS.get(rt.kind)
    if skip is None:
        skip = _COLUMN_PATHS[rt.kind] = frozenset(column_map(rt).columns)
    return skip


def index_entries(rt: ResourceType, doc: Doc) -> set[Entry]:
    """The search entries of ``doc``: every scalar leaf except those a typed column of the
    table already answers (``id``, ``@type``, the name and state, :attr:`ResourceType.filter_columns`);
    queries on those never read the index, so indexing them would only cost writes."""
    skip = _column_paths(rt)
    return {entry for entry in entries(doc) if entry[0] not in skip}


def _attribute_entries(rt: ResourceType, key: str, value: Any) -> set[Entry]:
    """:func:`index_entries` of one top-level attribute (every path starts with one)."""
    skip = _column_paths(rt)
    return {e for e in entries({key: value}) if e[0] not in skip}


def _entries_by_attribute(rt: ResourceType, doc: Doc) -> dict[str, set[Entry]]:
    return {key: _attribute_entries(rt, key, value) for key, value in doc.items()}


def _entries_after(rt: ResourceType, early: dict[str, set[Entry]], doc: Doc, changed: set[str]) -> set[Entry]:
    """The entries of ``doc``, reusing ``early`` for the attributes not in ``changed``."""
    found: set[Entry] = set()
    for key, value in doc.items():
        part = early.get(key) if key not in changed else None
        found |= part if part is not None else _attribute_entries(rt, key, value)
    return found


def _write_entries(session: Session, rt: ResourceType, resource_id: str, old: Doc | None, new: Doc | None) -> None:
    if new is None:  # the resource goes: all its entries go, whatever produced them
        session.connection().execute(
            ENTRIES.delete().where(ENTRIES.c.kind == rt.kind, ENTRIES.c.resource_id == resource_id)
        )
        return
    before = index_entries(rt, old) if old else set()
    after = index_entries(rt, new)
    _apply_entries(session, rt, resource_id, before, after)


def _apply_entries(session: Session, rt: ResourceType, resource_id: str, before: set[Entry], after: set[Entry]) -> None:
    """Change a resource's search entries from ``before`` to ``after``."""
    gone = before - after
    added = after - before
    if gone:
        keys = {(p, v) for p, v, _ in gone}
        session.execute(
            delete(SearchEntry).where(
                SearchEntry.kind == rt.kind,
                SearchEntry.resource_id == resource_id,
                tuple_(SearchEntry.path, SearchEntry.value).in_(list(keys)),
            )
        )
    if added:
        keep = {(p, v) for p, v, _ in after - added}
        rows = [
            {"kind": rt.kind, "resource_id": resource_id, "path": p, "value": v, "value_type": t}
            for p, v, t in sorted(added)
            if (p, v) not in keep
        ]
        unique = {(r["path"], r["value"]): r for r in rows}
        if unique:
            insert_rows(session.connection(), ENTRIES, list(unique.values()))


def _record_process(ctx: Context, process_id: str | None, operation: str) -> None:
    if process_id:
        insert_at_commit(
            ctx.session, RUN_TABLE, {"process_id": process_id, "operation": operation, "at": ctx.now, "duration_us": 0}
        )


def _flush_change(ctx: Context, rt: ResourceType, row: Any) -> None:
    """Write a changed row; a concurrent change of the same version is refused, not lost."""
    resource_id = row.id
    try:
        ctx.session.flush()
    except StaleDataError:
        raise PreconditionFailed(
            f"{rt.type_name} '{resource_id}' was changed by another request at the same time; read it again and retry",
            field="If-Match",
            rule="etag.concurrentUpdate",
        ) from None


def _store(ctx: Context, rt: ResourceType, row: Any, new: Doc) -> None:
    for key, value in _columns(rt, new).items():
        setattr(row, key, value)
    row.doc = new
    row.updated_at = ctx.now
    _flush_change(ctx, rt, row)


def _check_owner_kept(ctx: Context, rt: ResourceType, row: Any) -> None:
    if ctx.principal.party_bound and not rt.public_read and row.owner_party_id != ctx.principal.party_id:
        raise Forbidden(
            f"a {ctx.principal.role} token cannot hand a {rt.type_name} to another party", rule="auth.party"
        )


def emit(ctx: Context, rt: ResourceType, kind: str, row: Any, extra: dict[str, Any] | None = None) -> str:
    """Queue ``<Type><kind>Event`` carrying the rendered resource."""
    return record_event(
        ctx.session,
        api=rt.api.code,
        event_type=f"{rt.type_name}{kind}Event",
        resource_kind=rt.kind,
        resource_id=row.id,
        event={rt.event_name: render(ctx, rt, row)},
        extra=extra,
    )


def _new_row(rt: ResourceType, values: dict[str, Any]) -> Any:
    """The object of a row about to be inserted, already in the state of a row read from the table.

    It joins the session once the row is inserted (:func:`_insert_row`), as a
    persistent row, so later changes in the same unit of work become UPDATEs
    with the optimistic version check. Built while preparing a create: on
    SQLite that is before the writer lock is taken.
    """
    row = rt.model(**values)
    make_transient_to_detached(row)
    return row


def _insert_row(session: Session, rt: ResourceType, row: Any, values: dict[str, Any]) -> None:
    """Insert a new row with one Core statement and hand the session its object (see :func:`_new_row`):
    the ORM's unit-of-work machinery for an INSERT costs several times the statement itself."""
    insert_rows(session.connection(), rt.model.__table__, [values])
    session.add(row)


@dataclass
class PreparedCreate:
    """A create worked out up to its first write (see :func:`prepare_create`)."""

    doc: Doc
    stored: Doc
    values: dict[str, Any]
    early: dict[str, set[Entry]]
    row: Any


def prepare_create(ctx: Context, rt: ResourceType, body: Any) -> PreparedCreate:
    """The part of a create that writes nothing: authorisation, validation, ``before_create``,
    the stored document, its columns and search entries.

    On SQLite the writer lock is held from a unit's first write to its commit
    (:mod:`openbss.core.write_turn`), so everything that needs no write is
    worked out here, before :func:`finish_create` writes.
    """
    require_role(ctx, rt.create_roles, f"create a {rt.type_name}")
    doc = validate_document(rt.create_schema, body)
    _check_extensions(rt, doc, body)
    _check_type(rt, doc)
    _check_initial_state(rt, doc)
    rt.hooks.before_create(ctx, doc)
    resource_id = new_id()
    stored = {"id": resource_id, **{k: v for k, v in doc.items() if k not in ("id", "href")}}
    values = {
        "id": resource_id,
        "version": 1,
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "doc": stored,
        **_columns(rt, stored),
    }
    _check_creator_owns(ctx, rt, values)
    return PreparedCreate(doc, stored, values, _entries_by_attribute(rt, stored), _new_row(rt, values))


def finish_create(ctx: Context, rt: ResourceType, prepared: PreparedCreate) -> Any:
    """Write a prepared create: ``before_insert`` (which may write), the row, its search
    entries, the domain's ``after_write``/``after_create`` hooks, the process run and the event."""
    doc, stored, values, row = prepared.doc, prepared.stored, prepared.values, prepared.row
    changed = set(rt.hooks.before_insert(ctx, doc)) - {"id", "href"}
    if changed:  # the row, its columns and entries follow what the hook set
        for key in changed:
            if key in doc:
                stored[key] = doc[key]
            else:
                stored.pop(key, None)
        for key, value in _columns(rt, stored).items():
            if values[key] != value:
                values[key] = value
                set_committed_value(row, key, value)  # as inserted: no change for the session to write
        _check_creator_owns(ctx, rt, values)
    added = _entries_after(rt, prepared.early, stored, changed)
    _insert_row(ctx.session, rt, row, values)
    _apply_entries(ctx.session, rt, row.id, set(), added)
    rt.hooks.after_write(ctx, row, None)
    _record_process(ctx, rt.create_process, f"tmf.create.{rt.path}")
    emit(ctx, rt, "Create", row)
    rt.hooks.after_create(ctx, row)
    return row


def create(ctx: Context, rt: ResourceType, body: Any) -> Any:
    return finish_create(ctx, rt, prepare_create(ctx, rt, body))


def _check_creator_owns(ctx: Context, rt: ResourceType, values: dict[str, Any]) -> None:
    if ctx.principal.party_bound and values["owner_party_id"] != ctx.principal.party_id and not rt.public_read:
        raise Forbidden(f"a {ctx.principal.role} token may only create resources of its own party", rule="auth.party")


def _apply_patch(rt: ResourceType, current: Doc, content_type: str, body: Any) -> Doc:
    if content_type == patching.JSON_PATCH:
        return dict(patching.json_patch(current, body))
    if not isinstance(body, dict):
        raise ValidationFailed.from_problems(
            [FieldProblem("body", "type.object", "a merge patch must be a JSON object")]
        )
    return dict(patching.merge_patch(current, body))


def _changed_keys(old: Doc, new: Doc) -> list[str]:
    """Top-level attributes whose JSON value differs (``true`` and ``1`` are different)."""
    return sorted(k for k in set(old) | set(new) if not patching.json_equal(old.get(k), new.get(k)))


def _write_change(ctx: Context, rt: ResourceType, row: Any, old: Doc, new: Doc, changed: list[str]) -> None:
    """Store ``new``, keep the search index in step and queue the change events."""
    _store(ctx, rt, row, new)
    _check_owner_kept(ctx, rt, row)
    _write_entries(ctx.session, rt, row.id, old, new)
    rt.hooks.after_write(ctx, row, old)
    other = [k for k in changed if k != rt.state_field]
    if other:
        emit(ctx, rt, "AttributeValueChange", row, {"fieldPath": ",".join(other)})
    if rt.state_field and rt.state_field in changed:
        emit(ctx, rt, "StateChange", row)


def update(ctx: Context, rt: ResourceType, resource_id: str, content_type: str, body: Any, if_match: str | None) -> Any:
    require_role(ctx, rt.update_roles, f"change a {rt.type_name}")
    row = load(ctx, rt, resource_id, for_update=True)
    check_if_match(row, if_match)
    old: Doc = copy.deepcopy(row.doc)
    patched = _apply_patch(rt, old, content_type, body)
    changed = _changed_keys(old, patched)
    read_only = [k for k in changed if k in rt.read_only]
    if read_only:
        raise ValidationFailed.from_problems(
            [FieldProblem(k, "readOnly", f"'{k}' is read-only and cannot be changed") for k in read_only]
        )
    if not changed:
        return row
    _check_extensions(rt, patched, {k: patched[k] for k in changed if k in patched})
    removed = [k for k in changed if k not in patched]
    updates = {k: patched[k] for k in changed if k in patched}
    normalised = validate_document(rt.update_schema, updates) if updates else {}
    new = {k: v for k, v in old.items() if k not in removed}
    new.update(normalised)
    if removed:  # removing an attribute must not leave a mandatory one missing
        validate_document(rt.create_schema, {k: v for k, v in new.items() if k not in ("id", "href")})
    if "@type" in changed:
        _check_type(rt, new)
    if rt.state_field and old.get(rt.state_field) != new.get(rt.state_field):
        if ctx.principal.party_bound:
            raise Forbidden(
                f"'{rt.state_field}' of a {rt.type_name} is changed by staff only",
                field=rt.state_field,
                rule="auth.state",
            )
        check_transition(rt, old.get(rt.state_field), new.get(rt.state_field))
    rt.hooks.before_update(ctx, row, old, new)
    # the hook may have changed more attributes; recompute what changed
    changed = _changed_keys(old, new)
    if not changed:
        return row
    _write_change(ctx, rt, row, old, new, changed)
    _record_process(ctx, rt.update_process, f"tmf.update.{rt.path}")
    return row


def check_transition(rt: ResourceType, old: Any, new: Any) -> None:
    if rt.transitions is None:
        return
    allowed = rt.transitions.get(str(old), frozenset())
    if new not in allowed:
        options = ", ".join(sorted(allowed)) or "none (final state)"
        raise Conflict(
            f"{rt.type_name} cannot go from '{old}' to '{new}'; allowed from '{old}': {options}",
            field=rt.state_field,
            rule="lifecycle.transition",
        )


def delete_resource(ctx: Context, rt: ResourceType, resource_id: str, if_match: str | None) -> None:
    if not rt.deletable:
        raise ApiError(
            f"a {rt.type_name} cannot be deleted; change its {rt.state_field or 'state'} instead",
            status=405,
            code="ERR_METHOD_NOT_ALLOWED",
            reason="Method not allowed",
        )
    require_role(ctx, rt.delete_roles, f"delete a {rt.type_name}")
    row = load(ctx, rt, resource_id, for_update=True)
    check_if_match(row, if_match)
    rt.hooks.before_delete(ctx, row)
    emit(ctx, rt, "Delete", row)
    _write_entries(ctx.session, rt, row.id, row.doc, None)
    ctx.session.delete(row)
    ctx.session.flush()


def set_state(
    ctx: Context, rt: ResourceType, row: Any, new_state: str, *, check: bool = True, extra_doc: Doc | None = None
) -> Any:
    """Move a resource to ``new_state`` from a domain operation (merge, terminate, ...)."""
    assert rt.state_field
    old: Doc = copy.deepcopy(row.doc)
    if check:
        check_transition(rt, old.get(rt.state_field), new_state)
    new = {**old, rt.state_field: new_state, **(extra_doc or {})}
    _write_change(ctx, rt, row, old, new, _changed_keys(old, new))
    return row


def replace_doc(ctx: Context, rt: ResourceType, row: Any, new: Doc) -> Any:
    """Store a domain-computed new document (events and index kept in step)."""
    old: Doc = copy.deepcopy(row.doc)
    changed = _changed_keys(old, new)
    if changed:
        _write_change(ctx, rt, row, old, new, changed)
    return row
