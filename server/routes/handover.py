"""``POST /api/handover``: a manager moves a departing rep's work to another rep."""

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..handover import HandoverError, hand_over
from ..wire import UUID_RE, parse_json_body
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.handover")


async def handover(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request, "manager", "admin")
    body = parse_json_body(await read_body(request, limit=16 * 1024))
    source = body.get("from") if isinstance(body, dict) else None
    target = body.get("to") if isinstance(body, dict) else None
    for name, value in (("from", source), ("to", target)):
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise ApiError(400, "handover_not_user_id", name=name, value=repr(value))
    state = state_of(request)
    try:
        result = await run_in_threadpool(
            lambda: hand_over(state.records.get(), source, target, user.id, state.write_lock))
    except HandoverError as error:
        raise ApiError(400, error.code, username=error.username)
    log.info("handover by=%s from=%s to=%s moved=%s", user.username, source, target, result.moved)
    return JSONResponse({"moved": result.moved})


routes = [Route("/api/handover", handover, methods=["POST"])]
