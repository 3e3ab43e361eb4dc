"""What a sales manager meets when moving the team's ledgers into Genzong and back.

Re-imported exports, cells merged over several rows, tickets the ledger
marks resolved, a kind chosen by mistake, rows of one customer that
disagree, and the command's report.
"""

import re

import openpyxl

from genzong.server.cli import main
from genzong.server.importer.export import export_ledger

from importing import DATA, csv_bytes, import_bytes, import_file, one, rows, write_workbook

RECEIVABLES_XLSX = DATA / "客户回款跟踪表.xlsx"
TICKETS_XLSX = DATA / "客户投诉管理台账.xlsx"
CUSTOMERS_CSV = DATA / "意向客户跟踪表.csv"
RECEIVABLES_HEADER = ["客户名称", "联系方式", "应收金额", "已收金额", "未收金额", "预计回款日期", "付款状态", "备注"]


def merged_ledger(path, data_rows, merged_ranges):
    """Write a receivables ledger whose cells in ``merged_ranges`` are merged, as Excel shows them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(RECEIVABLES_HEADER)
    for row in data_rows:
        sheet.append(row)
    for cell_range in merged_ranges:
        sheet.merge_cells(cell_range)
    book.save(path)
    return path


def test_reimported_export_counts_payments_unchanged(state):
    import_file(state, RECEIVABLES_XLSX)
    exported = export_ledger(state.records.get(), "receivables")

    report = import_bytes(state, exported, "回款跟踪表.xlsx")

    assert report.records == {}, "the second import writes nothing"
    payment_rows = [outcome for outcome in report.rows if outcome.sheet == "回款记录"]
    assert len(payment_rows) == 6
    assert {outcome.action for outcome in payment_rows} == {"unchanged"}
    assert report.counts()["create"] == 0


def test_merged_due_date_applies_to_each_row(state, tmp_path):
    ledger = merged_ledger(tmp_path / "merged.xlsx", [
        ["S公司", "13800050001", "5000元", "0", "5000元", "2027-01-31", "待付款", "同一合同分两期"],
        ["S公司", "13800050001", "3000元", "0", "3000元", None, "待付款", None],
    ], ["F2:F3", "H2:H3"])

    report = import_file(state, ledger)

    assert report.imported
    receivables = sorted(rows(state, "receivables"), key=lambda r: r["amount_fen"])
    assert [r["amount_fen"] for r in receivables] == [300_000, 500_000]
    assert receivables[0]["due_date"] == "2027-01-31"
    assert receivables[0]["notes"] == "同一合同分两期"


def test_merged_customer_name_applies_to_each_row(state, tmp_path):
    ledger = merged_ledger(tmp_path / "merged.xlsx", [
        ["Q公司", "13800040001", "5000元", "5000元", "0", "2022-08-01", "已付款", None],
        [None, None, "3000元", "1000元", "2000元", "2022-09-01", "部分付款", None],
    ], ["A2:A3", "B2:B3"])

    report = import_file(state, ledger, dry_run=True)

    assert report.rejected == 0
    assert report.counts()["create"] == 2
    note = next(note for note in report.notes if note.code == "merged_cells_filled")
    assert "合并单元格 A2:A3、B2:B3 跨越多行" in note.message("zh")


def test_merged_amount_rejected(state, tmp_path):
    """One amount merged over two orders cannot be split between them, so the lower row is rejected."""
    ledger = merged_ledger(tmp_path / "merged.xlsx", [
        ["Q公司", "13800040001", "5000元", "6000元", "0", "2022-08-01", "已付款", None],
        ["Q公司", "13800040001", "3000元", None, "2000元", "2022-09-01", "部分付款", None],
    ], ["D2:D3"])

    report = import_file(state, ledger, dry_run=True)

    assert report.rejected == 1
    problem = next(problem for problem in report.rows[1].problems if problem.code == "amount_merged")
    assert problem.column == "已收金额"
    assert "合并单元格 D2:D3 中" in problem.message("zh")
    assert report.rows[0].action == "create", "the range's top row keeps its amount"


def test_merged_notes_make_no_rows(state, tmp_path):
    """A notes cell merged down past the last order does not turn the empty rows below into orders."""
    ledger = merged_ledger(tmp_path / "merged.xlsx", [
        ["S公司", "13800050001", "5000元", "0", "5000元", "2027-01-31", "待付款", "分两期"],
        ["S公司", "13800050001", "3000元", "0", "3000元", "2027-02-28", "待付款", None],
        [None, None, None, None, None, None, None, None],
        ["合计", None, "8000元", "0", "8000元", None, None, None],
    ], ["H2:H4"])

    report = import_file(state, ledger)

    assert [outcome.action for outcome in report.rows] == ["create", "create", "skip", "skip"]
    assert sorted(r["notes"] for r in rows(state, "receivables")) == ["分两期", "分两期"]


def test_resolved_ticket_dated_by_visit(state):
    """A ticket the ledger marks 已解决 gets its 回访日期 (local midnight) as resolution time, with a warning."""
    report = import_file(state, TICKETS_XLSX)

    ticket = one(state, "tickets", legacy_number="TS-2023-001")
    assert ticket["status"] == "已解决"
    assert ticket["resolved_at"] == "2023-03-09T16:00:00.000Z", "00:00 on 2023-03-10 in Asia/Shanghai"
    outcome = next(outcome for outcome in report.rows if outcome.record_id == ticket["id"])
    warning = next(problem for problem in outcome.problems if problem.code == "resolved_at_from_visit")
    assert "按回访日期 2023-03-10 记为解决时间" in warning.message("zh")
    assert one(state, "tickets", legacy_number="TS-2023-002")["resolved_at"] is None, "处理中 stays open"


def test_resolved_ticket_without_dates(state, tmp_path):
    ledger = write_workbook(tmp_path / "投诉.xlsx", {"投诉": [
        ["投诉编号", "投诉日期", "投诉主题", "投诉内容", "处理状态"],
        ["TS-1", "2026-11-02", "漏发配件", "少发两包踢脚线卡扣", "已解决"],
    ]})

    report = import_file(state, ledger)

    assert one(state, "tickets", legacy_number="TS-1")["resolved_at"] is None
    codes = [problem.code for problem in report.rows[0].problems]
    assert "resolved_without_time" in codes
    assert "处理时效报表和问题周报不会把它计为已解决" in report.rows[0].problems[codes.index(
        "resolved_without_time")].message("zh")


def test_stored_resolution_time_kept(state, tmp_path):
    """Importing the ledger again, now without its 解决时间 column, keeps the time stored before."""
    header = ["投诉编号", "投诉日期", "投诉主题", "投诉内容", "处理状态", "回访日期"]
    row = ["TS-1", "2026-11-02", "漏发配件", "少发两包踢脚线卡扣", "已解决", "2026-11-20"]
    import_file(state, write_workbook(tmp_path / "first.xlsx", {"投诉": [
        [*header, "解决时间"], [*row, "2026-11-05 14:30"]]}))

    report = import_file(state, write_workbook(tmp_path / "again.xlsx", {"投诉": [header, row]}))

    assert one(state, "tickets", legacy_number="TS-1")["resolved_at"] == "2026-11-05T06:30:00.000Z"
    assert report.records == {}


def test_cli_report_names_tables_in_chinese(data_dir, state, capsys):
    code = main(["import", str(CUSTOMERS_CSV), "--dry-run", "--data-dir", str(data_dir.root)])
    out = capsys.readouterr().out

    assert code == 0
    records_line = next(line for line in out.splitlines() if line.startswith("记录："))
    assert "customers" not in records_line
    assert "follow_ups" not in records_line
    assert "客户 新建 5" in records_line


def test_wrong_kind_warned(state):
    report = import_file(state, RECEIVABLES_XLSX, kind="customers", dry_run=True)

    note = next(note for note in report.notes if note.code == "kind_differs")
    assert note.level == "warning"
    assert note.message("zh").startswith("按客户跟踪表导入，但表头更像回款跟踪表。")


def test_right_kind_not_warned(state):
    report = import_file(state, RECEIVABLES_XLSX, kind="receivables", dry_run=True)

    assert "kind_differs" not in [note.code for note in report.notes]


def test_later_row_replacing_values_warned(state):
    ledger = csv_bytes([["客户名称", "联系电话", "意向度", "备注"],
                        ["周建国", "13912340001", "6", "展会认识"],
                        ["周建国", "13912340001", "7", None]])

    report = import_bytes(state, ledger, "客户.csv", dry_run=True)

    problem = next(problem for problem in report.rows[1].problems if problem.code == "row_values_replaced")
    assert problem.message("zh") == "本行的值替换了第 2 行的值：意向度 6 → 7。请核对。"
    assert problem.message("en") == "This row's values replace those of row 2: Interest 6 → 7. Please check."


def test_cli_lists_skipped_rows(data_dir, state, capsys):
    code = main(["import", str(RECEIVABLES_XLSX), "--dry-run", "--data-dir", str(data_dir.root)])
    out = capsys.readouterr().out

    assert code == 0
    assert re.search(r"第 \d+ 行 跳过", out), out
    assert "合计/小计行，已跳过。" in out


def test_resolution_from_visit_not_before_receipt(state, tmp_path):
    """A complaint received at 15:00 and visited the same day cannot have been resolved before it came in."""
    ledger = write_workbook(tmp_path / "投诉.xlsx", {"投诉": [
        ["投诉编号", "投诉日期", "投诉主题", "投诉内容", "处理状态", "回访日期"],
        ["TS-1", "2026-11-20 15:00", "漏发配件", "少发两包踢脚线卡扣", "已解决", "2026-11-20"],
    ]})

    import_file(state, ledger)

    ticket = one(state, "tickets", legacy_number="TS-1")
    assert ticket["received_at"] == "2026-11-20T07:00:00.000Z"
    assert ticket["resolved_at"] >= ticket["received_at"]


def test_stored_customer_rows_disagree_warned(state):
    """Two rows of a customer already in the database disagree: the later one still replaces the earlier one's value."""
    import_bytes(state, csv_bytes([["客户名称", "联系电话", "意向度"], ["周建国", "13912340001", "5"]]), "客户.csv")
    ledger = csv_bytes([["客户名称", "联系电话", "意向度", "备注"],
                        ["周建国", "13912340001", "6", "展会认识"],
                        ["周建国", "13912340001", "7", None]])

    report = import_bytes(state, ledger, "客户.csv", dry_run=True)

    codes = [problem.code for problem in report.rows[1].problems]
    assert "row_values_replaced" in codes, codes


def test_reimport_reopening_clears_resolution(state, tmp_path):
    """A ticket the ledger moves back from 已解决 to 处理中 is open again, as when the app reopens it."""
    header = ["投诉编号", "投诉日期", "投诉主题", "投诉内容", "处理状态", "解决时间"]
    import_file(state, write_workbook(tmp_path / "first.xlsx", {"投诉": [
        header, ["TS-1", "2026-11-02", "漏发配件", "少发两包踢脚线卡扣", "已解决", "2026-11-05 14:30"]]}))

    import_file(state, write_workbook(tmp_path / "again.xlsx", {"投诉": [
        header, ["TS-1", "2026-11-02", "漏发配件", "少发两包踢脚线卡扣", "处理中", None]]}))

    ticket = one(state, "tickets", legacy_number="TS-1")
    assert ticket["status"] == "处理中"
    assert ticket["resolved_at"] is None
