"""Ledger import and export for managers and admins.

``POST /api/import`` takes the file as the raw request body (no multipart
form), with ``filename``, ``kind``, ``owner``, ``dry_run`` and ``stream`` in
the query string, and returns the row-by-row report as JSON. With
``stream=1`` it returns NDJSON instead: ``{"progress": …}`` lines while
it reads, checks and writes, then one ``{"report": …}`` or ``{"error": …}``
line, so the page can show a progress bar for large files.

``GET /api/export?kind=…`` returns the ledger as .xlsx.
"""

import asyncio
import json
import logging
import sqlite3
from datetime import date
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..importer.export import SHEET_TITLES, export_ledger
from ..importer.layout import KINDS
from ..importer.messages import import_message
from ..importer.problems import ImportFailure
from ..importer.service import ImportRequest, run_import
from .common import read_body, require_user, state_of

log = logging.getLogger("genzong.importer")

MAX_IMPORT_BYTES = 32 * 1024 * 1024  # a 50,000-row .xlsx ledger is about 5 MB
DEFAULT_ROW_LIMIT = 2000  # rows listed without remarks; rows with remarks are always listed
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAILURE_STATUS = {"rows_rejected": 422, "database_changing": 409}


def error_json(code: str, **values) -> dict:
    return {"error": code, "message": import_message(code, "zh", **values),
            "message_en": import_message(code, "en", **values)}


def failure_body(failure: ImportFailure, row_limit: int) -> tuple[int, dict]:
    body = failure.to_json()
    if failure.report is not None:
        body["report"] = failure.report.to_json(row_limit)
    return FAILURE_STATUS.get(failure.code, 400), body


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


async def import_ledger(request: Request) -> Response:
    user = await run_in_threadpool(require_user, request, "manager", "admin")
    params = request.query_params
    kind = params.get("kind") or None
    if kind is not None and kind not in KINDS:
        return JSONResponse(error_json("invalid_kind", value=kind[:40]), status_code=400)
    body = await read_body(request, limit=MAX_IMPORT_BYTES)
    if not body:
        # A named upload without bytes is an empty file, not a missing one.
        if params.get("filename"):
            return JSONResponse(error_json("file_empty", name=params["filename"][:200]), status_code=400)
        return JSONResponse(error_json("import_file_missing"), status_code=400)
    row_limit = DEFAULT_ROW_LIMIT
    if (params.get("row_limit") or "").isdigit():
        row_limit = int(params["row_limit"])
    import_request = ImportRequest(body, (params.get("filename") or "ledger")[:200], kind,
                                   params.get("owner") or None, _flag(params.get("dry_run")), user.id)
    state = state_of(request)
    log.info("import requested user=%s file=%s bytes=%d kind=%s dry_run=%s", user.username,
             import_request.file_name, len(body), kind, import_request.dry_run)

    def work(progress=None):
        return run_import(state.records.get(), import_request, write_lock=state.write_lock, progress=progress)

    if _flag(params.get("stream")):
        return StreamingResponse(_stream(work, row_limit, user.username), media_type="application/x-ndjson")
    try:
        report = await run_in_threadpool(work)
    except ImportFailure as failure:
        log.info("import rejected user=%s file=%s code=%s", user.username, import_request.file_name, failure.code)
        status, payload = failure_body(failure, row_limit)
        return JSONResponse(payload, status_code=status)
    except sqlite3.OperationalError as error:
        log.error("import failed user=%s file=%s error=%s", user.username, import_request.file_name, error)
        return JSONResponse(error_json("import_failed", detail=str(error)), status_code=503)
    return JSONResponse(report.to_json(row_limit))


async def _stream(work, row_limit: int, username: str):
    """Yield NDJSON progress lines while ``work`` runs in a thread, then its outcome."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue = asyncio.Queue()

    def progress(stage: str, done: int, total: int | None) -> None:
        loop.call_soon_threadsafe(events.put_nowait, {"progress": {"stage": stage, "done": done, "total": total}})

    def run() -> dict:
        try:
            return {"status": 200, "report": work(progress).to_json(row_limit)}
        except ImportFailure as failure:
            status, payload = failure_body(failure, row_limit)
            return {"status": status, "error": payload}
        except sqlite3.OperationalError as error:
            log.error("import failed user=%s error=%s", username, error)
            return {"status": 503, "error": error_json("import_failed", detail=str(error))}

    task = asyncio.ensure_future(run_in_threadpool(run))
    while True:
        waiter = asyncio.ensure_future(events.get())
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if waiter in done:
            yield json.dumps(waiter.result(), ensure_ascii=False) + "\n"
            continue
        waiter.cancel()
        while not events.empty():
            yield json.dumps(events.get_nowait(), ensure_ascii=False) + "\n"
        yield json.dumps(task.result(), ensure_ascii=False) + "\n"
        return


async def export_ledger_route(request: Request) -> Response:
    await run_in_threadpool(require_user, request, "manager", "admin")
    kind = request.query_params.get("kind")
    if kind not in KINDS:
        return JSONResponse(error_json("invalid_kind", value=(kind or "")[:40]), status_code=400)
    state = state_of(request)
    data = await run_in_threadpool(lambda: export_ledger(state.records.get(), kind))
    file_name = f"{SHEET_TITLES[kind]}-{date.today().isoformat()}.xlsx"
    disposition = f"attachment; filename=\"{kind}.xlsx\"; filename*=UTF-8''{quote(file_name)}"
    return Response(data, media_type=XLSX_TYPE, headers={"Content-Disposition": disposition})


routes = [
    Route("/api/import", import_ledger, methods=["POST"]),
    Route("/api/export", export_ledger_route, methods=["GET"]),
]
