"""``POST /api/sync``: the sync protocol's one endpoint."""

import logging
import sqlite3
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..pull import encode_body
from ..sync_service import handle_sync
from ..timeutil import utc_now
from ..wire import parse_envelope
from .common import ApiError, read_body, require_user, state_of

log = logging.getLogger("genzong.sync")


async def sync(request: Request) -> Response:
    user = await run_in_threadpool(require_user, request)
    body = await read_body(request)
    sync_request = parse_envelope(body)
    state = state_of(request)
    started = time.perf_counter()
    try:
        response, stats = await run_in_threadpool(
            lambda: handle_sync(state.records.get(), user, sync_request, utc_now(), state.write_lock))
    except sqlite3.OperationalError as error:
        # Disk full, a read-only folder or a lock held too long: the
        # transaction rolled back, so nothing of the request was stored.
        log.error("sync failed user=%s device=%s error=%s", user.username, sync_request.device, error)
        raise ApiError(503, "storage_failed", detail=describe_storage_error(error))
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info("sync user=%s device=%s received=%d merged=%d unchanged=%d rejected=%d "
             "sent=%d revoked=%d reset=%s more=%s ms=%.1f",
             user.username, sync_request.device, stats.received, stats.merged, stats.unchanged,
             stats.rejected, stats.sent, stats.revoked, stats.reset, response["more"], elapsed_ms)
    return Response(encode_body(response), media_type="application/json")


def describe_storage_error(error: sqlite3.OperationalError) -> str:
    """Name a storage failure in the words an administrator looks for."""
    text = str(error)
    if "full" in text:
        return "磁盘已满 / disk full"
    if "readonly" in text or "read-only" in text:
        return "数据目录只读 / data folder is read-only"
    if "locked" in text:
        return "数据库忙 / database is locked"
    return text


routes = [Route("/api/sync", sync, methods=["POST"])]
