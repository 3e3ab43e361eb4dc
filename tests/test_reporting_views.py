"""The reporting views in SQL: payment status, time zone, tombstones, upgrade."""

import sqlite3
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from genzong.server.db import transaction
from genzong.server.migrations import upgrade
from genzong.server.records import Batch
from genzong.server.timeutil import now_stamp

# Two zones 25 hours apart: at every moment their dates differ, so a view
# that ignored the setting would get "today" wrong in at least one of them.
FAR_EAST = "Pacific/Kiritimati"
FAR_WEST = "Pacific/Pago_Pago"


def write(state, table: str, fields: dict, record_id: str | None = None) -> str:
    """Store a server write of ``fields`` and return the record id."""
    record_id = record_id or str(uuid.uuid4())
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write(table, record_id, fields)
        batch.flush()
    return record_id


def set_time_zone(state, value) -> None:
    conn = state.records.get()
    found = conn.execute("SELECT id FROM settings WHERE key = 'time_zone'").fetchone()
    write(state, "settings", {"key": "time_zone", "value": value}, found[0] if found else None)


def tracking(state, order_no: str) -> dict:
    row = state.records.get().execute(
        "SELECT * FROM receivable_tracking WHERE 订单号 = ?", (order_no,)).fetchone()
    return dict(row) if row else None


def local_today(zone: str):
    return datetime.now(ZoneInfo(zone)).date()


@pytest.fixture
def customer(state):
    return write(state, "customers", {"name": "王芳", "owner_id": None})


def receivable(state, customer_id, order_no, amount_fen, due_date, paid=()):
    receivable_id = write(state, "receivables", {"customer_id": customer_id, "order_no": order_no,
                                                 "amount_fen": amount_fen, "due_date": due_date})
    for amount in paid:
        write(state, "payments", {"receivable_id": receivable_id, "paid_on": due_date, "amount_fen": amount})
    return receivable_id


@pytest.mark.parametrize("zone", [FAR_EAST, FAR_WEST])
def test_due_today_not_overdue(state, customer, zone):
    set_time_zone(state, zone)
    today = local_today(zone)
    calendar = dict(state.records.get().execute("SELECT * FROM org_calendar").fetchone())
    assert calendar["time_zone"] == zone
    assert calendar["today"] == today.isoformat()

    receivable(state, customer, "DUE-TODAY", 10_000, today.isoformat())
    receivable(state, customer, "DUE-YESTERDAY", 10_000, (today - timedelta(days=1)).isoformat())
    receivable(state, customer, "PART-PAID", 10_000, today.isoformat(), paid=[2_500])
    receivable(state, customer, "LATE-PART-PAID", 10_000, (today - timedelta(days=9)).isoformat(), paid=[2_500])

    due_today = tracking(state, "DUE-TODAY")
    assert due_today["付款状态"] == "待付款"
    assert due_today["逾期天数"] is None
    due_yesterday = tracking(state, "DUE-YESTERDAY")
    assert due_yesterday["付款状态"] == "逾期未付款"
    assert due_yesterday["逾期天数"] == 1
    assert tracking(state, "PART-PAID")["付款状态"] == "部分付款"
    late = tracking(state, "LATE-PART-PAID")
    assert late["付款状态"] == "逾期未付款"
    assert late["逾期天数"] == 9
    assert late["未收金额"] == 75.0


def test_paid_and_overpaid(state, customer):
    long_ago = "2020-01-31"
    receivable(state, customer, "PAID", 10_000, long_ago, paid=[4_000, 6_000])
    receivable(state, customer, "OVERPAID", 10_000, long_ago, paid=[12_345])
    paid = tracking(state, "PAID")
    assert (paid["付款状态"], paid["已收金额"], paid["未收金额"], paid["多付金额"]) == ("已付款", 100.0, 0.0, None)
    overpaid = tracking(state, "OVERPAID")
    assert (overpaid["付款状态"], overpaid["未收金额"], overpaid["多付金额"]) == ("已付款", 0.0, 23.45)
    assert overpaid["逾期天数"] is None


def test_no_due_date_never_overdue(state, customer):
    write(state, "receivables", {"customer_id": customer, "order_no": "NO-DUE", "amount_fen": 500})
    assert tracking(state, "NO-DUE")["付款状态"] == "待付款"


def test_default_zone_when_setting_invalid(state):
    expected = local_today("Asia/Shanghai").isoformat()
    for value in ([1, 2], 42, None):
        set_time_zone(state, value)
        calendar = state.records.get().execute("SELECT time_zone, today FROM org_calendar").fetchone()
        assert tuple(calendar) == ("Asia/Shanghai", expected), value


# SQLite reports the function's ValueError as an unraisable exception too.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_unknown_zone_raises(state):
    set_time_zone(state, "Mars/Olympus_Mons")
    with pytest.raises(sqlite3.OperationalError):
        state.records.get().execute("SELECT today FROM org_calendar").fetchone()


def test_calendar_periods(state):
    set_time_zone(state, "Asia/Shanghai")
    today = local_today("Asia/Shanghai")
    row = dict(state.records.get().execute("SELECT * FROM org_calendar").fetchone())
    monday = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    year_month = month_start.year * 12 + month_start.month - 1 - 11
    assert row["week_start"] == monday.isoformat()
    assert row["week_end"] == (monday + timedelta(days=6)).isoformat()
    assert row["month_start"] == month_start.isoformat()
    assert row["month_end"] == (next_month - timedelta(days=1)).isoformat()
    assert row["year_start"] == f"{year_month // 12:04d}-{year_month % 12 + 1:02d}-01"


def test_tombstones_left_out(state, customer):
    remaining = write(state, "customers", {"name": "李强"})
    receivable(state, remaining, "KEPT", 1_000, "2030-01-01", paid=[300])
    gone_payment = write(state, "payments", {"receivable_id": receivable(state, remaining, "KEPT-2", 1_000, "2030-01-01"),
                                             "paid_on": "2029-12-01", "amount_fen": 1_000})
    receivable(state, customer, "OF-DELETED", 1_000, "2030-01-01")
    deleted_receivable = receivable(state, remaining, "DELETED-ITSELF", 1_000, "2020-01-01")
    write(state, "follow_ups", {"customer_id": customer, "happened_at": "2026-01-05T02:00:00.000Z",
                                "content": "被删除客户的跟进"})
    write(state, "tickets", {"kind": "投诉", "customer_id": customer, "subject": "被删除客户的投诉"})
    write(state, "customers", {"deleted": True}, customer)
    write(state, "payments", {"deleted": True}, gone_payment)
    write(state, "receivables", {"deleted": True}, deleted_receivable)

    conn = state.records.get()
    assert [r[0] for r in conn.execute("SELECT 客户名称 FROM customer_list")] == ["李强"]
    assert sorted(r[0] for r in conn.execute("SELECT 订单号 FROM receivable_tracking")) == ["KEPT", "KEPT-2"]
    assert tracking(state, "KEPT-2")["已收金额"] == 0.0
    assert tracking(state, "KEPT-2")["最近回款日期"] is None
    assert conn.execute("SELECT count(*) FROM follow_up_log").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM ticket_log").fetchone()[0] == 0


def test_ticket_log_times(state):
    set_time_zone(state, "Asia/Shanghai")
    write(state, "tickets", {"kind": "投诉", "subject": "迟复", "received_at": "2026-03-01T01:00:00.000Z",
                             "reply_due_at": "2026-03-01T10:00:00.000Z",
                             "first_reply_at": "2026-03-01T11:30:00.000Z"})
    row = dict(state.records.get().execute("SELECT * FROM ticket_log WHERE 主题 = '迟复'").fetchone())
    assert row["受理时间"] == "2026-03-01 09:00"
    assert row["答复用时"] == 10.5
    assert row["超时答复"] == "是"
    assert row["负责人"] == "未分配"


def test_upgrade_recreates_views(state):
    conn = state.records.get()
    conn.execute("DROP VIEW receivable_tracking")
    conn.execute("DROP VIEW org_calendar")
    upgrade(conn)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"org_calendar", "receivable_balances", "customer_list", "follow_up_log",
            "receivable_tracking", "ticket_log"} <= names
    assert conn.execute("SELECT count(*) FROM receivable_tracking").fetchone()[0] == 0
