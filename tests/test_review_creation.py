"""Who and when the owner-based reports credit, after hand-overs, moves,
deletions, clock skew, imports and an upgrade.

Records reach the server only through the sync API (tests/device.py), the
hand-over API or the import API, and the reports are read through the real
app's Datasette. The expected figures come from what each test wrote, in
the terms of each report's description, and never from the stored
created_at, created_by, scope_owner or credited_to columns.
"""

import sqlite3
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from genzong.server.demo import DEMO_PASSWORD
from genzong.sync import format_stamp

from device import Device
from importing import csv_bytes
from published import close_published, open_published

ZONE = ZoneInfo("Asia/Shanghai")
MANAGER = "jingli"
OPEN_END = "9999-12-31"
# What a report shows for a rep with nothing in the month.
NOTHING = (0.0, 0.0, 0.0, 0)


@pytest.fixture
def published(tmp_path):
    opened = open_published(tmp_path, demo_customers=None)
    opened.state.accounts().add(MANAGER, DEMO_PASSWORD, "manager", "王经理")
    yield opened
    close_published(opened)


# Dates ------------------------------------------------------------------------

def today() -> date:
    return datetime.now(ZONE).date()


def first_of_month(day: date, months_back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - months_back
    return date(months // 12, months % 12 + 1, 1)


def local_stamp(day: date, hour: int = 0, minute: int = 0, *, last_ms: bool = False) -> str:
    """Return the UTC stamp of a Shanghai wall time (the last millisecond of that minute with ``last_ms``)."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=ZONE)
    if last_ms:
        moment += timedelta(seconds=59, milliseconds=999)
    return format_stamp(moment.astimezone(timezone.utc))


def local_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZONE).date()


# The month the business records of most tests fall in: two months back, so
# every due date in it has passed.
SALES_MONTH = first_of_month(today(), 2)
MONTH = SALES_MONTH.strftime("%Y-%m")


def sales_day(day: int) -> str:
    return SALES_MONTH.replace(day=day).isoformat()


# Users and devices --------------------------------------------------------------

def add_rep(published, name: str):
    return published.state.accounts().add(f"rep-{uuid.uuid4().hex[:6]}", DEMO_PASSWORD, "sales", name)


def token_of(published, username: str) -> str:
    response = published.client.post("/api/login", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    published.client.cookies.clear()
    return response.json()["token"]


def device_of(published, username: str, *, pulled: bool = True, **options) -> Device:
    """Return a logged-in device; ``pulled`` syncs it once, which corrects its clock."""
    device = Device(published.client, token_of(published, username), **options)
    if pulled:
        device.sync()
    return device


@contextmanager
def clock_at(device: Device, moment: datetime):
    """Make the device stamp its edits at ``moment``, as if they were made then, offline."""
    device.now = lambda: moment
    try:
        yield
    finally:
        del device.now


def written_at(device: Device, table: str, record_id: str) -> str:
    """Return the stamp of the device's earliest write to a record not yet synced."""
    return min(dot[2] for dot in device.records[(table, record_id)].dots.values())


def synced(device: Device) -> None:
    device.sync()
    assert not device.rejected, device.rejected


# Reports ------------------------------------------------------------------------

def performance(published, start, end=OPEN_END) -> dict:
    """Return 业务员月度业绩 as {(月份, 业务员): (新增客户, 跟进次数, 回款笔数, 回款金额)}."""
    rows = published.rows("/data/genzong/rep_monthly_performance", 开始日期=str(start), 结束日期=str(end))
    return {(r["月份"], r["业务员"]): (r["新增客户"], r["跟进次数"], r["回款笔数"], r["回款金额"]) for r in rows}


def rep_review(published, month: str = MONTH) -> dict:
    """Return 业务员月度复盘 as {业务员: (销售额, 回款额, 月末逾期金额, 投诉数)}, 合计 included."""
    rows = published.rows("/data/genzong/rep_monthly_review", 月份=month)
    return {r["业务员"]: (r["销售额"], r["回款额"], r["月末逾期金额"], r["投诉数"]) for r in rows}


def dealer_total(published, month: str = MONTH) -> tuple:
    """Return the 合计 row of 经销点月度复盘 as (销售额, 回款额, 月末逾期金额)."""
    rows = published.rows("/data/genzong/dealer_monthly_review", 月份=month)
    assert rows[0]["经销点"] == "合计"
    return rows[0]["销售额"], rows[0]["回款额"], rows[0]["月末逾期金额"]


def by_rep_month(published, month: str = MONTH) -> dict:
    """Return 回款统计：按业务员和月份 over one month as {(月份, 负责人): (笔数, 应收, 已收, 未收, 逾期笔数)}."""
    start = date.fromisoformat(month + "-01")
    end = first_of_month(start, -1) - timedelta(days=1)
    rows = published.rows("/data/genzong/payments_by_rep_month", 开始日期=start.isoformat(), 结束日期=end.isoformat())
    return {(r["月份"], r["负责人"]): (r["笔数"], r["应收金额"], r["已收金额"], r["未收金额"], r["逾期笔数"])
            for r in rows}


def tracking(published) -> dict:
    """Return 回款跟踪 as {订单号: (负责人, 已收金额, 付款状态)}."""
    rows = published.rows("/data/genzong/receivable_tracking")
    return {r["订单号"]: (r["负责人"], r["已收金额"], r["付款状态"]) for r in rows}


def expected_performance(new_customers=(), follow_ups=(), payments=(), *, start: date, end: date) -> dict:
    """Compute 业务员月度业绩 by its description, from what the test wrote.

    ``new_customers`` and ``follow_ups`` are (rep, UTC stamp) and count in
    the Shanghai month of the stamp. ``payments`` are (rep, paid_on, fen).
    Only days from ``start`` to ``end``, both included, count.
    """
    totals: dict[tuple[str, str], list] = {}

    def count(rep: str, day: date, column: int, fen: int = 0) -> None:
        if start <= day <= end:
            row = totals.setdefault((day.strftime("%Y-%m"), rep), [0, 0, 0, 0])
            row[column] += 1
            row[3] += fen

    for rep, stamp in new_customers:
        count(rep, local_day(stamp), 0)
    for rep, stamp in follow_ups:
        count(rep, local_day(stamp), 1)
    for rep, paid_on, fen in payments:
        count(rep, date.fromisoformat(paid_on), 2, fen)
    return {key: (new, follow, paid, fen / 100) for key, (new, follow, paid, fen) in totals.items()}


def stored_creation(published, table: str, record_id: str) -> tuple:
    """Return (created_at, created_by) of a record as its Datasette table page shows them."""
    [row] = published.rows(f"/data/genzong/{table}", id=record_id)
    return row["created_at"], row["created_by"]


# Hand-over and the public pool -----------------------------------------------------

def sell(device: Device, customer: str, order_no: str, amount: int, paid: int) -> tuple[str, str]:
    """Add a receivable sold on the 5th and due on the 20th of SALES_MONTH, paid ``paid`` on the 10th."""
    receivable = device.edit("receivables", customer_id=customer, order_no=order_no, amount_fen=amount,
                             sale_date=sales_day(5), due_date=sales_day(20))
    payment = device.edit("payments", receivable_id=receivable, paid_on=sales_day(10), amount_fen=paid)
    return receivable, payment


@pytest.mark.parametrize("move", ["owner_edit", "handover_api", "to_pool"])
def test_handed_over_customer_reports(published, move):
    """业务员月度业绩 and 回款统计 keep the month with 张三, who had the customer then.

    The monthly review and 回款跟踪 follow the customer to its new owner.
    """
    zhang, li = add_rep(published, "张三"), add_rep(published, "李四")
    rep = device_of(published, zhang.username)
    customer = rep.edit("customers", name="转手客户")
    created = written_at(rep, "customers", customer)
    follow_up_stamps = [local_stamp(SALES_MONTH.replace(day=8), hour) for hour in (9, 15)]
    for stamp in follow_up_stamps:
        rep.edit("follow_ups", customer_id=customer, happened_at=stamp)
    sell(rep, customer, "HO-1", 100_000, 30_000)
    synced(rep)

    manager = device_of(published, MANAGER)
    if move == "handover_api":
        response = published.client.post("/api/handover", json={"from": zhang.id, "to": li.id},
                                          headers={"Authorization": f"Bearer {manager.token}"})
        assert response.status_code == 200, response.text
    else:
        manager.edit("customers", customer, owner_id=None if move == "to_pool" else li.id)
        synced(manager)
    new_owner = "公海" if move == "to_pool" else "李四"

    assert performance(published, SALES_MONTH) == expected_performance(
        new_customers=[("张三", created)], follow_ups=[("张三", stamp) for stamp in follow_up_stamps],
        payments=[("张三", sales_day(10), 30_000)], start=SALES_MONTH, end=date.max)
    review = rep_review(published)
    assert review.pop("合计") == (1000.0, 300.0, 700.0, 0)
    assert review == {"张三": NOTHING, "李四": NOTHING, new_owner: (1000.0, 300.0, 700.0, 0)}
    assert by_rep_month(published) == {(MONTH, "张三"): (1, 1000.0, 300.0, 700.0, 1)}
    assert tracking(published) == {"HO-1": (new_owner, 300.0, "逾期未付款")}


def test_pool_customer_claimed_keeps_pool_money(published):
    """A pool customer claimed by a rep: 回款跟踪 shows the claimer, the performance reports 公海."""
    li = add_rep(published, "李四")
    manager = device_of(published, MANAGER)
    customer = manager.edit("customers", name="公海客户", owner_id=None)
    sell(manager, customer, "POOL-1", 50_000, 10_000)
    synced(manager)
    assert tracking(published) == {"POOL-1": ("公海", 100.0, "逾期未付款")}

    rep = device_of(published, li.username)
    rep.edit("pool_claims", customer_id=customer)
    synced(rep)
    assert rep.get("customers", customer)["owner_id"] == li.id
    assert tracking(published) == {"POOL-1": ("李四", 100.0, "逾期未付款")}
    assert by_rep_month(published) == {(MONTH, "公海"): (1, 500.0, 100.0, 400.0, 1)}
    report = performance(published, SALES_MONTH)
    assert report[(MONTH, "公海")] == (0, 0, 1, 100.0)
    assert (MONTH, "李四") not in report


# Moves between customers -----------------------------------------------------------

def two_reps_with_customers(published):
    """Give 张三 the customer 甲 and 李四 the customer 乙, and return (zhang, li, their devices, 甲, 乙)."""
    zhang, li = add_rep(published, "张三"), add_rep(published, "李四")
    first, second = device_of(published, zhang.username), device_of(published, li.username)
    jia = first.edit("customers", name="甲")
    yi = second.edit("customers", name="乙")
    synced(second)
    return zhang, li, first, second, jia, yi


def test_follow_up_moved_to_other_customer(published):
    """A manager moves 张三's follow-up to 李四's customer, so 李四's devices get it and 张三 keeps the credit."""
    zhang, li, first, second, jia, yi = two_reps_with_customers(published)
    happened = local_stamp(SALES_MONTH.replace(day=8), 10)
    follow_up = first.edit("follow_ups", customer_id=jia, happened_at=happened, content="电话沟通")
    synced(first)
    manager = device_of(published, MANAGER)
    manager.edit("follow_ups", follow_up, customer_id=yi)
    synced(manager)

    second.sync()
    assert second.get("follow_ups", follow_up)["customer_id"] == yi
    first.sync()
    assert first.get("follow_ups", follow_up) is None
    assert ("follow_ups", follow_up) in first.revoked

    report = performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27))
    assert report == {(MONTH, "张三"): (0, 1, 0, 0.0)}
    [logged] = published.rows("/data/genzong/follow_up_log", 时间戳=happened)
    assert (logged["客户名称"], logged["负责人"]) == ("乙", "李四")


def test_follow_up_log_author_after_move(published):
    """跟进记录 and 业务员月度业绩 name the same person for a follow-up a manager moved."""
    zhang, li, first, second, jia, yi = two_reps_with_customers(published)
    happened = local_stamp(SALES_MONTH.replace(day=8), 10)
    follow_up = first.edit("follow_ups", customer_id=jia, happened_at=happened)
    synced(first)
    manager = device_of(published, MANAGER)
    manager.edit("follow_ups", follow_up, customer_id=yi)
    synced(manager)

    report = performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27))
    assert report == {(MONTH, "张三"): (0, 1, 0, 0.0)}
    [logged] = published.rows("/data/genzong/follow_up_log", 时间戳=happened)
    assert logged["记录人"] == "张三"


def test_receivable_moved_to_other_customer(published):
    """A receivable moved to 李四's customer takes its payments along in every money report."""
    zhang, li, first, second, jia, yi = two_reps_with_customers(published)
    receivable, _ = sell(first, jia, "MOVE-1", 80_000, 20_000)
    synced(first)
    manager = device_of(published, MANAGER)
    manager.edit("receivables", receivable, customer_id=yi)
    synced(manager)

    assert tracking(published) == {"MOVE-1": ("李四", 200.0, "逾期未付款")}
    assert by_rep_month(published) == {(MONTH, "李四"): (1, 800.0, 200.0, 600.0, 1)}
    review = rep_review(published)
    assert review["李四"] == (800.0, 200.0, 600.0, 0)
    assert review["张三"] == NOTHING
    assert performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27)) == {
        (MONTH, "李四"): (0, 0, 1, 200.0)}


def test_payment_moved_to_other_receivable(published):
    """A payment moved to a receivable of 李四's customer counts for 李四."""
    zhang, li, first, second, jia, yi = two_reps_with_customers(published)
    _, payment = sell(first, jia, "PAY-FROM", 60_000, 15_000)
    synced(first)
    target, _ = sell(second, yi, "PAY-TO", 40_000, 5_000)
    synced(second)
    manager = device_of(published, MANAGER)
    manager.edit("payments", payment, receivable_id=target)
    synced(manager)

    assert tracking(published) == {"PAY-FROM": ("张三", 0.0, "逾期未付款"),
                                   "PAY-TO": ("李四", 200.0, "逾期未付款")}
    review = rep_review(published)
    assert review["张三"] == (600.0, 0.0, 600.0, 0)
    assert review["李四"] == (400.0, 200.0, 200.0, 0)
    assert performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27)) == {
        (MONTH, "李四"): (0, 0, 2, 200.0)}


# Deleted and restored records ------------------------------------------------------

class Ledger:
    """What one rep wrote, with each record's deleted flag, and the reports it implies."""

    def __init__(self, rep: str):
        self.rep = rep
        self.customers: dict[str, dict] = {}
        self.follow_ups: dict[str, dict] = {}
        self.receivables: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}

    def live_customer(self, customer: str) -> bool:
        return not self.customers[customer]["deleted"]

    def live_receivable(self, receivable: str) -> bool:
        row = self.receivables[receivable]
        return not row["deleted"] and self.live_customer(row["customer"])

    def live_payments(self) -> list[dict]:
        return [p for p in self.payments.values() if not p["deleted"] and self.live_receivable(p["receivable"])]

    def paid(self, receivable: str) -> int:
        return sum(p["amount"] for p in self.live_payments() if p["receivable"] == receivable)

    def performance(self) -> dict:
        return expected_performance(
            new_customers=[(self.rep, c["created"]) for c in self.customers.values() if not c["deleted"]],
            follow_ups=[(self.rep, f["happened_at"]) for f in self.follow_ups.values()
                        if not f["deleted"] and self.live_customer(f["customer"])],
            payments=[(self.rep, p["paid_on"], p["amount"]) for p in self.live_payments()],
            start=SALES_MONTH, end=date.max)

    def money(self) -> tuple[float, float, float]:
        """Return (sales, collected, overdue at month end) in 元, for receivables all due in SALES_MONTH."""
        live = [r for r in self.receivables if self.live_receivable(r)]
        sales = sum(self.receivables[r]["amount"] for r in live)
        collected = sum(p["amount"] for p in self.live_payments())
        overdue = sum(max(self.receivables[r]["amount"] - self.paid(r), 0) for r in live)
        return sales / 100, collected / 100, overdue / 100

    def tracking(self) -> dict:
        return {self.receivables[r]["order_no"]: (self.rep, self.paid(r) / 100, "逾期未付款")
                for r in self.receivables if self.live_receivable(r)}


def build_ledger(device: Device, rep: str) -> Ledger:
    """Two customers: 甲 with two receivables and three payments and a follow-up, 乙 with one of each."""
    ledger = Ledger(rep)
    for name, sales in (("甲", ((100_000, (30_000, 20_000)), (40_000, (10_000,)))), ("乙", ((50_000, (5_000,)),))):
        customer = device.edit("customers", name=name)
        ledger.customers[customer] = {"created": written_at(device, "customers", customer), "deleted": False}
        happened = local_stamp(SALES_MONTH.replace(day=3), 11)
        follow_up = device.edit("follow_ups", customer_id=customer, happened_at=happened)
        ledger.follow_ups[follow_up] = {"customer": customer, "happened_at": happened, "deleted": False}
        for amount, payments in sales:
            order_no = f"{name}-{amount}"
            receivable = device.edit("receivables", customer_id=customer, order_no=order_no, amount_fen=amount,
                                     sale_date=sales_day(5), due_date=sales_day(20))
            ledger.receivables[receivable] = {"customer": customer, "order_no": order_no, "amount": amount,
                                              "deleted": False}
            for day, paid in enumerate(payments, start=10):
                payment = device.edit("payments", receivable_id=receivable, paid_on=sales_day(day), amount_fen=paid)
                ledger.payments[payment] = {"receivable": receivable, "paid_on": sales_day(day), "amount": paid,
                                            "deleted": False}
    return ledger


def assert_reports_match(published, ledger: Ledger, step: str) -> None:
    sales, collected, overdue = ledger.money()
    assert performance(published, SALES_MONTH) == ledger.performance(), step
    review = rep_review(published)
    assert review["合计"] == (sales, collected, overdue, 0), step
    assert review[ledger.rep] == (sales, collected, overdue, 0), step
    assert dealer_total(published) == (sales, collected, overdue), step
    count = sum(1 for r in ledger.receivables if ledger.live_receivable(r))
    expected_months = {(MONTH, ledger.rep): (count, sales, collected, overdue, count)} if count else {}
    assert by_rep_month(published) == expected_months, step
    assert tracking(published) == ledger.tracking(), step


@pytest.mark.parametrize("table", ["payments", "receivables", "customers", "follow_ups"])
def test_deleted_then_restored(published, table):
    """Each report leaves out a deleted record with what hangs from it, and takes it back once restored."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username)
    ledger = build_ledger(rep, "张三")
    synced(rep)
    assert_reports_match(published, ledger, "before")

    rows = getattr(ledger, table)
    target = next(iter(rows))
    rep.delete(table, target)
    synced(rep)
    rows[target]["deleted"] = True
    assert_reports_match(published, ledger, "deleted")

    rep.edit(table, target, deleted=False)
    synced(rep)
    rows[target]["deleted"] = False
    assert_reports_match(published, ledger, "restored")


# Creator and creation time ---------------------------------------------------------------

def test_creator_kept_after_new_owner_edits(published):
    """After a hand-over the new owner edits 张三's records; 张三 stays their creator."""
    zhang, li = add_rep(published, "张三"), add_rep(published, "李四")
    first = device_of(published, zhang.username)
    customer = first.edit("customers", name="交接客户")
    follow_up = first.edit("follow_ups", customer_id=customer, happened_at=local_stamp(SALES_MONTH.replace(day=4), 9))
    receivable, payment = sell(first, customer, "KEEP-1", 70_000, 10_000)
    written = {table: written_at(first, table, record_id)
               for table, record_id in (("customers", customer), ("follow_ups", follow_up),
                                        ("receivables", receivable), ("payments", payment))}
    synced(first)
    manager = device_of(published, MANAGER)
    manager.edit("customers", customer, owner_id=li.id, notes="交给李四")
    synced(manager)

    second = device_of(published, li.username)
    second.edit("follow_ups", follow_up, content="补充内容", happened_at=local_stamp(SALES_MONTH.replace(day=6), 9))
    second.edit("receivables", receivable, amount_fen=75_000)
    second.edit("payments", payment, amount_fen=12_000)
    synced(second)

    ids = {"customers": customer, "follow_ups": follow_up, "receivables": receivable, "payments": payment}
    for table, record_id in ids.items():
        assert stored_creation(published, table, record_id) == (written[table], zhang.id), table
    report = performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27))
    assert report == {(MONTH, "张三"): (0, 1, 1, 120.0)}


def test_customer_written_offline_counts_in_that_month(published):
    """A customer written offline late on a month's last day and synced days later is new in that month."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username)
    last_day = first_of_month(today()) - timedelta(days=1)
    moment = datetime.combine(last_day, time(23, 50), tzinfo=ZONE)
    with clock_at(rep, moment):
        customer = rep.edit("customers", name="离线客户")
        follow_up = rep.edit("follow_ups", customer_id=customer, happened_at=format_stamp(moment))
    synced(rep)

    stamp = format_stamp(moment)
    assert stored_creation(published, "customers", customer) == (stamp, zhang.id)
    assert stored_creation(published, "follow_ups", follow_up) == (stamp, zhang.id)
    month = last_day.strftime("%Y-%m")
    assert performance(published, last_day.replace(day=1)) == {(month, "张三"): (1, 1, 0, 0.0)}


@pytest.mark.parametrize("offset", [timedelta(days=-3), timedelta(hours=5)])
def test_skewed_clock_corrected_by_pull(published, offset):
    """A device whose clock is off but which pulled once stamps a new customer with the server's time."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username, clock_offset=offset)
    before = datetime.now(timezone.utc)
    customer = rep.edit("customers", name="钟表偏差")
    after = datetime.now(timezone.utc)
    synced(rep)

    created_at, created_by = stored_creation(published, "customers", customer)
    assert created_by == zhang.id
    # The correction is off by at most the request's round trip, which takes far less than 5 s.
    slack = timedelta(seconds=5)
    assert format_stamp(before - slack) <= created_at <= format_stamp(after + slack)
    month = local_day(created_at).strftime("%Y-%m")
    assert performance(published, local_day(created_at).replace(day=1)) == {(month, "张三"): (1, 0, 0, 0.0)}


def test_fast_clock_keeps_creator(published):
    """A rep whose clock runs 5 minutes fast (under the 10-minute limit) creates a customer before any pull.

    The server stamps its own write of the customer's code after the rep's
    write, so the rep's write stays the earliest.
    """
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username, pulled=False, clock_offset=timedelta(minutes=5))
    customer = rep.edit("customers", name="快钟客户")
    written = written_at(rep, "customers", customer)
    synced(rep)

    assert stored_creation(published, "customers", customer) == (written, zhang.id)


# Imports ---------------------------------------------------------------------------

def post_import(published, data: bytes, filename: str, **params) -> dict:
    token = token_of(published, MANAGER)
    response = published.client.post(
        "/api/import", content=data, params={"filename": filename, **params},
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    return response.json()


def test_imported_customers_count_as_new(published):
    """Imported customers count as new in the month of the import, for their owner."""
    zhang = add_rep(published, "张三")
    before = today()
    data = csv_bytes([["客户姓名", "联系电话"], ["王建国", "13912340001"], ["李秀英", "13912340002"]])
    assert post_import(published, data, "意向客户.csv", owner=zhang.username)["imported"] is True
    assert today() == before, "the import ran across midnight; run the test again"

    month = before.strftime("%Y-%m")
    assert performance(published, before.replace(day=1)) == {(month, "张三"): (2, 0, 0, 0.0)}


def test_imported_receivables_count_for_owner(published):
    """Imported receivables and payments are credited to the customer's owner."""
    zhang = add_rep(published, "张三")
    data = csv_bytes([["客户名称", "订单号", "销售日期", "应收金额", "付款期限", "已收金额", "回款日期"],
                      ["导入公司", "IMP-1", sales_day(5), "800", sales_day(20), "300", sales_day(12)]])
    assert post_import(published, data, "回款.csv", owner=zhang.username)["imported"] is True

    assert tracking(published) == {"IMP-1": ("张三", 300.0, "逾期未付款")}
    assert rep_review(published)["张三"] == (800.0, 300.0, 500.0, 0)
    assert performance(published, SALES_MONTH, SALES_MONTH + timedelta(days=27)) == {
        (MONTH, "张三"): (0, 0, 1, 300.0)}


def test_import_update_keeps_creator(published):
    """An import that updates a rep's customer leaves the rep its creator."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username)
    customer = rep.edit("customers", name="王建国", phone="13912340001")
    written = written_at(rep, "customers", customer)
    synced(rep)
    data = csv_bytes([["客户姓名", "联系电话", "备注"], ["王建国", "13912340001", "导入的备注"]])
    report = post_import(published, data, "意向客户.csv")
    assert report["counts"]["update"] == 1

    rep.sync()
    assert rep.get("customers", customer)["notes"] == "导入的备注"
    assert stored_creation(published, "customers", customer) == (written, zhang.id)


# Upgrade of a file made before the creation columns ---------------------------------------

def creation_columns(path) -> dict:
    conn = sqlite3.connect(path)
    found = {table: dict((row[0], (row[1], row[2])) for row in conn.execute(
                 f"SELECT id, created_at, created_by FROM {table}"))
             for table in ("customers", "follow_ups", "receivables", "payments")}
    conn.close()
    return found


def column_names(path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    names = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    conn.close()
    return names


def remove_creation_columns(path) -> None:
    """Turn the file into one made before created_at, created_by and credited_to, at schema version 2."""
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        conn.execute(f"DROP VIEW {name}")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                "AND (sql LIKE '%created_%' OR sql LIKE '%credited_to%')").fetchall():
        conn.execute(f"DROP INDEX {name}")
    tables = [row[0] for row in conn.execute(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' "
        "AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'created_by')")]
    for table in tables:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN created_by")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN created_at")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN credited_to")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_upgrade_fills_creation_and_reports_agree(tmp_path):
    """An older file gets created_at and created_by from its dots, credited_to from 修改历史, and the same reports."""
    published = open_published(tmp_path, demo_customers=None)
    published.state.accounts().add(MANAGER, DEMO_PASSWORD, "manager", "王经理")
    zhang, li = add_rep(published, "张三"), add_rep(published, "李四")
    first = device_of(published, zhang.username)
    last_day = first_of_month(today()) - timedelta(days=1)
    with clock_at(first, datetime.combine(last_day, time(23, 50), tzinfo=ZONE)):
        customer = first.edit("customers", name="升级客户")
    follow_up = first.edit("follow_ups", customer_id=customer, happened_at=local_stamp(SALES_MONTH.replace(day=4), 9))
    dropped = first.edit("customers", name="已删除")
    sell(first, customer, "UP-1", 90_000, 30_000)
    synced(first)
    first.delete("customers", dropped)
    synced(first)
    manager = device_of(published, MANAGER)
    manager.edit("customers", customer, owner_id=li.id)
    manager.edit("follow_ups", follow_up, content="经理补记")
    manager.edit("follow_ups", customer_id=customer, happened_at=local_stamp(SALES_MONTH.replace(day=9), 9))
    synced(manager)
    path = published.data.database
    reports = (performance(published, "0001-01-01"), rep_review(published), tracking(published))
    created = creation_columns(path)
    close_published(published)

    remove_creation_columns(path)
    assert "created_at" not in column_names(path, "customers")
    reopened = open_published(tmp_path, demo_customers=None)
    try:
        assert creation_columns(path) == created
        assert created["customers"][customer][1] == zhang.id
        assert created["follow_ups"][follow_up][1] == zhang.id
        assert (performance(reopened, "0001-01-01"), rep_review(reopened), tracking(reopened)) == reports
        assert reports[0][(last_day.strftime("%Y-%m"), "张三")] == (1, 0, 0, 0.0)
        assert reports[0][(MONTH, "张三")] == (0, 1, 1, 300.0)
        assert reports[0][(MONTH, "王经理")] == (0, 1, 0, 0.0)
    finally:
        close_published(reopened)


# Month bounds of 业务员月度业绩 ---------------------------------------------------------------

def test_month_bounds_of_performance(published):
    """Periods that start and end mid-month, from 0001-01-01, to 9999-12-31, and the default one."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username)
    # March to May of the latest year whose May has passed.
    year = today().year - 1 if today().month <= 6 else today().year
    start, end = date(year, 3, 15), date(year, 5, 10)
    edges = [
        local_stamp(start - timedelta(days=1), 23, 59, last_ms=True),
        local_stamp(start),
        local_stamp(date(year, 3, 31), 23, 59, last_ms=True),
        local_stamp(date(year, 4, 1)),
        local_stamp(end, 23, 59, last_ms=True),
        local_stamp(end + timedelta(days=1)),
    ]
    later = today() + timedelta(days=400)
    new_customers, follow_ups, payments = [], [], []
    for stamp in edges:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        with clock_at(rep, moment):
            customer = rep.edit("customers", name=f"客户{stamp}")
        new_customers.append(("张三", stamp))
        rep.edit("follow_ups", customer_id=customer, happened_at=stamp)
        follow_ups.append(("张三", stamp))
    rep.edit("follow_ups", customer_id=customer, happened_at=local_stamp(later, 10))
    follow_ups.append(("张三", local_stamp(later, 10)))
    receivable = rep.edit("receivables", customer_id=customer, amount_fen=1_000_000, sale_date=start.isoformat(),
                          due_date=start.isoformat())
    paid_days = [start - timedelta(days=1), start, date(year, 3, 31), date(year, 4, 1), end,
                 end + timedelta(days=1), later]
    for fen, day in enumerate(paid_days, start=1):
        rep.edit("payments", receivable_id=receivable, paid_on=day.isoformat(), amount_fen=fen * 100)
        payments.append(("张三", day.isoformat(), fen * 100))
    synced(rep)

    this_month = first_of_month(today())
    default = (first_of_month(today(), 11), first_of_month(this_month, -1) - timedelta(days=1))
    periods = [(start, end), (start, date.max), (date.min, date(year, 4, 30)), (date.min, date.max),
               (later.replace(day=1), date.max), (date(year - 5, 1, 1), date(year - 5, 12, 31))]
    for period_start, period_end in periods:
        bounds = (period_start.isoformat(), OPEN_END if period_end == date.max else period_end.isoformat())
        expected = expected_performance(new_customers, follow_ups, payments, start=period_start, end=period_end)
        assert performance(published, *bounds) == expected, bounds
    rows = published.rows("/data/genzong/rep_monthly_performance", 开始日期="", 结束日期="")
    got = {(r["月份"], r["业务员"]): (r["新增客户"], r["跟进次数"], r["回款笔数"], r["回款金额"]) for r in rows}
    assert got == expected_performance(new_customers, follow_ups, payments, start=default[0], end=default[1])
    assert (later.strftime("%Y-%m"), "张三") not in got


def test_performance_with_rows_only_in_future(published):
    """With only future follow-ups and payments, the default period is empty and an open one shows them."""
    zhang = add_rep(published, "张三")
    rep = device_of(published, zhang.username)
    long_ago = datetime(2020, 6, 1, 10, tzinfo=ZONE)
    with clock_at(rep, long_ago):
        customer = rep.edit("customers", name="很久以前")
    later = today() + timedelta(days=400)
    rep.edit("follow_ups", customer_id=customer, happened_at=local_stamp(later, 10))
    receivable = rep.edit("receivables", customer_id=customer, amount_fen=5_000, sale_date=later.isoformat(),
                          due_date=later.isoformat())
    rep.edit("payments", receivable_id=receivable, paid_on=later.isoformat(), amount_fen=5_000)
    synced(rep)

    assert published.rows("/data/genzong/rep_monthly_performance", 开始日期="", 结束日期="") == []
    assert performance(published, today()) == {(later.strftime("%Y-%m"), "张三"): (0, 1, 1, 50.0)}
    assert performance(published, "0001-01-01") == {(later.strftime("%Y-%m"), "张三"): (0, 1, 1, 50.0),
                                                   ("2020-06", "张三"): (1, 0, 0, 0.0)}
