"""Export the ledgers as .xlsx in the layout teams know, so they import back without loss.

Three ledgers: 客户跟踪表 (with a 跟进记录 sheet), 回款跟踪表 with the derived
payment status (with a 回款记录 sheet listing every payment), and 投诉台账.
Column names are ones the importer maps, amounts are number cells in yuan,
dates are date cells, times are local date-time cells in the organisation's
time zone, and phones are text. Text that starts with ``=``, ``+``, ``-``
or ``@`` is stored as text with Excel's quote prefix, so no spreadsheet runs
it as a formula.
"""

import io
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..timeutil import today as organisation_today
from .choices import OVERDUE, PAID, PARTLY_PAID, UNPAID
from .layout import CUSTOMERS, KINDS, RECEIVABLES, TICKETS
from .snapshot import organisation_time_zone, read_rows
from .values import format_location

FORMULA_STARTS = ("=", "+", "-", "@")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT_MS = "yyyy-mm-dd hh:mm:ss.000"
SHEET_TITLES = {CUSTOMERS: "客户跟踪表", RECEIVABLES: "回款跟踪表", TICKETS: "投诉台账"}


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict], Any]
    kind: str = "text"  # text, money, date, time, number
    width: int = 14


def payment_status(amount_fen: int, paid_fen: int, due_date: str | None, today: date) -> str:
    """Return the derived payment status, by the first rule that matches.

    已付款 when the payments cover the amount, else 逾期未付款 when today is
    after the due date, else 部分付款 when something was paid, else 待付款.
    """
    if paid_fen >= amount_fen:
        return PAID
    if due_date and today > date.fromisoformat(due_date):
        return OVERDUE
    if paid_fen > 0:
        return PARTLY_PAID
    return UNPAID


class Exporter:
    """Reads one ledger's records and writes the workbook."""

    def __init__(self, conn: sqlite3.Connection, today: date | None = None):
        self.conn = conn
        self.zone_name = organisation_time_zone(conn)
        self.zone = ZoneInfo(self.zone_name)
        self.today = today or organisation_today(self.zone_name)
        users = read_rows(conn, "users")
        self.user_names = _user_labels(users)
        self.dealer_names = {dealer["id"]: dealer["name"] for dealer in read_rows(conn, "dealers")}

    # Values ------------------------------------------------------------

    def user(self, user_id: str | None) -> str | None:
        return self.user_names.get(user_id) if user_id else None

    def dealer(self, dealer_id: str | None) -> str | None:
        return self.dealer_names.get(dealer_id) if dealer_id else None

    def local_time(self, stamp: str | None) -> datetime | None:
        if not stamp:
            return None
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(self.zone)
        return moment.replace(tzinfo=None)

    # Ledgers -----------------------------------------------------------

    def export(self, kind: str) -> bytes:
        if kind not in KINDS:
            raise ValueError(f"unknown ledger kind {kind!r}; use one of {', '.join(KINDS)}")
        book = Workbook()
        book.remove(book.active)
        getattr(self, f"_{kind}")(book)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    def _customers(self, book: Workbook) -> None:
        customers = read_rows(self.conn, "customers")
        customers.sort(key=lambda c: (c.get("code") or "", c["id"]))
        by_id = {c["id"]: c for c in customers}
        columns = [
            Column("客户编号", lambda c: c.get("code"), width=11),
            Column("原编号", lambda c: c.get("legacy_code"), width=11),
            Column("客户名称", lambda c: c.get("name"), width=16),
            Column("公司名称", lambda c: c.get("company"), width=24),
            Column("职位", lambda c: c.get("title")),
            Column("联系电话", lambda c: c.get("phone"), width=16),
            Column("电子邮件", lambda c: c.get("email"), width=20),
            Column("地址", lambda c: c.get("address"), width=30),
            Column("客户类型", lambda c: c.get("kind"), width=10),
            Column("客户来源", lambda c: c.get("source")),
            Column("意向度", lambda c: c.get("interest"), "number", 8),
            Column("预计购买日期", lambda c: c.get("expected_purchase_date"), "date"),
            Column("预计金额", lambda c: c.get("expected_amount_fen"), "money"),
            Column("阶段", lambda c: c.get("stage"), width=9),
            Column("负责人", lambda c: self.user(c.get("owner_id")), width=10),
            Column("经销点", lambda c: self.dealer(c.get("dealer_id")), width=14),
            Column("介绍人", lambda c: _referrer(by_id, c.get("referred_by")), width=11),
            Column("下次跟进日期", lambda c: c.get("next_follow_up"), "date"),
            Column("客户位置", lambda c: format_location(c.get("location")), width=20),
            Column("备注", lambda c: c.get("notes"), width=30),
        ]
        self._sheet(book, SHEET_TITLES[CUSTOMERS], columns, customers)
        follow_ups = [f for f in read_rows(self.conn, "follow_ups") if f["customer_id"] in by_id]
        follow_ups.sort(key=lambda f: (by_id[f["customer_id"]].get("code") or "", f["happened_at"], f["id"]))
        detail = [
            Column("客户编号", lambda f: by_id[f["customer_id"]].get("code"), width=11),
            Column("客户名称", lambda f: by_id[f["customer_id"]].get("name"), width=16),
            Column("跟进时间", lambda f: f.get("happened_at"), "time", 20),
            Column("沟通方式", lambda f: f.get("channel"), width=9),
            Column("跟进内容", lambda f: f.get("content"), width=36),
            Column("跟进结果", lambda f: f.get("result"), width=24),
            Column("下次跟进日期", lambda f: f.get("next_follow_up"), "date"),
            Column("签到位置", lambda f: format_location(f.get("location")), width=20),
            Column("签到时间", lambda f: f.get("checked_in_at"), "time", 20),
        ]
        self._sheet(book, "跟进记录", detail, follow_ups)

    def _receivables(self, book: Workbook) -> None:
        customers = {c["id"]: c for c in read_rows(self.conn, "customers")}
        receivables = [r for r in read_rows(self.conn, "receivables") if r["customer_id"] in customers]
        receivables.sort(key=lambda r: (customers[r["customer_id"]].get("code") or "", r.get("sale_date") or "",
                                        r.get("due_date") or "", r["id"]))
        payments: dict[str, list[dict]] = {}
        for payment in read_rows(self.conn, "payments"):
            payments.setdefault(payment["receivable_id"], []).append(payment)
        numbers = {r["id"]: index for index, r in enumerate(receivables, start=1)}

        def paid(r: dict) -> int:
            return sum(p["amount_fen"] for p in payments.get(r["id"], []))

        def customer(r: dict) -> dict:
            return customers[r["customer_id"]]

        columns = [
            Column("序号", lambda r: numbers[r["id"]], "number", 6),
            Column("客户编号", lambda r: customer(r).get("code"), width=11),
            Column("客户名称", lambda r: customer(r).get("name"), width=18),
            Column("联系方式", lambda r: customer(r).get("phone"), width=16),
            Column("订单号", lambda r: r.get("order_no"), width=16),
            Column("销售日期", lambda r: r.get("sale_date"), "date"),
            Column("应收金额", lambda r: r["amount_fen"], "money"),
            Column("已收金额", paid, "money"),
            Column("未收金额", lambda r: r["amount_fen"] - paid(r), "money"),
            Column("付款期限", lambda r: r.get("due_date"), "date"),
            Column("付款状态", lambda r: payment_status(r["amount_fen"], paid(r), r.get("due_date"), self.today),
                   width=11),
            Column("负责人", lambda r: self.user(customer(r).get("owner_id")), width=10),
            Column("经销点", lambda r: self.dealer(r.get("dealer_id")), width=14),
            Column("备注", lambda r: r.get("notes"), width=30),
        ]
        self._sheet(book, SHEET_TITLES[RECEIVABLES], columns, receivables)
        listed = [p for r in receivables for p in sorted(payments.get(r["id"], []),
                                                          key=lambda p: (p["paid_on"], p["id"]))]
        detail = [
            Column("应收序号", lambda p: numbers[p["receivable_id"]], "number", 9),
            Column("回款日期", lambda p: p.get("paid_on"), "date"),
            Column("回款金额", lambda p: p["amount_fen"], "money"),
            Column("付款方式", lambda p: p.get("method"), width=9),
            Column("备注", lambda p: p.get("notes"), width=30),
        ]
        self._sheet(book, "回款记录", detail, listed)

    def _tickets(self, book: Workbook) -> None:
        customers = {c["id"]: c for c in read_rows(self.conn, "customers")}
        tickets = read_rows(self.conn, "tickets")
        tickets.sort(key=lambda t: (t.get("number") or "", t["id"]))
        columns = [
            Column("工单编号", lambda t: t.get("number"), width=11),
            Column("原编号", lambda t: t.get("legacy_number"), width=13),
            Column("类型", lambda t: t.get("kind"), width=7),
            Column("受理时间", lambda t: t.get("received_at"), "time", 20),
            Column("投诉主题", lambda t: t.get("subject"), width=18),
            Column("投诉内容", lambda t: t.get("content"), width=36),
            Column("投诉人", lambda t: t.get("complainant"), width=10),
            Column("联系方式", lambda t: t.get("contact"), width=16),
            Column("客户编号", lambda t: customers.get(t.get("customer_id"), {}).get("code"), width=11),
            Column("负责人", lambda t: self.user(t.get("owner_id")), width=10),
            Column("严重程度", lambda t: t.get("severity"), width=9),
            Column("类别", lambda t: t.get("category"), width=8),
            Column("处理状态", lambda t: t.get("status"), width=9),
            Column("答复期限", lambda t: t.get("reply_due_at"), "time", 20),
            Column("首次答复时间", lambda t: t.get("first_reply_at"), "time", 20),
            Column("调查情况", lambda t: t.get("investigation"), width=30),
            Column("处理方案", lambda t: t.get("resolution"), width=30),
            Column("处理结果", lambda t: t.get("result"), width=30),
            Column("解决时间", lambda t: t.get("resolved_at"), "time", 20),
            Column("回访日期", lambda t: t.get("visit_on"), "date"),
            Column("满意度", lambda t: t.get("satisfaction"), "number", 8),
            Column("重现步骤", lambda t: t.get("steps"), width=30),
            Column("预期结果", lambda t: t.get("expected_result"), width=24),
            Column("实际结果", lambda t: t.get("actual_result"), width=24),
            Column("处理决定", lambda t: t.get("decision"), width=9),
            Column("发布版本", lambda t: t.get("shipped_version"), width=11),
        ]
        self._sheet(book, SHEET_TITLES[TICKETS], columns, tickets)

    # Writing -----------------------------------------------------------

    def _sheet(self, book: Workbook, title: str, columns: list[Column], records: list[dict]) -> None:
        """Write a title row (merged across the columns), the header row and one row per record."""
        sheet = book.create_sheet(title)
        sheet.append([f"{title}（导出于 {self.today.isoformat()}）"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        sheet.cell(1, 1).font = Font(bold=True, size=14)
        sheet.cell(1, 1).alignment = Alignment(horizontal="center")
        sheet.append([column.header for column in columns])
        for index, column in enumerate(columns, start=1):
            sheet.cell(2, index).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A3"
        for row_number, record in enumerate(records, start=3):
            for index, column in enumerate(columns, start=1):
                value = column.value(record)
                if value is None:
                    continue
                self._set(sheet.cell(row_number, index), column.kind, value)

    def _set(self, cell, kind: str, value: Any) -> None:
        if kind == "money":
            cell.value = value / 100 if value % 100 else value // 100
            cell.number_format = MONEY_FORMAT
        elif kind == "date":
            cell.value = date.fromisoformat(value)
            cell.number_format = DATE_FORMAT
        elif kind == "time":
            moment = self.local_time(value)
            cell.value = moment
            cell.number_format = TIME_FORMAT_MS if moment.microsecond else TIME_FORMAT
        elif kind == "number":
            cell.value = value
        else:
            set_text(cell, str(value))


def set_text(cell, text: str) -> None:
    """Store ``text`` as a text cell, with a quote prefix when a spreadsheet could run it as a formula."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _user_labels(users: list[dict]) -> dict[str, str]:
    """Label each user by name, or by username where two users share a name, as the importer looks them up."""
    names: dict[str, int] = {}
    for user in users:
        names[user.get("name") or ""] = names.get(user.get("name") or "", 0) + 1
    return {user["id"]: user["name"] if user.get("name") and names[user["name"]] == 1 else user["username"]
            for user in users}


def _referrer(customers: dict[str, dict], referrer_id: str | None) -> str | None:
    if not referrer_id or referrer_id not in customers:
        return None
    return customers[referrer_id].get("code")


def export_ledger(conn: sqlite3.Connection, kind: str, today: date | None = None) -> bytes:
    """Return the .xlsx bytes of the ``kind`` ledger (customers, receivables or tickets)."""
    return Exporter(conn, today).export(kind)
