"""Edge cases of the receivable, search and monthly-performance canned queries.

Rows go straight into the database of a fresh published data folder (no demo
data), and each query runs through the real app's Datasette. The expected
values come from a Python model of the payment-status rule and of each
query's description, with dates computed by zoneinfo.
"""

import sqlite3
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from genzong.server import store, visibility
from genzong.server.db import transaction
from genzong.server.schema import TABLES
from genzong.sync import Version, format_stamp

from published import close_published, open_published
from receivable_model import balances, in_period, rep_month_summary, status_summary, yuan

OLD_STAMP = "2020-01-01T00:00:00.000Z"


@pytest.fixture
def published(tmp_path):
    opened = open_published(tmp_path, demo_customers=None)
    opened.state.accounts().add("jingli", "genzong123", "manager", "王经理")
    yield opened
    close_published(opened)


def put(published, table: str, fields: dict, *, stamp: str = OLD_STAMP, device: str = "server",
        deleted: bool = False) -> str:
    """Write one record straight into the database, every field stamped ``stamp`` by ``device``.

    The row gets the scope the server would give it: its customer's owner.
    """
    record_id = str(uuid.uuid4())
    values = {**fields, "deleted": True} if deleted else dict(fields)
    version = Version({device: 1}, {name: (device, 1, stamp) for name in values}, values)
    conn = published.state.records.get()

    def scope_of(parent_table: str, parent_id: str) -> str | None:
        row = conn.execute(f"SELECT scope_owner FROM {parent_table} WHERE id = ?", (parent_id,)).fetchone()
        return row[0] if row else None

    with transaction(conn):
        seq = store.allocate_seqs(conn, 1)
        scope = visibility.scope_for(table, version, scope_of)
        store.upsert_records(conn, TABLES[table], [(record_id, version, seq, stamp, scope)])
    return record_id


def set_time_zone(published, name: str) -> None:
    put(published, "settings", {"key": "time_zone", "value": name})


def add_user(published, name: str) -> str:
    return put(published, "users", {"username": f"u-{uuid.uuid4().hex[:6]}", "name": name, "role": "sales"})


def query(published, name: str, **params) -> list[dict]:
    return published.rows(f"/data/genzong/{name}", **params)


def raw_tables(published) -> dict[str, list[dict]]:
    conn = sqlite3.connect(published.data.database)
    conn.row_factory = sqlite3.Row
    tables = {name: [dict(row) for row in conn.execute(f"SELECT * FROM {name}")]
              for name in ("customers", "receivables", "payments", "users")}
    conn.close()
    return tables


def org_today(published) -> date:
    return date.fromisoformat(query(published, "org_calendar")[0]["today"])


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def year_start(day: date) -> date:
    months = day.year * 12 + day.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


# Receivables -------------------------------------------------------------------

def add_receivable(published, customer: str, amount: int, *, due: date | None = None, sale: date | None = None,
                   payments: tuple = (), deleted_payments: tuple = (), order_no: str, deleted: bool = False) -> str:
    fields = {"customer_id": customer, "order_no": order_no, "amount_fen": amount,
              "due_date": due.isoformat() if due else None, "sale_date": sale.isoformat() if sale else None}
    receivable = put(published, "receivables", fields, deleted=deleted)
    paid_on = (sale or due or date(2026, 1, 1)).isoformat()
    for amount_paid in payments:
        put(published, "payments", {"receivable_id": receivable, "paid_on": paid_on, "amount_fen": amount_paid})
    for amount_paid in deleted_payments:
        put(published, "payments", {"receivable_id": receivable, "paid_on": paid_on, "amount_fen": amount_paid},
            deleted=True)
    return receivable


def add_customers(published) -> dict[str, str]:
    zhang = add_user(published, "张三")
    li = add_user(published, "李四")
    return {
        "KH000001": put(published, "customers", {"code": "KH000001", "name": "甲", "owner_id": zhang}),
        "KH000002": put(published, "customers", {"code": "KH000002", "name": "乙"}),
        "KH000003": put(published, "customers", {"code": "KH000003", "name": "丙", "owner_id": zhang},
                        deleted=True),
        "KH000004": put(published, "customers", {"code": "KH000004", "name": "丁", "owner_id": li}),
    }


def add_overdue_cases(published, today: date) -> None:
    c = add_customers(published)

    def days(count: int) -> date:
        return today - timedelta(days=count)

    add_receivable(published, c["KH000001"], 1000, sale=days(40), order_no="NO-DUE")
    add_receivable(published, c["KH000001"], 1000, sale=days(40), payments=(300,), order_no="NO-DUE-PART")
    add_receivable(published, c["KH000001"], 1000, due=days(30), payments=(700, 800), order_no="OVERPAID")
    add_receivable(published, c["KH000002"], 1000, due=days(30), payments=(400, 600), order_no="PAID-EXACT")
    add_receivable(published, c["KH000002"], 1000, due=days(20), payments=(100,), deleted_payments=(1000,),
                   order_no="PAYMENT-DELETED")
    add_receivable(published, c["KH000001"], 1000, due=days(50), order_no="RECEIVABLE-DELETED", deleted=True)
    add_receivable(published, c["KH000003"], 1000, due=days(50), order_no="CUSTOMER-DELETED")
    add_receivable(published, c["KH000002"], 0, due=days(5), order_no="ZERO-AMOUNT")
    add_receivable(published, c["KH000001"], 500, due=today, order_no="DUE-TODAY")
    add_receivable(published, c["KH000001"], 500, due=today, payments=(200,), order_no="DUE-TODAY-PART")
    add_receivable(published, c["KH000002"], 500, due=days(1), order_no="DUE-YESTERDAY")
    # Same due date: more outstanding first, then customer code. Written in the reverse order.
    add_receivable(published, c["KH000004"], 500, due=days(10), order_no="TIE-4")
    add_receivable(published, c["KH000002"], 900, due=days(10), payments=(400,), order_no="TIE-2")
    add_receivable(published, c["KH000001"], 500, due=days(10), order_no="TIE-1")
    add_receivable(published, c["KH000004"], 800, due=days(10), order_no="TIE-4-MORE")


def test_overdue_receivables_edge_cases(published):
    today = org_today(published)
    add_overdue_cases(published, today)
    rows = query(published, "overdue_receivables")

    expected = [b for b in balances(raw_tables(published), today) if b["status"] == "逾期未付款"]
    expected.sort(key=lambda b: (-b["days"], -b["outstanding"], b["code"]))
    assert [r["订单号"] for r in rows] == [b["order_no"] for b in expected]
    assert [r["订单号"] for r in rows] == ["PAYMENT-DELETED", "TIE-4-MORE", "TIE-1", "TIE-2", "TIE-4",
                                          "DUE-YESTERDAY"]
    got = [(r["客户编号"], r["逾期天数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
    want = [(b["code"], b["days"], yuan(b["amount_fen"]), yuan(b["paid"]), yuan(b["outstanding"]))
            for b in expected]
    assert got == want
    assert rows[0]["已收金额"] == 1.0, "a deleted payment is not counted"
    assert {r["负责人"] for r in rows} == {"张三", "李四", "公海"}


def test_status_of_each_edge_case(published):
    """payments_by_status over a period holding every case gives the model's counts and sums."""
    today = org_today(published)
    add_overdue_cases(published, today)
    start, end = today - timedelta(days=60), today
    rows = query(published, "payments_by_status", 开始日期=start.isoformat(), 结束日期=end.isoformat())
    chosen = [b for b in balances(raw_tables(published), today) if in_period(b, start, end)]
    got = [(r["付款状态"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
    assert got == status_summary(chosen)
    by_status = {r["付款状态"]: r for r in rows}
    assert by_status["已付款"]["笔数"] == 3, "overpaid, paid exactly and a zero amount"
    assert by_status["已付款"]["已收金额"] == 25.0, "an overpayment counts in full"
    assert by_status["已付款"]["未收金额"] == 0.0
    assert by_status["部分付款"]["笔数"] == 2, "no due date and due today, both partly paid"
    assert by_status["待付款"]["笔数"] == 2, "no due date and due today, both unpaid"


def add_period_cases(published, start: date, end: date, today: date) -> None:
    c = add_customers(published)
    one_day = timedelta(days=1)
    far = today + timedelta(days=400)  # never overdue
    cases = [
        ("SALE-BEFORE", {"sale": start - one_day, "due": far}),
        ("SALE-START", {"sale": start, "due": far}),
        ("SALE-END", {"sale": end, "due": far}),
        ("SALE-AFTER", {"sale": end + one_day, "due": far}),
        ("DUE-BEFORE", {"due": start - one_day}),
        ("DUE-START", {"due": start}),
        ("DUE-END", {"due": end}),
        ("DUE-AFTER", {"due": end + one_day}),
        ("SALE-BEFORE-DUE-INSIDE", {"sale": start - one_day, "due": start + one_day}),
        ("SALE-INSIDE-DUE-AFTER", {"sale": start + one_day, "due": end + timedelta(days=30)}),
        ("NO-DATES", {}),
    ]
    for order_no, dates in cases:
        add_receivable(published, c["KH000001"], 1000, order_no=order_no, payments=(250,), **dates)
        add_receivable(published, c["KH000004"], 3000, order_no=order_no + "-UNPAID", **dates)
    add_receivable(published, c["KH000002"], 1000, sale=start, due=start, payments=(1500,), order_no="OVERPAID")
    add_receivable(published, c["KH000002"], 1000, sale=start, due=start, payments=(1,), deleted_payments=(999,),
                   order_no="PAYMENT-DELETED")
    add_receivable(published, c["KH000001"], 1000, sale=start, order_no="RECEIVABLE-DELETED", deleted=True)
    add_receivable(published, c["KH000003"], 1000, sale=start, order_no="CUSTOMER-DELETED")


def given_period(today: date) -> tuple[date, date]:
    """A period from the 15th of the month two months back to the 10th of next month."""
    first = today.replace(day=1)
    start = (first - timedelta(days=40)).replace(day=15)
    end = (month_end(today) + timedelta(days=1)).replace(day=10)
    return start, end


def test_payments_by_status_given_period_edges(published):
    today = org_today(published)
    start, end = given_period(today)
    add_period_cases(published, start, end, today)
    rows = query(published, "payments_by_status", 开始日期=start.isoformat(), 结束日期=end.isoformat())

    chosen = [b for b in balances(raw_tables(published), today) if in_period(b, start, end)]
    assert {b["order_no"] for b in chosen} >= {"SALE-START", "SALE-END", "DUE-START", "DUE-END",
                                               "SALE-INSIDE-DUE-AFTER", "OVERPAID", "PAYMENT-DELETED"}
    got = [(r["付款状态"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
    assert got == status_summary(chosen)
    assert sum(r["笔数"] for r in rows) == 12
    assert {(r["开始日期"], r["结束日期"]) for r in rows} == {(start.isoformat(), end.isoformat())}


def test_payments_by_rep_month_given_period_edges(published):
    today = org_today(published)
    start, end = given_period(today)
    add_period_cases(published, start, end, today)
    rows = query(published, "payments_by_rep_month", 开始日期=start.isoformat(), 结束日期=end.isoformat())

    chosen = [b for b in balances(raw_tables(published), today) if in_period(b, start, end)]
    got = sorted((r["月份"], r["负责人"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"], r["逾期笔数"])
                 for r in rows)
    assert got == rep_month_summary(chosen)
    assert {r["月份"] for r in rows} >= {start.isoformat()[:7], end.isoformat()[:7]}


@pytest.mark.parametrize("name", ["payments_by_status", "payments_by_rep_month"])
def test_default_period_edges(published, name):
    """Blank dates: from the first of the month 11 months back to the end of this month, both included."""
    today = org_today(published)
    start, end = year_start(today), month_end(today)
    add_period_cases(published, start, end, today)
    rows = query(published, name, 开始日期="", 结束日期="")

    chosen = [b for b in balances(raw_tables(published), today) if in_period(b, start, end)]
    if name == "payments_by_status":
        got = [(r["付款状态"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
        assert got == status_summary(chosen)
    else:
        got = sorted((r["月份"], r["负责人"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"], r["逾期笔数"])
                     for r in rows)
        assert got == rep_month_summary(chosen)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York"])
def test_overdue_in_other_time_zone(published, zone):
    """The time_zone setting decides today: due on the zone's today is not overdue, due the day before is."""
    set_time_zone(published, zone)
    today = org_today(published)
    assert today == datetime.now(ZoneInfo(zone)).date()
    customer = put(published, "customers", {"code": "KH000010", "name": "时区"})
    add_receivable(published, customer, 1000, due=today, order_no="ZONE-TODAY")
    add_receivable(published, customer, 1000, due=today - timedelta(days=1), order_no="ZONE-YESTERDAY")
    add_receivable(published, customer, 1000, due=today + timedelta(days=1), order_no="ZONE-TOMORROW")

    rows = query(published, "overdue_receivables")
    assert [(r["订单号"], r["逾期天数"]) for r in rows] == [("ZONE-YESTERDAY", 1)]
    statuses = query(published, "payments_by_status", 开始日期=(today - timedelta(days=1)).isoformat(),
                     结束日期=(today + timedelta(days=1)).isoformat())
    assert {r["付款状态"]: r["笔数"] for r in statuses} == {"待付款": 2, "部分付款": 0, "逾期未付款": 1, "已付款": 0}


def test_period_with_surrounding_spaces(published):
    today = org_today(published)
    start, end = given_period(today)
    add_period_cases(published, start, end, today)
    plain = query(published, "payments_by_status", 开始日期=start.isoformat(), 结束日期=end.isoformat())
    spaced = query(published, "payments_by_status", 开始日期=f" {start.isoformat()}", 结束日期=f"{end.isoformat()} ")
    assert [r["笔数"] for r in spaced] == [r["笔数"] for r in plain]


# Monthly performance ------------------------------------------------------------

def add_device(published, user_id: str) -> str:
    device = "d-" + uuid.uuid4().hex[:12]
    conn = published.state.records.get()
    conn.execute("INSERT INTO devices (id, user_id, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                 (device, user_id, OLD_STAMP, OLD_STAMP))
    return device


def local_stamp(day: date, zone: ZoneInfo, minutes: int) -> str:
    """Return the UTC stamp ``minutes`` after the start of ``day`` in ``zone`` (negative: before it)."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)
    return format_stamp(start + timedelta(minutes=minutes))


def test_monthly_performance_in_daylight_saving_zone(published):
    """A period from the day New York clocks go forward to the day they go back, set by the time_zone setting."""
    zone_name = "America/New_York"
    zone = ZoneInfo(zone_name)
    set_time_zone(published, zone_name)
    start, end = date(2026, 3, 8), date(2026, 11, 1)
    after_end = end + timedelta(days=1)
    zhang = add_user(published, "张三")
    manager = add_user(published, "赵经理")
    manager_device = add_device(published, manager)

    stamps = {
        "before-start": local_stamp(start, zone, -1),
        "at-start": local_stamp(start, zone, 0),
        "late-on-end": local_stamp(after_end, zone, -1),
        "at-next-day": local_stamp(after_end, zone, 0),
    }
    customers = {label: put(published, "customers", {"code": f"KH{index:06d}", "name": label, "owner_id": zhang},
                            stamp=stamp)
                 for index, (label, stamp) in enumerate(stamps.items(), start=20)}
    put(published, "customers", {"code": "KH000030", "name": "已删除", "owner_id": zhang},
        stamp=stamps["at-start"], deleted=True)
    base = customers["before-start"]
    for stamp in stamps.values():
        put(published, "follow_ups", {"customer_id": base, "happened_at": stamp})
        put(published, "follow_ups", {"customer_id": base, "happened_at": stamp}, device=manager_device)
    put(published, "follow_ups", {"customer_id": base, "happened_at": stamps["at-start"]}, deleted=True)

    receivable = add_receivable(published, base, 100_000, sale=start, order_no="PAID-ON-EDGES")
    for day, amount in ((start - timedelta(days=1), 1), (start, 10), (end, 100), (after_end, 1000)):
        put(published, "payments", {"receivable_id": receivable, "paid_on": day.isoformat(), "amount_fen": amount})
    put(published, "payments", {"receivable_id": receivable, "paid_on": start.isoformat(), "amount_fen": 7},
        deleted=True)
    deleted_receivable = add_receivable(published, base, 5000, sale=start, order_no="GONE", deleted=True)
    put(published, "payments", {"receivable_id": deleted_receivable, "paid_on": start.isoformat(), "amount_fen": 3})

    rows = query(published, "rep_monthly_performance", 开始日期=start.isoformat(), 结束日期=end.isoformat())
    got = [(r["月份"], r["业务员"], r["新增客户"], r["跟进次数"], r["回款笔数"], r["回款金额"]) for r in rows]
    # In the period: the "at-start" and "late-on-end" customers and follow-ups
    # (one by the manager's device, one counted for the customer's owner), and
    # the payments on the first and the last day.
    assert got == [
        ("2026-11", "张三", 1, 1, 1, 1.0),
        ("2026-11", "赵经理", 0, 1, 0, 0.0),
        ("2026-03", "张三", 1, 1, 1, 0.1),
        ("2026-03", "赵经理", 0, 1, 0, 0.0),
    ]


def add_customer_with_activity(published, stamp: str, paid_on: str) -> None:
    zhang = add_user(published, "张三")
    customer = put(published, "customers", {"code": "KH000040", "name": "全期", "owner_id": zhang}, stamp=stamp)
    put(published, "follow_ups", {"customer_id": customer, "happened_at": stamp})
    receivable = add_receivable(published, customer, 500, sale=date.fromisoformat(paid_on), order_no="ALL")
    put(published, "payments", {"receivable_id": receivable, "paid_on": paid_on, "amount_fen": 500})


def test_monthly_performance_open_ended_period(published):
    add_customer_with_activity(published, "2026-03-05T02:00:00.000Z", "2026-03-05")
    rows = query(published, "rep_monthly_performance", 开始日期="2026-01-01", 结束日期="9999-12-31")
    assert [(r["月份"], r["新增客户"], r["跟进次数"], r["回款笔数"]) for r in rows] == [("2026-03", 1, 1, 1)]


def test_monthly_performance_from_first_day(published):
    add_customer_with_activity(published, "2026-03-05T02:00:00.000Z", "2026-03-05")
    response = published.get("/data/genzong/rep_monthly_performance.json",
                             params={"开始日期": "0001-01-01", "结束日期": "2026-12-31", "_shape": "objects"})
    assert response.status_code == 200, response.text[:200]
    rows = response.json()["rows"]
    assert [(r["月份"], r["新增客户"], r["跟进次数"], r["回款笔数"]) for r in rows] == [("2026-03", 1, 1, 1)]


# Search -------------------------------------------------------------------------

def more_note(kind: str) -> str:
    """Return the note that ends a kind's 100 rows when it has more matches."""
    return f"只显示了最新的 100 条{kind}。要看更多，类型选 {kind}（最多 1,000 条）。"


def search_page(published, word: str, kind: str = "") -> dict:
    params = {"关键词": word, "_shape": "objects", **({"类型": kind} if kind else {})}
    response = published.get("/data/genzong/search.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def minute_stamp(minute: int) -> str:
    return format_stamp(datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minute))


def test_search_past_cap_of_customers(published):
    """1,005 matching customers, the latest ones deleted: the kind shows its latest 1,000 live ones."""
    for number in range(1005):
        put(published, "customers", {"code": f"KH{number:06d}", "name": f"核对客户{number}"},
            stamp=minute_stamp(number))
    for number in range(1005, 1010):
        put(published, "customers", {"code": f"KH{number:06d}", "name": f"核对客户{number}"},
            stamp=minute_stamp(number), deleted=True)

    page = search_page(published, "核对客户", "客户")
    assert page["truncated"] is True
    codes = [row["编号"] for row in page["rows"]]
    assert len(codes) == 1000
    assert codes == [f"KH{number:06d}" for number in range(1004, 4, -1)]
    assert {row["负责人"] for row in page["rows"]} == {"公海"}, "a customer without an owner is in the pool"

    every_kind = search_page(published, "核对客户")
    assert every_kind["truncated"] is False
    assert [row["编号"] for row in every_kind["rows"]] == [*codes[:100], None]
    assert every_kind["rows"][-1]["内容"] == more_note("客户")


def test_search_tickets_past_cap(published):
    """Tickets past 1,001 matches, the latest of a deleted customer or deleted: the live ones fill the page."""
    zhang = add_user(published, "张三")
    live = put(published, "customers", {"code": "KH000001", "name": "王芳", "notes": "木门异响", "owner_id": zhang})
    deleted_customer = put(published, "customers", {"code": "KH000002", "name": "刘强"}, deleted=True)
    missing = str(uuid.uuid4())  # a customer id no row has
    for minute in range(3):
        put(published, "follow_ups", {"customer_id": live, "happened_at": minute_stamp(minute),
                                      "content": f"第 {minute} 次 木门异响"})
    put(published, "follow_ups", {"customer_id": deleted_customer, "happened_at": minute_stamp(5000),
                                  "content": "删除客户的 木门异响"})
    put(published, "follow_ups", {"customer_id": live, "happened_at": minute_stamp(5001),
                                  "content": "已删除的 木门异响"}, deleted=True)

    expected = []
    for minute in range(1200):
        number = f"GD{minute:06d}"
        if minute % 7 == 0:
            customer = None
        elif minute % 7 == 1:
            customer = missing
        else:
            customer = live
        fields = {"number": number, "kind": "投诉", "subject": "木门异响", "received_at": minute_stamp(minute),
                  "customer_id": customer, "complainant": "匿名"}
        if minute >= 1150 and minute % 2:
            put(published, "tickets", {**fields, "customer_id": deleted_customer})
        elif minute >= 1150:
            put(published, "tickets", fields, deleted=True)
        else:
            put(published, "tickets", fields)
            expected.append((minute, number, "王芳" if customer == live else "匿名"))

    expected.sort(reverse=True)
    page = search_page(published, "木门异响", "工单")
    assert page["truncated"] is True
    tickets = page["rows"]
    assert [(r["编号"], r["客户名称"]) for r in tickets] == [(number, name) for _, number, name in expected[:1000]]
    assert {r["负责人"] for r in tickets if r["客户名称"] == "王芳"} == {"未分配"}, "a ticket shows its own owner"

    page = search_page(published, "木门异响")
    assert page["truncated"] is False
    rows = page["rows"]
    assert [(r["类型"], r["编号"]) for r in rows[:1]] == [("客户", "KH000001")]
    assert [r["内容"] for r in rows[1:4]] == ["第 2 次 木门异响", "第 1 次 木门异响", "第 0 次 木门异响"]
    assert [r["编号"] for r in rows[4:]] == [*(number for _, number, _ in expected[:100]), None]
    assert rows[-1]["内容"] == more_note("工单")


# Past this many matches of a kind the search query walks an index from the
# latest row instead of sorting every match (see its SQL).
INDEX_WALK_MATCHES = 10_000


def put_many(published, table: str, rows: list[tuple[dict, str, bool]]) -> list[str]:
    """Write (fields, stamp, deleted) rows in one transaction, each as ``put`` would."""
    conn = published.state.records.get()
    ids = [str(uuid.uuid4()) for _ in rows]
    with transaction(conn):
        first = store.allocate_seqs(conn, len(rows))
        stored = []
        for offset, (record_id, (fields, stamp, deleted)) in enumerate(zip(ids, rows)):
            values = {**fields, "deleted": True} if deleted else dict(fields)
            version = Version({"server": 1}, {name: ("server", 1, stamp) for name in values}, values)
            stored.append((record_id, version, first + offset, stamp, None))
        store.upsert_records(conn, TABLES[table], stored)
    return ids


def test_search_many_matches_walks_index(published):
    """Past the walk threshold and below it, each kind shows its latest live matches."""
    count = INDEX_WALK_MATCHES + 200
    live = put(published, "customers", {"code": "KH999999", "name": "王芳"})
    deleted_customer = put(published, "customers", {"code": "KH999998", "name": "刘强"}, deleted=True)

    # Customers stored in time order, with every tenth one deleted.
    put_many(published, "customers", [({"code": f"KH{n:06d}", "name": f"批量客户{n}"}, minute_stamp(n), n % 10 == 3)
                                      for n in range(count)])
    customer_codes = [f"KH{n:06d}" for n in reversed(range(count)) if n % 10 != 3]

    # Follow-ups stored out of time order, some deleted or of a deleted customer.
    # The first 50 minutes also hold a rarer word, found by sorting its matches.
    minutes = sorted(range(count), key=lambda n: (n * 7919) % count)
    put_many(published, "follow_ups", [
        ({"customer_id": deleted_customer if n % 10 == 7 else live, "happened_at": minute_stamp(n),
          "content": f"批量跟进 {n}" + (" 稀有回访" if n < 50 else "")}, minute_stamp(n), n % 10 == 3)
        for n in minutes])
    expected_minutes = [n for n in reversed(range(count)) if n % 10 not in (3, 7)]

    def contents(word: str, kind: str = "") -> list[str]:
        return [row["内容"] for row in search_page(published, word, kind)["rows"]]

    assert [row["编号"] for row in search_page(published, "批量客户")["rows"]] == [*customer_codes[:100], None]
    assert [row["编号"] for row in search_page(published, "批量客户", "客户")["rows"]] == customer_codes[:1000]
    assert contents("批量跟进") == [*(f"批量跟进 {n}" for n in expected_minutes[:100]), more_note("跟进记录")]
    assert contents("批量跟进", "跟进记录") == [f"批量跟进 {n}" for n in expected_minutes[:1000]]
    rare = [f"批量跟进 {n} 稀有回访" for n in expected_minutes if n < 50]
    assert contents("稀有回访") == rare
    assert contents("稀有回访", "跟进记录") == rare
    assert contents("批量跟进", "客户") == []


def test_search_kind_checked(published):
    put(published, "customers", {"code": "KH000001", "name": "王芳", "notes": "木门异响"})
    put(published, "tickets", {"number": "GD000001", "kind": "投诉", "subject": "木门异响", "complainant": "匿名",
                               "received_at": minute_stamp(1)})
    assert [r["编号"] for r in search_page(published, "木门异响", "\u3000工单 ")["rows"]] == ["GD000001"], \
        "a full-width space typed around the kind is dropped"

    assert [r["编号"] for r in search_page(published, "木门异响", "工单\u200b")["rows"]] == ["GD000001"], \
        "a zero-width space pasted after the kind is dropped"

    response = published.get("/data/genzong/search.json", params={"关键词": "木门异响", "类型": "客服"})
    assert response.status_code == 400
    assert "类型“客服”不是可搜索的类型" in response.json()["error"]
    page = published.get("/data/genzong/search", params={"关键词": "木门异响", "类型": "客服"})
    assert page.status_code == 400
    assert "请填写 客户、跟进记录 或 工单" in page.text
    assert '<a href="/data/genzong/search?%E5%85%B3%E9%94%AE%E8%AF%8D=%E6%9C%A8%E9%97%A8%E5%BC%82%E5%93%8D">' \
        in page.text, "the page links back to the search with its keyword, without the kind"

    tilde_name = published.get("/data/genzong/sear~63h.json", params={"关键词": "木门异响", "类型": "客服"})
    assert tilde_name.status_code == 400, "the query's tilde-encoded name is checked too"

    ticket_kind = published.get("/data/genzong/search.json", params={"关键词": "木门异响", "类型": "投诉"})
    assert ticket_kind.status_code == 400
    assert "“投诉”是工单的类型" in ticket_kind.json()["error"]
    assert "投诉台账" in ticket_kind.json()["error"]

    tickets = published.get("/data/genzong/ticket_log.json", params={"类型": "投诉", "_shape": "objects"})
    assert tickets.status_code == 200, "another page's 类型 filter is not the search's kind"


def test_search_ticket_of_deleted_customer_hidden(published):
    deleted_customer = put(published, "customers", {"code": "KH000002", "name": "刘强", "phone": "13511112222"},
                           deleted=True)
    put(published, "tickets", {"number": "GD000001", "kind": "投诉", "subject": "漏水", "customer_id": deleted_customer,
                               "received_at": minute_stamp(1)})
    put(published, "tickets", {"number": "GD000002", "kind": "投诉", "subject": "漏水", "complainant": "路人",
                               "received_at": minute_stamp(2)})
    put(published, "follow_ups", {"customer_id": deleted_customer, "happened_at": minute_stamp(3), "content": "漏水回访"})
    page = search_page(published, "漏水")
    assert [(r["类型"], r["编号"], r["客户名称"]) for r in page["rows"]] == [("工单", "GD000002", "路人")]
    assert page["truncated"] is False
