"""Login and logout.

Logging in as a manager or admin also signs the visitor in to Datasette by
setting its ``ds_actor`` cookie, signed with the same secret. The actor
carries the user id and token version, and the Datasette plugin checks them
on every request, so revoking the user's tokens ends that session too.

Both take JSON only. A page of another site can make the browser POST a
form here, urlencoded, multipart or text/plain, and a text/plain form can
carry a JSON text. The response's ``Set-Cookie`` would then log the visitor
out of Datasette, or in as someone else. Such a page cannot send
``Content-Type: application/json`` without a CORS preflight, which this
server never grants.
"""

import logging
import time

from itsdangerous import URLSafeSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..auth import TOKEN_MAX_AGE_SECONDS, AccountDisabled, User
from ..throttle import LoginThrottle
from ..visibility import SEES_EVERYTHING
from ..wire import parse_json_body
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.auth")

ACTOR_COOKIE = "ds_actor"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int) -> str:
    digits = ""
    while True:
        number, remainder = divmod(number, 62)
        digits = BASE62[remainder] + digits
        if number == 0:
            return digits


def actor_cookie(secret: bytes, user: User, token_version: int) -> str:
    """Return a ``ds_actor`` cookie value that Datasette 0.65 accepts.

    It is what ``Datasette.sign({"a": actor, "e": expiry}, "actor")`` makes:
    an itsdangerous URLSafeSerializer with salt "actor", and the expiry time
    in base62 seconds.
    """
    actor = {"id": user.id, "username": user.username, "name": user.name,
             "role": user.role, "genzong_token_version": token_version}
    expiry = base62(int(time.time()) + TOKEN_MAX_AGE_SECONDS)
    return URLSafeSerializer(secret, "actor").dumps({"a": actor, "e": expiry})


def require_json(request: Request) -> None:
    """Raise ApiError 415 unless the request declares a JSON body."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "json_required", value=media_type[:100] or "—")


async def login(request: Request) -> JSONResponse:
    require_json(request)
    body = parse_json_body(await read_body(request, limit=64 * 1024))
    username = body.get("username") if isinstance(body, dict) else None
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(400, "invalid_request", detail="username and password must be text")
    state = state_of(request)
    # All of it in one worker thread: the connections a thread gets from the
    # pools are its own, and two threads must never share one.
    user, token, version = await run_in_threadpool(_log_in, state, username, password, _client(request))
    response = JSONResponse({"token": token, "user": user.public()})
    if version is not None:
        response.set_cookie(ACTOR_COOKIE, actor_cookie(state.secret, user, version),
                            max_age=TOKEN_MAX_AGE_SECONDS, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    return response


def _log_in(state, username: str, password: str, client: str) -> tuple[User, str, int | None]:
    """Check the password and return the user, a token and, for Datasette users, the cookie's token version."""
    accounts = state.accounts()
    throttle = LoginThrottle(state.private.get())
    lockout = throttle.check(username, client)
    if lockout is not None:
        log.warning("login locked username=%s client=%s seconds=%d", username[:64], client, lockout.seconds)
        raise ApiError(429, "login_locked", seconds=lockout.seconds)
    try:
        user = accounts.authenticate(username, password)
    except AccountDisabled:
        # The password was right, so this is no guess to throttle.
        log.info("login rejected: user=%s is disabled client=%s", username[:64], client)
        raise ApiError(403, "account_disabled", username=username[:64])
    if user is None:
        log.info("login failed username=%s client=%s", username[:64], client)
        if not state.read_only:
            throttle.failed(username, client)
        raise ApiError(401, "login_failed")
    if not state.read_only:
        throttle.succeeded(username)
    log.info("login user=%s role=%s client=%s", user.username, user.role, client)
    version = accounts.token_version(user.id) if user.role in SEES_EVERYTHING else None
    return user, accounts.issue_token(user), version


async def logout(request: Request) -> JSONResponse:
    require_json(request)
    response = JSONResponse({"ok": True})
    response.delete_cookie(ACTOR_COOKIE, path="/")
    return response


async def me(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request)
    return JSONResponse({"user": user.public()})


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
]
