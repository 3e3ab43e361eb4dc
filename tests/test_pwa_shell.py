"""The app shell the server hands to the service worker, and the shell's CSP rules."""

import re
import shutil
from pathlib import Path

from genzong.server.routes.pwa import ShellManifest

PWA = Path(__file__).resolve().parent.parent / "pwa"


def test_service_worker_lists_shell_files(http):
    response = http.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    match = re.search(r'^const SHELL = \{"version":"([0-9a-f]{16})","files":\[(.*)\]\};$', response.text, re.MULTILINE)
    assert match, "the shell line was not stamped"
    files = set(re.findall(r'"([^"]+)"', match.group(2)))
    assert {"/", "/index.html", "/js/app.js", "/js/sync.js", "/css/app.css", "/manifest.webmanifest",
            "/icons/icon-192.png", "/icons/icon.svg"} <= files
    assert "/sw.js" not in files


def test_shell_version_follows_file_contents(tmp_path):
    folder = tmp_path / "pwa"
    shutil.copytree(PWA, folder)
    shell = ShellManifest(folder)
    first = shell.manifest()["version"]
    assert shell.manifest()["version"] == first, "the same files give the same version"
    stylesheet = folder / "css" / "app.css"
    stylesheet.write_text(stylesheet.read_text() + "\n/* changed */\n")
    assert shell.manifest()["version"] != first


def test_new_module_joins_the_shell(tmp_path):
    folder = tmp_path / "pwa"
    shutil.copytree(PWA, folder)
    shell = ShellManifest(folder)
    before = shell.manifest()
    (folder / "js" / "views" / "later.js").write_text("export const later = 1;\n")
    after = shell.manifest()
    assert "/js/views/later.js" in after["files"]
    assert after["version"] != before["version"]


def test_pages_have_no_inline_script_or_style():
    """The Content-Security-Policy forbids them, so they would silently not run."""
    for page in PWA.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert not re.search(r"\sstyle=", html), page
        assert not re.search(r"\son[a-z]+=", html), page


def test_scripts_never_write_html():
    """User data goes into the page as text; nothing parses strings as HTML."""
    for script in (PWA / "js").rglob("*.js"):
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{script.name} uses {sink}"


def test_security_headers_on_the_app(http):
    response = http.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert response.headers["cache-control"] == "no-cache"


def test_favicon_is_the_app_icon(http):
    response = http.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content == (PWA / "icons" / "icon.svg").read_bytes()
