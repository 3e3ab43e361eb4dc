"""The monthly review's canned queries (经销点月度复盘, 业务员月度复盘) through the
real app, against values computed in Python from the raw tables.

The data is the demo (dealers in six cities) plus edge cases a manager's
device syncs. They are a receivable whose own dealer differs from its
customer's, a deleted dealer, a deleted customer with a receivable and a
complaint, a deleted receivable, and a complaint without a customer. A complaint arrives just
after midnight in Shanghai on the first of a month (still the month before
in UTC), payments arrive after the month's end, and a payment is deleted.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from device import Device
from published import close_published, open_published
from review_reference import monthly_review, read_tables

ZONE = ZoneInfo("Asia/Shanghai")


def this_month() -> str:
    return datetime.now(ZONE).strftime("%Y-%m")


def month_before(month: str) -> str:
    return (date.fromisoformat(month + "-01") - timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("review"), demo_customers=120)
    opened.edge_cases = add_edge_cases(opened)
    yield opened
    close_published(opened)


def add_edge_cases(published) -> dict:
    """Sync the edge-case records as the manager, and return their ids by what they test."""
    response = published.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    published.client.cookies.clear()
    device = Device(published.client, response.json()["token"])
    device.sync()
    customers = device.rows("customers")
    dealers = sorted(device.rows("dealers").items(), key=lambda item: item[1]["name"])
    users = {u["username"]: uid for uid, u in device.rows("users").items()}
    last_month = month_before(this_month())
    first_of_this_month = date.fromisoformat(this_month() + "-01")
    with_receivables = {r["customer_id"] for r in device.rows("receivables").values()}
    owned = sorted((cid for cid, c in customers.items() if c.get("owner_id") and c.get("dealer_id")),
                   key=lambda cid: (cid not in with_receivables, customers[cid]["code"]))

    # Sold through another dealer than the customer's, and paid partly after the month.
    target = owned[0]
    other_dealer = next(did for did, d in dealers if did != customers[target]["dealer_id"])
    receivable = device.edit("receivables", customer_id=target, order_no="OTHER-DEALER", amount_fen=500_000,
                             sale_date=f"{last_month}-03", due_date=f"{last_month}-10", dealer_id=other_dealer)
    device.edit("payments", receivable_id=receivable, paid_on=f"{last_month}-20", amount_fen=100_000)
    device.edit("payments", receivable_id=receivable, paid_on=first_of_this_month.isoformat(), amount_fen=150_000)
    # Paid in full, but only after the month: all of it was overdue at the month's end.
    paid_late = device.edit("receivables", customer_id=target, order_no="PAID-LATE", amount_fen=300_000,
                            sale_date=f"{last_month}-04", due_date=f"{last_month}-12", dealer_id=other_dealer)
    device.edit("payments", receivable_id=paid_late, paid_on=first_of_this_month.isoformat(), amount_fen=300_000)
    # A payment entered and then deleted pays nothing.
    unpaid = device.edit("receivables", customer_id=target, order_no="PAYMENT-DELETED", amount_fen=200_000,
                         sale_date=f"{last_month}-05", due_date=f"{last_month}-14", dealer_id=other_dealer)
    undone = device.edit("payments", receivable_id=unpaid, paid_on=f"{last_month}-13", amount_fen=200_000)
    device.sync()
    device.delete("payments", undone)

    # A dealer deleted: the figures of its customers and receivables count as no dealer.
    closed_dealer = device.edit("dealers", name="已撤销经销点", region="测试")
    device.edit("customers", owned[1], dealer_id=closed_dealer)
    closed_receivable = next(rid for rid, r in sorted(device.rows("receivables").items())
                             if r["customer_id"] == owned[1])
    device.edit("receivables", closed_receivable, dealer_id=closed_dealer)
    device.delete("dealers", closed_dealer)

    # A deleted customer's receivable and complaint leave the review.
    dropped = device.edit("customers", name="已删除客户", owner_id=users["lina"], dealer_id=dealers[0][0])
    device.edit("receivables", customer_id=dropped, amount_fen=9_900_000, sale_date=f"{last_month}-05",
                due_date=f"{last_month}-06")
    device.edit("tickets", kind="投诉", customer_id=dropped, subject="不计入",
                received_at=f"{last_month}-05T02:00:00.000Z")
    device.sync()
    device.delete("customers", dropped)

    # A deleted receivable of a live customer, unpaid and overdue, leaves the review too.
    deleted_receivable = device.edit("receivables", customer_id=owned[3], order_no="DELETED",
                                     amount_fen=7_700_000, sale_date=f"{last_month}-04",
                                     due_date=f"{last_month}-08")
    device.sync()
    device.delete("receivables", deleted_receivable)

    # Complaints: one without a customer (its owner's), one just after midnight in Shanghai.
    device.edit("tickets", kind="投诉", owner_id=users["liuyang"], subject="无客户投诉",
                received_at=f"{last_month}-15T03:00:00.000Z")
    midnight = datetime.combine(first_of_this_month, datetime.min.time(), tzinfo=ZONE) + timedelta(minutes=30)
    device.edit("tickets", kind="投诉", customer_id=owned[2], subject="月初零点后",
                received_at=midnight.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    device.edit("tickets", kind="需求", customer_id=owned[2], subject="不是投诉",
                received_at=f"{last_month}-15T03:00:00.000Z")
    device.sync()
    assert not device.rejected, device.rejected
    return {"other_dealer": other_dealer, "other_dealer_receivable": receivable, "closed_dealer_receivable": closed_receivable,
            "midnight_customer": customers[owned[2]], "liuyang": users["liuyang"],
            "first_of_this_month": first_of_this_month.isoformat()}


def query(published, name: str, month: str) -> list[dict]:
    return published.rows(f"/data/genzong/{name}", **{"月份": month})


def as_fen(row: dict) -> dict:
    return {"sales": round(row["销售额"] * 100), "collected": round(row["回款额"] * 100),
            "overdue": round(row["月末逾期金额"] * 100), "complaints": row["投诉数"]}


@pytest.mark.parametrize("months_back", [0, 1, 2])
def test_dealer_review_matches_python(published, months_back):
    month = this_month()
    for _ in range(months_back):
        month = month_before(month)
    rows = query(published, "dealer_monthly_review", "" if months_back == 0 else month)
    expected = monthly_review(read_tables(published.data.database), month)

    assert rows[0]["经销点"] == "合计"
    assert as_fen(rows[0]) == expected["total"]
    assert {row["月份"] for row in rows} == {month}
    found = {None if row["经销点"] == "未分配经销点" else row["经销点"]: as_fen(row) for row in rows[1:]}
    assert found == expected["dealers"]
    assert "已撤销经销点" not in found
    regions = {row["经销点"]: row["区域"] for row in rows[1:]}
    assert regions["杭州西湖经销点"] == "浙江"
    sales = [row["销售额"] for row in rows[1:] if row["经销点"] != "未分配经销点"]
    assert sales == sorted(sales, reverse=True)


@pytest.mark.parametrize("months_back", [0, 1])
def test_rep_review_matches_python(published, months_back):
    month = month_before(this_month()) if months_back else this_month()
    rows = query(published, "rep_monthly_review", month)
    expected = monthly_review(read_tables(published.data.database), month)

    assert rows[0]["业务员"] == "合计"
    assert as_fen(rows[0]) == expected["total"]
    found = {None if row["业务员"] == "公海" else row["业务员"]: as_fen(row) for row in rows[1:]}
    assert found == expected["reps"]
    assert {"张伟", "李娜", "刘洋", "陈静"} <= set(found)


def test_review_events_edge_cases(published):
    edge = published.edge_cases
    last_month = month_before(this_month())
    complaints = published.rows("/data/genzong/review_events", kind="complaint")
    # 00:30 on the 1st in Shanghai is still the month before in UTC, but it counts on the 1st.
    assert {"day": edge["first_of_this_month"], "owner_id": edge["midnight_customer"]["owner_id"]} in [
        {"day": c["day"], "owner_id": c["owner_id"]} for c in complaints]
    # A complaint without a customer belongs to its own owner, with no dealer.
    assert [(c["owner_id"], c["dealer_id"]) for c in complaints if c["day"] == f"{last_month}-15"] == [
        (edge["liuyang"], None)]
    sales = {e["receivable_id"]: e for e in published.rows("/data/genzong/review_events", kind="sale")}
    assert sales[edge["other_dealer_receivable"]]["dealer_id"] == edge["other_dealer"]
    assert sales[edge["closed_dealer_receivable"]]["dealer_id"] is None


def test_review_overdue_ignores_later_payments(published):
    last_month = month_before(this_month())
    dealer = next(d["name"] for d in read_tables(published.data.database)["dealers"]
                  if d["id"] == published.edge_cases["other_dealer"])
    before = {row["经销点"]: as_fen(row) for row in query(published, "dealer_monthly_review", last_month)}
    expected = monthly_review(read_tables(published.data.database), last_month)["dealers"][dealer]
    # 5,000 due on the 10th, 1,000 paid on the 20th and 1,500 only after the month: 4,000 overdue
    # from it. 3,000 paid in full only after the month, and 2,000 whose payment was deleted.
    assert before[dealer]["overdue"] == expected["overdue"] >= 400_000 + 300_000 + 200_000
    assert before[dealer]["collected"] == expected["collected"] >= 100_000


def test_review_default_month_is_this_month(published):
    blank = query(published, "rep_monthly_review", "")
    assert blank[0]["月份"] == this_month()
    assert blank == query(published, "rep_monthly_review", this_month())


def test_review_rejects_bad_month(published):
    for bad in ("2026-13", "2026-0", "三月"):
        response = published.get("/data/genzong/dealer_monthly_review", params={"月份": bad})
        assert response.status_code == 400, bad
        assert "不是有效月份" in response.text
        assert "YYYY-MM" in response.text


def test_review_titles(published):
    for name, title in (("dealer_monthly_review", "经销点月度复盘"), ("rep_monthly_review", "业务员月度复盘")):
        html = published.get(f"/data/genzong/{name}").text
        assert f"<title>{title} · 跟踪</title>" in html
        assert "月份" in html
    view = published.get("/data/genzong/review_events.json", params={"_size": "1"}).json()
    assert view["columns"] == ["kind", "day", "owner_id", "dealer_id", "amount_fen", "receivable_id", "due_date"]


def test_review_events_leave_out_deleted(published):
    raw = read_tables(published.data.database)
    deleted_customers = {c["id"] for c in raw["customers"] if c["deleted"]}
    gone_receivables = {r["id"] for r in raw["receivables"] if r["deleted"] or r["customer_id"] in deleted_customers}
    events = published.rows("/data/genzong/review_events")
    sales = [e for e in events if e["kind"] == "sale"]
    assert len(sales) == sum(1 for r in raw["receivables"] if r["id"] not in gone_receivables)
    assert not {e["receivable_id"] for e in events} & gone_receivables
    assert {e["kind"] for e in events} == {"sale", "payment", "complaint"}
    assert all(set(e) >= {"owner_id", "dealer_id"} for e in events)
