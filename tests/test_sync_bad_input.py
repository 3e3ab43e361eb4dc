"""Bad sync input is rejected as the protocol specifies, and nothing rejected is stored."""

import json

import pytest

from device import Device, new_id, version_to_change
from genzong.server.schema import JSON, Field
from genzong.server.wire import value_problem
from genzong.sync import Version

STAMP = "2026-12-04T08:00:00.000Z"
TABLES = ("customers", "follow_ups", "receivables", "payments", "tickets", "history", "conflicts", "devices")


def snapshot(state):
    conn = state.records.get()
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    counts["last_seq"] = conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0]
    return counts


@pytest.fixture
def rep(make_device):
    device = make_device("sales")
    device.sync()
    return device


def customer_change(device, **overrides):
    change = {"table": "customers", "id": new_id(), "clock": {device.id: 1},
              "dots": {"name": [device.id, 1, STAMP]}, "fields": {"name": "张伟"}, "deleted": False}
    change.update(overrides)
    return change


def post_raw(device, content: bytes, token=None):
    return device.http.post("/api/sync", content=content, headers={
        "Authorization": f"Bearer {token or device.token}", "Content-Type": "application/json"})


ENVELOPES = [
    ("not_json", b"{device: 1", 400, "invalid_json"),
    ("invalid_utf8", b'{"device": "\xff\xfe"}', 400, "invalid_json"),
    ("deeply_nested", b"[" * 100_000 + b"]" * 100_000, 400, "invalid_json"),
    ("not_an_object", b"[]", 400, "invalid_request"),
    ("missing_device", b'{"cursor": 0, "changes": []}', 400, "invalid_request"),
    ("device_with_slash", b'{"device": "a/b", "cursor": 0, "changes": []}', 400, "invalid_request"),
    ("reserved_device", b'{"device": "server", "cursor": 0, "changes": []}', 400, "invalid_request"),
    ("cursor_is_text", b'{"device": "d1", "cursor": "5", "changes": []}', 400, "invalid_request"),
    ("cursor_negative", b'{"device": "d1", "cursor": -1, "changes": []}', 400, "invalid_request"),
    ("cursor_is_bool", b'{"device": "d1", "cursor": true, "changes": []}', 400, "invalid_request"),
    ("changes_not_list", b'{"device": "d1", "cursor": 0, "changes": {}}', 400, "invalid_request"),
    ("missing_changes", b'{"device": "d1", "cursor": 0}', 400, "invalid_request"),
]


@pytest.mark.parametrize("name, body, status, code", ENVELOPES, ids=[e[0] for e in ENVELOPES])
def test_malformed_envelope_is_refused(rep, state, name, body, status, code):
    before = snapshot(state)
    response = post_raw(rep, body)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]  # a Chinese sentence for the user
    assert snapshot(state) == before


def test_too_many_changes_is_refused_whole(rep, state):
    before = snapshot(state)
    changes = [customer_change(rep) for _ in range(5001)]
    response = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": changes})
    assert response.status_code == 413
    assert response.json()["error"] == "too_many_changes"
    assert snapshot(state) == before


def test_body_over_eight_mib_is_refused(rep, state):
    before = snapshot(state)
    notes = "备" * 3000
    changes = [customer_change(rep, fields={"name": "张伟", "notes": notes},
                               dots={"name": [rep.id, 1, STAMP], "notes": [rep.id, 1, STAMP]})
               for _ in range(1000)]
    body = json.dumps({"device": rep.id, "cursor": 0, "changes": changes}, ensure_ascii=False).encode()
    assert len(body) > 8 * 1024 * 1024
    response = post_raw(rep, body)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert snapshot(state) == before


def forged(device):
    return customer_change(device, clock={device.id: 1, "other-device": 3})


BAD_CHANGES = [
    ("unknown_table", lambda d: customer_change(d, table="secrets"), "unknown_table"),
    ("history_is_read_only", lambda d: customer_change(
        d, table="history", fields={"record_table": "customers"},
        dots={"record_table": [d.id, 1, STAMP]}), "read_only_table"),
    ("unknown_field", lambda d: customer_change(d, fields={"name": "张伟", "salary": 1},
                                                dots={"name": [d.id, 1, STAMP], "salary": [d.id, 1, STAMP]}),
     "unknown_field"),
    ("id_not_uuid", lambda d: customer_change(d, id="customer-1"), "invalid_id"),
    ("id_uppercase", lambda d: customer_change(d, id=new_id().upper()), "invalid_id"),
    ("negative_counter", lambda d: customer_change(d, clock={d.id: -1}), "invalid_clock"),
    ("fractional_counter", lambda d: customer_change(d, clock={d.id: 1.5}), "invalid_clock"),
    ("counter_above_2_53", lambda d: customer_change(d, clock={d.id: 2**53}), "invalid_clock"),
    ("forged_counter", forged, "forged_counter"),
    ("dot_outside_clock", lambda d: customer_change(d, dots={"name": [d.id, 2, STAMP]}), "invalid_dot"),
    ("dot_in_far_future", lambda d: customer_change(d, dots={"name": [d.id, 1, "2036-01-01T00:00:00.000Z"]}),
     "clock_ahead"),
    ("dot_bad_stamp", lambda d: customer_change(d, dots={"name": [d.id, 1, "2026-12-04 08:00"]}), "invalid_dot"),
    ("field_without_dot", lambda d: customer_change(d, dots={}), "invalid_dot"),
    ("dot_device_is_object", lambda d: customer_change(d, dots={"name": [{"id": d.id}, 1, STAMP]}), "invalid_dot"),
    ("dot_stamp_is_list", lambda d: customer_change(d, dots={"name": [d.id, 1, [STAMP]]}), "invalid_dot"),
    ("wrong_type", lambda d: customer_change(d, fields={"name": 42}), "invalid_value"),
    ("wrong_enum", lambda d: customer_change(d, fields={"name": "张伟", "kind": "大客户"},
                                             dots={"name": [d.id, 1, STAMP], "kind": [d.id, 1, STAMP]}),
     "invalid_value"),
    ("interest_out_of_range", lambda d: customer_change(d, fields={"name": "张伟", "interest": 11},
                                                        dots={"name": [d.id, 1, STAMP], "interest": [d.id, 1, STAMP]}),
     "invalid_value"),
    ("missing_name", lambda d: customer_change(d, fields={"phone": "1"}, dots={"phone": [d.id, 1, STAMP]}),
     "missing_field"),
    ("code_from_device", lambda d: customer_change(d, fields={"name": "张伟", "code": "KH999999"},
                                                   dots={"name": [d.id, 1, STAMP], "code": [d.id, 1, STAMP]}),
     "server_field"),
    ("change_not_object", lambda d: "customers", "invalid_change"),
    ("deleted_not_bool", lambda d: customer_change(d, deleted="yes"), "invalid_change"),
]


@pytest.mark.parametrize("name, make, code", BAD_CHANGES, ids=[b[0] for b in BAD_CHANGES])
def test_bad_change_is_rejected_and_others_apply(rep, state, name, make, code):
    good = customer_change(rep)
    bad = make(rep)
    before = snapshot(state)
    response = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": [bad, good]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["code"] == code
    assert results[0]["message"] and results[0]["message_en"]
    assert results[1]["status"] == "merged"
    after = snapshot(state)
    assert after["customers"] == before["customers"] + 1
    stored = state.records.get().execute("SELECT id FROM customers WHERE id = ?",
                                         (bad.get("id") if isinstance(bad, dict) else "",)).fetchall()
    assert stored == []


def test_child_of_invisible_customer_is_rejected(make_device, state):
    owner = make_device("sales")
    other = make_device("sales")
    customer = owner.edit("customers", name="张伟")
    owner.sync()
    payment_parent = other.edit("receivables", customer_id=customer, amount_fen=100)
    missing = other.edit("follow_ups", customer_id=new_id(), happened_at=STAMP)
    other.sync()
    assert other.rejected[("receivables", payment_parent)]["code"] == "parent_not_found"
    assert other.rejected[("follow_ups", missing)]["code"] == "parent_not_found"
    conn = state.records.get()
    assert conn.execute("SELECT count(*) FROM receivables").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM follow_ups").fetchone()[0] == 0


def test_dot_mismatch_is_rejected(rep, state):
    customer = rep.edit("customers", name="张伟")
    rep.sync()
    change = version_to_change("customers", customer, rep.records[("customers", customer)])
    change["fields"]["name"] = "李四"  # same dot, other value: a corrupt replica
    body = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": [change]}).json()
    assert body["results"][0]["code"] == "dot_mismatch"
    assert state.records.get().execute("SELECT name FROM customers WHERE id = ?", (customer,)).fetchone()[0] == "张伟"


def test_write_stamped_before_seen_write_is_rejected(rep, state):
    customer = rep.edit("customers", name="张伟")
    rep.sync()
    version = rep.records[("customers", customer)]
    earlier = Version(dict(version.clock), dict(version.dots), dict(version.fields))
    counter = earlier.clock[rep.id] + 1
    earlier.clock[rep.id] = counter
    earlier.fields["name"] = "李四"
    earlier.dots["name"] = (rep.id, counter, "2020-01-01T00:00:00.000Z")
    change = version_to_change("customers", customer, earlier)
    body = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": [change]}).json()
    assert body["results"][0]["code"] == "dot_not_later"


@pytest.mark.parametrize("token", [None, "garbage", "tampered"])
def test_bad_token_gets_401(rep, state, token):
    if token == "tampered":
        token = rep.token[:-2] + ("AA" if not rep.token.endswith("AA") else "BB")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    before = snapshot(state)
    response = rep.http.post("/api/sync", json={"device": rep.id, "cursor": 0, "changes": [customer_change(rep)]},
                             headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert snapshot(state) == before


def test_lone_surrogate_is_rejected_not_a_crash(rep, state):
    change = customer_change(rep, fields={"name": "张\ud800伟"})
    body = json.dumps({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": [change]})
    response = post_raw(rep, body.encode())
    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "invalid_value"
    device = json.dumps({"device": "d-\udfff", "cursor": 0, "changes": []})
    assert post_raw(rep, device.encode()).status_code == 400


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"weight": float("-inf")}])
def test_json_field_rejects_nan(value):
    problem = value_problem(Field("value", JSON, "值"), value)
    assert problem.en == "must be JSON that UTF-8 can hold, without unpaired surrogates or NaN"
    assert problem.zh == "必须是能用 UTF-8 保存的 JSON，不能含不成对的代理项或 NaN"


def follow_up_change(device, customer_id):
    fields = {"customer_id": customer_id, "happened_at": STAMP, "content": "电话沟通"}
    return {"table": "follow_ups", "id": new_id(), "clock": {device.id: 1},
            "dots": {name: [device.id, 1, STAMP] for name in fields}, "fields": fields, "deleted": False}


def dealer_change(device):
    return {"table": "dealers", "id": new_id(), "clock": {device.id: 1},
            "dots": {"name": [device.id, 1, STAMP]}, "fields": {"name": "城东经销点"}, "deleted": False}


# Rejections a person may meet, with the whole message in Chinese and in English.
REJECTION_MESSAGES = [
    ("wrong_type", lambda d, other: customer_change(d, fields={"name": 42}),
     "“客户名称”的值 42 无效：必须是文本。请改正后再保存。",
     'Invalid value 42 for "Name": must be text. Change it and save again.'),
    ("interest_out_of_range", lambda d, other: customer_change(
        d, fields={"name": "张伟", "interest": 11}, dots={"name": [d.id, 1, STAMP], "interest": [d.id, 1, STAMP]}),
     "“意向度”的值 11 无效：不能大于 10。请改正后再保存。",
     'Invalid value 11 for "Interest": must be at most 10. Change it and save again.'),
    ("missing_name", lambda d, other: customer_change(d, fields={"phone": "1"}, dots={"phone": [d.id, 1, STAMP]}),
     "缺少必填项“客户名称”。请填写后再保存。", 'Required field "Name" is missing. Fill it in and save again.'),
    ("code_from_device", lambda d, other: customer_change(
        d, fields={"name": "张伟", "code": "KH999999"}, dots={"name": [d.id, 1, STAMP], "code": [d.id, 1, STAMP]}),
     "“客户编号”由服务器分配，不能在设备上修改。请更新应用。",
     '"Customer no." is assigned by the server and cannot be changed on a device. Update the app.'),
    ("history_is_read_only", lambda d, other: customer_change(
        d, table="history", fields={"record_table": "customers"}, dots={"record_table": [d.id, 1, STAMP]}),
     "“修改历史”由服务器维护，设备不能修改。", '"History" is maintained by the server; devices cannot change it.'),
    ("owner_is_someone_else", lambda d, other: customer_change(
        d, fields={"name": "张伟", "owner_id": other.user.id},
        dots={"name": [d.id, 1, STAMP], "owner_id": [d.id, 1, STAMP]}),
     "无权修改该记录：新记录的负责人只能是你自己。",
     "You may not change this record: a new record's owner can only be yourself."),
    ("dealer_by_rep", lambda d, other: dealer_change(d),
     "无权修改该记录：只有经理或管理员可以修改经销点。",
     "You may not change this record: only a manager or admin may change a dealer."),
]


@pytest.mark.parametrize("name, make, zh, en", REJECTION_MESSAGES, ids=[r[0] for r in REJECTION_MESSAGES])
def test_rejection_message_per_language(make_device, name, make, zh, en):
    rep, other = make_device("sales"), make_device("sales")
    rep.sync()
    other.sync()
    response = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor, "changes": [make(rep, other)]})
    result = response.json()["results"][0]
    assert result["message"] == zh
    assert result["message_en"] == en


def test_missing_parent_message_per_language(rep):
    missing = new_id()
    response = rep.post({"device": rep.id, "epoch": rep.epoch, "cursor": rep.cursor,
                         "changes": [follow_up_change(rep, missing)]})
    result = response.json()["results"][0]
    assert result["code"] == "parent_not_found"
    assert result["message"] == f"找不到关联的客户（{missing}），或你无权查看它。请先同步；仍然如此时，请放弃这条修改或联系经理。"
    assert result["message_en"] == (f"The linked customer ({missing}) does not exist or you cannot see it. "
                                    "Sync first; if it stays so, discard the change or ask a manager.")
