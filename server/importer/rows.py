"""Turn the rows of a ledger sheet into drafts of records, with no database access.

A draft contains the fields a row sets and the keys that identify its
customer. The row's outcome lists the problems found in it, each with its
column and value.
Blank rows, subtotal rows (合计/小计) and repeated header rows become
skipped outcomes.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ...sync import format_stamp
from ..schema import TABLES
from . import choices
from .layout import Layout, MappedColumn
from .problems import ERROR, INFO, REJECT, SKIP, WARNING, RowOutcome
from .reading import Formula, MergedRange, Sheet
from .values import (CellError, DateContext, Phones, clean_text, fold, full_date_year,
                     parse_amount, parse_choice, parse_date, parse_location, parse_moment, parse_phones,
                     parse_whole_number, squeeze)

SUBTOTAL = re.compile(r"^(合计|小计|总计|共计|总额|汇总|本页合计|累计|total|subtotal|sum)\b", re.IGNORECASE)
DATE_KEYS = frozenset({"expected_purchase_date", "next_follow_up", "sale_date", "due_date", "paid_on",
                       "received_at", "reply_due_at", "first_reply_at", "resolved_at", "visit_on", "happened_at"})
FOLLOW_UP_ENTRY_SPLIT = re.compile(r"[;；\n]+")
ENTRY_DATE = re.compile(r"^\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
                        r"|\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?)")
YEAR_IN_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*\d{1,2}\s*[-/.月]")
NOTE_SEPARATOR = "；"
RESOLVED_TICKET_STATUSES = frozenset({"已解决", "已回访"})


@dataclass
class FileContext:
    """Date rules shared by every row of one file, and counts for the file's notes."""

    dates: DateContext
    today: date
    year_source: str  # "file" (most common year among full dates) or "today"
    inferred_examples: list[str] = field(default_factory=list)
    inferred_count: int = 0
    shifted_count: int = 0


def make_context(rows: list[list[Any]], layout: Layout, time_zone: str, today: date, excel_epoch) -> FileContext:
    """Choose the year for dates typed without one: the file's most common full-date year, else today's."""
    columns = [c.index for c in layout.columns if c.spec.key in DATE_KEYS or c.spec.key == "follow_ups"]
    years: Counter = Counter()
    for row in rows[layout.header_row:]:
        for index in columns:
            if index < len(row) and row[index] is not None:
                year = full_date_year(row[index])
                if year:
                    years[year] += 1
                elif isinstance(row[index], str) and layout.has("follow_ups"):
                    years.update(int(y) for y in YEAR_IN_TEXT.findall(row[index]))
    if years:
        year = max(years.items(), key=lambda item: (item[1], item[0]))[0]
        return FileContext(DateContext(year, time_zone, excel_epoch), today, "file")
    return FileContext(DateContext(today.year, time_zone, excel_epoch), today, "today")


# Reading one row -----------------------------------------------------------

class RowReader:
    """Reads the mapped cells of one row and records each problem on its outcome."""

    def __init__(self, cells: list[Any], layout: Layout, outcome: RowOutcome, context: FileContext):
        self.cells = cells
        self.layout = layout
        self.outcome = outcome
        self.context = context
        self.extra_notes: list[str] = []  # text kept in the record's notes because no field fits it

    def columns(self, key: str) -> list[MappedColumn]:
        return self.layout.by_key(key)

    def raw(self, key: str) -> tuple[MappedColumn | None, Any]:
        columns = self.layout.by_key(key)
        if not columns:
            return None, None
        column = columns[0]
        value = self.cells[column.index] if column.index < len(self.cells) else None
        if isinstance(value, str) and not value.strip():
            value = None
        return column, value

    def error(self, column: MappedColumn | None, code: str, **values) -> None:
        self.outcome.add(code, ERROR, column.header if column else None, **values)

    def warn(self, column: MappedColumn | None, code: str, level: str = WARNING, **values) -> None:
        self.outcome.add(code, level, column.header if column else None, **values)

    def _formula(self, column: MappedColumn, value: Any) -> bool:
        if isinstance(value, Formula):
            self.error(column, "formula_without_value", value=value.text)
            return True
        return False

    def text(self, key: str, table: str, field_name: str) -> str | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        text = _cell_text(value)
        if text is None:
            return None
        limit = TABLES[table].field_map[field_name].max_length
        if len(text) > limit:
            self.error(column, "text_too_long", value=text[:30] + "…", length=len(text), limit=limit)
            return None
        return text

    def amount(self, key: str, *, soft: bool = False) -> int | None:
        """Return the amount in fen. Negative amounts are errors, and ``soft`` keeps wordy text (面议) in the notes."""
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        merged = self.layout.merged_cells.get((self.outcome.row, column.index))
        if merged is not None:
            # Repeating a merged amount in each row would count it once per row.
            self.error(column, "amount_merged", value=_show(value), range=str(merged))
            return None
        try:
            amount = parse_amount(value, column.scale)
        except CellError as error:
            if soft and not _has_digits(value):
                self._keep_in_notes(column, value)
                return None
            self.error(column, error.code, **error.values)
            return None
        if amount is None:
            return None
        if amount.fen < 0:
            self.error(column, "amount_negative", value=_show(value))
            return None
        if amount.approximate:
            self.warn(column, "approximate_amount", value=_show(value), amount=format_yuan(amount.fen))
        return amount.fen

    def date(self, key: str, *, soft: bool = False) -> str | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        try:
            parsed = parse_date(value, self.context.dates)
        except CellError as error:
            if soft and not _has_digits(value):
                self._keep_in_notes(column, value)
                return None
            self.error(column, error.code, **error.values)
            return None
        if parsed is None:
            return None
        if parsed.year_inferred:
            self.note_year_inferred(column, value)
        if parsed.month_only:
            self.warn(column, "month_only", value=_show(value), date=parsed.value.isoformat())
        if parsed.shifted_from:
            self.context.shifted_count += 1
        return parsed.value.isoformat()

    def moment(self, key: str) -> str | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        try:
            parsed = parse_moment(value, self.context.dates)
        except CellError as error:
            self.error(column, error.code, **error.values)
            return None
        if parsed is None:
            return None
        if parsed.year_inferred:
            self.note_year_inferred(column, value)
        return format_stamp(parsed.value)

    def choice(self, key: str, kind: str, *, strict: bool = True) -> str | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        try:
            return parse_choice(value, choices.SYNONYMS[kind], choices.ALLOWED[kind])
        except CellError as error:
            if strict:
                self.error(column, error.code, **error.values)
            else:
                self.warn(column, "unknown_status", value=error.values["value"], allowed=error.values["allowed"])
            return None

    def score(self, key: str, low: int, high: int, words: dict[str, int]) -> int | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        try:
            parsed = parse_whole_number(value, low, high, words)
        except CellError as error:
            self.error(column, error.code, **error.values)
            return None
        if parsed is None:
            return None
        number, from_word = parsed
        if from_word:
            self.warn(column, "score_from_word", value=_show(value), score=number)
        return number

    def phones(self, key: str) -> Phones:
        """Parse every column of ``key`` (a ledger may have both 电话 and 手机)."""
        merged = Phones()
        for column in self.columns(key):
            value = self.cells[column.index] if column.index < len(self.cells) else None
            if value is None or self._formula(column, value):
                continue
            phones = parse_phones(value)
            if phones.restored_zero:
                self.warn(column, "phone_zero_restored", value=_show(value), phone=phones.display)
            if phones.leftover and not phones.numbers:
                self.warn(column, "phone_unrecognised", value=_show(value))
            merged.numbers.extend(p for p in phones.numbers if p not in merged.numbers)
            merged.emails.extend(phones.emails)
            merged.leftover = " ".join(filter(None, [merged.leftover, phones.leftover]))
        return merged

    def location(self, key: str) -> dict | None:
        column, value = self.raw(key)
        if column is None or value is None or self._formula(column, value):
            return None
        try:
            return parse_location(value)
        except CellError as error:
            self.error(column, error.code, **error.values)
            return None

    def _keep_in_notes(self, column: MappedColumn, value: Any) -> None:
        text = _show(value)
        self.extra_notes.append(f"{column.header}：{text}")
        self.warn(column, "kept_in_notes", value=text)

    def note_year_inferred(self, column: MappedColumn, value: Any) -> None:
        """Count a date typed without a year for the file's note, and add a note to the row."""
        self.context.inferred_count += 1
        if len(self.context.inferred_examples) < 3:
            self.context.inferred_examples.append(_show(value))
        self.warn(column, "year_inferred", level=INFO, value=_show(value), year=self.context.dates.default_year)


def _cell_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(value)


def _has_digits(value: Any) -> bool:
    return bool(re.search(r"[0-9零〇一二三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟两]", str(value)))


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text if len(text) <= 60 else text[:60] + "…"


def format_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


# Row classification ------------------------------------------------------

def fill_merged_down(sheet: Sheet, layout: Layout) -> list[MergedRange]:
    """Give each data row of a range merged down the range's value, as Excel shows it, and return the ranges.

    Only the range's first column gets the value, so a name merged across two
    columns does not fill the second. A row with nothing else in the ledger's
    columns stays blank, so merged formatting below the data makes no rows.
    The filled cells are noted in ``layout.merged_cells``.
    """
    rows = sheet.rows
    mapped = [column.index for column in layout.columns]
    used = []
    for merged in sheet.merged:
        if merged.first_row <= layout.header_row or merged.first_row > len(rows):
            continue
        column = merged.first_column - 1
        top = rows[merged.first_row - 1]
        value = top[column] if column < len(top) else None
        if value is None:
            continue
        filled = False
        for number in range(merged.first_row + 1, min(merged.last_row, len(rows)) + 1):
            cells = rows[number - 1]
            if not any(clean_text(cells[index]) for index in mapped if index < len(cells) and index != column):
                continue
            cells.extend([None] * (column + 1 - len(cells)))
            cells[column] = value
            layout.merged_cells[(number, column)] = merged
            filled = True
        if filled:
            used.append(merged)
    return used


def classify_row(cells: list[Any], header_cells: list[Any], layout: Layout) -> str | None:
    """Return "blank", "subtotal" or "header" for a row to skip, else None."""
    mapped = [cells[c.index] for c in layout.columns if c.index < len(cells)]
    if not any(clean_text(c) for c in mapped if not isinstance(c, Formula)):
        # Cells outside the mapped columns alone do not make a ledger row.
        return "blank"
    for cell in cells[:4]:
        if isinstance(cell, str) and SUBTOTAL.match(fold(cell)):
            return "subtotal"
    if cells[0] == header_cells[0] and [clean_text(c) for c in cells] == [clean_text(c) for c in header_cells[:len(cells)]]:
        return "header"
    return None


# Drafts ------------------------------------------------------------------

@dataclass(slots=True)
class CustomerDraft:
    """A customer as one row describes it."""

    outcome: RowOutcome
    fields: dict[str, Any]  # customer fields the row sets (blank cells are left out)
    code: str | None = None  # the file's customer number: ours (KH…) or a legacy one
    phones: set[str] = field(default_factory=set)
    owner_text: str | None = None
    referred_text: str | None = None
    dealer_text: str | None = None
    follow_ups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")

    @property
    def company(self) -> str | None:
        return self.fields.get("company")


@dataclass(slots=True)
class ReceivableDraft:
    outcome: RowOutcome
    customer: CustomerDraft
    fields: dict[str, Any]  # receivable fields
    paid_fen: int | None = None
    paid_on: str | None = None
    paid_on_assumed: bool = False
    method: str | None = None
    row_ref: str | None = None
    dealer_text: str | None = None
    # The rows of a 回款记录 sheet, when the workbook has one: (outcome, payment fields).
    payments: list[tuple[RowOutcome, dict[str, Any]]] | None = None


@dataclass(slots=True)
class TicketDraft:
    outcome: RowOutcome
    fields: dict[str, Any]
    number: str | None = None
    owner_text: str | None = None
    customer_code: str | None = None
    contact_phones: set[str] = field(default_factory=set)
    # The resolution time to store when the ledger marks the ticket resolved
    # without one: its 回访日期, by which the ticket was resolved at the latest.
    resolved_estimate: str | None = None


def _customer_identity(reader: RowReader, fields: dict[str, Any]) -> tuple[str | None, set[str]]:
    """Read name, company, code and phones (shared by every ledger kind)."""
    name = reader.text("name", "customers", "name")
    if name:
        fields["name"] = name
    company = reader.text("company", "customers", "company")
    if company:
        fields["company"] = company
    code = reader.text("code", "customers", "legacy_code")
    phones = reader.phones("phone")
    if phones.display:
        if len(phones.display) > TABLES["customers"].field_map["phone"].max_length:
            reader.error(reader.columns("phone")[0], "text_too_long", value=phones.display[:30] + "…",
                         length=len(phones.display), limit=TABLES["customers"].field_map["phone"].max_length)
        else:
            fields["phone"] = phones.display
    if phones.emails:
        fields["email"] = phones.emails[0]
    return code, phones.keys


def read_customer_row(reader: RowReader) -> CustomerDraft:
    fields: dict[str, Any] = {}
    code, phone_keys = _customer_identity(reader, fields)
    for key in ("title", "email", "address", "source", "legacy_code"):
        value = reader.text(key, "customers", key)
        if value:
            fields[key] = value
    kind = reader.choice("kind", "customer_kind")
    stage = reader.choice("stage", "stage")
    interest = reader.score("interest", 1, 10, choices.INTEREST_WORDS)
    expected_date = reader.date("expected_purchase_date", soft=True)
    expected_amount = reader.amount("expected_amount", soft=True)
    next_follow_up = reader.date("next_follow_up")
    location = reader.location("location")
    for name, value in (("kind", kind), ("stage", stage), ("interest", interest),
                        ("expected_purchase_date", expected_date), ("expected_amount_fen", expected_amount),
                        ("next_follow_up", next_follow_up), ("location", location)):
        if value is not None:
            fields[name] = value
    follow_ups = read_follow_up_log(reader)
    notes = reader.text("notes", "customers", "notes")
    draft = CustomerDraft(reader.outcome, fields, code, phone_keys,
                          owner_text=reader.text("owner", "customers", "name"),
                          referred_text=reader.text("referred_by", "customers", "name"),
                          dealer_text=reader.text("dealer", "dealers", "name"),
                          follow_ups=follow_ups)
    combine_notes(reader, fields, "customers", "notes", notes)
    reader.outcome.label = fields.get("name") or fields.get("phone") or ""
    if not fields.get("name"):
        reader.error(None, "missing_value", column_title="客户名称", column_title_en="customer name")
    return draft


def combine_notes(reader: RowReader, fields: dict[str, Any], table: str, field_name: str, notes: str | None) -> None:
    """Set the notes field to the row's notes plus the text no other field could hold."""
    parts = [notes] if notes else []
    parts += [extra for extra in reader.extra_notes if not notes or extra not in notes]
    if not parts:
        return
    combined = NOTE_SEPARATOR.join(parts)
    limit = TABLES[table].field_map[field_name].max_length
    if len(combined) > limit:
        reader.error(None, "text_too_long", value=combined[:30] + "…", length=len(combined), limit=limit)
        return
    fields[field_name] = combined


def read_follow_up_log(reader: RowReader) -> list[dict[str, Any]]:
    """Split a 沟通记录 cell ("1月5日 电话 介绍实木地板；1月12日 拜访 上门量房") into follow-ups.

    Each entry starts with its date, then optionally the channel, then the
    content. An entry without a date is kept in the customer's notes.
    """
    column, value = reader.raw("follow_ups")
    if column is None or value is None:
        return []
    entries = []
    for entry in FOLLOW_UP_ENTRY_SPLIT.split(squeeze(str(value))):
        entry = entry.strip()
        if not entry:
            continue
        match = ENTRY_DATE.match(entry)
        moment = None
        if match:
            try:
                moment = parse_moment(match.group(1), reader.context.dates)
            except CellError as error:
                reader.error(column, error.code, **error.values)
                continue
        if moment is None:
            reader.extra_notes.append(f"{column.header}：{entry}")
            reader.warn(column, "follow_up_without_date", value=entry)
            continue
        if moment.year_inferred:
            reader.note_year_inferred(column, match.group(1))
        rest = entry[match.end():].strip()
        channel = None
        words = rest.split(maxsplit=1)
        if words:
            found = choices.CHANNEL.get(fold(words[0]).lower())
            if found:
                channel, rest = found, words[1] if len(words) > 1 else ""
        follow_up = {"happened_at": format_stamp(moment.value), "content": rest or None}
        if channel:
            follow_up["channel"] = channel
        entries.append({k: v for k, v in follow_up.items() if v is not None})
    return entries


def read_receivable_row(reader: RowReader, context: FileContext) -> ReceivableDraft:
    customer_fields: dict[str, Any] = {}
    code, phone_keys = _customer_identity(reader, customer_fields)
    customer = CustomerDraft(reader.outcome, customer_fields, code, phone_keys,
                             owner_text=reader.text("owner", "customers", "name"))
    fields: dict[str, Any] = {}
    order_no = reader.text("order_no", "receivables", "order_no")
    if order_no:
        fields["order_no"] = order_no
    for key in ("sale_date", "due_date"):
        value = reader.date(key)
        if value:
            fields[key] = value
    amount = reader.amount("amount")
    paid = reader.amount("paid")
    outstanding_column, outstanding_raw = reader.raw("outstanding")
    outstanding = None
    if outstanding_column is not None and outstanding_raw is not None and not isinstance(outstanding_raw, Formula):
        try:
            parsed = parse_amount(outstanding_raw, outstanding_column.scale)
            outstanding = parsed.fen if parsed else None
        except CellError as error:
            reader.warn(outstanding_column, "outstanding_unreadable", value=error.values.get("value"))
    status = reader.choice("status", "payment_status", strict=False)
    paid_on = reader.date("paid_on")
    method = reader.choice("method", "method")
    row_ref = reader.text("row_ref", "receivables", "order_no")
    notes = reader.text("notes", "receivables", "notes")

    reader.outcome.label = customer_fields.get("name") or customer_fields.get("phone") or code or ""
    if not customer_fields.get("name") and not phone_keys and not code:
        reader.error(None, "missing_value", column_title="客户名称", column_title_en="customer name")
    if amount is None and not reader.outcome.has_errors:
        reader.error(reader.columns("amount")[0], "missing_value", column_title="应收金额",
                     column_title_en="amount receivable")
    if amount is not None:
        fields["amount_fen"] = amount
        paid = _check_paid(reader, amount, paid, outstanding, status)
    combine_notes(reader, fields, "receivables", "notes", notes)
    draft = ReceivableDraft(reader.outcome, customer, fields, paid, paid_on, False, method, row_ref,
                            dealer_text=reader.text("dealer", "dealers", "name"))
    if paid and not paid_on:
        draft.paid_on = _assumed_paid_on(fields.get("due_date"), fields.get("sale_date"), context.today)
        draft.paid_on_assumed = True
    return draft


def _check_paid(reader: RowReader, amount: int, paid: int | None, outstanding: int | None,
                status: str | None) -> int | None:
    """Check 已收/未收/付款状态 against each other and return the amount paid to record."""
    status_column = reader.columns("status")[0] if reader.columns("status") else None
    if paid is None and status == choices.PAID:
        reader.warn(status_column, "paid_from_status", value=status, amount=format_yuan(amount))
        paid = amount
    elif paid is None and outstanding is not None and 0 <= outstanding <= amount:
        paid = amount - outstanding
        reader.warn(reader.columns("outstanding")[0], "paid_from_outstanding", level=INFO,
                    paid=format_yuan(paid))
    elif paid is None and status == choices.PARTLY_PAID:
        reader.warn(status_column, "partly_paid_without_amount", value=status)
    if paid is not None and outstanding is not None and amount - paid != outstanding:
        reader.warn(reader.columns("outstanding")[0], "outstanding_mismatch", value=format_yuan(outstanding),
                    amount=format_yuan(amount), paid=format_yuan(paid))
    if paid is not None and paid > amount:
        reader.warn(reader.columns("paid")[0] if reader.columns("paid") else None, "overpaid",
                    paid=format_yuan(paid), amount=format_yuan(amount))
    if status is not None and paid is not None and not _status_fits(status, amount, paid):
        reader.warn(status_column, "status_mismatch", value=status, amount=format_yuan(amount),
                    paid=format_yuan(paid))
    return paid


def _status_fits(status: str, amount: int, paid: int) -> bool:
    if status == choices.PAID:
        return paid >= amount
    if status == choices.PARTLY_PAID:
        return 0 < paid < amount
    if status == choices.UNPAID:
        return paid == 0
    return paid < amount  # 逾期未付款: partly paid or not at all


def _assumed_paid_on(due_date: str | None, sale_date: str | None, today: date) -> str:
    """Return the payment date for a ledger without one: the due date if already past, else today."""
    if due_date:
        return min(date.fromisoformat(due_date), today).isoformat()
    if sale_date:
        return min(date.fromisoformat(sale_date), today).isoformat()
    return today.isoformat()


def read_ticket_row(reader: RowReader) -> TicketDraft:
    fields: dict[str, Any] = {}
    for key in ("legacy_number", "subject", "content", "complainant", "investigation", "resolution", "result",
                "steps", "expected_result", "actual_result", "shipped_version"):
        value = reader.text(key, "tickets", key)
        if value:
            fields[key] = value
    contact_column = reader.columns("contact")
    phones = Phones()
    if contact_column:
        _, raw_contact = reader.raw("contact")
        phones = parse_phones(raw_contact) if not isinstance(raw_contact, Formula) else Phones()
        if phones.restored_zero:
            reader.warn(contact_column[0], "phone_zero_restored", value=_show(raw_contact), phone=phones.display)
        contact = phones.display
        if phones.emails:
            contact = " / ".join(filter(None, [contact, *phones.emails]))
        limit = TABLES["tickets"].field_map["contact"].max_length
        if contact and len(contact) > limit:
            reader.error(contact_column[0], "text_too_long", value=contact[:30] + "…", length=len(contact),
                         limit=limit)
        elif contact:
            fields["contact"] = contact
    for key, kind in (("kind", "ticket_kind"), ("severity", "severity"), ("category", "category"),
                      ("status", "ticket_status"), ("decision", "decision")):
        value = reader.choice(key, kind)
        if value:
            fields[key] = value
    for key in ("received_at", "reply_due_at", "first_reply_at", "resolved_at"):
        value = reader.moment(key)
        if value:
            fields[key] = value
    visit_on = reader.date("visit_on")
    if visit_on:
        fields["visit_on"] = visit_on
    resolved_estimate = None
    if fields.get("status") in RESOLVED_TICKET_STATUSES and not fields.get("resolved_at") and visit_on:
        resolved_estimate = format_stamp(parse_moment(date.fromisoformat(visit_on), reader.context.dates).value)
    satisfaction = reader.score("satisfaction", 1, 5, choices.SATISFACTION_WORDS)
    if satisfaction is not None:
        fields["satisfaction"] = satisfaction
    reader.outcome.label = fields.get("subject") or fields.get("complainant") or ""
    if not any(fields.get(k) for k in ("subject", "content", "complainant")):
        reader.error(None, "missing_value", column_title="投诉主题或内容", column_title_en="subject or content")
    number = reader.text("number", "tickets", "legacy_number")
    draft = TicketDraft(reader.outcome, fields, number, reader.text("owner", "customers", "name"),
                        reader.text("customer_code", "customers", "legacy_code"), phones.keys, resolved_estimate)
    if reader.extra_notes:
        combine_notes(reader, fields, "tickets", "investigation", fields.get("investigation"))
    return draft


def read_follow_up_detail(reader: RowReader) -> dict[str, Any] | None:
    """Read one row of a 跟进记录 sheet: the customer's code or name, and the follow-up."""
    happened_at = reader.moment("happened_at")
    fields: dict[str, Any] = {}
    if happened_at:
        fields["happened_at"] = happened_at
    else:
        reader.error(reader.columns("happened_at")[0], "missing_value", column_title="跟进时间",
                     column_title_en="follow-up time")
    channel = reader.choice("channel", "channel")
    if channel:
        fields["channel"] = channel
    for key in ("content", "result"):
        value = reader.text(key, "follow_ups", key)
        if value:
            fields[key] = value
    next_follow_up = reader.date("next_follow_up")
    if next_follow_up:
        fields["next_follow_up"] = next_follow_up
    location = reader.location("location")
    if location:
        fields["location"] = location
    checked_in_at = reader.moment("checked_in_at")
    if checked_in_at:
        fields["checked_in_at"] = checked_in_at
    code = reader.text("customer_code", "customers", "legacy_code")
    name = reader.text("customer_name", "customers", "name")
    if reader.outcome.has_errors:
        return None
    return {"code": code, "name": name, "fields": fields}


def read_payment_detail(reader: RowReader) -> dict[str, Any] | None:
    """Read one row of a 回款记录 sheet: the 应收序号 it belongs to, and the payment."""
    ref = reader.text("receivable_ref", "receivables", "order_no")
    paid_on = reader.date("paid_on")
    amount = reader.amount("amount")
    method = reader.choice("method", "method")
    notes = reader.text("notes", "payments", "notes")
    if paid_on is None:
        reader.error(reader.columns("paid_on")[0], "missing_value", column_title="回款日期",
                     column_title_en="payment date")
    if amount is None and not reader.outcome.has_errors:
        reader.error(reader.columns("amount")[0], "missing_value", column_title="回款金额",
                     column_title_en="payment amount")
    elif amount == 0:
        reader.error(reader.columns("amount")[0], "payment_not_positive", value="0")
    if ref is None:
        reader.error(reader.columns("receivable_ref")[0], "missing_value", column_title="应收序号",
                     column_title_en="receivable number")
    if reader.outcome.has_errors:
        return None
    fields = {"paid_on": paid_on, "amount_fen": amount}
    if method:
        fields["method"] = method
    if notes:
        fields["notes"] = notes
    return {"ref": ref, "fields": fields}


def read_rows(rows: list[list[Any]], layout: Layout, context: FileContext, read_row):
    """Yield (outcome, draft) for every row below the header, with None as the draft of a skipped row."""
    header_cells = rows[layout.header_row - 1]
    positions = {column.header: column.index for column in layout.columns}
    for offset, cells in enumerate(rows[layout.header_row:]):
        number = layout.header_row + offset + 1
        outcome = RowOutcome(number)
        skipped = classify_row(cells, header_cells, layout) if cells else "blank"
        if skipped:
            outcome.action = SKIP
            outcome.add(f"skipped_{skipped}", INFO)
            yield outcome, None
            continue
        reader = RowReader(cells, layout, outcome, context)
        draft = read_row(reader)
        # Problems in the order of the columns, those about the whole row last.
        outcome.problems.sort(key=lambda problem: positions.get(problem.column, len(positions) + 1000))
        if outcome.has_errors:
            outcome.action = REJECT
        yield outcome, draft

