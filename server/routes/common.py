"""Helpers shared by the API routes: errors, authentication and body reading."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..auth import User
from ..messages import error_body
from ..state import ServerState
from ..wire import MAX_BODY_BYTES, RequestError


class ApiError(Exception):
    """Answer the request with ``status`` and the error body for ``code``."""

    def __init__(self, status: int, code: str, **values):
        super().__init__(code)
        self.status = status
        self.code = code
        self.values = values


def error_response(status: int, code: str, **values) -> JSONResponse:
    return JSONResponse(error_body(code, **values), status_code=status)


async def api_error_handler(request: Request, error: ApiError) -> JSONResponse:
    return error_response(error.status, error.code, **error.values)


async def request_error_handler(request: Request, error: RequestError) -> JSONResponse:
    return error_response(error.status, error.code, **error.values)


def state_of(request: Request) -> ServerState:
    return request.app.state.genzong


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_user(request: Request, *roles: str) -> User:
    """Return the user of the request's bearer token.

    Raises ApiError 401 for a missing, tampered, expired or revoked token and
    403 when the user's role is not among ``roles`` (any role when empty).
    """
    token = bearer_token(request)
    user = state_of(request).accounts().user_for_token(token) if token else None
    if user is None:
        raise ApiError(401, "unauthorized")
    if roles and user.role not in roles:
        raise ApiError(403, "forbidden")
    return user


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the request body, stopping with 413 as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, "body_too_large", size=int(declared), limit=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, "body_too_large", size=size, limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)
