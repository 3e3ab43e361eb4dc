"""Run an import from file bytes to stored records: read, check, plan, write.

Reading, parsing and planning happen outside any write transaction. Only
the final ``write_plan`` takes the write lock, so syncs running beside a
large import wait for that short transaction only. A dry run stops before
writing and returns the same report.
"""

import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ..timeutil import today as organisation_today
from .layout import (CUSTOMERS, KIND_TITLES, RECEIVABLES, TICKETS, Layout, find_detail_layout, find_layout,
                     likelier_kind)
from .plan import CustomerPlanner, Options, ReceivablePlanner, TicketPlanner
from .problems import INFO, REJECT, SKIP, WARNING, ImportFailure, ImportReport, Problem, RowOutcome
from .reading import MergedRange, Sheet, Workbook, read_workbook
from .rows import (FileContext, RowReader, fill_merged_down, make_context, read_customer_row,
                   read_follow_up_detail, read_payment_detail, read_receivable_row, read_rows, read_ticket_row)
from .snapshot import load_snapshot, name_key
from .writing import StalePlan, write_plan

log = logging.getLogger("genzong.importer")

PLAN_ATTEMPTS = 3
MERGED_SHOWN = 5  # merged ranges named in the report's note
Progress = Callable[[str, int, int | None], None]


@dataclass
class ImportRequest:
    data: bytes
    file_name: str
    kind: str | None = None  # customers, receivables or tickets, or None to guess from the headers
    owner: str | None = None  # username of the owner of new records, or None for the pool
    dry_run: bool = False
    user_id: str | None = None  # the user importing, recorded in the history of changed records


def run_import(conn: sqlite3.Connection, request: ImportRequest, *, write_lock=None,
               progress: Progress | None = None, today: date | None = None) -> ImportReport:
    """Import ``request.data`` into the database on ``conn`` and return the report.

    Raises ImportFailure, having written nothing, when the file cannot be
    read, has no recognisable ledger, names an unknown owner, or has a
    rejected row (the failure then carries the report, so every problem can
    be shown). A dry run never writes and returns the report even with
    rejected rows.
    """
    started = time.perf_counter()
    report_progress = progress or (lambda stage, done, total: None)
    report_progress("read", 0, None)
    workbook = read_workbook(request.data, request.file_name,
                             lambda done, total: report_progress("read", done, total))
    sheets_rows = [sheet.rows for sheet in workbook.sheets]
    try:
        layout = find_layout(sheets_rows, request.kind)
    except ImportFailure as failure:
        # Text named like a workbook and without a ledger is not a workbook,
        # and telling so helps more than "no header found".
        if workbook.format == "csv" and request.file_name.lower().endswith((".xlsx", ".xlsm")):
            raise ImportFailure("xlsx_damaged", name=request.file_name) from failure
        raise
    likelier = likelier_kind(sheets_rows, layout) if request.kind else None
    detail_layout = find_detail_layout(sheets_rows, layout.kind, layout.sheet_index)
    default_owner = _resolve_owner(conn, request.owner)
    merged = fill_merged_down(workbook.sheets[layout.sheet_index], layout)
    if detail_layout is not None:
        merged += fill_merged_down(workbook.sheets[detail_layout.sheet_index], detail_layout)

    snapshot = load_snapshot(conn, layout.kind)
    today = today or organisation_today(snapshot.time_zone)
    rows = sheets_rows[layout.sheet_index]
    context = make_context(rows, layout, snapshot.time_zone, today, workbook.excel_epoch)
    report = ImportReport(request.file_name, layout.kind, workbook.sheets[layout.sheet_index].name,
                          layout.header_row, request.dry_run)
    report.columns = {c.header: c.spec.title for c in layout.columns}
    report.unused_columns = list(layout.unused)

    drafts = _read_ledger_rows(rows, layout, context, report, report_progress)
    if all(outcome.action == SKIP for outcome in report.rows):
        raise ImportFailure("no_data_rows", sheet=report.sheet, row=layout.header_row,
                            kind_title=KIND_TITLES[layout.kind][0], kind_title_en=KIND_TITLES[layout.kind][1])
    details = _read_detail_rows(workbook, detail_layout, context, report) if detail_layout else []
    # The drafts hold all the plan needs: let the cells go before planning.
    del rows, sheets_rows
    sheet_names = [sheet.name for sheet in workbook.sheets]
    workbook.sheets = [Sheet(name, []) for name in sheet_names]
    parse_problem_counts = {id(outcome): len(outcome.problems) for outcome in report.rows}

    for attempt in range(PLAN_ATTEMPTS):
        report_progress("plan", 0, len(report.rows))
        for outcome in report.rows:
            del outcome.problems[parse_problem_counts[id(outcome)]:]
        plan = _plan(layout, drafts, details, snapshot, Options(default_owner))
        _finish_report(report, workbook, layout, detail_layout, context, plan, merged, likelier)
        if request.dry_run:
            return report
        if report.rejected:
            raise ImportFailure("rows_rejected", report=report, count=report.rejected)
        report_progress("write", 0, len(plan.writes))
        try:
            result = write_plan(conn, plan, snapshot.seq, request.user_id, write_lock)
        except StalePlan:
            log.info("import of %s planned again: records changed during planning (attempt %d)",
                     request.file_name, attempt + 1)
            snapshot = load_snapshot(conn, layout.kind)
            continue
        report.imported = True
        report.transaction_seconds = result.transaction_seconds
        report_progress("done", len(plan.writes), len(plan.writes))
        log.info("imported %s kind=%s rows=%d records=%s seconds=%.1f transaction_seconds=%.2f",
                 request.file_name, layout.kind, len(report.rows), result.counts,
                 time.perf_counter() - started, result.transaction_seconds)
        return report
    raise ImportFailure("database_changing", report=report, attempts=PLAN_ATTEMPTS)


def _resolve_owner(conn: sqlite3.Connection, username: str | None) -> str | None:
    if not username:
        return None
    row = conn.execute("SELECT id, disabled FROM users WHERE username = ? AND deleted = 0", (username,)).fetchone()
    if row is None:
        raise ImportFailure("owner_not_found", username=username)
    if row[1]:
        raise ImportFailure("owner_disabled", username=username)
    return row[0]


ROW_READERS = {
    CUSTOMERS: lambda context: read_customer_row,
    RECEIVABLES: lambda context: (lambda reader: read_receivable_row(reader, context)),
    TICKETS: lambda context: read_ticket_row,
}


def _read_ledger_rows(rows, layout: Layout, context: FileContext, report: ImportReport, progress) -> list:
    read_row = ROW_READERS[layout.kind](context)
    drafts = []
    total = max(len(rows) - layout.header_row, 0)
    for outcome, draft in read_rows(rows, layout, context, read_row):
        report.rows.append(outcome)
        if draft is not None and outcome.action != REJECT:
            drafts.append(draft)
        if len(report.rows) % 2000 == 0:
            progress("check", len(report.rows), total)
    progress("check", total, total)
    return drafts


def _read_detail_rows(workbook: Workbook, layout: Layout, context: FileContext, report: ImportReport) -> list:
    """Read a 跟进记录 or 回款记录 sheet, whose rows join the report under the sheet's name."""
    rows = workbook.sheets[layout.sheet_index].rows
    read_row = read_follow_up_detail if layout.kind == "follow_ups" else read_payment_detail
    details = []
    sheet_name = workbook.sheets[layout.sheet_index].name
    for outcome, detail in read_rows(rows, layout, context, read_row):
        outcome.sheet = sheet_name
        report.rows.append(outcome)
        if detail is not None and outcome.action != REJECT:
            details.append((outcome, detail))
    return details


def _plan(layout: Layout, drafts: list, details: list, snapshot, options: Options):
    if layout.kind == CUSTOMERS:
        return CustomerPlanner(snapshot, options).plan_rows(drafts, details)
    if layout.kind == RECEIVABLES:
        _attach_detail_payments(drafts, details)
        return ReceivablePlanner(snapshot, options).plan_rows(drafts)
    return TicketPlanner(snapshot, options).plan_rows(drafts)


def _attach_detail_payments(drafts: list, details: list) -> None:
    """Give each row of a 回款记录 sheet to the ledger row whose 序号 it names."""
    by_ref = {name_key(d.row_ref): d for d in drafts if d.row_ref}
    for draft in drafts:
        draft.payments = [] if draft.row_ref and details else None
    for outcome, detail in details:
        draft = by_ref.get(name_key(detail["ref"]))
        if draft is None:
            outcome.action = REJECT
            outcome.add("payment_receivable_not_found", "error", value=detail["ref"])
            continue
        draft.payments.append((outcome, detail["fields"]))
        outcome.label = draft.outcome.label or draft.customer.name or ""


def _finish_report(report: ImportReport, workbook: Workbook, layout: Layout, detail_layout: Layout | None,
                   context: FileContext, plan, merged: list[MergedRange], likelier: str | None) -> None:
    """Fill in the report's file-level notes and counts from the finished plan."""
    notes: list[Problem] = []
    if workbook.format == "csv":
        notes.append(Problem("csv_read_as", INFO, values={"encoding": workbook.encoding,
                                                          "delimiter": _delimiter_name(workbook.delimiter)}))
    skipped = [s.name for i, s in enumerate(workbook.sheets)
               if i != layout.sheet_index and (detail_layout is None or i != detail_layout.sheet_index)]
    notes.append(Problem("ledger_found", INFO, values={
        "sheet": workbook.sheets[layout.sheet_index].name, "row": layout.header_row,
        "kind_title": KIND_TITLES[layout.kind][0], "kind_title_en": KIND_TITLES[layout.kind][1]}))
    if likelier is not None:
        notes.append(Problem("kind_differs", WARNING, values={
            "kind_title": KIND_TITLES[layout.kind][0], "kind_title_en": KIND_TITLES[layout.kind][1],
            "likely_title": KIND_TITLES[likelier][0], "likely_title_en": KIND_TITLES[likelier][1]}))
    if detail_layout is not None:
        notes.append(Problem("detail_sheet_found", INFO, values={
            "sheet": workbook.sheets[detail_layout.sheet_index].name,
            "kind_title": KIND_TITLES[detail_layout.kind][0], "kind_title_en": KIND_TITLES[detail_layout.kind][1]}))
    if skipped:
        notes.append(Problem("sheets_skipped", INFO, values={"sheets": "、".join(skipped)}))
    if merged:
        named = [str(merged_range) for merged_range in merged[:MERGED_SHOWN]]
        more = len(merged) - MERGED_SHOWN
        notes.append(Problem("merged_cells_filled", WARNING, values={
            "ranges": "、".join(named) + (f" 等 {len(merged)} 处" if more > 0 else ""),
            "ranges_en": ", ".join(named) + (f" and {more} more" if more > 0 else "")}))
    if report.unused_columns:
        notes.append(Problem("unused_columns", WARNING, values={"columns": "、".join(report.unused_columns)}))
    if context.inferred_count:
        code = "years_inferred_from_file" if context.year_source == "file" else "years_inferred_from_today"
        notes.append(Problem(code, WARNING, values={
            "count": context.inferred_count, "year": context.dates.default_year,
            "examples": "、".join(context.inferred_examples)}))
    if context.shifted_count:
        notes.append(Problem("timestamps_shifted", INFO, values={"count": context.shifted_count,
                                                                 "time_zone": context.dates.time_zone}))
    if plan.pool_customers:
        notes.append(Problem("customers_to_pool", WARNING, values={"count": plan.pool_customers}))
    if plan.assumed_payment_dates:
        notes.append(Problem("payment_dates_assumed", WARNING, values={"count": plan.assumed_payment_dates}))
    report.notes = notes
    report.records = plan.counts()


def _delimiter_name(delimiter: str | None) -> str:
    return "Tab" if delimiter == "\t" else f"“{delimiter}”"


__all__ = ["ImportRequest", "ImportFailure", "ImportReport", "RowOutcome", "RowReader", "run_import"]
