"""Security headers on every file of the app shell, the API and Datasette,
and no way for the PWA's scripts to parse data as HTML or code.

Chromium's enforcement of the policy (an injected inline script does not
run, online or from the service worker's cache) is tested in
``tests/browser/test_cross_origin.py``.
"""

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.routes.auth import actor_cookie

PWA = Path(__file__).resolve().parent.parent / "pwa"


@pytest.fixture
def http(data_dir, state):
    with TestClient(create_app(data_dir, state, reminders=False, daily_backups=False)) as client:
        yield client


def policy(response) -> dict[str, list[str]]:
    """Return the Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def shell_paths() -> list[str]:
    files = sorted(p for p in PWA.rglob("*") if p.is_file() and p.suffix in (".js", ".css", ".webmanifest", ".html"))
    return ["/", *("/" + p.relative_to(PWA).as_posix() for p in files)]


def test_shell_paths_cover_modules():
    paths = shell_paths()
    assert {"/", "/index.html", "/sw.js", "/js/app.js", "/js/views/today.js"} <= set(paths)


def test_every_shell_file_forbids_inline_script(http):
    for path in shell_paths():
        response = http.get(path)
        assert response.status_code == 200, path
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], path
        assert directives["default-src"] == ["'self'"], path
        assert directives["object-src"] == ["'none'"], path
        assert directives["base-uri"] == ["'self'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        assert not any("unsafe" in source for sources in directives.values() for source in sources), path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path


def test_modules_served_as_javascript(http):
    """With nosniff a browser runs a module only when its type is JavaScript."""
    for path in shell_paths():
        if path.endswith(".js"):
            assert http.get(path).headers["content-type"].startswith("text/javascript"), path


def test_api_responses_carry_headers(http):
    for response in (http.get("/api/me"), http.post("/api/sync", content=b"{")):
        assert policy(response)["script-src"] == ["'self'"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_datasette_pages_refuse_frames(http, state, make_user):
    manager = make_user("manager")
    cookie = actor_cookie(state.secret, manager, state.accounts().token_version(manager.id))
    signed_in = {"Cookie": f"ds_actor={cookie}"}
    responses = {
        "page": http.get("/data/genzong/customers", headers=signed_in),
        "csv": http.get("/data/genzong/customers.csv", headers=signed_in),
        "refusal": http.get("/data/genzong/customers"),
    }
    assert responses["page"].status_code == 200
    assert responses["refusal"].status_code == 403
    for name, response in responses.items():
        assert policy(response) == {"frame-ancestors": ["'none'"]}, name
        assert response.headers["x-frame-options"] == "DENY", name
        assert response.headers["x-content-type-options"] == "nosniff", name


# Ways a script turns a string into markup or code.
HTML_AND_CODE_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment",
                       "DOMParser", "srcdoc", "setHTML", "eval(", "new Function", "setTimeout('", 'setTimeout("',
                       "setInterval('", 'setInterval("')


def test_no_script_parses_strings():
    scripts = [*PWA.rglob("*.js")]
    assert PWA / "sw.js" in scripts
    for script in scripts:
        source = script.read_text(encoding="utf-8")
        for sink in HTML_AND_CODE_SINKS:
            assert sink not in source, f"{script.relative_to(PWA)} uses {sink}"
