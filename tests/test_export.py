"""Exported ledgers: their layout, formula safety, and import into a fresh database without loss."""

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from genzong.server.db import transaction
from genzong.server.demo import fill_demo
from genzong.server.importer.export import export_ledger, payment_status
from genzong.server.paths import DataDir
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from importing import import_bytes, rows

DEALER_ID = "5a1c8a52-0d0e-4f61-9a55-0c5b3c1b2a01"
FORMULA_TEXTS = ["=HYPERLINK(\"http://example.com\",\"点我\")", "+86 见备注", "-5 折", "@SUM(A1:A3)"]


@pytest.fixture
def source(state):
    """A database with demo data plus the cases demo data lacks: locations, referrals, cents, formulas."""
    fill_demo(state, customers=40, seed=3)
    conn = state.records.get()
    customers = rows(state, "customers")
    first, second, third = customers[0], customers[1], customers[2]
    receivable = rows(state, "receivables")[0]
    follow_up = rows(state, "follow_ups")[0]
    ticket = rows(state, "tickets")[0]
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write("dealers", DEALER_ID, {"name": "滨江经销点", "region": "杭州"})
        batch.server_write("customers", first["id"], {"location": {"lat": 30.2741, "lng": 120.1551},
                                                     "referred_by": second["id"], "notes": FORMULA_TEXTS[0],
                                                     "dealer_id": DEALER_ID})
        batch.server_write("customers", second["id"], {"title": FORMULA_TEXTS[1], "legacy_code": "老-0007"})
        batch.server_write("customers", third["id"], {"address": FORMULA_TEXTS[2], "source": FORMULA_TEXTS[3]})
        batch.server_write("receivables", receivable["id"], {"amount_fen": 1_234_567, "notes": "含税",
                                                            "dealer_id": DEALER_ID})
        batch.server_write("follow_ups", follow_up["id"], {"happened_at": "2026-03-02T06:30:05.120Z",
                                                          "location": {"lat": 30.1, "lng": 120.2, "accuracy": 15.0},
                                                          "checked_in_at": "2026-03-02T06:31:00.000Z"})
        batch.server_write("tickets", ticket["id"], {"legacy_number": "TS-2023-001", "satisfaction": 4,
                                                    "steps": "1. 打开App\n2. 点同步", "expected_result": "同步成功",
                                                    "actual_result": "提示失败", "decision": "处理中",
                                                    "shipped_version": "1.2.0"})
        batch.flush()
    return state


def fresh_copy(tmp_path, source_state):
    """Open an empty data folder with the same users (usernames and names) as the source."""
    target = open_data_dir(DataDir(tmp_path / "target"))
    for user in rows(source_state, "users"):
        target.accounts().add(user["username"], "secret-pw", user["role"], user["name"])
    conn = target.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        for dealer in rows(source_state, "dealers"):
            batch.server_write("dealers", dealer["id"], {k: v for k, v in dealer.items() if k != "id"})
        batch.flush()
    return target


def by_code(state) -> dict[str, dict]:
    return {c["code"]: c for c in rows(state, "customers")}


def usernames(state) -> dict[str, str]:
    return {u["id"]: u["username"] for u in rows(state, "users")}


def comparable_customer(customer: dict, users: dict, origin_of: dict) -> dict:
    """Return a customer's fields with owner and referrer as names that survive a copy."""
    skip = ("id", "code", "legacy_code", "owner_id", "referred_by")
    result = {k: v for k, v in customer.items() if k not in skip}
    result["owner"] = users.get(customer["owner_id"])
    result["referrer"] = origin_of.get(customer["referred_by"])
    return result


def test_customers_round_trip(source, tmp_path):
    target = fresh_copy(tmp_path, source)
    try:
        data = export_ledger(source.records.get(), "customers")
        report = import_bytes(target, data, "客户跟踪表.xlsx")
        assert report.rejected == 0
        assert {n.code for n in report.notes} >= {"detail_sheet_found"}

        source_users, target_users = usernames(source), usernames(target)
        # A new database gives out its own codes, so a customer's origin is its
        # legacy code if it had one, else its code in the source.
        source_origin = {c["id"]: c["legacy_code"] or c["code"] for c in rows(source, "customers")}
        target_origin = {c["id"]: c["legacy_code"] for c in rows(target, "customers")}
        target_by_origin = {c["legacy_code"]: c for c in rows(target, "customers")}
        assert len(target_by_origin) == len(rows(source, "customers"))
        for customer in rows(source, "customers"):
            copied = target_by_origin[source_origin[customer["id"]]]
            expected = comparable_customer(customer, source_users, source_origin)
            actual = comparable_customer(copied, target_users, target_origin)
            assert actual == expected, customer["name"]

        def follow_ups(state, origin_of):
            result = []
            for follow_up in rows(state, "follow_ups"):
                item = {k: v for k, v in follow_up.items() if k not in ("id", "customer_id")}
                item["customer"] = origin_of[follow_up["customer_id"]]
                result.append(item)
            return sorted(result, key=lambda f: (f["customer"], f["happened_at"], f.get("content") or ""))

        assert follow_ups(target, target_origin) == follow_ups(source, source_origin)

        again = import_bytes(target, data, "客户跟踪表.xlsx")
        assert again.records == {}
    finally:
        target.close()


def receivables_by_customer(state, origin_of):
    payments: dict[str, list] = {}
    for payment in rows(state, "payments"):
        payments.setdefault(payment["receivable_id"], []).append(
            (payment["paid_on"], payment["amount_fen"], payment["method"], payment["notes"]))
    result = []
    for receivable in rows(state, "receivables"):
        item = {k: v for k, v in receivable.items() if k not in ("id", "customer_id")}
        item["customer"] = origin_of[receivable["customer_id"]]
        item["payments"] = sorted(payments.get(receivable["id"], []))
        result.append(item)
    return sorted(result, key=lambda r: (r["customer"], r.get("sale_date") or "", r["amount_fen"]))


def test_receivables_and_tickets_round_trip(source, tmp_path):
    target = fresh_copy(tmp_path, source)
    try:
        import_bytes(target, export_ledger(source.records.get(), "customers"), "customers.xlsx")
        receivables = export_ledger(source.records.get(), "receivables")
        assert import_bytes(target, receivables, "receivables.xlsx").rejected == 0
        tickets = export_ledger(source.records.get(), "tickets")
        assert import_bytes(target, tickets, "tickets.xlsx").rejected == 0

        source_origin = {c["id"]: c["legacy_code"] or c["code"] for c in rows(source, "customers")}
        target_origin = {c["id"]: c["legacy_code"] for c in rows(target, "customers")}
        assert receivables_by_customer(target, target_origin) == receivables_by_customer(source, source_origin)

        source_users, target_users = usernames(source), usernames(target)

        def tickets_of(state, origin_of, users, number_of):
            result = []
            for ticket in rows(state, "tickets"):
                item = {k: v for k, v in ticket.items()
                        if k not in ("id", "number", "legacy_number", "customer_id", "owner_id")}
                item["customer"] = origin_of.get(ticket["customer_id"])
                item["owner"] = users.get(ticket["owner_id"])
                item["origin"] = number_of(ticket)
                result.append(item)
            return sorted(result, key=lambda t: t["origin"])

        expected = tickets_of(source, source_origin, source_users, lambda t: t["legacy_number"] or t["number"])
        actual = tickets_of(target, target_origin, target_users, lambda t: t["legacy_number"])
        assert actual == expected

        for data, name in ((receivables, "receivables.xlsx"), (tickets, "tickets.xlsx")):
            assert import_bytes(target, data, name).records == {}
    finally:
        target.close()


def test_receivables_layout_and_status(source):
    data = export_ledger(source.records.get(), "receivables", today=date(2030, 1, 1))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["回款跟踪表", "回款记录"]
    sheet = book["回款跟踪表"]
    assert sheet["A1"].value.startswith("回款跟踪表")
    header = [cell.value for cell in sheet[2]]
    assert header[:11] == ["序号", "客户编号", "客户名称", "联系方式", "订单号", "销售日期", "应收金额", "已收金额",
                           "未收金额", "付款期限", "付款状态"]
    statuses = set()
    for row in sheet.iter_rows(min_row=3, values_only=True):
        amount, paid, outstanding, due, status = row[6], row[7] or 0, row[8], row[9], row[10]
        assert round(amount - paid, 2) == round(outstanding, 2)
        assert status == payment_status(round(amount * 100), round(paid * 100), due.date().isoformat(),
                                        date(2030, 1, 1))
        statuses.add(status)
    assert statuses <= {"已付款", "逾期未付款"}  # in 2030 every demo receivable is due


def test_formula_text_is_neutralised(source):
    data = export_ledger(source.records.get(), "customers")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {cell.value: cell for row in book["客户跟踪表"].iter_rows() for cell in row
             if isinstance(cell.value, str)}
    for text in FORMULA_TEXTS:
        assert cells[text].data_type == "s"
        assert cells[text].quotePrefix is True


def test_empty_database_exports_headers(state):
    book = openpyxl.load_workbook(io.BytesIO(export_ledger(state.records.get(), "tickets")))
    sheet = book["投诉台账"]
    assert sheet.max_row == 2
    assert sheet["A2"].value == "工单编号"


def test_unknown_kind_raises(state):
    with pytest.raises(ValueError):
        export_ledger(state.records.get(), "contracts")


def test_dealer_copied_by_name(source, tmp_path):
    target = fresh_copy(tmp_path, source)
    try:
        import_bytes(target, export_ledger(source.records.get(), "customers"), "customers.xlsx")
        linked = sorted(c["dealer_id"] for c in rows(target, "customers") if c["dealer_id"])
        # The demo links customers to its dealers too; the copy keeps every link.
        assert linked == sorted(c["dealer_id"] for c in rows(source, "customers") if c["dealer_id"])
        assert DEALER_ID in linked
    finally:
        target.close()
