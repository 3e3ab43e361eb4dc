"""``POST /api/handover``: a manager moves a departing rep's work to another rep."""

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..auth import TeamGuardError
from ..handover import HandoverError, hand_over
from ..wire import UUID_RE, parse_json_body
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.handover")


async def handover(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request, "manager", "admin")
    body = parse_json_body(await read_body(request, limit=16 * 1024))
    source = body.get("from") if isinstance(body, dict) else None
    target = body.get("to") if isinstance(body, dict) else None
    disable = body.get("disable_from", False) if isinstance(body, dict) else False
    for name, value in (("from", source), ("to", target)):
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise ApiError(400, "handover_not_user_id", name=name, value=repr(value))
    if not isinstance(disable, bool):
        raise ApiError(400, "handover_disable_not_bool", value=repr(disable))
    state = state_of(request)

    def move():
        accounts = state.accounts()
        leaving = accounts.get(source)
        # A manager may close a departing rep's account, an admin anyone's but their own.
        if disable and leaving is not None and (
                leaving.id == user.id or (leaving.role != "sales" and user.role != "admin")):
            log.info("handover rejected: %s may not disable %s", user.username, leaving.username)
            raise ApiError(403, "handover_disable_forbidden", username=leaving.username)
        if disable and leaving is not None:
            # Checked before the move, so a refused disable moves nothing either.
            try:
                accounts.check_can_disable(leaving)
            except TeamGuardError as error:
                log.info("handover rejected: %s may not be disabled (%s)", leaving.username, error.code)
                raise ApiError(409, error.code, username=error.username, reps="、".join(error.reps))
        result = hand_over(state.records.get(), source, target, user.id, state.write_lock)
        if disable and leaving is not None:
            # After the move, so a failed hand-over leaves the account as it was.
            accounts.set_disabled(leaving.username, True)
            log.info("handover disabled user=%s by=%s", leaving.username, user.username)
        return result

    try:
        result = await run_in_threadpool(move)
    except HandoverError as error:
        raise ApiError(400, error.code, username=error.username)
    log.info("handover by=%s from=%s to=%s moved=%s", user.username, source, target, result.moved)
    return JSONResponse({"moved": result.moved, "disabled": disable})


routes = [Route("/api/handover", handover, methods=["POST"])]
