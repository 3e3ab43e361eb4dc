"""Who gets into Datasette at /data/: managers and admins only, and only while their login is current."""

import asyncio
import time
from urllib.parse import unquote

import pytest
from itsdangerous import URLSafeSerializer
from starlette.routing import Mount

from genzong.server.routes.auth import actor_cookie, base62

from published import close_published, cookie_header, open_published

# Every kind of Datasette URL: pages, JSON, CSV, canned queries and Datasette's
# own /-/ pages.
DATASETTE_URLS = [
    "/data/",
    "/data/genzong",
    "/data/genzong.json",
    "/data/genzong/customers",
    "/data/genzong/customers.json",
    "/data/genzong/customers.csv",
    "/data/genzong/customers.csv?_dl=1",
    "/data/genzong/receivable_tracking",
    "/data/genzong/receivable_tracking.csv",
    "/data/genzong/overdue_receivables",
    "/data/genzong/overdue_receivables.json",
    "/data/genzong/overdue_receivables.csv",
    "/data/genzong?sql=select+1",
    "/data/genzong.json?sql=select+1",
    "/data/-/versions.json",
    "/data/-/metadata.json",
    "/data/-/actor.json",
    "/data/-/plugins.json",
    "/data/-/databases.json",
    "/data/-/allow-debug",
    # Near a static file's path, but not one: Datasette serves a page or 404 here.
    "/data/-/static",
    "/data/-/staticx/app.css",
    "/data/-/static-plugins",
]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("access"), demo_customers=20)
    yield opened
    close_published(opened)


@pytest.fixture
def new_user(published):
    """Create a user with password ``secret-pw``; returns the User."""
    def make(role: str):
        return published.state.accounts().add(f"{role}-{time.time_ns()}", "secret-pw", role)
    return make


def call_mount(published, raw_path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send one request without a cookie straight to the /data/ mount; return its status and body."""
    mount = next(route.app for route in published.client.app.routes
                 if isinstance(route, Mount) and route.path == "/data")
    scope = {"type": "http", "http_version": "1.1", "method": method, "scheme": "http",
             "path": unquote(raw_path), "raw_path": raw_path.encode(), "root_path": "",
             "query_string": b"", "headers": [(b"host", b"testserver")],
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(mount(scope, receive, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    return start["status"], b"".join(message.get("body", b"") for message in sent
                                     if message["type"] == "http.response.body")


def user_cookie(published, user) -> str:
    return published.login_cookie(user.username, "secret-pw")


@pytest.mark.parametrize("url", DATASETTE_URLS)
def test_anonymous_gets_403(published, url):
    response = published.get(url, username=None)
    assert response.status_code == 403
    assert "销售经理和管理员" in response.text


@pytest.mark.parametrize("url", [url for url in DATASETTE_URLS if "/-/static" not in url])
def test_manager_gets_200(published, url):
    response = published.get(url, username="jingli")
    assert response.status_code in (200, 302), response.text[:500]


@pytest.mark.parametrize("url", ["/data/-/static/app.css", "/data/-/static/table.js"])
def test_anonymous_gets_static_file(published, url):
    # Datasette's static files hold no data, and the 403 page links app.css.
    response = published.get(url, username=None)
    assert response.status_code == 200
    assert "销售经理和管理员" not in response.text


@pytest.mark.parametrize("path", ["/data/-/static/../genzong/customers.json",
                                  "/data/-/static/%2e%2e/genzong/customers.json",
                                  "/data/-/static-plugins/../../genzong/customers.json"])
def test_anonymous_static_path_escape(published, path):
    # HTTP clients resolve dot segments, so the request goes to the mount as a server would pass it on.
    status, body = call_mount(published, path)
    assert status in (403, 404), body[:300]
    assert b"customer" not in body.lower()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_anonymous_static_write_gets_403(published, method):
    status, _ = call_mount(published, "/data/-/static/app.css", method=method)
    assert status == 403


@pytest.mark.parametrize("url", ["/data/genzong/customers", "/data/genzong/overdue_receivables.json",
                                 "/data/genzong/customer_list.csv"])
def test_admin_gets_200(published, url):
    assert published.get(url, username="admin").status_code == 200


def test_forbidden_json_is_json(published):
    response = published.get("/data/genzong/customers.json", username=None)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["ok"] is False
    assert "销售经理和管理员" in response.json()["error"]


def test_sales_login_sets_no_cookie(published):
    assert published.login_cookie("zhangwei") is None


@pytest.mark.parametrize("url", ["/data/genzong/customers", "/data/genzong/customers.json",
                                 "/data/genzong/customers.csv", "/data/genzong/overdue_receivables.json"])
def test_sales_cookie_gets_403(published, url):
    # A cookie signed with the server's secret for a rep, as if the rep had
    # been a manager when logging in and was then demoted.
    accounts = published.state.accounts()
    rep = accounts.by_username("zhangwei")
    cookie = actor_cookie(published.state.secret, rep, accounts.token_version(rep.id))
    response = published.client.get(url, headers=cookie_header(cookie))
    assert response.status_code == 403


def test_datasette_root_cookie_gets_403(published):
    # Datasette's built-in cookie reader would accept this actor; the plugin
    # accepts only actors it has checked itself.
    cookie = URLSafeSerializer(published.state.secret, "actor").dumps({"a": {"id": "root"}})
    response = published.client.get("/data/genzong/customers", headers=cookie_header(cookie))
    assert response.status_code == 403


def test_tampered_cookie_gets_403(published):
    cookie = published.login_cookie("jingli")
    tampered = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    response = published.client.get("/data/genzong/customers", headers=cookie_header(tampered))
    assert response.status_code == 403


def test_cookie_from_other_secret_gets_403(published):
    accounts = published.state.accounts()
    manager = accounts.by_username("jingli")
    cookie = actor_cookie(b"another-secret", manager, accounts.token_version(manager.id))
    response = published.client.get("/data/genzong/customers", headers=cookie_header(cookie))
    assert response.status_code == 403


def test_expired_cookie_gets_403(published):
    accounts = published.state.accounts()
    manager = accounts.by_username("jingli")
    actor = {"id": manager.id, "username": manager.username, "name": manager.name,
             "role": manager.role, "genzong_token_version": accounts.token_version(manager.id)}
    serializer = URLSafeSerializer(published.state.secret, "actor")
    expired = serializer.dumps({"a": actor, "e": base62(int(time.time()) - 60)})
    without_expiry = serializer.dumps({"a": actor})
    assert published.client.get("/data/genzong", headers=cookie_header(expired)).status_code == 403
    assert published.client.get("/data/genzong", headers=cookie_header(without_expiry)).status_code == 403


def test_logout_clears_cookie(published, new_user):
    manager = new_user("manager")
    published.client.post("/api/login", json={"username": manager.username, "password": "secret-pw"})
    assert published.client.get("/data/genzong/customers").status_code == 200
    published.client.post("/api/logout", json={})
    assert "ds_actor" not in published.client.cookies
    assert published.client.get("/data/genzong/customers").status_code == 403
    published.client.cookies.clear()


def test_logout_all_ends_session(published, new_user):
    manager = new_user("manager")
    cookie = user_cookie(published, manager)
    assert published.client.get("/data/genzong/customers", headers=cookie_header(cookie)).status_code == 200
    published.state.accounts().logout_all(manager.username)
    assert published.client.get("/data/genzong/customers", headers=cookie_header(cookie)).status_code == 403
    fresh = user_cookie(published, manager)
    assert published.client.get("/data/genzong/customers", headers=cookie_header(fresh)).status_code == 200


def test_disable_ends_session(published, new_user):
    admin = new_user("admin")
    cookie = user_cookie(published, admin)
    assert published.client.get("/data/genzong.json", headers=cookie_header(cookie)).status_code == 200
    published.state.accounts().set_disabled(admin.username, True)
    assert published.client.get("/data/genzong.json", headers=cookie_header(cookie)).status_code == 403


def test_disabled_flag_alone_ends_session(published, new_user):
    # The disabled flag is checked even when the token version still matches.
    manager = new_user("manager")
    cookie = user_cookie(published, manager)
    accounts = published.state.accounts()
    accounts._write_user(manager.id, {"disabled": True})
    assert published.client.get("/data/genzong", headers=cookie_header(cookie)).status_code == 403


def test_password_change_ends_session(published, new_user):
    manager = new_user("manager")
    cookie = user_cookie(published, manager)
    published.state.accounts().set_password(manager.username, "another-pw")
    assert published.client.get("/data/genzong", headers=cookie_header(cookie)).status_code == 403


def test_demotion_ends_session(published, new_user):
    manager = new_user("manager")
    cookie = user_cookie(published, manager)
    published.state.accounts().update(manager.username, role="sales")
    assert published.client.get("/data/genzong", headers=cookie_header(cookie)).status_code == 403


def test_actor_shows_current_user(published):
    actor = published.get("/data/-/actor.json", "jingli").json()["actor"]
    assert actor["username"] == "jingli"
    assert actor["name"] == "王经理"
    assert actor["role"] == "manager"


def test_data_redirects_to_database(published):
    response = published.get("/data/", "jingli")
    assert response.status_code == 302
    assert response.headers["location"] == "/data/genzong"
