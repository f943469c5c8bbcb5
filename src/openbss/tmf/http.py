"""HTTP plumbing shared by every TMF route: the unit of work, JSON bodies,
responses and idempotent POSTs."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from openbss.core import clock, jsoncodec
from openbss.core.db import Database, get_database
from openbss.core.errors import UnprocessableEntity, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.security import ANONYMOUS_ADMIN, Principal, principal_from_header
from openbss.core.settings import get_settings
from openbss.tmf.context import Context
from openbss.tmf.models import IdempotencyRecord

JSON_MEDIA = "application/json;charset=utf-8"
T = TypeVar("T")


async def authenticate(request: Request) -> Principal:
    """FastAPI dependency: the caller, from the bearer token."""
    settings = get_settings()
    if settings.auth == "off":
        return ANONYMOUS_ADMIN
    return principal_from_header(settings, request.headers.get("authorization"))


WRITER_POLL_FIRST = 0.0002
WRITER_POLL_MAX = 0.002
"""Seconds between two looks at a busy SQLite writer lock from the event loop (doubling up to the maximum)."""


async def run_write(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking write ``fn(*args)`` from a coroutine.

    On SQLite, where a process's writers take turns anyway, a write runs
    right here on the event loop: a hand-off to a worker thread costs more
    than the write, and threads queueing for the writer lock fight over the
    interpreter lock while they wait. The unit takes the writer lock at its
    first write (see :class:`openbss.core.write_turn.WriteTurn`), so its
    validation and reads run while another process writes. While another
    thread of this process holds the lock (a job, the checkpointer's short
    second pass), the request first waits on the event loop, looking again
    after a short sleep, so the loop keeps serving reads meanwhile; a job can
    hold the lock for longer than a request. Waiting in a worker thread
    instead would make the next request find the lock held by that thread,
    and the one after it, so that under steady load every write would go
    through a thread from then on. On PostgreSQL writes go to worker threads
    and run side by side.
    """
    database = get_database()
    if not database.serial_writes:
        return await run_in_threadpool(fn, *args)
    await writer_free_in_process(database)
    return fn(*args)


async def writer_free_in_process(database: Database) -> None:
    """Sleep on the event loop while another thread of this process holds the SQLite writer lock."""
    pause = WRITER_POLL_FIRST
    while database.writer_busy_in_process():
        await asyncio.sleep(pause)
        pause = min(pause * 2, WRITER_POLL_MAX)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@contextmanager
def unit_of_work(request: Request, principal: Principal, *, write: bool = False) -> Iterator[Context]:
    """A transaction for one request; committed when the block ends without error."""
    with get_database().session(write=write) as session:
        yield Context(session=session, principal=principal, settings=get_settings(), base_url=base_url(request))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, headers=headers, media_type=JSON_MEDIA)


async def read_json(request: Request, *, optional: bool = False) -> tuple[Any, bytes]:
    """The request's JSON (decimals exact) and its raw bytes; an empty body is a 400, or ``{}`` if ``optional``."""
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}, raw
        raise ValidationFailed.from_problems([FieldProblem("body", "body.required", "a JSON body is required")])
    try:
        return jsoncodec.loads(raw), raw
    except ValueError as exc:
        raise ValidationFailed.from_problems(
            [FieldProblem("body", "json.syntax", f"the body is not valid JSON: {exc}")]
        ) from None


def _replay(record: IdempotencyRecord) -> Response:
    headers = dict(record.headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(record.body.encode(), status_code=record.status_code, headers=headers, media_type=JSON_MEDIA)


def idempotent_post(
    request: Request, principal: Principal, raw: bytes, produce: Callable[[Context], Response]
) -> Response:
    """Run ``produce`` once per ``Idempotency-Key``; a retry gets the first answer back.

    The record is written in the same transaction as the change, so a POST
    either happened with its record or not at all.
    """
    key = request.headers.get("idempotency-key")
    if key is None:
        with unit_of_work(request, principal, write=True) as ctx:
            return produce(ctx)
    key = key.strip()
    if not key or len(key) > 255:
        raise ValidationFailed.from_problems(
            [FieldProblem("Idempotency-Key", "idempotency.key", "must be 1 to 255 characters")]
        )
    method_path = f"{request.method} {request.url.path}"
    digest = hashlib.sha256(method_path.encode() + b"\n" + raw).hexdigest()

    window = get_settings().idempotency_key_hours
    stale: list[bool] = []

    def existing() -> Response | None:
        with get_database().session() as session:
            record = session.get(IdempotencyRecord, (principal.key, key))
            if record is None:
                return None
            if window > 0 and record.created_at < clock.now() - timedelta(hours=window):
                stale.append(True)  # forgotten: the key is free again (see housekeeping.retention)
                return None
            if record.request_hash != digest:
                raise UnprocessableEntity(
                    "this Idempotency-Key was already used with a different request; use a new key",
                    field="Idempotency-Key",
                    rule="idempotency.reuse",
                    code="ERR_IDEMPOTENCY_KEY_REUSED",
                )
            return _replay(record)

    earlier = existing()
    if earlier is not None:
        return earlier
    try:
        with unit_of_work(request, principal, write=True) as ctx:
            response = produce(ctx)
            if stale:
                ctx.session.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.principal == principal.key, IdempotencyRecord.key == key
                    )
                )
            ctx.session.add(
                IdempotencyRecord(
                    principal=principal.key,
                    key=key,
                    method_path=method_path,
                    request_hash=digest,
                    status_code=response.status_code,
                    headers={k: v for k, v in response.headers.items() if k.lower() in ("location", "etag")},
                    body=bytes(response.body).decode(),
                    created_at=ctx.now,
                )
            )
            ctx.session.flush()
        return response
    except IntegrityError:
        # a concurrent request with the same key won the race; answer as it did
        again = existing()
        if again is None:
            raise
        return again
