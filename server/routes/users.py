"""``/api/users``: admins list, add and change team members (设置 → 成员管理).

Every change goes through ``Accounts``, so the command line's rules apply.
Each rule is checked before the first write, so a rejected request changes
nothing. The server's write lock is held from the first check to the last
write, so two admins' requests cannot both pass a check (such as "another
enabled admin remains") that only one of them may pass. Users are ``public``
records, so the new values reach every device at its next sync.
"""

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..auth import TeamGuardError, User, UserError
from ..members import (ROLE_NAMES, check_admin_may_change_role, check_admin_may_disable, generate_password,
                       list_members, member)
from ..messages import MESSAGES, Detail
from ..wire import UUID_RE, parse_json_body
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.users")

MAX_USER_BODY_BYTES = 16 * 1024
# A rejected value longer than this is cut in the error message.
MAX_VALUE_CHARS = 100

TEXT = Detail("文本", "text")
TEXT_OR_NULL = Detail("文本或 null", "text or null")
USER_ID_OR_NULL = Detail("用户编号或 null", "a user id or null")


# Reading the request ----------------------------------------------------------

async def _read_object(request: Request, allowed: tuple[str, ...]) -> dict:
    """Return the JSON object of the body, whose keys must be among ``allowed``; an empty body is {}.

    An unknown key is rejected, so a client that sends {"disabled": true}
    here learns that nothing was disabled.
    """
    raw = await read_body(request, limit=MAX_USER_BODY_BYTES)
    body = parse_json_body(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise ApiError(400, "user_invalid_field", name="body", expected=Detail("JSON 对象", "a JSON object"),
                       value=_shown(body))
    for key in body:
        if key not in allowed:
            raise ApiError(400, "user_unknown_field", name=_shown(key), allowed=", ".join(allowed))
    return body


def _text(body: dict, name: str, *, required: bool = False, nullable: bool = False) -> str | None:
    """Return the text field ``name``: None when absent, or null where ``nullable`` allows it."""
    value = body.get(name)
    if value is None and (name not in body or nullable) and not required:
        return None
    if not isinstance(value, str):
        expected = TEXT_OR_NULL if nullable else TEXT
        raise ApiError(400, "user_invalid_field", name=name, expected=expected, value=_shown(value))
    return value


def _manager_field(body: dict) -> str | None:
    """Return the manager's user id, "" to clear the manager, or None when the body leaves it alone."""
    if "manager_id" not in body:
        return None
    value = body["manager_id"]
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ApiError(400, "user_invalid_field", name="manager_id", expected=USER_ID_OR_NULL, value=_shown(value))
    return value


def _path_user_id(request: Request) -> str:
    user_id = request.path_params["user_id"]
    if not UUID_RE.match(user_id):
        raise ApiError(400, "user_not_user_id", name="id", value=_shown(user_id))
    return user_id


def _shown(value) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"


# Errors -----------------------------------------------------------------------

def _api_error(error: UserError, action: Detail | None = None) -> ApiError:
    """Translate a rejected change into its two-language API error."""
    if isinstance(error, TeamGuardError):
        code = "user_last_admin" if error.code == "last_admin" else "user_manager_has_reps"
        return ApiError(409, code, username=error.username, reps="、".join(error.reps),
                        action=action or Detail(f"修改 {error.username}", f"change {error.username}"))
    if error.code not in MESSAGES:
        log.error("user change rejected with unknown code %s: %s", error.code, error)
        return ApiError(400, "user_invalid", detail=str(error))
    status = {"user_not_found": 404, "user_manager_not_found": 400, "user_taken": 409,
              "user_owns_work": 409, "user_self_disable": 409, "user_self_role": 409,
              "user_manager_not_serving": 409}.get(error.code, 400)
    return ApiError(status, error.code, **error.values)


def _check_still_admin(accounts, admin: User) -> None:
    """Raise ApiError 401 when the acting admin was disabled or lost the role since their token was checked.

    Called under the write lock: two admins disabling each other at once
    would otherwise both pass and leave the team with no enabled admin.
    """
    current = accounts.get(admin.id)
    if current is None or current.disabled or current.role != "admin":
        raise ApiError(401, "unauthorized")


def _target(accounts, user_id: str) -> User:
    user = accounts.get(user_id)
    if user is None:
        raise ApiError(404, "user_not_found", username=user_id)
    return user


def _manager_username(accounts, manager_id: str | None) -> str | None:
    """Return the username ``Accounts`` takes for a manager id ("" clears the manager)."""
    if not manager_id:
        return manager_id
    manager = accounts.get(manager_id)
    if manager is None:
        raise ApiError(400, "user_manager_not_found", manager=manager_id)
    return manager.username


# Handlers ---------------------------------------------------------------------

async def list_users(request: Request) -> JSONResponse:
    await run_in_threadpool(require_user, request, "admin")
    state = state_of(request)
    members = await run_in_threadpool(lambda: list_members(state.accounts()))
    return JSONResponse({"users": [found.describe() for found in members]})


async def add_user(request: Request) -> JSONResponse:
    admin = await run_in_threadpool(require_user, request, "admin")
    body = await _read_object(request, ("username", "name", "role", "manager_id", "password"))
    username = _text(body, "username", required=True)
    role = _text(body, "role", required=True)
    name = _text(body, "name", nullable=True)
    password = _text(body, "password", nullable=True)
    manager_id = _manager_field(body)
    generated = generate_password() if not password else None
    state = state_of(request)

    def add():
        accounts = state.accounts(admin.id)
        with state.write_lock:
            _check_still_admin(accounts, admin)
            created = accounts.add(username.strip(), password or generated, role,
                                   name.strip() if name is not None else None,
                                   _manager_username(accounts, manager_id))
        return member(accounts, created)

    added = await _run(add)
    log.info("user added username=%s role=%s by=%s", added.user.username, added.user.role, admin.username)
    result = {"user": added.describe()}
    if generated:
        result["password"] = generated
    return JSONResponse(result, status_code=201)


async def update_user(request: Request) -> JSONResponse:
    admin = await run_in_threadpool(require_user, request, "admin")
    user_id = _path_user_id(request)
    body = await _read_object(request, ("name", "role", "manager_id"))
    name = _text(body, "name")
    role = _text(body, "role")
    manager_id = _manager_field(body)

    def update(accounts, user):
        if name is None and role is None and manager_id is None:
            return
        if role is not None:
            check_admin_may_change_role(admin, user, role)
        action = Detail(f"把 {user.username} 改为{ROLE_NAMES.get(role, (role,))[0]}",
                        f"make {user.username} a {ROLE_NAMES.get(role, (role, role))[1]}")
        try:
            accounts.update(user.username, name=name.strip() if name is not None else None,
                            role=role, manager=_manager_username(accounts, manager_id))
        except TeamGuardError as error:
            raise _api_error(error, action)

    changed = await _change_member(request, admin, user_id, update)
    log.info("user updated username=%s fields=%s by=%s", changed.user.username, ",".join(body), admin.username)
    return JSONResponse({"user": changed.describe()})


async def set_password(request: Request) -> JSONResponse:
    admin = await run_in_threadpool(require_user, request, "admin")
    user_id = _path_user_id(request)
    password = _text(await _read_object(request, ("password",)), "password", nullable=True)
    generated = generate_password() if not password else None
    changed = await _change_member(request, admin, user_id,
                                   lambda accounts, user: accounts.set_password(user.username, password or generated))
    log.info("user password set username=%s generated=%s by=%s", changed.user.username, bool(generated),
             admin.username)
    result = {"user": changed.describe()}
    if generated:
        result["password"] = generated
    return JSONResponse(result)


async def logout_all(request: Request) -> JSONResponse:
    admin = await run_in_threadpool(require_user, request, "admin")
    user_id = _path_user_id(request)
    changed = await _change_member(request, admin, user_id,
                                   lambda accounts, user: accounts.logout_all(user.username))
    log.info("user sessions ended username=%s by=%s", changed.user.username, admin.username)
    return JSONResponse({"user": changed.describe()})


async def disable_user(request: Request) -> JSONResponse:
    return await _set_disabled(request, True)


async def enable_user(request: Request) -> JSONResponse:
    return await _set_disabled(request, False)


async def _set_disabled(request: Request, disabled: bool) -> JSONResponse:
    admin = await run_in_threadpool(require_user, request, "admin")
    user_id = _path_user_id(request)

    def change(accounts, user):
        if disabled:
            check_admin_may_disable(accounts.conn, admin, user)
        try:
            accounts.set_disabled(user.username, disabled)
        except TeamGuardError as error:
            raise _api_error(error, Detail(f"停用 {user.username}", f"disable {user.username}"))

    changed = await _change_member(request, admin, user_id, change)
    log.info("user %s username=%s by=%s", "disabled" if disabled else "enabled", changed.user.username,
             admin.username)
    return JSONResponse({"user": changed.describe()})


async def _change_member(request: Request, admin, user_id: str, change):
    """Run ``change(accounts, user)`` on the user ``user_id`` and return their member row.

    It runs under the write lock, after checking that ``admin`` is still an
    enabled admin, so two admins' changes cannot both pass a team guard.
    """
    state = state_of(request)

    def work():
        accounts = state.accounts(admin.id)
        with state.write_lock:
            _check_still_admin(accounts, admin)
            user = _target(accounts, user_id)
            change(accounts, user)
            return member(accounts, accounts.get(user.id))

    return await _run(work)


async def _run(work):
    """Run ``work`` in a worker thread, turning a rejected change into its API error."""
    try:
        return await run_in_threadpool(work)
    except UserError as error:
        log.info("user change rejected: %s (%s)", error.code, error)
        raise _api_error(error)


routes = [
    Route("/api/users", list_users, methods=["GET"]),
    Route("/api/users", add_user, methods=["POST"]),
    Route("/api/users/{user_id}", update_user, methods=["PATCH"]),
    Route("/api/users/{user_id}/password", set_password, methods=["POST"]),
    Route("/api/users/{user_id}/logout-all", logout_all, methods=["POST"]),
    Route("/api/users/{user_id}/disable", disable_user, methods=["POST"]),
    Route("/api/users/{user_id}/enable", enable_user, methods=["POST"]),
]
