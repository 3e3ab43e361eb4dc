"""Projects, risks, surveys, dealers, pool claims and handover through sync."""

from datetime import date, timedelta

import pytest

from device import Device
from genzong.server.db import transaction
from genzong.server.handover import hand_over
from genzong.server.pool import idle_customers, return_idle_customers
from genzong.server.records import Batch
from genzong.sync.write import parse_stamp


def test_project_with_stages_and_risks_follows_customer(make_device):
    manager = make_device("manager")
    rep = make_device("sales")
    other = make_device("sales")
    customer = rep.edit("customers", name="绿源地板")
    project = rep.edit("projects", customer_id=customer, name="别墅铺装", stage="量房", status="进行中")
    stage = rep.edit("project_stages", project_id=project, name="量房", position=0, planned_on="2026-12-10")
    risk = rep.edit("risks", project_id=project, category="进度", description="木材到货可能延迟",
                    probability=4, impact=3, due_on="2026-12-08")
    rep.sync()
    assert rep.rejected == {}
    assert rep.get("projects", project)["owner_id"] == rep.user.id
    other.sync()
    assert other.get("projects", project) is None

    manager.sync()
    manager.edit("customers", customer, owner_id=other.user.id)
    manager.sync()
    rep.sync()
    other.sync()
    for key in (("projects", project), ("project_stages", stage), ("risks", risk)):
        assert rep.get(*key) is None, key
        assert other.get(*key) is not None, key


def test_survey_scores_are_checked(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="王建国")
    good = rep.edit("surveys", customer_id=customer, surveyed_on="2026-12-03", kind="回访",
                    answers={"service": 5, "quality": 4, "speed": None}, comment="满意")
    bad = rep.edit("surveys", customer_id=customer, surveyed_on="2026-12-03", answers={"service": 6})
    rep.sync()
    assert rep.get("surveys", good)["answers"] == {"service": 5, "quality": 4, "speed": None}
    assert rep.rejected[("surveys", bad)]["code"] == "invalid_value"
    assert "1 to 5" in rep.rejected[("surveys", bad)]["message_en"]


def test_dealers_are_public_and_written_by_managers(make_device):
    manager = make_device("manager")
    rep = make_device("sales")
    dealer = manager.edit("dealers", name="杭州西湖经销点", region="华东", contact="周经理")
    manager.sync()
    rep.sync()
    assert rep.get("dealers", dealer)["region"] == "华东"
    customer = rep.edit("customers", name="李娜", dealer_id=dealer)
    rep.edit("dealers", dealer, region="华南")
    rep.sync()
    assert rep.rejected[("dealers", dealer)]["code"] == "permission_denied"
    assert rep.get("customers", customer)["dealer_id"] == dealer


def test_ticket_carries_test_tracking_fields(make_device):
    rep = make_device("sales")
    ticket = rep.edit("tickets", kind="问题", subject="导出失败", steps="1. 打开 2. 导出",
                      expected_result="生成文件", actual_result="报错", decision="处理中", shipped_version="1.2.0")
    rep.sync()
    assert rep.get("tickets", ticket)["decision"] == "处理中"


def pool_customer(manager):
    customer = manager.edit("customers", name="公海客户", owner_id=None, kind="潜在")
    manager.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z", content="首次来电")
    manager.sync()
    return customer


def test_offline_pool_claim_race_first_wins(make_device):
    manager = make_device("manager")
    first = make_device("sales")
    second = make_device("sales")
    customer = pool_customer(manager)
    first.sync()
    second.sync()
    assert first.get("customers", customer)["owner_id"] is None

    # Both claim while offline; the second rep's claim reaches the server later.
    first_claim = first.edit("pool_claims", customer_id=customer, note="我上周拜访过")
    second_claim = second.edit("pool_claims", customer_id=customer, note="客户主动来电找我")
    first.sync()
    second.sync()

    assert first.rejected == {}
    assert first.get("customers", customer)["owner_id"] == first.user.id
    assert len(first.rows("follow_ups")) == 1  # the children arrive with the claim
    claim = first.get("pool_claims", first_claim)
    assert claim["claimed_by"] == first.user.id
    assert claim["status"] == "已认领"
    rejected = second.rejected[("pool_claims", second_claim)]
    assert rejected["code"] == "already_claimed"
    assert (first.user.name or first.user.username) in rejected["message"]
    assert second.get("customers", customer) is None  # it left the pool
    assert ("customers", customer) in second.revoked


def test_claims_beyond_daily_limit_are_rejected(make_device, state):
    manager = make_device("manager")
    rep = make_device("sales")
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, "2026-12-04T00:00:00.000Z", None, "server")
        batch.server_write("settings", "1b7d1d58-0000-4000-8000-0000000000c1",
                           {"key": "pool_claim_daily_limit", "value": 2})
        batch.flush()
    customers = [pool_customer(manager) for _ in range(3)]
    rep.sync()
    claims = [rep.edit("pool_claims", customer_id=c) for c in customers]
    rep.sync_once([("pool_claims", c) for c in claims])
    assert [rep.get("customers", c)["owner_id"] == rep.user.id for c in customers[:2]] == [True, True]
    assert rep.rejected[("pool_claims", claims[2])]["code"] == "claim_limit"


def test_rep_cannot_attach_children_to_pool_customer(make_device):
    manager = make_device("manager")
    rep = make_device("sales")
    customer = pool_customer(manager)
    rep.sync()
    follow_up = rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-02T02:00:00.000Z")
    rep.sync()
    rejection = rep.rejected[("follow_ups", follow_up)]
    assert rejection["code"] == "permission_denied"
    assert rejection["message"] == "无权修改该记录：它所属的客户不属于你；公海客户需先认领。"


def test_idle_customer_returns_to_pool(make_device, state):
    rep = make_device("sales")
    other = make_device("sales")
    idle = rep.edit("customers", name="很久没联系", kind="潜在")
    busy = rep.edit("customers", name="刚联系过", kind="潜在")
    rep.sync()
    follow_up = rep.edit("follow_ups", customer_id=idle, happened_at="2026-12-01T02:00:00.000Z")
    rep.sync()
    conn = state.records.get()
    owned_since = parse_stamp(rep.records[("customers", idle)].dots["owner_id"][2]).date()
    later = owned_since + timedelta(days=16)
    warned = idle_customers(conn, owned_since + timedelta(days=13), None, within_days=3)
    assert {c.id for c in warned} == {idle, busy}

    rep.edit("follow_ups", customer_id=busy, happened_at=f"{later - timedelta(days=1)}T02:00:00.000Z")
    rep.sync()
    returned = return_idle_customers(conn, later, None)
    assert [c.id for c in returned] == [idle]
    rep.sync()
    other.sync()
    assert rep.get("customers", idle)["owner_id"] is None  # still visible, now in the pool
    assert rep.get("follow_ups", follow_up) is None
    assert other.get("customers", idle)["owner_id"] is None
    assert rep.get("customers", busy)["owner_id"] == rep.user.id


def test_handover_moves_customers_and_open_items(make_device, state, http, login_as):
    manager_user, manager_token = login_as("manager")
    leaving = make_device("sales")
    taking = make_device("sales")
    customer = leaving.edit("customers", name="老客户")
    leaving.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z")
    loose_ticket = leaving.edit("tickets", kind="需求", subject="加购地板蜡")
    closed_ticket = leaving.edit("tickets", kind="投诉", subject="已解决的投诉", status="已解决")
    leaving.sync()
    leaving.edit("customers", customer, phone="13800000000")
    leaving.sync()

    response = http.post("/api/handover", json={"from": leaving.user.id, "to": taking.user.id},
                         headers={"Authorization": f"Bearer {manager_token}"})
    assert response.status_code == 200
    assert response.json()["moved"] == {"customers": 1, "tickets": 1, "projects": 0, "risks": 0}
    taking.sync()
    leaving.sync()
    assert taking.get("customers", customer)["owner_id"] == taking.user.id
    assert taking.get("tickets", loose_ticket)["owner_id"] == taking.user.id
    assert leaving.get("tickets", closed_ticket) is not None  # closed work stays with its author
    history = [h for h in taking.rows("history").values() if h["record_id"] == customer]
    assert {h["field"] for h in history} == {"phone", "owner_id"}
    assert [h["user_id"] for h in history if h["field"] == "owner_id"] == [manager_user.id]


def test_handover_rejects_bad_users(http, login_as, make_user):
    _, token = login_as("manager")
    rep = make_user("sales")
    headers = {"Authorization": f"Bearer {token}"}
    same = http.post("/api/handover", json={"from": rep.id, "to": rep.id}, headers=headers)
    assert same.status_code == 400
    assert same.json()["error"] == "handover_same_user"
    by_name = http.post("/api/handover", json={"from": rep.username, "to": rep.id}, headers=headers)
    assert by_name.status_code == 400
    body = by_name.json()
    assert body["error"] == "handover_not_user_id"
    assert body["message"] == f"交接请求的“from”应为用户编号，收到的是 '{rep.username}'。请从用户列表中选择。"
    _, rep_token = login_as(rep)
    forbidden = http.post("/api/handover", json={"from": rep.id, "to": rep.id},
                          headers={"Authorization": f"Bearer {rep_token}"})
    assert forbidden.status_code == 403


def test_handover_disables_departing_rep(make_device, state, http, login_as):
    _, manager_token = login_as("manager")
    leaving = make_device("sales")
    taking = make_device("sales")
    customer = leaving.edit("customers", name="老客户")
    leaving.sync()

    response = http.post("/api/handover", json={"from": leaving.user.id, "to": taking.user.id, "disable_from": True},
                         headers={"Authorization": f"Bearer {manager_token}"})

    assert response.status_code == 200
    assert response.json() == {"moved": {"customers": 1, "tickets": 0, "projects": 0, "risks": 0}, "disabled": True}
    assert state.accounts().get(leaving.user.id).disabled
    assert leaving.post(leaving.request([])).status_code == 401, "the departed rep's sessions have ended"
    taking.sync()
    assert taking.get("customers", customer)["owner_id"] == taking.user.id


def test_handover_disable_limits(http, login_as, make_user, state):
    manager, token = login_as("manager")
    other_manager, rep = make_user("manager"), make_user("sales")
    headers = {"Authorization": f"Bearer {token}"}

    for source in (other_manager, manager):
        response = http.post("/api/handover", json={"from": source.id, "to": rep.id, "disable_from": True},
                             headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "handover_disable_forbidden"
        assert not state.accounts().get(source.id).disabled
    response = http.post("/api/handover", json={"from": rep.id, "to": manager.id, "disable_from": "yes"},
                         headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "handover_disable_not_bool"
    assert not state.accounts().get(rep.id).disabled


def test_handover_keeps_an_enabled_manager(http, login_as, make_user, state):
    _, token = login_as("admin")
    leaving_manager = make_user("manager")
    rep = make_user("sales", manager=leaving_manager.username)
    taking = make_user("manager")

    response = http.post("/api/handover", json={"from": leaving_manager.id, "to": taking.id, "disable_from": True},
                         headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "manager_has_reps"
    assert body["message"].startswith(f"不能停用 {leaving_manager.username}：{rep.username} 的上级经理仍是")
    assert "设置 → 成员管理" in body["message"]
    assert not state.accounts().get(leaving_manager.id).disabled
