"""``GET /sw.js``: the service worker, stamped with the app shell's version.

The service worker caches the app shell (every file under ``pwa/`` that a
page loads) under a name that contains the shell's version. The version is a
hash of those files, so any change to any of them changes the bytes of
``/sw.js``. The browser notices that when it checks for an update, installs
the new worker beside the old one, and the open app offers a reload.
"""

import hashlib
import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

# Files a page may load: cached by the service worker on install.
SHELL_SUFFIXES = frozenset({".html", ".js", ".css", ".webmanifest", ".png", ".svg", ".ico", ".json", ".woff2"})
SERVICE_WORKER = "sw.js"

# sw.js contains exactly one line like this; the route replaces it.
SHELL_LINE = re.compile(r"^const SHELL = .*;$", re.MULTILINE)


class ShellManifest:
    """The shell files of a ``pwa/`` folder and their version.

    The hash is computed again only when a file's size or modification time
    changes, so serving ``/sw.js`` costs a ``stat`` per file.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._signature: tuple | None = None
        self._manifest: dict | None = None

    def files(self) -> list[Path]:
        found = [path for path in self.folder.rglob("*")
                 if path.is_file() and path.suffix in SHELL_SUFFIXES
                 and not any(part.startswith(".") for part in path.relative_to(self.folder).parts)]
        return sorted(found)

    def manifest(self) -> dict:
        """Return ``{"version": …, "files": [URL paths]}`` for the current files."""
        files = self.files()
        worker = self.folder / SERVICE_WORKER
        signature = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in [*files, worker])
        if signature != self._signature:
            digest = hashlib.sha256()
            for path in [*files, worker]:
                digest.update(path.relative_to(self.folder).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
            urls = ["/" + p.relative_to(self.folder).as_posix() for p in files if p.name != SERVICE_WORKER]
            self._manifest = {"version": digest.hexdigest()[:16], "files": ["/", *urls]}
            self._signature = signature
        return self._manifest

    def service_worker(self) -> str:
        """Return the text of ``sw.js`` with the shell manifest written into it."""
        source = (self.folder / SERVICE_WORKER).read_text(encoding="utf-8")
        line = "const SHELL = " + json.dumps(self.manifest(), separators=(",", ":")) + ";"
        stamped, count = SHELL_LINE.subn(lambda _: line, source, count=1)
        if count != 1:
            raise RuntimeError(f"{self.folder / SERVICE_WORKER} has no line 'const SHELL = …;' to stamp")
        return stamped


def routes_for(folder: Path) -> list[Route]:
    """Return the routes that serve the PWA's service worker and the site's icon from ``folder``."""
    shell = ShellManifest(folder)
    icon = folder / "icons" / "icon.svg"

    async def service_worker(request: Request) -> Response:
        # no-cache (set by the security middleware) makes the browser revalidate on every update check.
        return Response(shell.service_worker(), media_type="text/javascript")

    async def favicon(request: Request) -> Response:
        # Datasette's pages name no icon, so browsers request /favicon.ico, and this returns the app's icon.
        return FileResponse(icon, media_type="image/svg+xml")

    return [Route("/sw.js", service_worker, methods=["GET", "HEAD"]),
            Route("/favicon.ico", favicon, methods=["GET", "HEAD"])]
