"""The composition root: builds the FastAPI application from the domains."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbss import __version__
from openbss.core.db import Database, get_database, set_database
from openbss.core.errors import ApiError
from openbss.core.settings import Settings, get_settings
from openbss.domains import DOMAINS
from openbss.tmf.http import json_response
from openbss.tmf.openapi_models import merge_components
from openbss.tmf.router import mount_resource
from openbss.tmf.validation import problems_from_request
from openbss.web.admin import router as admin_router

log = logging.getLogger("openbss")

_HTTP_CODES = {
    404: ("ERR_NOT_FOUND", "Not found"),
    405: ("ERR_METHOD_NOT_ALLOWED", "Method not allowed"),
    401: ("ERR_UNAUTHORIZED", "Authentication required"),
    403: ("ERR_FORBIDDEN", "Not allowed"),
}


def _error_response(error: ApiError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return json_response(error.body(), error.status, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, exc: RequestValidationError) -> Response:
        from openbss.core.errors import ValidationFailed

        return _error_response(ValidationFailed.from_problems(problems_from_request(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        code, reason = _HTTP_CODES.get(exc.status_code, (f"ERR_HTTP_{exc.status_code}", str(exc.detail)))
        message = str(exc.detail)
        if exc.status_code == 405:
            message = "this method is not allowed on this resource"
        elif exc.status_code == 404:
            message = "no such resource or path"
        error = ApiError(message, status=exc.status_code, code=code, reason=reason)
        response = _error_response(error)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            paths = _request.app.openapi().get("paths", {})
            from starlette.routing import compile_path

            for template, item in paths.items():
                regex, _, _ = compile_path(template)
                if regex.match(_request.url.path):
                    response.headers["Allow"] = ", ".join(sorted(m.upper() for m in item))
                    break
        return response

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _error_response(
            ApiError(
                "an internal error occurred; it has been logged",
                status=500,
                code="ERR_INTERNAL",
                reason="Internal error",
            )
        )


def _add_routes(target: APIRouter, source: APIRouter) -> None:
    for route in source.routes:
        if isinstance(route, APIRoute):
            target.add_api_route(
                route.path,
                route.endpoint,
                methods=sorted(route.methods or ()),
                status_code=route.status_code,
                tags=list(route.tags),
                summary=route.summary,
                operation_id=route.operation_id,
                response_model=None,
                openapi_extra=route.openapi_extra,
                include_in_schema=route.include_in_schema,
            )
        else:
            target.routes.append(route)


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, start_worker: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    if database is not None:
        set_database(database)
    if settings.auth == "off":
        log.warning(
            "OPENBSS_AUTH=off: authentication is disabled; every caller is an admin. Use this for local trials only."
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from openbss.core.clock_store import load_offset

        database = get_database()
        checkpointer = database.start_background_checkpoints()
        with database.session() as session:
            load_offset(session)
        worker = None
        if start_worker:
            from openbss.jobs.runner import EmbeddedWorker

            worker = EmbeddedWorker(get_database(), settings)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if checkpointer is not None:
                database.stop_background_checkpoints()

    app = FastAPI(
        title="openbss",
        version=__version__,
        lifespan=lifespan,
        description="Open business support system: TM Forum Open APIs v4 for the eTOM Customer domain.",
    )
    install_error_handlers(app)
    # Routes go straight onto the application's router: an included router is matched
    # lazily through an extra layer, which cost ~0.3 ms per request.
    router = app.router
    for domain in DOMAINS:
        for rt in domain.resources:
            mount_resource(router, rt)
        for extra in domain.routers:
            _add_routes(router, extra)
    from openbss.tmf.hub import mount_hub

    for api in {rt.api for d in DOMAINS for rt in d.resources}:
        mount_hub(router, api)
    _add_routes(router, admin_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = merge_components(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """The application as each process of ``openbss serve --workers N`` builds it.

    Everything comes from the ``OPENBSS_*`` environment the parent prepared
    (database URL, settings); the schema is already up to date. Each process
    runs the embedded job worker when enabled: jobs are leased in the database,
    so several workers never run the same job twice.
    """
    settings = get_settings()
    database = Database(settings.database_url)
    return create_app(settings, database, start_worker=settings.embedded_worker == "on")
