"""Reminders sent by Web Push to a local push service that checks VAPID and decrypts."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from genzong.server import settings
from genzong.server.app import create_app
from genzong.server.reminders.run import PassLock, pass_lock, run_pass
from genzong.server.reminders.text import MAX_PAYLOAD_BYTES
from genzong.server.state import open_data_dir
from genzong.sync import format_stamp

from reminder_helpers import FAST, NOW, TODAY, seed, subscribe


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler, so only the passes a test runs send anything."""
    with TestClient(create_app(data_dir, state, reminders=False)) as client:
        yield client


@pytest.fixture
def rep(make_user):
    manager = make_user("manager", name="王经理")
    return make_user("sales", name="张伟", manager=manager.username)


def due_follow_up(state, owner, name="李四", company="绿源地板有限公司", when=TODAY):
    return seed(state, "customers", name=name, company=company, phone="13912345678",
                owner_id=owner.id, next_follow_up=when)


def overdue_receivable(state, owner):
    customer = seed(state, "customers", name="王芳", owner_id=owner.id)
    receivable = seed(state, "receivables", customer_id=customer, order_no="DD2026030001",
                      amount_fen=1_234_550, due_date="2026-03-06")
    seed(state, "payments", receivable_id=receivable, paid_on="2026-03-01", amount_fen=200_000)
    return receivable


def ticket_near_deadline(state, owner, number="GD000007", **fields):
    customer = seed(state, "customers", name="赵强", owner_id=owner.id)
    values = {"kind": "投诉", "number": number, "subject": "地板起拱", "content": "客厅地板中间起拱约 2 厘米",
              "customer_id": customer, "status": "待处理",
              "reply_due_at": format_stamp(NOW + timedelta(hours=2, minutes=30))}
    values.update(fields)
    return seed(state, "tickets", **values)


def test_each_due_item_pushed_once(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    customer = due_follow_up(state, user)
    receivable = overdue_receivable(state, user)
    ticket = ticket_near_deadline(state, user)
    sub = subscribe(http, token, push_service)

    result = run_pass(state, now=NOW, policy=FAST)

    assert push_service.errors == []
    assert result.pushed == 3
    by_tag = {message["tag"]: message for message in sub.messages}
    assert len(sub.messages) == 3
    assert set(by_tag) == {f"genzong-customers-{customer}", f"genzong-receivables-{receivable}",
                           f"genzong-tickets-{ticket}"}

    follow_up = by_tag[f"genzong-customers-{customer}"]
    assert follow_up["title"] == "跟进提醒：李四（绿源地板有限公司）"
    assert follow_up["body"] == "今天应跟进。电话 13912345678。"
    assert follow_up["url"] == f"/#/customer/{customer}"

    payment = by_tag[f"genzong-receivables-{receivable}"]
    assert payment["title"] == "逾期未付款：王芳"
    assert payment["body"] == ("订单 DD2026030001，待收 ¥10,345.50（应收 ¥12,345.50，已付 ¥2,000.00），"
                               "付款期限 2026-03-06，已逾期 4 天。")
    owner_customer = state.records.get().execute("SELECT customer_id FROM receivables WHERE id = ?",
                                                 (receivable,)).fetchone()[0]
    assert payment["url"] == f"/#/customer/{owner_customer}"

    reply = by_tag[f"genzong-tickets-{ticket}"]
    assert reply["title"] == "工单即将超时：GD000007 地板起拱"
    assert reply["body"] == "答复期限 3月10日 12:30（还剩 2 小时 30 分钟）。客户：赵强。客厅地板中间起拱约 2 厘米"
    assert reply["url"] == f"/#/ticket/{ticket}"
    assert max(sub.payload_sizes) <= MAX_PAYLOAD_BYTES


def test_pass_without_targets_skips_lookup(state, http, login_as, rep, push_service, caplog):
    user, token = login_as(rep)
    due_follow_up(state, user)
    overdue_receivable(state, user)
    caplog.set_level(logging.INFO, logger="genzong")

    first = run_pass(state, now=NOW, policy=FAST)
    assert first.no_targets
    assert first.due == 0
    assert "reminder pass: nothing to do: no push subscription and no chat robot" in caplog.text

    sub = subscribe(http, token, push_service)
    result = run_pass(state, now=NOW + timedelta(minutes=1), policy=FAST)
    assert not result.no_targets
    assert (result.due, result.pushed) == (2, 2)
    assert len(sub.messages) == 2


def test_second_pass_sends_nothing(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    overdue_receivable(state, user)
    sub = subscribe(http, token, push_service)
    run_pass(state, now=NOW, policy=FAST)

    again = run_pass(state, now=NOW + timedelta(minutes=1), policy=FAST)

    assert again.due == 2
    assert again.pushed == 0
    assert sub.requests == 2
    rows = state.records.get().execute("SELECT status, count(*) FROM notifications GROUP BY status").fetchall()
    assert [tuple(row) for row in rows] == [("sent", 2)]


def test_restart_does_not_resend(data_dir, state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    run_pass(state, now=NOW, policy=FAST)

    restarted = open_data_dir(data_dir)
    try:
        result = run_pass(restarted, now=NOW + timedelta(minutes=5), policy=FAST)
    finally:
        restarted.close()

    assert result.pushed == 0
    assert len(sub.messages) == 1


def test_new_date_is_a_new_item(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    customer = due_follow_up(state, user, when="2026-03-09")
    sub = subscribe(http, token, push_service)
    run_pass(state, now=NOW, policy=FAST)

    conn = state.records.get()
    from genzong.server.db import transaction
    from genzong.server.records import Batch
    from genzong.server.timeutil import now_stamp
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write("customers", customer, {"next_follow_up": "2026-03-11"})
        batch.flush()
    run_pass(state, now=NOW + timedelta(days=1), policy=FAST)

    assert [m["body"] for m in sub.messages] == ["应于 2026-03-09 跟进，已逾期 1 天。电话 13912345678。",
                                                  "今天应跟进。电话 13912345678。"]


def test_gone_subscription_removed_alone(state, http, login_as, rep, make_user, push_service):
    user, token = login_as(rep)
    other, other_token = login_as("sales")
    due_follow_up(state, user)
    due_follow_up(state, other, name="孙丽")
    phone = subscribe(http, token, push_service)
    laptop = subscribe(http, token, push_service)
    other_phone = subscribe(http, other_token, push_service)
    phone.always = 410

    result = run_pass(state, now=NOW, policy=FAST)

    remaining = {row[0] for row in state.private.get().execute("SELECT id FROM push_subscriptions")}
    assert remaining == {laptop.server_id, other_phone.server_id}
    assert result.subscriptions_removed == 1
    assert phone.requests == 1
    assert len(laptop.messages) == 1
    assert len(other_phone.messages) == 1


def test_404_also_removes_subscription(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.always = 404

    run_pass(state, now=NOW, policy=FAST)

    assert state.private.get().execute("SELECT count(*) FROM push_subscriptions").fetchone()[0] == 0


def test_server_error_is_retried(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.answers = [500, 503]

    result = run_pass(state, now=NOW, policy=FAST)

    assert sub.requests == 3
    assert len(sub.messages) == 1
    assert result.pushed == 1
    assert result.push_failed == 0


def test_too_many_requests_is_retried(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.answers = [429]
    sub.retry_after = "0"

    run_pass(state, now=NOW, policy=FAST)

    assert sub.requests == 2
    assert len(sub.messages) == 1


def test_long_retry_after_waits_for_later_pass(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.answers = [429]
    sub.retry_after = "3600"

    first = run_pass(state, now=NOW, policy=FAST)
    second = run_pass(state, now=NOW + timedelta(minutes=2), policy=FAST)

    assert first.push_failed == 1
    assert sub.requests == 2
    assert second.pushed == 1
    assert len(sub.messages) == 1


def test_failing_endpoint_does_not_block_others(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    other, other_token = login_as("sales")
    due_follow_up(state, user)
    due_follow_up(state, other, name="孙丽")
    broken = subscribe(http, token, push_service)
    slow = subscribe(http, token, push_service)
    healthy = subscribe(http, other_token, push_service)
    broken.always = 500
    slow.stall = 0.3

    result = run_pass(state, now=NOW, policy=FAST)

    assert broken.requests == 3
    assert len(slow.messages) == 1
    assert len(healthy.messages) == 1
    assert result.push_failed == 1
    row = state.records.get().execute(
        "SELECT status, attempts, next_attempt_at, last_error FROM notifications WHERE target = ?",
        (f"push:{broken.server_id}",)).fetchone()
    assert tuple(row) == ("failed", 1, "2026-03-10T02:01:00.000Z", "HTTP 500")


def test_failed_push_retried_later_then_abandoned(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.always = 502
    one_try = FAST.__class__(attempts=1, base_delay=0.0, max_wait=0.0, timeout=5.0)

    moments = [NOW + timedelta(minutes=m) for m in (0, 0.5, 1, 3, 7, 15, 31, 63, 200)]
    for moment in moments:
        run_pass(state, now=moment, policy=one_try)

    # Tried at 0, 1, 3, 7, 15 and 31 minutes: the half-minute pass is too early,
    # and after the sixth failure the item is abandoned.
    assert sub.requests == 6
    status = state.records.get().execute("SELECT status, attempts FROM notifications").fetchone()
    assert tuple(status) == ("abandoned", 6)


def test_escalation_goes_to_manager(state, http, login_as, make_user, push_service):
    manager = make_user("manager", name="王经理")
    user = make_user("sales", name="张伟", manager=manager.username)
    _, manager_token = login_as(manager)
    late = due_follow_up(state, user, name="周杰", company=None, when="2026-03-05")
    due_follow_up(state, user, name="吴敏", company=None, when="2026-03-08")
    boss = subscribe(http, manager_token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert boss.messages == [{"title": "跟进逾期：张伟的客户 周杰",
                              "body": "应于 2026-03-05 跟进，已逾期 5 天，尚未跟进。",
                              "url": f"/#/customer/{late}", "tag": f"genzong-escalation-{late}"}]


def test_escalation_days_setting_applies(state, http, login_as, make_user, push_service):
    manager = make_user("manager")
    user = make_user("sales", manager=manager.username)
    _, manager_token = login_as(manager)
    due_follow_up(state, user, when="2026-03-08")
    boss = subscribe(http, manager_token, push_service)
    settings.write(state.records.get(), state.private.get(), "escalation_days", 1)

    run_pass(state, now=NOW, policy=FAST)

    assert [m["title"].split("：")[0] for m in boss.messages] == ["跟进逾期"]


def test_receivable_window_and_paid(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    customer = seed(state, "customers", name="钱多", owner_id=user.id)
    soon = seed(state, "receivables", customer_id=customer, amount_fen=50_000, due_date="2026-03-12")
    seed(state, "receivables", customer_id=customer, amount_fen=50_000, due_date="2026-03-20")
    paid = seed(state, "receivables", customer_id=customer, amount_fen=50_000, due_date="2026-03-01")
    seed(state, "payments", receivable_id=paid, paid_on="2026-02-27", amount_fen=50_000)
    today = seed(state, "receivables", customer_id=customer, amount_fen=50_000, due_date=TODAY)
    sub = subscribe(http, token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    bodies = {m["tag"]: m for m in sub.messages}
    assert set(bodies) == {f"genzong-receivables-{soon}", f"genzong-receivables-{today}"}
    assert bodies[f"genzong-receivables-{soon}"]["title"] == "回款提醒：钱多"
    assert bodies[f"genzong-receivables-{soon}"]["body"] == "待收 ¥500.00（应收 ¥500.00），付款期限 2026-03-12（还有 2 天）。"
    # Due today is not overdue yet: overdue starts the day after the due date.
    assert bodies[f"genzong-receivables-{today}"]["title"] == "回款提醒：钱多"


def test_replied_and_closed_tickets_skipped(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    ticket_near_deadline(state, user, "GD000001", first_reply_at=format_stamp(NOW - timedelta(hours=1)))
    ticket_near_deadline(state, user, "GD000002", status="已解决")
    ticket_near_deadline(state, user, "GD000003", reply_due_at=format_stamp(NOW + timedelta(hours=5)))
    overdue = ticket_near_deadline(state, user, reply_due_at=format_stamp(NOW - timedelta(minutes=90)))
    sub = subscribe(http, token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert [(m["tag"], m["title"]) for m in sub.messages] == [
        (f"genzong-tickets-{overdue}", "工单已超时未答复：GD000007 地板起拱")]
    assert sub.messages[0]["body"].startswith("答复期限 3月10日 08:30，已超时 1 小时 30 分钟。")


def test_pool_deleted_and_disabled_skipped(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    seed(state, "customers", name="公海客户", next_follow_up=TODAY)
    seed(state, "customers", name="已删除", owner_id=user.id, next_follow_up=TODAY, deleted=True)
    seed(state, "customers", name="已流失", owner_id=user.id, next_follow_up=TODAY, stage="已流失")
    sub = subscribe(http, token, push_service)
    run_pass(state, now=NOW, policy=FAST)
    assert sub.messages == []

    due_follow_up(state, user)
    state.accounts().set_disabled(user.username)
    result = run_pass(state, now=NOW, policy=FAST)
    assert result.due == 0
    assert sub.messages == []


def test_many_items_become_one_summary(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    for index in range(7):
        due_follow_up(state, user, name=f"客户{index}")
    sub = subscribe(http, token, push_service)

    run_pass(state, now=NOW, policy=FAST)
    again = run_pass(state, now=NOW + timedelta(minutes=1), policy=FAST)

    assert sub.messages == [{"title": "你有 7 项提醒", "body": "跟进 7 项。点按查看今日待办。",
                             "url": "/#/today", "tag": "genzong-summary"}]
    assert again.pushed == 0
    count = state.records.get().execute("SELECT count(*) FROM notifications WHERE status = 'sent'").fetchone()[0]
    assert count == 7


def test_long_text_cut_to_fit(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    ticket_near_deadline(state, user, subject="地" * 200, content="板" * 10_000)
    seed(state, "customers", name="長" * 200, company="公" * 200, owner_id=user.id, next_follow_up=TODAY,
         phone="1" * 100)
    sub = subscribe(http, token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert push_service.errors == []
    assert len(sub.messages) == 2
    assert max(sub.payload_sizes) <= MAX_PAYLOAD_BYTES
    for message in sub.messages:
        assert len(message["title"]) <= 100
        assert message["title"].endswith("…")
    ticket = next(m for m in sub.messages if m["title"].startswith("工单"))
    assert ticket["body"].endswith("板…")


def test_english_subscription_gets_english(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    overdue_receivable(state, user)
    sub = subscribe(http, token, push_service, lang="en")

    run_pass(state, now=NOW, policy=FAST)

    assert sub.messages[0]["title"] == "Payment overdue: 王芳"
    assert sub.messages[0]["body"] == ("Order DD2026030001: ¥10,345.50 outstanding of ¥12,345.50, "
                                       "was due 2026-03-06, 4 days overdue.")


def test_time_zone_setting_moves_today(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user, when=TODAY)
    sub = subscribe(http, token, push_service)
    settings.write(state.records.get(), state.private.get(), "time_zone", "America/New_York")

    # 02:00 UTC is still 9 March in New York.
    run_pass(state, now=NOW, policy=FAST)

    assert sub.messages == []


def test_logs_never_show_keys(state, http, login_as, rep, push_service, caplog):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.always = 500
    caplog.set_level(logging.DEBUG, logger="genzong")

    run_pass(state, now=NOW, policy=FAST)

    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("genzong"))
    assert f"push to subscription {sub.server_id} failed: HTTP 500" in logged
    for secret in (sub.token, sub.info()["keys"]["p256dh"], sub.info()["keys"]["auth"]):
        assert secret not in logged
    pem = state.data.vapid_private_key.read_text()
    assert pem.splitlines()[1] not in logged


def test_passes_run_one_at_a_time(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    due_follow_up(state, user)
    sub = subscribe(http, token, push_service)
    sub.stall = 0.5
    results = []

    def worker():
        results.append(run_pass(state, now=NOW, policy=FAST))
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.skipped for r in results) == [False, True, True]
    assert len(sub.messages) == 1


def test_held_lock_skips_pass(state):
    with pass_lock(state).hold() as held:
        assert held
        result = run_pass(state, now=NOW, policy=FAST, lock_timeout=0.2)
    assert result.skipped
    assert not run_pass(state, now=NOW, policy=FAST).skipped


def test_lock_is_per_open_file(tmp_path):
    lock = PassLock(tmp_path / "reminders.lock")
    with lock.hold() as first:
        with PassLock(tmp_path / "reminders.lock").hold() as second:
            assert (first, second) == (True, False)


def test_vapid_key_kept_private(state, http, login_as):
    path = state.data.vapid_private_key
    assert path.stat().st_mode & 0o777 == 0o600
    _, token = login_as("sales")
    key = http.get("/api/push/key", headers={"Authorization": f"Bearer {token}"}).json()["publicKey"]

    from cryptography.hazmat.primitives import serialization
    from stand_ins import b64url
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    raw = private.public_key().public_bytes(serialization.Encoding.X962,
                                            serialization.PublicFormat.UncompressedPoint)
    assert key == b64url(raw)
    secret_number = private.private_numbers().private_value.to_bytes(32, "big")
    pem_body = "".join(path.read_text().splitlines()[1:-1])
    for database in (state.data.database, state.data.private_database):
        content = database.read_bytes()
        assert secret_number not in content
        assert pem_body.encode() not in content


def test_notifications_record_what_was_sent(state, http, login_as, rep, push_service):
    user, token = login_as(rep)
    receivable = overdue_receivable(state, user)
    sub = subscribe(http, token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    row = state.records.get().execute("SELECT * FROM notifications").fetchone()
    assert dict(row) | {"id": 0} == {
        "id": 0, "item_key": f"receivable_overdue:{receivable}:2026-03-06", "target": f"push:{sub.server_id}",
        "user_id": user.id, "kind": "receivable_overdue", "record_table": "receivables",
        "record_id": receivable, "title": "逾期未付款：王芳", "status": "sent", "attempts": 1,
        "last_error": None, "next_attempt_at": None, "first_attempt_at": "2026-03-10T02:00:00.000Z",
        "last_attempt_at": "2026-03-10T02:00:00.000Z", "sent_at": "2026-03-10T02:00:00.000Z"}
    assert json.dumps(dict(row), ensure_ascii=False).count(sub.token) == 0


def test_unsignable_endpoint_fails_alone(state, http, login_as, rep, push_service):
    from genzong.server.reminders import subscriptions
    user, token = login_as(rep)
    due_follow_up(state, user)
    healthy = subscribe(http, token, push_service)
    odd = push_service.subscribe("unused").info()
    # py_vapid takes no IPv6 address as the audience, so signing fails for this endpoint.
    odd["endpoint"] = "http://[::1]:9/push/ipv6"
    subscriptions.save(state.private.get(), user.id, subscriptions.parse_subscription(odd))

    result = run_pass(state, now=NOW, policy=FAST)

    assert result.push_failed == 1
    assert len(healthy.messages) == 1
    error = state.records.get().execute(
        "SELECT last_error FROM notifications WHERE status = 'failed'").fetchone()[0]
    assert error.startswith("VAPID signing failed: ")
