"""Reminders copied to a team chat robot webhook (企业微信 or 钉钉), through a local stand-in."""

from datetime import timedelta

import pytest

from genzong.server import settings
from genzong.server.reminders import chat
from genzong.server.reminders.items import DueItem
from genzong.server.reminders.run import run_pass
from genzong.sync import format_stamp

from reminder_helpers import FAST, NOW, TODAY, seed
from stand_ins import ChatRobot


@pytest.fixture
def robot():
    service = ChatRobot(secret="SECtest-secret").start()
    yield service
    service.stop()


def configure(state, **values):
    for key, value in values.items():
        settings.write(state.records.get(), state.private.get(), key, value)


@pytest.fixture
def team(make_user):
    manager = make_user("manager", name="王经理")
    zhang = make_user("sales", name="张伟", manager=manager.username)
    li = make_user("sales", name="李娜", manager=manager.username)
    return manager, zhang, li


def seed_team_items(state, zhang, li):
    seed(state, "customers", name="周*杰*", company="[绿源]地板", owner_id=zhang.id, next_follow_up=TODAY)
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up="2026-03-01")  # escalated too
    customer = seed(state, "customers", name="王芳", owner_id=li.id)
    seed(state, "receivables", customer_id=customer, order_no="DD01", amount_fen=880_000, due_date="2026-03-08")
    seed(state, "tickets", kind="投诉", number="GD000009", subject="送货延误", customer_id=customer,
         status="处理中", reply_due_at=format_stamp(NOW + timedelta(hours=1)))


def test_wecom_markdown_message(state, team, robot):
    _, zhang, li = team
    seed_team_items(state, zhang, li)
    configure(state, chat_webhook_url=robot.wecom_url, chat_webhook_kind="wecom")

    result = run_pass(state, now=NOW, policy=FAST)

    assert robot.errors == []
    assert result.chat_sent == 1
    assert len(robot.messages) == 1
    assert robot.messages[0]["msgtype"] == "markdown"
    assert robot.messages[0]["markdown"]["content"] == "\n".join([
        "### 跟踪提醒 · 3月10日 10:00",
        "**张伟**（2 项）",
        "- **跟进** 吴敏：应于 2026-03-01 跟进，已逾期 9 天。",
        "- **跟进** 周＊杰＊（［绿源］地板）：今天应跟进。",
        "**李娜**（2 项）",
        "- **工单即将超时** GD000009 送货延误：答复期限 3月10日 11:00（还剩 1 小时）。客户：王芳。",
        "- **逾期未付款** 王芳：订单 DD01，待收 ¥8,800.00（应收 ¥8,800.00），付款期限 2026-03-08，已逾期 2 天。",
    ])
    assert robot.queries == [{"key": "robot-key-123"}]


def test_chat_sends_each_item_once(state, team, robot):
    _, zhang, li = team
    seed_team_items(state, zhang, li)
    configure(state, chat_webhook_url=robot.wecom_url, chat_webhook_kind="wecom")
    run_pass(state, now=NOW, policy=FAST)
    seed(state, "customers", name="新客户", owner_id=li.id, next_follow_up=TODAY)

    again = run_pass(state, now=NOW + timedelta(minutes=1), policy=FAST)

    assert again.chat_sent == 1
    assert robot.messages[1]["markdown"]["content"].splitlines()[1:] == [
        "**李娜**（1 项）", "- **跟进** 新客户：今天应跟进。"]
    assert run_pass(state, now=NOW + timedelta(minutes=2), policy=FAST).chat_sent == 0


def test_dingtalk_signed_markdown(state, team, robot):
    _, zhang, li = team
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up=TODAY)
    configure(state, chat_webhook_url=robot.dingtalk_url, chat_webhook_kind="dingtalk",
              chat_webhook_secret="SECtest-secret")

    run_pass(state, now=NOW, policy=FAST)

    assert robot.errors == []
    assert robot.messages == [{"msgtype": "markdown", "markdown": {
        "title": "跟踪提醒",
        "text": "### 跟踪提醒 · 3月10日 10:00\n\n**张伟**（1 项）\n\n- **跟进** 吴敏：今天应跟进。"}}]
    assert set(robot.queries[0]) == {"access_token", "timestamp", "sign"}


def test_dingtalk_wrong_secret_fails(state, team, robot):
    _, zhang, _ = team
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up=TODAY)
    configure(state, chat_webhook_url=robot.dingtalk_url, chat_webhook_kind="dingtalk",
              chat_webhook_secret="SECwrong")

    result = run_pass(state, now=NOW, policy=FAST)

    assert result.chat_failed == 1
    assert robot.messages == []
    row = state.records.get().execute("SELECT status, last_error FROM notifications WHERE target = 'chat'").fetchone()
    assert tuple(row) == ("failed", "errcode 310000: sign does not match")


def test_chat_rate_limit_retried(state, team, robot):
    _, zhang, _ = team
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up=TODAY)
    configure(state, chat_webhook_url=robot.wecom_url, chat_webhook_kind="wecom")
    robot.answers = [(200, 45009), (502, 0)]

    result = run_pass(state, now=NOW, policy=FAST)

    assert len(robot.queries) == 3
    assert len(robot.messages) == 1
    assert result.chat_sent == 1


def test_chat_outage_waits_and_keeps_push_going(state, team, robot):
    _, zhang, _ = team
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up=TODAY)
    configure(state, chat_webhook_url=robot.wecom_url, chat_webhook_kind="wecom")
    robot.answers = [(500, 0)] * 3

    first = run_pass(state, now=NOW, policy=FAST)
    early = run_pass(state, now=NOW + timedelta(seconds=30), policy=FAST)
    later = run_pass(state, now=NOW + timedelta(minutes=1), policy=FAST)

    assert (first.chat_failed, early.chat_sent, later.chat_sent) == (1, 0, 1)
    assert len(robot.messages) == 1


def test_chat_kind_detected_from_host():
    assert chat.detect_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None) == "wecom"
    assert chat.detect_kind("https://oapi.dingtalk.com/robot/send?access_token=t", None) == "dingtalk"
    assert chat.detect_kind("https://robot.example.com/send", None) is None
    assert chat.detect_kind("https://robot.example.com/send", "dingtalk") == "dingtalk"


def test_unknown_chat_kind_logged(state, team, robot, caplog):
    _, zhang, _ = team
    seed(state, "customers", name="吴敏", owner_id=zhang.id, next_follow_up=TODAY)
    configure(state, chat_webhook_url=robot.wecom_url)

    result = run_pass(state, now=NOW, policy=FAST)

    assert result.chat_failed == 1
    assert robot.queries == []
    assert "set chat_webhook_kind to wecom or dingtalk" in caplog.text
    assert "robot-key-123" not in caplog.text


def test_long_lists_split_into_messages(state, team):
    _, zhang, li = team
    due = [DueItem(f"follow_up:{i}:{TODAY}", "follow_up", zhang.id if i < 40 else li.id,
                   zhang.id if i < 40 else li.id, "customers", f"c{i}", TODAY, f"/#/customer/c{i}",
                   {"customer": "客" * 30 + str(i), "company": None, "phone": None, "date": TODAY,
                    "days_overdue": 0, "owner_name": "张伟"}) for i in range(60)]
    names = {zhang.id: "张伟", li.id: "李娜"}

    messages = chat.compose(due, names, "wecom", "Asia/Shanghai", NOW)

    assert sum(len(m.items) for m in messages) == 60
    assert all(len(m.markdown.encode()) <= chat.MAX_MESSAGE_BYTES for m in messages)
    assert len(messages) >= 2
    assert messages[1].markdown.splitlines()[1] == "**张伟**（续）"
    assert all(m.markdown.startswith("### 跟踪提醒 · 3月10日 10:00\n") for m in messages)


def test_chat_messages_capped_per_pass(team):
    _, zhang, _ = team
    due = [DueItem(f"follow_up:{i}:{TODAY}", "follow_up", zhang.id, zhang.id, "customers", f"c{i}", TODAY,
                   f"/#/customer/c{i}",
                   {"customer": "客" * 60, "company": "公" * 60, "phone": None, "date": TODAY,
                    "days_overdue": 0, "owner_name": "张伟"}) for i in range(400)]

    messages = chat.compose(due, {zhang.id: "张伟"}, "wecom", "Asia/Shanghai", NOW)

    assert len(messages) == chat.MAX_MESSAGES_PER_PASS
    assert sum(len(m.items) for m in messages) < 400
