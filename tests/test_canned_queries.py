"""Each canned query, through the real app, against values computed in Python from the raw tables.

The data is the demo (300 customers) plus records a manager's device syncs:
a deleted customer, a follow-up the manager logs on a rep's customer, a
receivable due today and one due yesterday, and a ticket past its reply
deadline. The expected values read the tables with a plain sqlite3
connection and compute dates with zoneinfo, not with Genzong's SQL.
"""

import json
import re
import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from genzong.sync import format_stamp

from device import Device
from published import close_published, open_published
from receivable_model import STATUSES, balances, in_period, rep_month_summary, status_summary, yuan

ZONE = ZoneInfo("Asia/Shanghai")
UTC_NOW_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("queries"))
    add_manager_records(opened)
    yield opened
    close_published(opened)


def add_manager_records(published) -> None:
    response = published.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    published.client.cookies.clear()
    device = Device(published.client, response.json()["token"])
    device.sync()
    customers = device.rows("customers")
    receivables = device.rows("receivables")
    today = datetime.now(ZONE).date()
    owned = sorted((cid for cid, c in customers.items() if c.get("owner_id")), key=lambda cid: customers[cid]["code"])

    # A customer with receivables is deleted: its receivables leave every query.
    with_receivable = sorted({r["customer_id"] for r in receivables.values()}, key=lambda cid: customers[cid]["code"])
    device.delete("customers", with_receivable[0])

    target = owned[1]
    now = datetime.now(timezone.utc)
    device.edit("follow_ups", customer_id=target, happened_at=format_stamp(now), channel="电话",
                content="经理电话回访，客户要求木地板安装")
    device.edit("receivables", customer_id=target, order_no="TODAY-DUE", sale_date=today.isoformat(),
                amount_fen=123_400, due_date=today.isoformat())
    device.edit("receivables", customer_id=target, order_no="YESTERDAY-DUE", sale_date=today.isoformat(),
                amount_fen=56_700, due_date=(today - timedelta(days=1)).isoformat())
    device.edit("tickets", kind="投诉", customer_id=target, owner_id=customers[target]["owner_id"],
                subject="一直没人答复", received_at=format_stamp(now - timedelta(hours=30)),
                reply_due_at=format_stamp(now - timedelta(hours=6)), status="待处理")
    device.sync()
    assert not device.rejected, device.rejected


# Reading the raw tables ------------------------------------------------------

@pytest.fixture(scope="module")
def raw(published):
    """The raw rows of every table read by the queries, keyed by table name."""
    conn = sqlite3.connect(published.data.database)
    conn.row_factory = sqlite3.Row
    tables = {name: [dict(row) for row in conn.execute(f"SELECT * FROM {name}")]
              for name in ("customers", "follow_ups", "receivables", "payments", "tickets", "users", "devices")}
    conn.close()
    return tables


@pytest.fixture(scope="module")
def today():
    return datetime.now(ZONE).date()


def local(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZONE)


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def year_start(day: date) -> date:
    months = day.year * 12 + day.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def user_names(raw) -> dict:
    return {u["id"]: u["name"] for u in raw["users"]}


def owner_name(raw, owner_id, empty="公海") -> str:
    return empty if owner_id is None else user_names(raw)[owner_id]


def live_customers(raw) -> dict:
    return {c["id"]: c for c in raw["customers"] if not c["deleted"]}


# The queries ------------------------------------------------------------------

def test_fixture_records_arrived(raw):
    orders = {r["order_no"] for r in raw["receivables"]}
    assert {"TODAY-DUE", "YESTERDAY-DUE"} <= orders
    assert sum(c["deleted"] for c in raw["customers"]) == 1


def test_overdue_receivables(published, raw, today):
    rows = published.rows("/data/genzong/overdue_receivables")
    expected = [b for b in balances(raw, today) if b["status"] == "逾期未付款"]
    assert len(rows) == len(expected) > 10
    got = sorted((r["客户编号"], r["订单号"], r["逾期天数"], r["未收金额"], r["负责人"]) for r in rows)
    want = sorted((b["customer"]["code"], b["order_no"], b["days"], yuan(b["outstanding"]),
                   owner_name(raw, b["customer"]["owner_id"])) for b in expected)
    assert got == want
    days = [r["逾期天数"] for r in rows]
    assert days == sorted(days, reverse=True)
    order = [(-r["逾期天数"], -r["未收金额"], r["客户编号"]) for r in rows]
    assert order == sorted(order), "most days overdue, then most outstanding, then code"
    orders = {r["订单号"]: r for r in rows}
    assert "TODAY-DUE" not in orders
    assert orders["YESTERDAY-DUE"]["逾期天数"] == 1


def period_summary(raw, today, start, end) -> list[tuple]:
    return status_summary([b for b in balances(raw, today) if in_period(b, start, end)])


def test_payments_by_status_default_period(published, raw, today):
    rows = published.rows("/data/genzong/payments_by_status")
    got = [(r["付款状态"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
    assert got == period_summary(raw, today, year_start(today), month_end(today))
    assert rows[0]["开始日期"] == year_start(today).isoformat()
    assert rows[0]["结束日期"] == month_end(today).isoformat()
    assert sum(r["笔数"] for r in rows) > 100


def test_payments_by_status_given_period(published, raw, today):
    start, end = today - timedelta(days=40), today - timedelta(days=10)
    rows = published.rows("/data/genzong/payments_by_status", 开始日期=start.isoformat(), 结束日期=end.isoformat())
    got = [(r["付款状态"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"]) for r in rows]
    assert got == period_summary(raw, today, start, end)
    assert 0 < sum(r["笔数"] for r in rows) < 150


def test_payments_by_rep_month(published, raw, today):
    rows = published.rows("/data/genzong/payments_by_rep_month")
    want = rep_month_summary([b for b in balances(raw, today) if in_period(b, year_start(today), month_end(today))])
    got = sorted((r["月份"], r["负责人"], r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"], r["逾期笔数"])
                 for r in rows)
    assert got == want
    months = [r["月份"] for r in rows]
    assert months == sorted(months, reverse=True)


def latest_follow_up(raw) -> dict:
    latest = {}
    for f in raw["follow_ups"]:
        if not f["deleted"]:
            latest[f["customer_id"]] = max(latest.get(f["customer_id"], ""), f["happened_at"])
    return latest


def test_follow_ups_this_week(published, raw, today):
    rows = published.rows("/data/genzong/follow_ups_this_week")
    sunday = today + timedelta(days=6 - today.weekday())
    latest = latest_follow_up(raw)
    expected = [c for c in live_customers(raw).values()
                if c["next_follow_up"] and today <= date.fromisoformat(c["next_follow_up"]) <= sunday
                and c["stage"] != "已流失"]
    got = sorted((r["客户编号"], r["下次跟进日期"], r["负责人"], r["最近跟进时间"]) for r in rows)
    want = sorted((c["code"], c["next_follow_up"], owner_name(raw, c["owner_id"]),
                   local(latest[c["id"]]).strftime("%Y-%m-%d %H:%M") if c["id"] in latest else None)
                  for c in expected)
    assert got == want
    assert [r["下次跟进日期"] for r in rows] == sorted(r["下次跟进日期"] for r in rows)


def test_overdue_follow_ups(published, raw, today):
    rows = published.rows("/data/genzong/overdue_follow_ups")
    followed = defaultdict(list)
    for f in raw["follow_ups"]:
        if not f["deleted"]:
            followed[f["customer_id"]].append(local(f["happened_at"]).date())
    expected = []
    for c in live_customers(raw).values():
        if not c["next_follow_up"]:
            continue
        planned = date.fromisoformat(c["next_follow_up"])
        if c["stage"] == "已流失":
            continue
        if planned < today and not any(day >= planned for day in followed[c["id"]]):
            expected.append((c["code"], (today - planned).days))
    assert sorted((r["客户编号"], r["超期天数"]) for r in rows) == sorted(expected)
    assert len(rows) > 5
    assert [r["超期天数"] for r in rows] == sorted((r["超期天数"] for r in rows), reverse=True)


def live_tickets(raw) -> list[dict]:
    customers = {c["id"]: c for c in raw["customers"]}
    return [t for t in raw["tickets"] if not t["deleted"]
            and not (t["customer_id"] and customers.get(t["customer_id"], {}).get("deleted"))]


def missed_reply(ticket, now_stamp: str) -> bool:
    due, replied = ticket["reply_due_at"], ticket["first_reply_at"]
    if due is None:
        return False
    return replied > due if replied else due < now_stamp


def hours_between(start: str, end: str) -> float:
    return (local(end) - local(start)).total_seconds() / 3600


def test_ticket_handling_times(published, raw, today):
    rows = published.rows("/data/genzong/ticket_handling_times")
    now_stamp = format_stamp(datetime.now(timezone.utc))
    start, end = today.replace(day=1), month_end(today)
    chosen = [t for t in live_tickets(raw) if start <= local(t["received_at"]).date() <= end]

    def summary(name, group):
        replies = [hours_between(t["received_at"], t["first_reply_at"]) for t in group if t["first_reply_at"]]
        fixes = [hours_between(t["received_at"], t["resolved_at"]) for t in group if t["resolved_at"]]
        return {"负责人": name, "工单数": len(group), "已答复": len(replies),
                "平均答复用时": sum(replies) / len(replies) if replies else None,
                "已解决": len(fixes), "平均解决用时": sum(fixes) / len(fixes) if fixes else None,
                "超时答复": sum(missed_reply(t, now_stamp) for t in group)}

    by_owner = defaultdict(list)
    for t in chosen:
        by_owner[owner_name(raw, t["owner_id"], "未分配")].append(t)
    expected = {"合计": summary("合计", chosen)}
    expected.update({name: summary(name, group) for name, group in by_owner.items()})

    assert rows[0]["负责人"] == "合计"
    assert {r["负责人"] for r in rows} == set(expected)
    for row in rows:
        want = expected[row["负责人"]]
        for column in ("工单数", "已答复", "已解决", "超时答复"):
            assert row[column] == want[column], (row["负责人"], column)
        for column in ("平均答复用时", "平均解决用时"):
            if want[column] is None:
                assert row[column] is None
            else:
                assert abs(row[column] - want[column]) <= 0.051, (row["负责人"], column)
    assert expected["合计"]["超时答复"] >= 1


def test_ticket_handling_times_by_kind(published, raw, today):
    rows = published.rows("/data/genzong/ticket_handling_times", 类型="需求")
    start, end = today.replace(day=1), month_end(today)
    requests = [t for t in live_tickets(raw) if t["kind"] == "需求"
                and start <= local(t["received_at"]).date() <= end]
    assert rows[0]["工单数"] == len(requests)


def test_missed_reply_tickets(published, raw, today):
    rows = published.rows("/data/genzong/missed_reply_tickets")
    now_stamp = format_stamp(datetime.now(timezone.utc))
    start, end = today.replace(day=1), month_end(today)
    expected = {t["number"]: t for t in live_tickets(raw)
                if start <= local(t["received_at"]).date() <= end and missed_reply(t, now_stamp)}
    assert {r["工单编号"] for r in rows} == set(expected)
    assert any(r["主题"] == "一直没人答复" for r in rows)
    for row in rows:
        ticket = expected[row["工单编号"]]
        late = hours_between(ticket["reply_due_at"], ticket["first_reply_at"] or now_stamp)
        assert abs(row["超时"] - late) <= 0.06


def created_day(record) -> date:
    return local(record["created_at"]).date()


def test_rep_monthly_performance(published, raw, today):
    rows = published.rows("/data/genzong/rep_monthly_performance")
    start, end = year_start(today), month_end(today)
    customers = live_customers(raw)
    device_users = {d["id"]: d["user_id"] for d in raw["devices"]}
    counts = defaultdict(lambda: [0, 0, 0, 0])

    def add(user_id, day: date, index: int, amount: int = 0):
        if start <= day <= end:
            entry = counts[(day.isoformat()[:7], owner_name(raw, user_id))]
            entry[index] += 1
            entry[3] += amount

    for c in customers.values():
        add(c["owner_id"], created_day(c), 0)
    for f in raw["follow_ups"]:
        if not f["deleted"] and f["customer_id"] in customers:
            author = device_users.get(json.loads(f["dots"])["customer_id"][0])
            add(author or customers[f["customer_id"]]["owner_id"], local(f["happened_at"]).date(), 1)
    receivables = {r["id"]: r for r in raw["receivables"] if not r["deleted"] and r["customer_id"] in customers}
    for p in raw["payments"]:
        if not p["deleted"] and p["receivable_id"] in receivables:
            owner = customers[receivables[p["receivable_id"]]["customer_id"]]["owner_id"]
            add(owner, date.fromisoformat(p["paid_on"]), 2, p["amount_fen"])

    got = sorted((r["月份"], r["业务员"], r["新增客户"], r["跟进次数"], r["回款笔数"], r["回款金额"]) for r in rows)
    want = sorted((month, name, new, follow, pay, yuan(amount)) for (month, name), (new, follow, pay, amount)
                  in counts.items())
    assert got == want
    assert any(r["业务员"] == "王经理" and r["跟进次数"] == 1 for r in rows)


def test_weekly_issue_report(published, raw, today):
    rows = published.rows("/data/genzong/weekly_issue_report")
    start, end = year_start(today), month_end(today)
    counts = defaultdict(lambda: [0, 0])
    for t in live_tickets(raw):
        for stamp, index in ((t["received_at"], 0), (t["resolved_at"], 1)):
            if stamp:
                day = local(stamp).date()
                if start <= day <= end:
                    monday = day - timedelta(days=day.weekday())
                    counts[(monday.isoformat(), t["kind"])][index] += 1
    got = sorted((r["周一"], r["类型"], r["新开"], r["已解决"]) for r in rows)
    want = sorted((monday, kind, opened, resolved) for (monday, kind), (opened, resolved) in counts.items())
    assert got == want
    for row in rows:
        assert date.fromisoformat(row["周日"]) - date.fromisoformat(row["周一"]) == timedelta(days=6)


def test_receivable_tracking_view(published, raw, today):
    rows = published.rows("/data/genzong/receivable_tracking")
    got = sorted((r["订单号"], r["付款状态"], r["应收金额"], r["已收金额"], r["未收金额"], r["逾期天数"]) for r in rows)
    want = sorted((b["order_no"], b["status"], yuan(b["amount_fen"]), yuan(b["paid"]), yuan(b["outstanding"]),
                   b["days"]) for b in balances(raw, today))
    assert got == want
    assert {r["付款状态"] for r in rows} == set(STATUSES)


@pytest.mark.parametrize("value", ["abc", "2026-02-30", "2026/13/01", "20260101"])
def test_invalid_period_rejected(published, value):
    response = published.get("/data/genzong/payments_by_status.json", params={"开始日期": value})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]
    assert value in response.json()["error"]


def test_invalid_period_page_links_to_defaults(published):
    response = published.get("/data/genzong/rep_monthly_performance", params={"开始日期": "2026/13/01"})
    assert response.status_code == 400
    assert '<a href="/data/genzong/rep_monthly_performance">' in response.text


def test_invalid_value_link_keeps_others(published):
    response = published.get("/data/genzong/payments_by_status.csv",
                             params={"开始日期": "2026-01-01", "结束日期": "2026-13-01"})
    assert response.status_code == 400
    assert '<a href="/data/genzong/payments_by_status?%E5%BC%80%E5%A7%8B%E6%97%A5%E6%9C%9F=2026-01-01">' \
        in response.text, "the HTML page, keeping the valid start date"

    reversed_period = published.get("/data/genzong/payments_by_status",
                                    params={"开始日期": "2026-03-01", "结束日期": "2026-02-01", "_size": "max"})
    assert reversed_period.status_code == 400
    assert ('<a href="/data/genzong/payments_by_status?%E5%BC%80%E5%A7%8B%E6%97%A5%E6%9C%9F=2026-02-01&amp;'
            '%E7%BB%93%E6%9D%9F%E6%97%A5%E6%9C%9F=2026-03-01&amp;_size=max">') in reversed_period.text, \
        "the dates swapped, the other values kept"


def test_descriptions_have_no_folded_spaces(published):
    metadata = published.datasette().metadata()
    descriptions = [query["description"] for query in metadata["databases"]["genzong"]["queries"].values()]
    assert not [text for text in descriptions if re.search(r"[，。；：、）] ", text)]
    assert "都可以；多个词" in metadata["databases"]["genzong"]["queries"]["search"]["description"]


def test_reversed_period_rejected(published):
    response = published.get("/data/genzong/weekly_issue_report", params={"开始日期": "2026-03-01",
                                                                         "结束日期": "2026-02-01"})
    assert response.status_code == 400
    assert "晚于" in response.text
