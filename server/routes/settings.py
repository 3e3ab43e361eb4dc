"""Organisation settings for admins: list, change and reset.

Errors name the setting, the value received and what is allowed, in Chinese
and English. Secret settings (the chat robot webhook and its signing
secret) are listed masked.
"""

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import settings as org_settings
from ..messages import Detail
from ..settings import SETTINGS, SettingError
from ..wire import parse_json_body
from .common import ApiError, read_body, require_user, state_of

MAX_SETTING_BYTES = 16 * 1024
# A longer rejected value is cut to this length in the error message.
MAX_VALUE_CHARS = 100


def _describe(key: str, value, stored: bool) -> dict:
    setting = SETTINGS[key]
    return {"key": key, "title": setting.title, "title_en": setting.title_en, "help": setting.help,
            "value": org_settings.display_value(key, value), "default": setting.default, "stored": stored,
            "private": setting.private, "secret": setting.secret}


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"


def _value_text(value) -> str | Detail:
    """Format the rejected ``value`` for the error message.

    A list of survey questions shows as its texts, as the settings screen
    lists them, because the app sends {"key", "text"} objects that the
    admin never typed. A list of texts (project stages) shows as the texts.
    Any other value shows as JSON.
    """
    if value is None:
        # An emptied field: the person typed nothing, not "null".
        return Detail("（空）", "(empty)")
    if isinstance(value, list) and value and all(
            isinstance(item, dict) and isinstance(item.get("text"), str) for item in value):
        texts = [item["text"].strip() for item in value]
        return Detail(_shorten("、".join(texts)), _shorten(", ".join(texts)))
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        texts = [item.strip() for item in value]
        return Detail(_shorten("、".join(texts)), _shorten(", ".join(texts)))
    return _shorten(json.dumps(value, ensure_ascii=False))


def _api_error(error: SettingError) -> ApiError:
    if error.code == "unknown_setting":
        return ApiError(404, "unknown_setting", key=error.key[:100], keys=", ".join(SETTINGS))
    return ApiError(400, "invalid_setting", title=error.title, title_en=SETTINGS[error.key].title_en,
                    value=_value_text(error.value), detail=error.detail, detail_en=error.detail_en)


def _list(state, with_private: bool) -> list[dict]:
    conn, private = state.records.get(), state.private.get()
    values = org_settings.read_all(conn, private)
    return [_describe(key, values[key], org_settings.is_stored(conn, private, key)) for key in SETTINGS
            if with_private or not SETTINGS[key].private]


async def list_settings(request: Request) -> JSONResponse:
    """List the settings: all of them for an admin, the synced ones, to read, for a manager.

    A manager's reminders and team view follow these values, such as the
    escalation threshold. The private ones (the chat robot's address and
    secret) stay with admins.
    """
    user = await run_in_threadpool(require_user, request, "admin", "manager")
    listed = await run_in_threadpool(_list, state_of(request), user.role == "admin")
    return JSONResponse({"settings": listed})


async def change_setting(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request, "admin")
    key = request.path_params["key"]
    body = parse_json_body(await read_body(request, limit=MAX_SETTING_BYTES))
    if not isinstance(body, dict) or "value" not in body:
        raise ApiError(400, "invalid_setting", title=key[:100], title_en=key[:100], value="—",
                       detail='请求内容必须是 {"value": 新值}', detail_en='the body must be {"value": new value}')
    state = state_of(request)

    def write():
        return org_settings.write(state.records.get(), state.private.get(), key, body["value"],
                                  user.id, state.write_lock)
    try:
        value = await run_in_threadpool(write)
    except SettingError as error:
        raise _api_error(error)
    return JSONResponse(_describe(key, value, True))


async def reset_setting(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request, "admin")
    key = request.path_params["key"]
    state = state_of(request)

    def reset():
        return org_settings.reset(state.records.get(), state.private.get(), key, user.id, state.write_lock)
    try:
        value = await run_in_threadpool(reset)
    except SettingError as error:
        raise _api_error(error)
    return JSONResponse(_describe(key, value, False))


routes = [
    Route("/api/settings", list_settings, methods=["GET"]),
    Route("/api/settings/{key}", change_setting, methods=["PUT"]),
    Route("/api/settings/{key}", reset_setting, methods=["DELETE"]),
]
