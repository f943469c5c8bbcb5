"""The benchmark's ceiling: a bare Starlette app answering a small JSON document.

Served by uvicorn with the settings ``openbss serve`` uses (uvloop,
httptools, as many processes as the API gets, no access log), it shows what the machine, the
server stack and the load generator manage with no application work at all.
Run as ``python -m openbss.bench.ceiling --port 8001``.
"""

from __future__ import annotations

import argparse
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from openbss.core import jsoncodec

DOCUMENT = jsoncodec.dumps(
    {
        "id": "42",
        "href": "http://127.0.0.1/ceiling/42",
        "name": "ceiling",
        "status": "approved",
        "@type": "Ceiling",
    }
)


async def document(_request: Request) -> Response:
    return Response(DOCUMENT, media_type="application/json;charset=utf-8")


app = Starlette(routes=[Route("/", document), Route("/health", document)])


def main() -> None:
    import uvicorn

    from openbss.server_processes import ServerProcesses, reuse_port_supported

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    options: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "log_level": "warning", "access_log": False}
    if args.workers > 1 and reuse_port_supported():  # spread like openbss serve --workers
        ServerProcesses("openbss.bench.ceiling:app", args.workers, args.host, args.port, options).run()
        return
    uvicorn.run(
        "openbss.bench.ceiling:app" if args.workers > 1 else app,
        workers=args.workers if args.workers > 1 else None,
        host=args.host,
        port=args.port,
        **options,
    )


if __name__ == "__main__":
    main()
