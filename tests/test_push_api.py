"""The push registration API and the admin settings API."""

import json

import pytest
from starlette.testclient import TestClient

from genzong.server.app import create_app

from stand_ins import PushService


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler: these tests send no reminders."""
    with TestClient(create_app(data_dir, state, reminders=False)) as client:
        yield client


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stored_subscriptions(state) -> list[tuple]:
    return [tuple(row) for row in state.private.get().execute(
        "SELECT user_id, endpoint, lang FROM push_subscriptions ORDER BY created_at")]


# Push registration -----------------------------------------------------------

def test_push_api_requires_login(http):
    assert http.get("/api/push/key").status_code == 401
    assert http.post("/api/push/subscribe", json={}).status_code == 401
    assert http.request("DELETE", "/api/push/subscribe", json={}).status_code == 401


def test_subscribe_and_renew(http, state, login_as, push_service):
    user, token = login_as("sales")
    key = http.get("/api/push/key", headers=auth(token)).json()["publicKey"]
    sub = push_service.subscribe(key)

    first = http.post("/api/push/subscribe", json={**sub.info(), "lang": "en", "device": "d-1"},
                      headers=auth(token))
    again = http.post("/api/push/subscribe", json=sub.info(), headers=auth(token))

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "created": False}
    assert stored_subscriptions(state) == [(user.id, sub.endpoint, "zh")]


def test_endpoint_moves_to_new_user(http, state, login_as, push_service):
    _, first_token = login_as("sales")
    second, second_token = login_as("sales")
    sub = push_service.subscribe("unused")
    http.post("/api/push/subscribe", json=sub.info(), headers=auth(first_token))

    http.post("/api/push/subscribe", json=sub.info(), headers=auth(second_token))

    assert stored_subscriptions(state) == [(second.id, sub.endpoint, "zh")]


def test_unsubscribe_only_own(http, state, login_as, push_service):
    _, token = login_as("sales")
    _, stranger = login_as("sales")
    sub = push_service.subscribe("unused")
    http.post("/api/push/subscribe", json=sub.info(), headers=auth(token))

    by_stranger = http.request("DELETE", "/api/push/subscribe", json={"endpoint": sub.endpoint},
                               headers=auth(stranger))
    by_owner = http.request("DELETE", "/api/push/subscribe", json={"endpoint": sub.endpoint},
                            headers=auth(token))

    assert by_stranger.json() == {"removed": False}
    assert by_owner.json() == {"removed": True}
    assert stored_subscriptions(state) == []


def valid_body(push_service) -> dict:
    return push_service.subscribe("unused").info()


INVALID = [
    ("plain http elsewhere", lambda b: {**b, "endpoint": "http://push.example.com/x"}, "只接受 https 网址"),
    ("private address", lambda b: {**b, "endpoint": "https://10.1.2.3/push/x"}, "不能指向内网或本机地址"),
    ("link-local address", lambda b: {**b, "endpoint": "https://169.254.169.254/x"}, "不能指向内网或本机地址"),
    ("credentials in URL", lambda b: {**b, "endpoint": "https://u:p@push.example.com/x"}, "用户名或密码"),
    ("other scheme", lambda b: {**b, "endpoint": "ftp://push.example.com/x"}, "只接受 https 网址"),
    ("missing endpoint", lambda b: {"keys": b["keys"]}, "必须是网址"),
    ("missing keys", lambda b: {"endpoint": b["endpoint"]}, "缺少 keys"),
    ("short auth", lambda b: {**b, "keys": {**b["keys"], "auth": "AAAA"}}, "keys.auth 必须是 16 字节，收到的是 3 字节"),
    ("short p256dh", lambda b: {**b, "keys": {**b["keys"], "p256dh": "AAA"}},
     "keys.p256dh 必须是未压缩的 P-256 公钥（65 字节），收到的是 2 字节"),
    ("p256dh not a point", lambda b: {**b, "keys": {**b["keys"], "p256dh": "BA" + "A" * 85}},
     "不是有效的 P-256 公钥"),
    ("p256dh not base64", lambda b: {**b, "keys": {**b["keys"], "p256dh": "!!!"}}, "不是有效的 base64url"),
    ("bad language", lambda b: {**b, "lang": "fr"}, "lang 必须是 zh 或 en，收到的是 'fr'"),
    ("bad device", lambda b: {**b, "device": "a b"}, "device 必须是"),
    ("not an object", lambda b: [b], "必须是 JSON 对象"),
]


@pytest.mark.parametrize("case, change, message", INVALID, ids=[case[0] for case in INVALID])
def test_invalid_subscription_rejected(http, state, login_as, push_service, case, change, message):
    _, token = login_as("sales")

    response = http.post("/api/push/subscribe", json=change(valid_body(push_service)), headers=auth(token))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subscription"
    assert message in response.json()["message"]
    assert response.json()["message_en"].startswith("The push subscription is invalid: ")
    assert stored_subscriptions(state) == []


def test_subscription_body_not_json(http, login_as):
    _, token = login_as("sales")
    response = http.post("/api/push/subscribe", content=b"{nope", headers=auth(token))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


def test_subscription_body_too_large(http, login_as, push_service):
    _, token = login_as("sales")
    body = {**valid_body(push_service), "padding": "x" * 20_000}
    response = http.post("/api/push/subscribe", json=body, headers=auth(token))
    assert response.status_code == 413


def test_loopback_http_endpoint_accepted(http, login_as):
    _, token = login_as("sales")
    service = PushService()
    body = service.subscribe("unused").info()
    for host in ("127.0.0.1:9", "[::1]:9", "localhost:9"):
        body["endpoint"] = f"http://{host}/push/x"
        assert http.post("/api/push/subscribe", json=body, headers=auth(token)).status_code in (200, 201)
    service.server.server_close()


def test_oldest_subscriptions_dropped_above_limit(http, state, login_as, push_service, monkeypatch):
    from genzong.server.reminders import subscriptions
    monkeypatch.setattr(subscriptions, "MAX_PER_USER", 2)
    _, token = login_as("sales")
    endpoints = []
    for _ in range(3):
        body = valid_body(push_service)
        endpoints.append(body["endpoint"])
        http.post("/api/push/subscribe", json=body, headers=auth(token))

    assert [row[1] for row in stored_subscriptions(state)] == endpoints[1:]


# Settings --------------------------------------------------------------------

def test_settings_admin_only(http, login_as):
    for role in ("sales", "manager"):
        _, token = login_as(role)
        assert http.put("/api/settings/escalation_days", json={"value": 5}, headers=auth(token)).status_code == 403
        assert http.delete("/api/settings/escalation_days", headers=auth(token)).status_code == 403
    _, token = login_as("sales")
    assert http.get("/api/settings", headers=auth(token)).status_code == 403


def test_manager_reads_synced_settings(http, login_as):
    """A manager reads the settings their reminders follow, but not the chat robot's address or secret."""
    _, admin_token = login_as("admin")
    _, token = login_as("manager")

    every = {row["key"] for row in http.get("/api/settings", headers=auth(admin_token)).json()["settings"]}
    response = http.get("/api/settings", headers=auth(token))

    assert response.status_code == 200
    listed = {row["key"] for row in response.json()["settings"]}
    assert "escalation_days" in listed
    assert "chat_webhook_url" in every
    assert {"chat_webhook_url", "chat_webhook_secret"}.isdisjoint(listed)
    assert listed == {row["key"] for row in response.json()["settings"] if not row["private"]}


def test_setting_change_is_synced(http, state, login_as, make_device):
    admin, token = login_as("admin")

    response = http.put("/api/settings/reminder_receivable_days", json={"value": 7}, headers=auth(token))

    assert response.status_code == 200
    assert response.json()["value"] == 7
    device = make_device("sales")
    device.sync()
    synced = [record for (table, _), record in device.records.items() if table == "settings"]
    assert [(r.fields["key"], r.fields["value"]) for r in synced] == [("reminder_receivable_days", 7)]

    admin_change = http.put("/api/settings/reminder_receivable_days", json={"value": 8}, headers=auth(token))
    history = state.records.get().execute(
        "SELECT old_value, new_value, user_id FROM history WHERE record_table = 'settings' AND field = 'value'")
    assert admin_change.status_code == 200
    assert [tuple(row) for row in history] == [("7", "8", admin.id)]


def test_invalid_setting_rejected(http, state, login_as):
    _, token = login_as("admin")

    response = http.put("/api/settings/escalation_days", json={"value": 0}, headers=auth(token))

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_setting",
        "message": "设置“跟进逾期上报天数”的值 0 无效：必须是 1 到 365 之间的整数（天）。",
        "message_en": "Invalid value 0 for the setting \"Days overdue before a manager is told\": "
                      "must be a whole number from 1 to 365 (days)."}
    assert state.records.get().execute("SELECT count(*) FROM settings").fetchone()[0] == 0



def test_emptied_setting_named_empty(http, login_as):
    _, token = login_as("admin")

    response = http.put("/api/settings/reminder_receivable_days", json={"value": None}, headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"].startswith("设置“回款提前提醒天数”的值 （空） 无效：")
    assert response.json()["message_en"].startswith("Invalid value (empty) for the setting")

def test_repeated_question_message_names_texts(http, state, login_as):
    """The app sends the questions as {key, text} objects, but the admin typed only the texts."""
    _, token = login_as("admin")
    questions = [{"key": "product", "text": "产品质量"}, {"key": "install", "text": "产品质量"},
                 {"key": "service", "text": "服务态度"}, {"key": "q_extra", "text": "产品质量"}]

    response = http.put("/api/settings/survey_questions", json={"value": questions}, headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"] == (
        "设置“满意度调查问题”的值 产品质量、产品质量、服务态度、产品质量 无效："
        "问题“产品质量”出现了 3 次，每个问题的文字须互不相同。")
    assert response.json()["message_en"] == (
        "Invalid value 产品质量, 产品质量, 服务态度, 产品质量 for the setting \"Satisfaction survey questions\": "
        "the question \"产品质量\" appears 3 times; each question needs its own text.")
    assert state.records.get().execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_repeated_stage_named(http, state, login_as):
    """A name with spaces around it repeats the same name without them, as it would be stored."""
    _, token = login_as("admin")

    response = http.put("/api/settings/project_stages", json={"value": ["量房", "报价", " 量房"]}, headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"] == (
        "设置“项目阶段”的值 量房、报价、量房 无效：阶段“量房”出现了两次，阶段名称须互不相同。")
    assert response.json()["message_en"].endswith('the stage "量房" appears twice; each stage needs its own name.')
    assert state.records.get().execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_blank_stage_named_by_row(http, state, login_as):
    _, token = login_as("admin")

    response = http.put("/api/settings/project_stages", json={"value": ["量房", "  ", "报价"]}, headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"].endswith("无效：第 2 个阶段没有名称，请填写或删去这一行。")
    assert response.json()["message_en"].endswith("stage 2 has no name; fill it in or remove the row.")
    assert state.records.get().execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_malformed_questions_message_keeps_json(http, login_as):
    _, token = login_as("admin")

    response = http.put("/api/settings/survey_questions", json={"value": [{"key": "product"}]},
                        headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"].startswith('设置“满意度调查问题”的值 [{"key": "product"}] 无效：')


@pytest.mark.parametrize("key, value", [
    ("escalation_days", "3"), ("escalation_days", True), ("reminder_ticket_hours", 169),
    ("time_zone", "Mars/Olympus"), ("time_zone", 8), ("chat_webhook_url", "http://example.com/robot"),
    ("chat_webhook_url", "https://192.168.1.5/robot"), ("chat_webhook_kind", "slack"),
    ("push_contact", "admin@example.com"), ("chat_webhook_secret", ""),
])
def test_setting_values_validated(http, login_as, key, value):
    _, token = login_as("admin")
    response = http.put(f"/api/settings/{key}", json={"value": value}, headers=auth(token))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_setting"


def test_unknown_setting(http, login_as):
    _, token = login_as("admin")
    response = http.put("/api/settings/colour", json={"value": 1}, headers=auth(token))
    assert response.status_code == 404
    assert response.json()["message"].startswith("没有名为“colour”的设置。可用的设置：time_zone, ")


def test_setting_body_must_have_value(http, login_as):
    _, token = login_as("admin")
    response = http.put("/api/settings/escalation_days", json={"val": 1}, headers=auth(token))
    assert response.status_code == 400
    assert "value" in response.json()["message"]


def test_private_setting_not_synced_and_masked(http, state, login_as):
    _, token = login_as("admin")
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-key"

    http.put("/api/settings/chat_webhook_url", json={"value": url}, headers=auth(token))
    listed = {s["key"]: s for s in http.get("/api/settings", headers=auth(token)).json()["settings"]}

    assert listed["chat_webhook_url"]["value"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
    assert listed["chat_webhook_url"]["stored"] is True
    assert listed["chat_webhook_url"]["secret"] is True
    assert listed["escalation_days"] == {
        "key": "escalation_days", "title": "跟进逾期上报天数", "title_en": "Days overdue before a manager is told",
        "help": "tell the rep's manager when a follow-up is overdue by more than this many days",
        "value": 3, "default": 3, "stored": False, "private": False, "secret": False}
    assert b"very-secret-key" not in state.data.database.read_bytes()
    assert state.records.get().execute("SELECT count(*) FROM settings").fetchone()[0] == 0


def test_reset_setting(http, state, login_as):
    _, token = login_as("admin")
    http.put("/api/settings/escalation_days", json={"value": 9}, headers=auth(token))

    response = http.delete("/api/settings/escalation_days", headers=auth(token))

    assert response.json()["value"] == 3
    row = state.records.get().execute("SELECT value, deleted FROM settings WHERE key = 'escalation_days'").fetchone()
    assert tuple(row) == ("9", 1)
    again = http.put("/api/settings/escalation_days", json={"value": 4}, headers=auth(token))
    assert again.json()["value"] == 4
    rows = state.records.get().execute("SELECT value, deleted FROM settings").fetchall()
    assert [tuple(r) for r in rows] == [("4", 0)]


def test_error_codes_documented():
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "reminders.md").read_text()
    for code in ("invalid_subscription", "invalid_setting", "unknown_setting"):
        assert f"`{code}`" in doc, code


def test_settings_documented():
    from pathlib import Path
    from genzong.server.settings import SETTINGS
    doc = (Path(__file__).resolve().parent.parent / "docs" / "reminders.md").read_text()
    for key, setting in SETTINGS.items():
        default = json.dumps(setting.default, ensure_ascii=False)
        assert f"| `{key}` | `{default}` |" in doc, key


def test_short_p256dh_gives_byte_count_in_both_languages(http, login_as, push_service):
    _, token = login_as("sales")
    body = valid_body(push_service)
    body["keys"]["p256dh"] = "AAA"

    response = http.post("/api/push/subscribe", json=body, headers=auth(token))

    assert response.status_code == 400
    assert "（65 字节），收到的是 2 字节" in response.json()["message"]
    assert "of 65 bytes, got 2" in response.json()["message_en"]


def test_pool_days_names_unknown_kind(http, login_as):
    _, token = login_as("admin")

    response = http.put("/api/settings/pool_days", json={"value": {"直接型": 45}}, headers=auth(token))

    assert response.status_code == 400
    assert response.json()["message"] == (
        "设置“退回公海天数”的值 {\"直接型\": 45} 无效：没有客户类型“直接型”，可用的客户类型：直接、间接、潜在。")
    assert "unknown customer kind \"直接型\", valid kinds: 直接, 间接, 潜在" in response.json()["message_en"]
