"""A FastAPI route class for the engine's own endpoints, without per-request dependency solving.

Every engine endpoint takes the same things: its path parameters, the
:class:`~fastapi.Request` and the authenticated :class:`Principal`. FastAPI
would find these by solving the endpoint's dependency graph on every request,
which costs more than a point read from the database. :class:`EngineRoute`
keeps FastAPI's view of the route (its OpenAPI operation is built from the
endpoint's signature as usual) but answers requests with a small ASGI
function that authenticates and calls the endpoint directly. Errors propagate
to the application's exception handlers like any other route's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

from openbss.tmf.http import authenticate

__all__ = ["EngineRoute"]

Endpoint = Callable[..., Awaitable[Response]]


class EngineRoute(APIRoute):
    """An :class:`APIRoute` whose endpoint is ``async (request=, principal=, **path_params)``."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        call: Endpoint = endpoint

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive, send)
            principal = await authenticate(request)
            response = await call(request=request, principal=principal, **scope.get("path_params", {}))
            await response(scope, receive, send)

        self.app = app
