"""``/api/users``: an admin manages team members in the app, under the same rules as ``genzong user``.

Every rejected request is checked to leave both databases exactly as they
were, and every accepted one to change them, through the real app.
"""

import uuid

import pytest
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.auth import TeamGuardError
from genzong.server.members import GENERATED_PASSWORD_CHARS, PASSWORD_ALPHABET
from genzong.server.messages import Detail, error_body
from genzong.server.routes import users as users_routes

from conftest import PASSWORD
from device import Device
from forgery import dump_all
from reminder_helpers import seed


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler and backups, which would write while a test compares databases."""
    with TestClient(create_app(data_dir, state, reminders=False, daily_backups=False)) as client:
        yield client


@pytest.fixture
def admin(login_as):
    """An admin's user and the headers of their requests."""
    user, token = login_as("admin")
    return user, {"Authorization": f"Bearer {token}"}


def log_in(http, username, password=PASSWORD):
    return http.post("/api/login", json={"username": username, "password": password})


def rejected(http, state, method, path, headers, body=None):
    """Send a request that must fail; return its response after checking that nothing changed."""
    before = dump_all(state.data)
    response = http.request(method, path, json=body, headers=headers)
    assert response.status_code >= 400, response.text
    assert dump_all(state.data) == before, f"{method} {path} was rejected but changed the databases"
    return response


def error_of(response):
    body = response.json()
    assert body["message"], body
    assert body["message_en"], body
    return body["error"]


# Listing --------------------------------------------------------------------

def test_list_shows_every_user(http, state, admin, make_user):
    user, headers = admin
    manager = make_user("manager", name="王敏")
    rep = make_user("sales", name="张伟", manager=manager.username)
    state.accounts().set_disabled(make_user("sales").username)
    seed(state, "customers", name="客户甲", owner_id=rep.id)
    response = http.get("/api/users", headers=headers)
    assert response.status_code == 200
    users = {row["id"]: row for row in response.json()["users"]}
    assert len(users) == 4
    assert users[rep.id] == {"id": rep.id, "username": rep.username, "name": "张伟", "role": "sales",
                             "manager_id": manager.id, "disabled": False,
                             "owns": {"customers": 1, "tickets": 0, "projects": 0, "risks": 0}}
    assert sum(row["disabled"] for row in users.values()) == 1
    assert users[user.id]["role"] == "admin"


@pytest.mark.parametrize("role", ["sales", "manager"])
def test_non_admin_gets_403_everywhere(http, state, login_as, make_user, role):
    _, token = login_as(role)
    headers = {"Authorization": f"Bearer {token}"}
    target = make_user("sales")
    requests = [("GET", "/api/users", None), ("POST", "/api/users", {"username": "x1", "role": "sales"}),
                ("PATCH", f"/api/users/{target.id}", {"name": "新名字"}),
                ("POST", f"/api/users/{target.id}/password", {}),
                ("POST", f"/api/users/{target.id}/logout-all", None),
                ("POST", f"/api/users/{target.id}/disable", None),
                ("POST", f"/api/users/{target.id}/enable", None)]
    for method, path, body in requests:
        response = rejected(http, state, method, path, headers, body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == "forbidden"


def test_no_token_gets_401(http, state, make_user):
    target = make_user("sales")
    response = rejected(http, state, "POST", f"/api/users/{target.id}/disable", {})
    assert response.status_code == 401
    assert http.get("/api/users").status_code == 401


# Adding ---------------------------------------------------------------------

def test_add_rep_who_then_logs_in(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager")
    response = http.post("/api/users", headers=headers, json={
        "username": "zhaolei", "name": "赵磊", "role": "sales", "manager_id": manager.id, "password": "first-pw"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert "password" not in body, "a typed password is never sent back"
    assert body["user"]["manager_id"] == manager.id
    assert body["user"]["owns"] == {"customers": 0, "tickets": 0, "projects": 0, "risks": 0}
    login = log_in(http, "zhaolei", "first-pw")
    assert login.status_code == 200
    assert login.json()["user"] == {"id": body["user"]["id"], "username": "zhaolei", "name": "赵磊", "role": "sales"}


def test_add_generates_password_shown_once(http, state, admin):
    _, headers = admin
    response = http.post("/api/users", headers=headers, json={"username": "lina", "role": "manager", "password": ""})
    assert response.status_code == 201
    password = response.json()["password"]
    assert len(password) == GENERATED_PASSWORD_CHARS
    assert set(password) <= set(PASSWORD_ALPHABET)
    assert log_in(http, "lina", password).status_code == 200
    listed = http.get("/api/users", headers=headers).json()["users"]
    assert all("password" not in row for row in listed)


def test_edit_records_admin_in_history(http, state, admin, make_user):
    user, headers = admin
    rep = make_user("sales", name="张伟")
    http.patch(f"/api/users/{rep.id}", headers=headers, json={"name": "张伟强"})
    rows = state.records.get().execute(
        "SELECT user_id, field FROM history WHERE record_table = 'users' AND record_id = ?", (rep.id,)).fetchall()
    assert [(row["user_id"], row["field"]) for row in rows] == [(user.id, "name")]


@pytest.mark.parametrize("body, status, code", [
    ({"username": "has space", "role": "sales"}, 400, "user_invalid_username"),
    ({"username": "x" * 65, "role": "sales"}, 400, "user_invalid_username"),
    ({"username": "ok1", "role": "boss"}, 400, "user_invalid_role"),
    ({"username": "ok1", "role": "sales", "password": "12345"}, 400, "user_short_password"),
    ({"username": "ok1", "role": "sales", "name": "   "}, 400, "user_invalid_name"),
    ({"username": "ok1", "role": "sales", "name": "名" * 101}, 400, "user_invalid_name"),
    ({"username": "ok1", "role": "sales", "manager_id": "wang"}, 400, "user_invalid_field"),
    ({"username": "ok1", "role": "sales", "manager_id": str(uuid.uuid4())}, 400, "user_manager_not_found"),
    ({"username": 5, "role": "sales"}, 400, "user_invalid_field"),
    ({"role": "sales"}, 400, "user_invalid_field"),
    ({"username": "ok1", "role": "sales", "disabled": True}, 400, "user_unknown_field"),
])
def test_add_rejects_invalid_values(http, state, admin, body, status, code):
    _, headers = admin
    response = rejected(http, state, "POST", "/api/users", headers, body)
    assert response.status_code == status
    assert error_of(response) == code


def test_add_taken_username_names_it(http, state, admin, make_user):
    _, headers = admin
    taken = make_user("sales")
    response = rejected(http, state, "POST", "/api/users", headers, {"username": taken.username, "role": "sales"})
    assert response.status_code == 409
    assert response.json()["message"] == f"用户名 {taken.username} 已被使用。请换一个用户名。"


def test_add_rejects_rep_or_disabled_manager(http, state, admin, make_user):
    _, headers = admin
    rep = make_user("sales")
    gone = make_user("manager")
    state.accounts().set_disabled(gone.username)
    for manager, code in ((rep, "user_manager_is_sales"), (gone, "user_manager_disabled")):
        response = rejected(http, state, "POST", "/api/users", headers,
                            {"username": "newrep", "role": "sales", "manager_id": manager.id})
        assert error_of(response) == code
        assert manager.username in response.json()["message"]


def test_add_rejects_non_json_body(http, state, admin):
    _, headers = admin
    before = dump_all(state.data)
    response = http.post("/api/users", headers=headers, content=b"username=x&role=admin")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert dump_all(state.data) == before


# Editing --------------------------------------------------------------------

def test_edit_name_role_and_manager(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager")
    rep = make_user("sales", name="张伟")
    response = http.patch(f"/api/users/{rep.id}", headers=headers,
                          json={"name": "张伟强", "manager_id": manager.id})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["name"] == "张伟强"
    assert response.json()["user"]["manager_id"] == manager.id
    response = http.patch(f"/api/users/{rep.id}", headers=headers, json={"role": "manager", "manager_id": None})
    assert response.json()["user"]["role"] == "manager"
    assert response.json()["user"]["manager_id"] is None
    assert state.accounts().get(rep.id).role == "manager"


def test_role_change_reaches_devices(http, state, admin, make_user):
    """The users table is synced: another device gets the new role and name at its next sync."""
    _, headers = admin
    rep = make_user("sales", name="张伟")
    manager = make_user("manager")
    login = log_in(http, manager.username)
    device = Device(http, login.json()["token"])
    device.sync()
    assert device.get("users", rep.id)["role"] == "sales"
    http.patch(f"/api/users/{rep.id}", headers=headers, json={"role": "manager", "name": "张经理"})
    device.sync()
    assert device.get("users", rep.id)["role"] == "manager"
    assert device.get("users", rep.id)["name"] == "张经理"


def test_edit_empty_body_changes_nothing(http, state, admin, make_user):
    _, headers = admin
    rep = make_user("sales")
    before = dump_all(state.data)
    response = http.patch(f"/api/users/{rep.id}", headers=headers, json={})
    assert response.status_code == 200
    assert dump_all(state.data) == before


def test_manager_with_reps_cannot_become_rep(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager", name="王敏")
    reps = [make_user("sales", manager=manager.username) for _ in range(2)]
    response = rejected(http, state, "PATCH", f"/api/users/{manager.id}", headers, {"role": "sales"})
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "user_manager_has_reps"
    assert body["message"].startswith(f"不能把 {manager.username} 改为业务员：")
    for rep in reps:
        assert rep.username in body["message"]
    assert body["message_en"].startswith(f"Cannot make {manager.username} a sales rep:")


@pytest.mark.parametrize("body, code", [
    ({"role": "owner"}, "user_invalid_role"),
    ({"name": ""}, "user_invalid_name"),
    ({"name": 7}, "user_invalid_field"),
    ({"manager_id": 7}, "user_invalid_field"),
    ({"disabled": True}, "user_unknown_field"),
    ({"password": "new-password"}, "user_unknown_field"),
])
def test_edit_rejects_invalid_values(http, state, admin, make_user, body, code):
    _, headers = admin
    rep = make_user("sales")
    response = rejected(http, state, "PATCH", f"/api/users/{rep.id}", headers, body)
    assert response.status_code == 400
    assert error_of(response) == code


def test_edit_rejected_change_keeps_other_fields(http, state, admin, make_user):
    """A valid name with an invalid manager: the name is not saved either."""
    _, headers = admin
    rep = make_user("sales", name="张伟")
    other_rep = make_user("sales")
    response = rejected(http, state, "PATCH", f"/api/users/{rep.id}", headers,
                        {"name": "改了的名字", "manager_id": other_rep.id})
    assert error_of(response) == "user_manager_is_sales"
    assert state.accounts().get(rep.id).name == "张伟"


def test_manager_cannot_be_own_manager(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager")
    response = rejected(http, state, "PATCH", f"/api/users/{manager.id}", headers, {"manager_id": manager.id})
    assert error_of(response) == "user_own_manager"
    assert manager.username in response.json()["message"]


def test_admin_cannot_change_own_role(http, state, login_as, make_user):
    user, token = login_as("admin")
    make_user("admin")
    headers = {"Authorization": f"Bearer {token}"}
    response = rejected(http, state, "PATCH", f"/api/users/{user.id}", headers, {"role": "manager"})
    assert response.status_code == 409
    assert error_of(response) == "user_self_role"
    # Their own name is theirs to change.
    assert http.patch(f"/api/users/{user.id}", headers=headers, json={"name": "王总"}).status_code == 200


@pytest.mark.parametrize("path_id, status, code", [("wang", 400, "user_not_user_id"),
                                                   (str(uuid.uuid4()), 404, "user_not_found")])
def test_unknown_user_in_path(http, state, admin, path_id, status, code):
    _, headers = admin
    for method, suffix, body in (("PATCH", "", {"name": "x"}), ("POST", "/password", {}),
                                 ("POST", "/logout-all", None), ("POST", "/disable", None),
                                 ("POST", "/enable", None)):
        response = rejected(http, state, method, f"/api/users/{path_id}{suffix}", headers, body)
        assert response.status_code == status, (method, suffix)
        assert error_of(response) == code


# Passwords and sessions -----------------------------------------------------

def test_reset_password_generated_once(http, state, admin, login_as):
    _, headers = admin
    rep, rep_token = login_as("sales")
    response = http.post(f"/api/users/{rep.id}/password", headers=headers, json={})
    assert response.status_code == 200
    password = response.json()["password"]
    assert log_in(http, rep.username).status_code == 401, "the old password no longer works"
    assert log_in(http, rep.username, password).status_code == 200
    assert http.get("/api/me", headers={"Authorization": f"Bearer {rep_token}"}).status_code == 401


def test_reset_password_typed(http, state, admin, make_user):
    _, headers = admin
    rep = make_user("sales")
    response = http.post(f"/api/users/{rep.id}/password", headers=headers, json={"password": "typed-pw"})
    assert "password" not in response.json()
    assert log_in(http, rep.username, "typed-pw").status_code == 200


def test_reset_password_too_short(http, state, admin, make_user):
    _, headers = admin
    rep = make_user("sales")
    response = rejected(http, state, "POST", f"/api/users/{rep.id}/password", headers, {"password": "abc"})
    assert error_of(response) == "user_short_password"
    assert log_in(http, rep.username).status_code == 200


def test_logout_all_ends_sessions(http, state, admin, login_as):
    _, headers = admin
    rep, rep_token = login_as("sales")
    response = http.post(f"/api/users/{rep.id}/logout-all", headers=headers)
    assert response.status_code == 200
    assert http.get("/api/me", headers={"Authorization": f"Bearer {rep_token}"}).status_code == 401
    assert log_in(http, rep.username).status_code == 200, "the password still works"


# Disabling and enabling -----------------------------------------------------

def test_disable_and_enable(http, state, admin, login_as):
    _, headers = admin
    rep, rep_token = login_as("sales")
    response = http.post(f"/api/users/{rep.id}/disable", headers=headers)
    assert response.status_code == 200
    assert response.json()["user"]["disabled"] is True
    assert http.get("/api/me", headers={"Authorization": f"Bearer {rep_token}"}).status_code == 401
    assert log_in(http, rep.username).json()["error"] == "account_disabled"
    response = http.post(f"/api/users/{rep.id}/enable", headers=headers)
    assert response.json()["user"]["disabled"] is False
    assert log_in(http, rep.username).status_code == 200


@pytest.mark.parametrize("table, fields", [
    ("customers", {"name": "客户甲"}),
    ("tickets", {"title": "坏了", "status": "新建"}),
])
def test_disable_rep_with_work_points_to_handover(http, state, admin, make_user, table, fields):
    _, headers = admin
    rep = make_user("sales")
    seed(state, table, owner_id=rep.id, **fields)
    response = rejected(http, state, "POST", f"/api/users/{rep.id}/disable", headers)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "user_owns_work"
    assert rep.username in body["message"]
    assert "工作交接" in body["message"]
    assert "Handover" in body["message_en"]
    assert log_in(http, rep.username).status_code == 200


def test_disable_after_closed_work_allowed(http, state, admin, make_user):
    """Closed tickets stay with their owner in a hand-over, so they do not hold a disable back."""
    _, headers = admin
    rep = make_user("sales")
    seed(state, "tickets", title="已修好", status="已解决", owner_id=rep.id)
    assert http.post(f"/api/users/{rep.id}/disable", headers=headers).status_code == 200


def test_handover_then_disable_is_the_way(http, state, admin, make_user):
    _, headers = admin
    rep, receiver = make_user("sales"), make_user("sales")
    seed(state, "customers", name="客户甲", owner_id=rep.id)
    response = http.post("/api/handover", headers=headers,
                         json={"from": rep.id, "to": receiver.id, "disable_from": True})
    assert response.status_code == 200
    listed = {row["id"]: row for row in http.get("/api/users", headers=headers).json()["users"]}
    assert listed[rep.id]["disabled"] is True
    assert listed[rep.id]["owns"]["customers"] == 0
    assert listed[receiver.id]["owns"]["customers"] == 1


def test_admin_cannot_disable_self(http, state, login_as, make_user):
    user, token = login_as("admin")
    make_user("admin")
    response = rejected(http, state, "POST", f"/api/users/{user.id}/disable",
                        {"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert error_of(response) == "user_self_disable"


def test_disable_manager_with_reps_rejected(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager")
    rep = make_user("sales", manager=manager.username)
    response = rejected(http, state, "POST", f"/api/users/{manager.id}/disable", headers)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "user_manager_has_reps"
    assert body["message"].startswith(f"不能停用 {manager.username}：{rep.username} 的上级经理仍是 {manager.username}")


def test_last_admin_guard_message(state, make_user):
    """The acting admin is always another enabled admin, so only a race reaches this guard; its message."""
    only = make_user("admin")
    with pytest.raises(TeamGuardError) as raised:
        state.accounts().set_disabled(only.username)
    error = users_routes._api_error(raised.value, Detail(f"停用 {only.username}", f"disable {only.username}"))
    assert error.status == 409
    body = error_body(error.code, **error.values)
    assert body["message"].startswith(f"不能停用 {only.username}：{only.username} 是最后一位在职的管理员")
    assert body["message_en"].startswith(f"Cannot disable {only.username}: {only.username} is the last enabled admin")


def test_acting_admin_disabled_meanwhile(http, state, monkeypatch, make_user):
    """Two admins disable each other at once: the request whose admin was disabled after its token check loses."""
    first, second = make_user("admin"), make_user("admin")
    # first's token passed the check; then second's request disabled first.
    monkeypatch.setattr(users_routes, "require_user", lambda request, *roles: first)
    state.accounts().set_disabled(first.username)
    response = rejected(http, state, "POST", f"/api/users/{second.id}/disable", {})
    assert response.status_code == 401
    assert state.accounts().get(second.id).disabled is False


def test_enable_with_disabled_manager_rejected(http, state, admin, make_user):
    _, headers = admin
    manager = make_user("manager")
    rep = make_user("sales", manager=manager.username)
    state.accounts().set_disabled(rep.username)
    state.accounts().set_disabled(manager.username)
    response = rejected(http, state, "POST", f"/api/users/{rep.id}/enable", headers)
    assert response.status_code == 409
    assert error_of(response) == "user_manager_not_serving"
    assert manager.username in response.json()["message"]
    # Give the rep another manager first, as the message advises, and the enable works.
    other = make_user("manager")
    assert http.patch(f"/api/users/{rep.id}", headers=headers, json={"manager_id": other.id}).status_code == 200
    assert http.post(f"/api/users/{rep.id}/enable", headers=headers).status_code == 200
