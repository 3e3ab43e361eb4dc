"""``POST /api/sync``: the sync protocol's one endpoint."""

import logging
import sqlite3
import threading
import time
from contextlib import nullcontext

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


# Bodies over this size (about a thousand changes) are decoded and handled
# one at a time. Each decodes into tens of MB of objects, and they queue for
# the write lock anyway, so two at once only added their memory together.
LARGE_BODY_BYTES = 1024 * 1024
_large_requests = threading.Lock()


async def sync(request: Request) -> Response:
    user = await run_in_threadpool(require_user, request)
    body = await read_body(request)
    state = state_of(request)
    gate = _large_requests if len(body) > LARGE_BODY_BYTES else nullcontext()
    started = time.perf_counter()
    sync_request, response, stats, encoded = await run_in_threadpool(_parse_and_handle, state, user, body, gate)
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info("sync user=%s device=%s received=%d merged=%d unchanged=%d rejected=%d "
             "sent=%d revoked=%d reset=%s more=%s ms=%.1f",
             user.username, sync_request.device, stats.received, stats.merged, stats.unchanged,
             stats.rejected, stats.sent, stats.revoked, stats.reset, response["more"], elapsed_ms)
    return Response(encoded, media_type="application/json")


def _parse_and_handle(state, user, body: bytes, gate):
    """Decode and carry out one sync request in a worker thread; return it, the response and its encoding."""
    with gate:
        sync_request = parse_envelope(body)
        try:
            response, stats = handle_sync(state.records.get(), user, sync_request, utc_now(), state.write_lock)
        except sqlite3.OperationalError as error:
            # Disk full, a read-only folder or a lock held too long: the
            # transaction rolled back, so nothing of the request was stored.
            log.error("sync failed user=%s device=%s error=%s", user.username, sync_request.device, error)
            raise ApiError(503, "storage_failed", detail=describe_storage_error(error))
    return sync_request, response, stats, encode_body(response)


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
