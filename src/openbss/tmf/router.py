"""FastAPI routes for a declared :class:`ResourceType`.

``mount_resource`` adds ``POST``/``GET``/``GET {id}``/``PATCH {id}``/``DELETE {id}``
under the API's base path. The request body of POST and PATCH is read raw and
validated by the engine (so every error gets the TMF body and a field name);
the Pydantic models are still published in the OpenAPI document.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openbss.core.db import get_database
from openbss.core.errors import ApiError, PreconditionFailed
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.tmf import patch as patching
from openbss.tmf import service
from openbss.tmf.context import Context
from openbss.tmf.create_batches import create_batches, created_response
from openbss.tmf.engine_route import EngineRoute
from openbss.tmf.http import (
    authenticate,
    base_url,
    idempotent_post,
    json_response,
    read_json,
    run_write,
    unit_of_work,
)
from openbss.tmf.openapi_models import register_model
from openbss.tmf.point_read import point_reader
from openbss.tmf.query import parse_list_query, select_fields
from openbss.tmf.resource import ResourceType

PATCH_TYPES = ("application/merge-patch+json", "application/json", "application/json-patch+json")


def paging_headers(request: Request, total: int, count: int, offset: int, limit: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(total), "X-Result-Count": str(count)}
    if count < total:
        links = []

        def link(rel: str, start: int) -> None:
            url = request.url.include_query_params(offset=start, limit=limit)
            links.append(f'<{url}>; rel="{rel}"')

        if offset + count < total:
            link("next", offset + limit)
        if offset > 0:
            link("prev", max(offset - limit, 0))
        link("first", 0)
        link("last", max(((total - 1) // limit) * limit, 0))
        headers["Link"] = ", ".join(links)
    return headers


def mount_resource(router: APIRouter, rt: ResourceType) -> None:
    base = f"{rt.api.base_path}/{rt.path}"
    tag = f"{rt.api.code} {rt.type_name}"
    create_ref = register_model(rt.create_schema, f"{rt.type_name}_Create")
    update_ref = register_model(rt.update_schema, f"{rt.type_name}_Update")
    full_ref = register_model(rt.full_schema, rt.type_name)

    async def create(request: Request, principal: Principal = Depends(authenticate)) -> Response:
        body, raw = await read_json(request)
        batches = create_batches(get_database())
        if batches is not None and "idempotency-key" not in request.headers:
            return await batches.create(rt, principal, base_url(request), body)

        def produce(ctx: Context) -> Response:
            return created_response(ctx, rt, service.create(ctx, rt, body))

        return await run_write(idempotent_post, request, principal, raw, produce)

    # Reads run on the event loop: they are single indexed lookups, shorter than the thread
    # hand-off FastAPI would otherwise add (measured: the hop cost more than the query).
    async def list_(request: Request, principal: Principal = Depends(authenticate)) -> Response:
        settings = get_settings()
        query = parse_list_query(
            request.query_params.multi_items(),
            known=rt.wire_fields | {"id", "href"},
            max_limit=settings.max_page_limit,
            default_limit=settings.default_page_limit,
            allow_unknown=False,
        )
        with unit_of_work(request, principal) as ctx:
            page = service.list_rows(ctx, rt, query)
            docs = [service.render(ctx, rt, row) for row in page.rows]
        if query.fields:
            docs = [select_fields(d, query.fields) for d in docs]
        headers = paging_headers(request, page.total, len(docs), query.offset, query.limit)
        return json_response(docs, 206 if len(docs) < page.total else 200, headers)

    async def get_one(resource_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
        row = point_reader(get_database()).read(rt, resource_id)
        if row is None or not service.visible_to(principal, rt, row):
            raise service.not_found(rt, resource_id)
        doc = service.render_at(base_url(request), rt, row)
        fields = request.query_params.get("fields")
        if fields:
            doc = select_fields(doc, tuple(f.strip() for f in fields.split(",") if f.strip()))
        return json_response(doc, 200, {"ETag": service.etag(row)})

    async def patch(resource_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
        content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
        if content_type not in PATCH_TYPES:
            raise ApiError(
                f"PATCH accepts {', '.join(PATCH_TYPES)}; got '{content_type}'",
                status=415,
                code="ERR_UNSUPPORTED_MEDIA_TYPE",
                reason="Unsupported media type",
                field="Content-Type",
                rule="patch.mediaType",
            )
        body, _raw = await read_json(request)
        kind = patching.JSON_PATCH if content_type == patching.JSON_PATCH else patching.MERGE_PATCH
        if_match = request.headers.get("if-match")

        def work() -> Response:
            with unit_of_work(request, principal, write=True) as ctx:
                row = service.update(ctx, rt, resource_id, kind, body, if_match)
                doc = service.render(ctx, rt, row)
                headers = {"ETag": service.etag(row)}
            return json_response(doc, 200, headers)

        def work_retrying() -> Response:
            # without If-Match the client asked for no precondition: a concurrent change that the
            # optimistic lock caught is retried on the new version instead of answered with 412
            for _ in range(2):
                try:
                    return work()
                except PreconditionFailed as exc:
                    if if_match is not None or exc.rule != "etag.concurrentUpdate":
                        raise
            return work()

        return await run_write(work_retrying)

    async def remove(resource_id: str, request: Request, principal: Principal = Depends(authenticate)) -> Response:
        def work() -> Response:
            with unit_of_work(request, principal, write=True) as ctx:
                service.delete_resource(ctx, rt, resource_id, request.headers.get("if-match"))
            return Response(status_code=204)

        return await run_write(work)

    json_body = {"application/json": {"schema": create_ref}}
    patch_body = {
        "application/merge-patch+json": {"schema": update_ref},
        "application/json": {"schema": update_ref},
        "application/json-patch+json": {"schema": {"type": "array", "items": {"type": "object"}}},
    }
    one = {"application/json": {"schema": full_ref}}
    many = {"application/json": {"schema": {"type": "array", "items": full_ref}}}
    router.add_api_route(
        base,
        create,
        methods=["POST"],
        tags=[tag],
        summary=f"Create a {rt.type_name}",
        operation_id=f"create{rt.type_name}",
        route_class_override=EngineRoute,
        status_code=201,
        openapi_extra={
            "requestBody": {"required": True, "content": json_body},
            "responses": {"201": {"description": "Created", "content": one}},
        },
    )
    router.add_api_route(
        base,
        list_,
        methods=["GET"],
        tags=[tag],
        summary=f"List or find {rt.type_name}",
        operation_id=f"list{rt.type_name}",
        route_class_override=EngineRoute,
        openapi_extra={"responses": {"200": {"description": "Success", "content": many}}},
    )
    router.add_api_route(
        base + "/{resource_id}",
        get_one,
        methods=["GET"],
        tags=[tag],
        summary=f"Retrieve a {rt.type_name} by id",
        operation_id=f"retrieve{rt.type_name}",
        route_class_override=EngineRoute,
        openapi_extra={"responses": {"200": {"description": "Success", "content": one}}},
    )
    router.add_api_route(
        base + "/{resource_id}",
        patch,
        methods=["PATCH"],
        tags=[tag],
        summary=f"Partially update a {rt.type_name}",
        operation_id=f"patch{rt.type_name}",
        route_class_override=EngineRoute,
        openapi_extra={
            "requestBody": {"required": True, "content": patch_body},
            "responses": {"200": {"description": "Updated", "content": one}},
        },
    )
    router.add_api_route(
        base + "/{resource_id}",
        remove,
        methods=["DELETE"],
        tags=[tag],
        status_code=204,
        summary=f"Delete a {rt.type_name}",
        operation_id=f"delete{rt.type_name}",
        route_class_override=EngineRoute,
    )
