"""Requests forged with the Datasette cookie change nothing.

The API authenticates with bearer tokens only, and another site cannot
make a browser send one. The ``ds_actor`` cookie opens Datasette, which is
read-only: it takes no POST but its logout button's, which it checks for
its own CSRF token. Login and logout set and clear that cookie, so they
take JSON only. The real-browser version of
these attacks, from a page on a second origin, is in
``tests/browser/test_cross_origin.py``.
"""

import re
import uuid

import pytest
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.auth import TOKEN_MAX_AGE_SECONDS
from genzong.server.timeutil import now_stamp

from conftest import PASSWORD
from forgery import DATASETTE_LOGOUT, DATASETTE_POSTS, dump_all, forged_requests
from reminder_helpers import seed

# Bodies a form on another site can send: a form's three encodings. The
# text/plain one carries a JSON text, as a form with one cleverly named field can.
FORM_BODIES = [
    ("application/x-www-form-urlencoded", b"username=m&password=p"),
    ("multipart/form-data; boundary=xyz",
     b'--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n'),
    ("text/plain", b'{"username": "m", "password": "p", "x": "="}'),
]


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler and backups, which would write while a test compares databases."""
    with TestClient(create_app(data_dir, state, reminders=False, daily_backups=False)) as client:
        yield client


@pytest.fixture
def admin_session(http, make_user):
    """Log an admin in and return (user, token, ds_actor cookie), leaving no cookie in the client."""
    admin = make_user("admin")
    response = http.post("/api/login", json={"username": admin.username, "password": PASSWORD})
    cookie = response.cookies["ds_actor"]
    http.cookies.clear()
    return admin, response.json()["token"], cookie


def set_cookie_header(response) -> str:
    return response.headers.get("set-cookie", "")


def test_cookie_attributes_over_http(http, make_user):
    manager = make_user("manager")
    response = http.post("/api/login", json={"username": manager.username, "password": PASSWORD})
    attributes = [part.strip().lower() for part in set_cookie_header(response).split(";")]
    assert attributes[0].startswith("ds_actor=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert f"max-age={TOKEN_MAX_AGE_SECONDS}" in attributes
    assert "secure" not in attributes, "a Secure cookie would never come back over plain http"


def test_cookie_secure_over_https(data_dir, state, make_user):
    manager = make_user("manager")
    app = create_app(data_dir, state, reminders=False, daily_backups=False)
    with TestClient(app, base_url="https://genzong.test") as client:
        response = client.post("/api/login", json={"username": manager.username, "password": PASSWORD})
    attributes = [part.strip().lower() for part in set_cookie_header(response).split(";")]
    assert "secure" in attributes
    assert "httponly" in attributes


def test_sales_login_sets_no_cookie(http, make_user):
    rep = make_user("sales")
    response = http.post("/api/login", json={"username": rep.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "ds_actor" not in set_cookie_header(response)


@pytest.mark.parametrize("content_type, body", FORM_BODIES, ids=[c.split(";")[0] for c, _ in FORM_BODIES])
def test_form_login_rejected(http, state, make_user, content_type, body):
    manager = make_user("manager")
    body = body.replace(b'"m"', f'"{manager.username}"'.encode()).replace(b'"p"', f'"{PASSWORD}"'.encode())
    body = body.replace(b"username=m&password=p", f"username={manager.username}&password={PASSWORD}".encode())
    before = dump_all(state.data)
    response = http.post("/api/login", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert response.json()["error"] == "json_required"
    assert "Content-Type: application/json" in response.json()["message"]
    assert "ds_actor" not in set_cookie_header(response)
    assert "token" not in response.json()
    assert dump_all(state.data) == before


@pytest.mark.parametrize("content_type, body", [*FORM_BODIES, ("", b"")], ids=["urlencoded", "multipart", "text", "none"])
def test_form_logout_keeps_cookie(http, admin_session, content_type, body):
    _, _, cookie = admin_session
    headers = {"Cookie": f"ds_actor={cookie}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = http.post("/api/logout", content=body, headers=headers)
    assert response.status_code == 415
    assert "ds_actor" not in set_cookie_header(response)


def test_json_logout_clears_cookie(http, admin_session):
    """The PWA's own logout still works."""
    _, _, cookie = admin_session
    response = http.post("/api/logout", json={}, headers={"Cookie": f"ds_actor={cookie}"})
    assert response.status_code == 200
    assert "Max-Age=0" in set_cookie_header(response)


@pytest.fixture
def forged(make_user, state):
    """The state-changing requests, with a departing rep who has one customer to hand over."""
    departing, receiving = make_user("sales"), make_user("sales")
    seed(state, "customers", name="要交接的客户", owner_id=departing.id)
    return forged_requests(departing.id, receiving.id, now_stamp())


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "application/json"])
def test_api_ignores_datasette_cookie(http, state, admin_session, forged, content_type):
    _, _, cookie = admin_session
    before = dump_all(state.data)
    for request in forged:
        response = http.request(request.method, request.path, content=request.body,
                                headers={"Cookie": f"ds_actor={cookie}", "Content-Type": content_type,
                                         "Origin": "http://127.0.0.1:1"})
        assert response.status_code == 401, (request.name, response.text)
        assert response.json()["error"] == "unauthorized"
    assert dump_all(state.data) == before


def test_same_requests_with_token_change_data(http, state, admin_session, forged):
    """The bodies above are valid: with the token each one changes the databases."""
    _, token, _ = admin_session
    for request in forged:
        before = dump_all(state.data)
        response = http.request(request.method, request.path, content=request.body,
                                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert response.status_code == request.status, (request.name, response.text)
        assert dump_all(state.data) != before, request.name


@pytest.mark.parametrize("path", ["/api/sync", "/api/import", "/api/handover", "/api/settings/escalation_days",
                                  "/api/push/subscribe", "/api/login", "/api/logout", "/api/me", "/api/export",
                                  "/api/users", f"/api/users/{uuid.uuid4()}", f"/api/users/{uuid.uuid4()}/disable"])
def test_no_cross_origin_access_allowed(http, path):
    """No CORS: a preflight gets no Access-Control-Allow-* header, so browsers send no JSON or token cross-origin."""
    origin = "http://127.0.0.1:1"
    preflight = http.options(path, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "authorization, content-type"})
    simple = http.get(path, headers={"Origin": origin})
    for response in (preflight, simple):
        assert not any(name.lower().startswith("access-control-allow") for name in response.headers), path


def test_datasette_logout_needs_csrf_token(http, state, admin_session):
    _, _, cookie = admin_session
    forged_token = uuid.uuid4().hex
    attempts = [
        ({"Cookie": f"ds_actor={cookie}"}, {"next": "/"}),
        # A token the attacker made up, set as a cookie and sent in the form:
        # Datasette signs its tokens, so a made-up one does not match.
        ({"Cookie": f"ds_actor={cookie}; ds_csrftoken={forged_token}"}, {"csrftoken": forged_token}),
    ]
    for headers, form in attempts:
        response = http.post(DATASETTE_LOGOUT, data=form, headers=headers, follow_redirects=False)
        assert response.status_code == 403, response.text[:200]
        assert response.text == "form-urlencoded POST field did not match cookie"
        assert "ds_actor" not in set_cookie_header(response), "the Datasette session was ended"


def test_datasette_logout_with_its_token_works(http, admin_session):
    """The check above can fail: Datasette's own logout button, with its token, ends the session."""
    _, _, cookie = admin_session
    http.cookies.set("ds_actor", cookie)
    page = http.get("/data/-/logout")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    response = http.post(DATASETTE_LOGOUT, data={"csrftoken": token}, follow_redirects=False)
    http.cookies.clear()
    assert response.status_code == 302
    assert "ds_actor=" in set_cookie_header(response)


@pytest.mark.parametrize("path", DATASETTE_POSTS[1:])
def test_datasette_takes_no_other_post(http, state, admin_session, path):
    _, _, cookie = admin_session
    http.cookies.set("ds_actor", cookie)
    page = http.get("/data/genzong?sql=select+1")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    before = dump_all(state.data)
    # Without Datasette's CSRF token, as another site would send it, and with it, as the manager would.
    for form in ({"sql": "delete from customers"}, {"sql": "delete from customers", "csrftoken": token}):
        response = http.post(path, data=form, follow_redirects=False)
        assert response.status_code == 405, (path, response.text[:200])
        assert response.headers["allow"] == "GET, HEAD"
        assert "只读" in response.text
    http.cookies.clear()
    assert dump_all(state.data) == before


def test_datasette_csrf_cookie_attributes(http, admin_session):
    _, _, cookie = admin_session
    page = http.get("/data/genzong?sql=select+1", headers={"Cookie": f"ds_actor={cookie}"})
    assert page.status_code == 200
    attributes = [part.strip().lower() for part in set_cookie_header(page).split(";")]
    assert attributes[0].startswith("ds_csrftoken=")
    assert "samesite=lax" in attributes
    assert 'name="csrftoken"' in page.text, "Datasette's forms carry the token"
