"""The Starlette application: the API, the PWA and (mounted) Datasette."""

import asyncio
import logging
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .compression import GzipNegotiation
from .daily_backup import run_daily_backups
from .datasette_app import PREFIX as DATASETTE_PREFIX
from .datasette_app import DatasetteMount
from .paths import DataDir, project_root
from .reminders.scheduler import ReminderScheduler
from .routes import auth as auth_routes
from .routes import handover as handover_routes
from .routes import ledgers as ledger_routes
from .routes import push as push_routes
from .routes import pwa as pwa_routes
from .routes import settings as settings_routes
from .routes import sync as sync_routes
from .routes import users as user_routes
from .routes.common import ApiError, api_error_handler, error_response, request_error_handler
from .security import SecurityHeadersMiddleware
from .state import ServerState, open_data_dir
from .wire import RequestError

log = logging.getLogger("genzong.server")

# Responses are gzipped for clients that accept it, because on a phone's link
# the download is what a rep waits for. A first pull's page of 1,000
# follow-ups measured 650 KB of JSON, and level 5 made it about 13 times
# smaller in about 3 ms (BENCHMARKS.md, "Gzip on the wire"). Responses
# under GZIP_MINIMUM_BYTES go uncompressed, and so do the media types in
# GZIP_EXCLUDED_TYPES, which are compressed already: Starlette's list
# (images, fonts, zip, gzip and others) and the ledger export, because an
# .xlsx file is a zip archive. GzipNegotiation decides from Accept-Encoding
# whether the client accepts gzip, and gives gzipped bodies their own ETag
# (see server/compression.py).
GZIP_LEVEL = 5
GZIP_MINIMUM_BYTES = 1024
GZIP_EXCLUDED_TYPES = (*DEFAULT_EXCLUDED_CONTENT_TYPES, ledger_routes.XLSX_TYPE)


async def http_error_handler(request, error: HTTPException):
    if request.url.path.startswith("/api/"):
        code = "not_found" if error.status_code == 404 else "invalid_request"
        return error_response(error.status_code, code, detail=error.detail)
    from starlette.responses import PlainTextResponse
    return PlainTextResponse(str(error.detail), status_code=error.status_code)


def create_app(data: DataDir, state: ServerState | None = None, daily_backups: bool = True,
               reminders: bool = True) -> Starlette:
    """Build the application for one data folder.

    The databases are opened (and upgraded) when the app starts, unless
    ``state`` is an already opened one, and closed when it stops either way:
    closing the last connection checkpoints the WAL into the database file.
    The daily backups and the reminder scheduler run while the app does,
    unless the folder is read-only or ``daily_backups`` or ``reminders`` is False.
    """
    datasette = DatasetteMount()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        opened = state or open_data_dir(data)
        app.state.genzong = opened
        datasette.start(opened)
        log.info("serving data folder %s", data.root)
        stop = asyncio.Event()
        tasks = []
        if not opened.read_only and daily_backups:
            tasks.append(asyncio.create_task(run_daily_backups(opened, stop)))
        scheduler = ReminderScheduler(opened) if reminders and not opened.read_only else None
        if scheduler:
            scheduler.start()
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                await task
            if scheduler:
                await scheduler.stop()
            datasette.stop()
            opened.close()
            log.info("stopped serving data folder %s", data.root)

    pwa = project_root() / "pwa"
    routes = [
        *auth_routes.routes,
        *sync_routes.routes,
        *handover_routes.routes,
        *push_routes.routes,
        *settings_routes.routes,
        *user_routes.routes,
        *ledger_routes.routes,
        *pwa_routes.routes_for(pwa),
        Route(DATASETTE_PREFIX, lambda request: RedirectResponse(DATASETTE_PREFIX + "/")),
        Mount(DATASETTE_PREFIX, app=datasette),
        Mount("/", app=StaticFiles(directory=pwa, html=True), name="pwa"),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(GzipNegotiation),
                    Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL,
                               exclude_content_types=GZIP_EXCLUDED_TYPES),
                    Middleware(SecurityHeadersMiddleware)],
        exception_handlers={ApiError: api_error_handler, RequestError: request_error_handler,
                            HTTPException: http_error_handler},
    )
