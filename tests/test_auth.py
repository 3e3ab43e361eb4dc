"""Login, tokens and their revocation."""

import stat

import pytest
from itsdangerous import URLSafeSerializer

from conftest import PASSWORD


def sync_status(http, token):
    response = http.post("/api/sync", json={"device": "d-auth", "cursor": 0, "changes": []},
                         headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_login_returns_token_and_user(http, make_user):
    user = make_user("sales", name="张伟")
    response = http.post("/api/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": user.id, "username": user.username, "name": "张伟", "role": "sales"}
    assert sync_status(http, body["token"]) == 200
    assert "ds_actor" not in response.cookies


@pytest.mark.parametrize("username, password", [("nobody", PASSWORD), (None, "wrong-password")])
def test_wrong_login_gets_401_in_chinese(http, make_user, username, password):
    user = make_user("sales")
    response = http.post("/api/login", json={"username": username or user.username, "password": password})
    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"
    assert response.json()["message"] == "用户名或密码错误。"


def test_login_body_must_have_text_fields(http):
    response = http.post("/api/login", json={"username": 5})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_disabled_user_cannot_log_in_and_loses_tokens(http, state, login_as):
    user, token = login_as("sales")
    state.accounts().set_disabled(user.username)
    assert sync_status(http, token) == 401
    response = http.post("/api/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"] == "account_disabled"
    assert response.json()["message"] == f"账号 {user.username} 已停用，不能登录。请联系你的经理。"


def test_disabled_user_with_wrong_password_learns_nothing(http, state, make_user):
    user = make_user("sales")
    state.accounts().set_disabled(user.username)
    response = http.post("/api/login", json={"username": user.username, "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json()["error"] == "login_failed"


def test_logout_all_revokes_tokens(http, state, login_as):
    user, token = login_as("sales")
    state.accounts().logout_all(user.username)
    assert sync_status(http, token) == 401
    _, fresh = login_as(user)
    assert sync_status(http, fresh) == 200


def test_password_change_revokes_tokens(http, state, login_as):
    user, token = login_as("sales")
    state.accounts().set_password(user.username, "another-password")
    assert sync_status(http, token) == 401
    assert http.post("/api/login", json={"username": user.username, "password": PASSWORD}).status_code == 401
    assert http.post("/api/login", json={"username": user.username,
                                         "password": "another-password"}).status_code == 200


def test_expired_token_gets_401(http, state, login_as, monkeypatch):
    import itsdangerous.timed as timed
    user, _ = login_as("sales")
    real_time = timed.time.time
    monkeypatch.setattr(timed.time, "time", lambda: real_time() - 31 * 24 * 3600)
    old_token = state.accounts().issue_token(user)
    monkeypatch.setattr(timed.time, "time", real_time)
    assert sync_status(http, old_token) == 401


def test_token_signed_with_other_secret_gets_401(http, state, login_as):
    from genzong.server.auth import Accounts
    user, _ = login_as("sales")
    forged = Accounts(state.records.get(), state.private.get(), b"not-the-secret").issue_token(user)
    assert sync_status(http, forged) == 401


def test_manager_login_sets_datasette_cookie(http, state, make_user):
    manager = make_user("manager")
    response = http.post("/api/login", json={"username": manager.username, "password": PASSWORD})
    cookie = response.cookies["ds_actor"]
    data = URLSafeSerializer(state.secret, "actor").loads(cookie)
    assert data["a"]["id"] == manager.id
    assert data["a"]["genzong_token_version"] == state.accounts().token_version(manager.id)
    assert "e" in data
    logout = http.post("/api/logout", json={})
    assert "ds_actor" in logout.headers["set-cookie"]
    assert "Max-Age=0" in logout.headers["set-cookie"]


def test_secrets_stay_out_of_published_database(state, make_user):
    make_user("admin")
    conn = state.records.get()
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in conn.execute(f"SELECT * FROM {table}"):
            assert not any(isinstance(v, str) and v.startswith("scrypt$") for v in row), table
    mode = stat.S_IMODE(state.data.secret_key.stat().st_mode)
    assert mode == 0o600


def test_repeated_failures_lock_the_account(http, make_user):
    user = make_user("sales")
    for _ in range(5):
        response = http.post("/api/login", json={"username": user.username, "password": "wrong-password"})
        assert response.status_code == 401
    locked = http.post("/api/login", json={"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["error"] == "login_locked"
    assert "秒后再试" in locked.json()["message"]
    other = make_user("sales")
    assert http.post("/api/login", json={"username": other.username, "password": PASSWORD}).status_code == 200


def test_lockout_expires_and_success_clears_count(state):
    from genzong.server.throttle import LoginThrottle
    now = [1000.0]
    throttle = LoginThrottle(state.private.get(), clock=lambda: now[0])
    for _ in range(5):
        throttle.failed("zhangwei", "10.1.1.1")
    assert throttle.check("zhangwei", "10.1.1.2").seconds == 61
    now[0] += 61
    assert throttle.check("zhangwei", "10.1.1.2") is None
    throttle.failed("zhangwei", "10.1.1.1")  # the sixth failure doubles the lockout
    assert throttle.check("zhangwei", "10.1.1.2").seconds == 121
    throttle.succeeded("zhangwei")
    assert throttle.check("zhangwei", "10.1.1.2") is None


def test_many_failures_from_one_address_lock_it(state):
    from genzong.server.throttle import LoginThrottle
    throttle = LoginThrottle(state.private.get(), clock=lambda: 5000.0)
    for i in range(20):
        throttle.failed(f"guess{i}", "10.9.9.9")
    assert throttle.check("anyone", "10.9.9.9") is not None
    assert throttle.check("anyone", "10.9.9.8") is None
