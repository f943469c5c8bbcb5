"""Operational endpoints: health, the eTOM process catalog, the test clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import text

from openbss.core import clock
from openbss.core.clock_store import save_offset
from openbss.core.db import get_database
from openbss.core.errors import ApiError, Forbidden, ValidationFailed
from openbss.core.problems import FieldProblem
from openbss.core.processes import process_tree
from openbss.core.security import Principal
from openbss.core.settings import get_settings
from openbss.tmf.http import authenticate, json_response, read_json

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness and database reachability")
def health() -> Response:
    try:
        with get_database().session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # the database is down: report, do not crash
        return json_response({"status": "unavailable", "database": str(exc)[:200]}, 503)
    return json_response({"status": "ok", "database": "reachable", "time": clock.isoformat(clock.now())})


@router.get("/processes", summary="The eTOM Customer-domain process tree with implementation and run figures")
def processes(principal: Principal = Depends(authenticate)) -> Response:
    with get_database().session() as session:
        tree = process_tree(session)
    return json_response(tree)


def _clock_body() -> dict[str, Any]:
    return {
        "now": clock.isoformat(clock.now()),
        "offsetSeconds": int(clock.clock.offset.total_seconds()),
        "testClock": get_settings().test_clock,
    }


@router.get("/admin/clock", summary="The server's current time")
def read_clock(principal: Principal = Depends(authenticate)) -> Response:
    return json_response(_clock_body())


@router.post("/admin/clock/advance", summary="Move the test clock forward (OPENBSS_TEST_CLOCK=on, admin only)")
async def advance_clock(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    if get_settings().test_clock != "on":
        raise ApiError(
            "the test clock is off; start the server with OPENBSS_TEST_CLOCK=on",
            status=409,
            code="ERR_TEST_CLOCK_OFF",
            reason="Test clock disabled",
        )
    if principal.role != "admin":
        raise Forbidden("only an admin may move the clock", rule="auth.role")
    body, _ = await read_json(request)
    seconds = body.get("seconds") if isinstance(body, dict) else None
    days = body.get("days") if isinstance(body, dict) else None
    try:
        delta = timedelta(seconds=float(seconds or 0), days=float(days or 0))
    except (TypeError, ValueError):
        raise ValidationFailed.from_problems(
            [FieldProblem("seconds", "type.number", "seconds and days must be numbers")]
        ) from None
    if delta <= timedelta(0):
        raise ValidationFailed.from_problems(
            [FieldProblem("seconds", "clock.forward", "give a positive 'seconds' or 'days'")]
        )
    clock.clock.advance(delta)
    with get_database().session() as session:
        save_offset(session)  # workers in other processes adopt it on their next tick
    return json_response(_clock_body())
