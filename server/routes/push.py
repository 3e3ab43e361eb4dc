"""Web Push registration: the server's public key, subscribe and unsubscribe.

A logged-in device fetches the VAPID public key, subscribes with the
browser's push manager, and registers the subscription here. Reminders then
reach that browser even when the app is closed.
"""

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..reminders import subscriptions
from ..reminders.vapid import load_or_create_key, public_key_b64
from ..wire import parse_json_body
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.push")

MAX_SUBSCRIBE_BYTES = 16 * 1024


async def public_key(request: Request) -> JSONResponse:
    await run_in_threadpool(require_user, request)
    vapid = await run_in_threadpool(load_or_create_key, state_of(request).data.vapid_private_key)
    return JSONResponse({"publicKey": public_key_b64(vapid)})


async def subscribe(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request)
    body = parse_json_body(await read_body(request, limit=MAX_SUBSCRIBE_BYTES))
    try:
        parsed = subscriptions.parse_subscription(body)
    except subscriptions.SubscriptionError as error:
        raise ApiError(400, "invalid_subscription", detail=error.detail, detail_en=error.detail_en)
    private = state_of(request).private
    subscription_id, created = await run_in_threadpool(lambda: subscriptions.save(private.get(), user.id, parsed))
    log.info("push subscription %s %s for user %s", subscription_id, "added" if created else "renewed", user.username)
    return JSONResponse({"id": subscription_id, "created": created}, status_code=201 if created else 200)


async def unsubscribe(request: Request) -> JSONResponse:
    user = await run_in_threadpool(require_user, request)
    body = parse_json_body(await read_body(request, limit=MAX_SUBSCRIBE_BYTES))
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        raise ApiError(400, "invalid_subscription", detail="缺少 endpoint", detail_en="endpoint is missing")
    private = state_of(request).private
    removed = await run_in_threadpool(lambda: subscriptions.remove(private.get(), user.id, endpoint))
    if removed:
        log.info("push subscription %s removed by user %s", removed, user.username)
    return JSONResponse({"removed": removed is not None})


routes = [
    Route("/api/push/key", public_key, methods=["GET"]),
    Route("/api/push/subscribe", subscribe, methods=["POST"]),
    Route("/api/push/subscribe", unsubscribe, methods=["DELETE"]),
]
