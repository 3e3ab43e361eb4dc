"""Project risks as reminders: which are due, their keys, and the pushed words."""

import pytest
from starlette.testclient import TestClient

from genzong.server import settings
from genzong.server.app import create_app
from genzong.server.reminders.items import due_items
from genzong.server.reminders.run import run_pass
from genzong.server.reminders.text import chat_line, summary_payload, title_and_body

from reminder_helpers import FAST, NOW, seed, subscribe
from stand_ins import PushService


@pytest.fixture
def rep(make_user):
    return make_user("sales", name="张伟")


def project(state, owner_id, status="进行中", name="别墅实木地板安装"):
    customer = seed(state, "customers", name="赵强", company="绿源地板有限公司", owner_id=owner_id)
    return seed(state, "projects", customer_id=customer, name=name, owner_id=owner_id, status=status)


def risk(state, project_id, **fields):
    values = {"project_id": project_id, "category": "进度", "description": "木地板到货可能延迟一周",
              "status": "待处理", **fields}
    return seed(state, "risks", **values)


def risk_items(state):
    conn = state.records.get()
    values = settings.read_all(conn, state.private.get())
    return {item.key: item for item in due_items(conn, values, NOW) if item.record_table == "risks"}


def test_overdue_and_high_risks_due(state, rep):
    active = project(state, rep.id)
    overdue = risk(state, active, probability=2, impact=2, due_on="2026-03-07")
    high = risk(state, active, probability=3, impact=5, due_on="2026-03-20")
    high_undated = risk(state, active, probability=4, impact=4)
    due_today = risk(state, active, probability=2, impact=3, due_on="2026-03-10")
    medium = risk(state, active, probability=3, impact=4, due_on="2026-03-12")
    closed = risk(state, active, probability=5, impact=5, due_on="2026-03-01", status="已关闭")
    unrated = risk(state, active)
    cancelled = project(state, rep.id, status="已取消")
    risk(state, cancelled, probability=5, impact=5, due_on="2026-03-01")
    done = project(state, rep.id, status="已完成")
    risk(state, done, probability=5, impact=5)
    paused = project(state, rep.id, status="已暂停")
    paused_risk = risk(state, paused, probability=1, impact=1, due_on="2026-03-09")

    items = risk_items(state)

    assert set(items) == {f"risk_overdue:{overdue}:2026-03-07", f"risk_high:{high}:15",
                          f"risk_high:{high_undated}:16", f"risk_overdue:{paused_risk}:2026-03-09"}
    for left_out in (due_today, medium, closed, unrated):
        assert not [key for key in items if left_out in key]
    item = items[f"risk_overdue:{overdue}:2026-03-07"]
    assert (item.kind, item.recipient_id, item.due) == ("risk_overdue", rep.id, "2026-03-07")
    assert item.url == f"/#/project/{active}"
    assert item.tag == f"genzong-risks-{overdue}"
    assert item.facts["days_overdue"] == 3
    assert items[f"risk_high:{high_undated}:16"].due == "2026-03-10", "a high risk without a due date is due today"


def test_pool_deleted_and_disabled_skipped(state, rep):
    risk(state, project(state, None), probability=5, impact=5)
    risk(state, seed(state, "projects", customer_id=seed(state, "customers", name="已删除", owner_id=rep.id,
                                                         deleted=True), name="已删除客户的项目"),
         probability=5, impact=5)
    risk(state, seed(state, "projects", customer_id=seed(state, "customers", name="李娜", owner_id=rep.id),
                     name="已删除项目", deleted=True), probability=5, impact=5)
    risk(state, project(state, rep.id), probability=5, impact=5, deleted=True)
    assert risk_items(state) == {}

    risk(state, project(state, rep.id), probability=5, impact=5)
    assert len(risk_items(state)) == 1
    state.accounts().set_disabled(rep.username)
    assert risk_items(state) == {}


def test_risk_words(state, rep):
    active = project(state, rep.id)
    overdue = risk(state, active, probability=2, impact=3, due_on="2026-03-07")
    high = risk(state, active, category="质量", description="地面找平不达标", probability=4, impact=5)
    items = risk_items(state)
    late, severe = items[f"risk_overdue:{overdue}:2026-03-07"], items[f"risk_high:{high}:20"]

    assert title_and_body(late, "zh", "Asia/Shanghai", NOW) == (
        "风险应对已逾期：别墅实木地板安装",
        "应对期限 2026-03-07，已逾期 3 天，风险值 6。客户：赵强（绿源地板有限公司）。进度风险：木地板到货可能延迟一周")
    assert title_and_body(severe, "zh", "Asia/Shanghai", NOW) == (
        "高风险：别墅实木地板安装", "风险值 20（概率 × 影响）。客户：赵强（绿源地板有限公司）。质量风险：地面找平不达标")
    assert title_and_body(late, "en", "Asia/Shanghai", NOW) == (
        "Risk response overdue: 别墅实木地板安装",
        "Response was due 2026-03-07, 3 days ago; exposure 6. Customer: 赵强 (绿源地板有限公司). 木地板到货可能延迟一周")
    assert chat_line(severe, "Asia/Shanghai", NOW).startswith("- **高风险** 别墅实木地板安装：风险值 20")
    title, payload = summary_payload([late, severe], "zh")
    assert title == "你有 2 项提醒"
    assert "项目风险 2 项" in payload.decode()


def test_risk_pushed_once(data_dir, state, login_as, rep):
    user, token = login_as(rep)
    active = project(state, user.id)
    overdue = risk(state, active, probability=2, impact=2, due_on="2026-03-07")
    service = PushService().start()
    try:
        with TestClient(create_app(data_dir, state, reminders=False)) as http:
            sub = subscribe(http, token, service)
            run_pass(state, now=NOW, policy=FAST)
            again = run_pass(state, now=NOW, policy=FAST)
    finally:
        service.stop()
    assert service.errors == []
    assert [(m["title"], m["url"], m["tag"]) for m in sub.messages] == [
        ("风险应对已逾期：别墅实木地板安装", f"/#/project/{active}", f"genzong-risks-{overdue}")]
    assert again.pushed == 0
