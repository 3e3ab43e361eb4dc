"""Import rules: file formats, sheet and header finding, duplicates, and all-or-nothing writes."""

from datetime import datetime

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from genzong.server.db import transaction
from genzong.server.importer.problems import ImportFailure
from genzong.server.records import Batch
from genzong.server.timeutil import now_stamp

from importing import csv_bytes, database_dump, import_bytes, import_file, one, rows, write_workbook

CUSTOMER_HEADER = ["客户姓名", "联系电话", "公司名称", "客户类型", "意向度", "备注"]
CUSTOMER_ROWS = [["张伟", "13900000001", "绿源地板有限公司", "直接型", "7", "老客户介绍"],
                 ["李娜", "0571-88001234", "", "潜在型", "3", ""]]


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","), ("utf-8", ";"), ("gbk", ";"),
    ("utf-16", "\t"),
])
def test_csv_encodings_and_delimiters(state, encoding, delimiter):
    data = csv_bytes([CUSTOMER_HEADER, *CUSTOMER_ROWS], encoding, delimiter)
    report = import_bytes(state, data, "客户.csv")
    assert report.imported
    zhang = one(state, "customers", name="张伟")
    assert zhang["phone"] == "13900000001"
    assert zhang["company"] == "绿源地板有限公司"
    assert zhang["kind"] == "直接"
    assert zhang["interest"] == 7
    assert one(state, "customers", name="李娜")["phone"] == "0571-88001234"
    read_as = [n for n in report.notes if n.code == "csv_read_as"][0]
    assert read_as.values["encoding"] == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030",
                                          "gb18030": "gb18030", "utf-16": "utf-16"}[encoding]


def test_csv_quoted_cells(state):
    data = ('客户姓名,联系电话,备注\r\n"王建国","13912340001, 0571-86001122","说“你好”，\n两行"\r\n').encode()
    import_bytes(state, data, "x.csv")
    wang = one(state, "customers", name="王建国")
    assert wang["phone"] == "13912340001 / 0571-86001122"
    assert wang["notes"] == "说“你好”，\n两行"


def test_ledger_sheet_is_found(state, tmp_path):
    path = write_workbook(tmp_path / "book.xlsx", {
        "说明": [["本表由销售部维护"], ["请勿修改表头"]],
        "客户": [["2023年客户跟踪表"], ["销售一部"], [], CUSTOMER_HEADER, *CUSTOMER_ROWS],
        "图表数据": [["月份", "数量"], ["1月", 3]],
    })
    report = import_file(state, path)
    assert report.sheet == "客户"
    assert report.header_row == 4
    skipped = [n for n in report.notes if n.code == "sheets_skipped"][0]
    assert skipped.values["sheets"] == "说明、图表数据"
    assert len(rows(state, "customers")) == 2


def test_unused_columns_are_reported(state):
    data = csv_bytes([["序号", "客户名称", "电话", "微信号", "喜好"], ["1", "王建国", "13912340001", "wjg88", "茶"]])
    report = import_bytes(state, data, "x.csv")
    assert report.unused_columns == ["序号", "微信号", "喜好"]
    assert report.columns == {"客户名称": "客户名称", "电话": "电话"}


@pytest.mark.parametrize("header, kind", [
    (["客户名称", "联系电话", "意向度", "下次跟进"], "customers"),
    (["客户名称", "应收金额", "已收金额", "付款期限"], "receivables"),
    (["投诉日期", "投诉内容", "投诉人", "处理状态"], "tickets"),
])
def test_kind_guessed_from_headers(state, header, kind):
    row = {"customers": ["王建国", "13912340001", "8", "2023-01-20"],
           "receivables": ["A公司", "10000元", "0", "2023-01-20"],
           "tickets": ["2023-03-02", "地板起拱", "王建国", "待处理"]}[kind]
    report = import_bytes(state, csv_bytes([header, row]), "x.csv", dry_run=True)
    assert report.kind == kind


def test_no_ledger_in_file(state):
    with pytest.raises(ImportFailure) as caught:
        import_bytes(state, csv_bytes([["月份", "数量"], ["1月", "3"]]), "x.csv")
    assert caught.value.code == "no_ledger_found"


@pytest.mark.parametrize("data, name, code", [
    (b"", "x.xlsx", "file_empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "x.xlsx", "xls_not_supported"),
    (b"PK\x03\x04 this is no zip", "x.xlsx", "xlsx_damaged"),
    (bytes(range(128, 256)) * 4, "x.csv", "encoding_unknown"),
    (bytes(range(128, 256)) * 4, "x.xlsx", "xlsx_damaged"),
    (("名称,电话\n张伟," + "1" * 200_000 + "\n").encode(), "x.csv", "csv_unreadable"),
])
def test_unreadable_files(state, data, name, code):
    with pytest.raises(ImportFailure) as caught:
        import_bytes(state, data, name)
    assert caught.value.code == code


def test_excel_cells_keep_their_values(state, tmp_path):
    path = tmp_path / "cells.xlsx"
    write_workbook(path, {"客户": [
        ["客户姓名", "联系电话", "下次跟进", "意向购买时间", "意向购买金额"],
        ["王建国", 13912345679, datetime(2023, 1, 20), 44986, 35000],
        ["李主任", 57186001122, datetime(2023, 2, 15, 23, 30), "2023-03-01", 1234.5],
    ]})
    report = import_file(state, path)
    wang = one(state, "customers", name="王建国")
    assert wang["phone"] == "13912345679"
    assert wang["next_follow_up"] == "2023-01-20"
    assert wang["expected_purchase_date"] == "2023-03-01"  # serial 44986 in a General cell
    assert wang["expected_amount_fen"] == 3_500_000
    li = one(state, "customers", name="李主任")
    assert li["phone"] == "0571-86001122"  # the leading 0 Excel dropped
    assert li["next_follow_up"] == "2023-02-15"  # a date cell is not shifted by the time zone
    assert li["expected_amount_fen"] == 123_450
    assert [p.code for p in report.rows[1].problems if p.level == "warning"] == ["phone_zero_restored"]


def test_zero_format_keeps_leading_zero(state, tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户姓名", "联系电话"])
    sheet.append(["李主任", 57186001122])
    sheet["B2"].number_format = "000000000000"
    book.save(tmp_path / "zero.xlsx")
    report = import_file(state, tmp_path / "zero.xlsx")
    assert one(state, "customers", name="李主任")["phone"] == "0571-86001122"
    assert report.rows[0].problems == []  # shown with its 0, so nothing was restored


def test_1904_workbook_serials(state, tmp_path):
    path = write_workbook(tmp_path / "mac.xlsx", {"客户": [
        ["客户姓名", "联系电话", "下次跟进"], ["王建国", "13912340001", 43311]]}, epoch=CALENDAR_MAC_1904)
    import_file(state, path)
    assert one(state, "customers", name="王建国")["next_follow_up"] == "2022-07-31"


def test_formula_without_result(state, tmp_path):
    path = write_workbook(tmp_path / "formula.xlsx", {"回款": [
        ["客户名称", "应收金额", "已收金额", "未收金额"],
        ["A公司", 10000, 8000, "=B2-C2"],
        ["B公司", "=5000*2", 0, "=B3-C3"],
    ]})
    report = import_file(state, path, dry_run=True)
    assert report.rows[0].action == "create"  # 未收金额 is only a check, so its formula is skipped
    rejected = report.rows[1]
    assert rejected.action == "reject"
    assert rejected.problems[0].code == "formula_without_value"
    assert rejected.problems[0].column == "应收金额"
    assert rejected.problems[0].values["value"] == "=5000*2"


@pytest.mark.parametrize("cells, column, code, value", [
    (["王建国", "13912340001", "5000.001", "8", "2023-01-20"], "意向购买金额", "amount_below_fen", "5000.001"),
    (["王建国", "13912340001", "5000", "8", "2023-02-30"], "下次跟进", "date_not_exist", "2023-02-30"),
    (["王建国", "13912340001", "5000", "11", "2023-01-20"], "意向度", "invalid_score", "11"),
    (["", "13912340001", "5000", "8", "2023-01-20"], None, "missing_value", None),
])
def test_bad_row_fails_whole_file(state, cells, column, code, value):
    import_bytes(state, csv_bytes([CUSTOMER_HEADER, *CUSTOMER_ROWS]), "before.csv")
    before = database_dump(state)
    header = ["客户姓名", "联系电话", "意向购买金额", "意向度", "下次跟进"]
    good = ["赵女士", "13500002222", "3000", "5", "2023-03-03"]
    with pytest.raises(ImportFailure) as caught:
        import_bytes(state, csv_bytes([header, good, cells, good[:1] + ["15800003333"] + good[2:]]), "bad.csv")
    failure = caught.value
    assert failure.code == "rows_rejected"
    assert failure.values["count"] == 1
    rejected = [o for o in failure.report.rows if o.action == "reject"]
    assert [o.row for o in rejected] == [3]
    problem = rejected[0].problems[0]
    assert problem.code == code
    assert problem.column == column
    if value is not None:
        assert problem.values["value"] == value
    assert database_dump(state) == before


def test_dry_run_lists_rejected_rows(state):
    header = ["客户姓名", "联系电话", "客户类型"]
    report = import_bytes(state, csv_bytes([header, ["王建国", "13912340001", "VIP"], ["李娜", "13900000002", "直接"]]),
                          "x.csv", dry_run=True)
    assert [o.action for o in report.rows] == ["reject", "create"]
    problem = report.rows[0].problems[0]
    assert problem.to_json() == {
        "code": "invalid_choice", "level": "error", "column": "客户类型", "value": "VIP",
        "message": "“VIP”不是有效的取值。可选：直接/间接/潜在。",
        "message_en": "\"VIP\" is not a valid value. Use one of: 直接/间接/潜在."}


# Duplicates ---------------------------------------------------------------

@pytest.fixture
def stored_customers(state):
    data = csv_bytes([["客户姓名", "联系电话", "公司名称"],
                      ["王建国", "13912340001", ""],
                      ["张伟", "", "绿源地板有限公司"],
                      ["李总", "", ""]])
    import_bytes(state, data, "stored.csv")
    return {c["name"]: c for c in rows(state, "customers")}


@pytest.mark.parametrize("row, action, code, merged_into", [
    (["王建国", "+86 139-1234-0001", ""], "unchanged", "matched_by_phone", "王建国"),
    (["王总", "13912340001", "华信装饰"], "update", "matched_by_phone", "王建国"),
    (["李总", "13912340001", ""], "create", "phone_name_differs", None),
    (["李总", "", ""], "create", "generic_name", None),
    (["张伟", "", "绿源地板有限公司"], "unchanged", "matched_by_name", "张伟"),
    (["张伟", "13700000000", "绿源地板有限公司"], "update", "matched_by_name", "张伟"),
])
def test_duplicate_rules(state, stored_customers, row, action, code, merged_into):
    report = import_bytes(state, csv_bytes([["客户姓名", "联系电话", "公司名称"], row]), "again.csv")
    outcome = report.rows[0]
    assert outcome.action == action
    assert code in [p.code for p in outcome.problems]
    if merged_into:
        assert outcome.record_id == stored_customers[merged_into]["id"]
        assert len(rows(state, "customers")) == 3
    else:
        assert outcome.record_id not in {c["id"] for c in stored_customers.values()}
        assert len(rows(state, "customers")) == 4


def test_same_phone_twice_in_file(state):
    data = csv_bytes([["客户姓名", "联系电话", "备注"],
                      ["王建国", "13912340001", ""], ["王建国", "139 1234 0001", "第二次出现"]])
    report = import_bytes(state, data, "x.csv")
    assert [o.action for o in report.rows] == ["create", "update"]
    assert report.rows[1].problems[0].code == "same_customer_as_row"
    assert one(state, "customers", name="王建国")["notes"] == "第二次出现"


def test_update_records_history(state, stored_customers):
    import_bytes(state, csv_bytes([["客户姓名", "联系电话", "地址"], ["王建国", "13912340001", "杭州市"]]), "x.csv")
    history = rows(state, "history", "record_id = ?", (stored_customers["王建国"]["id"],))
    assert [(h["field"], h["new_value"]) for h in history] == [("address", '"杭州市"')]


# Owners -------------------------------------------------------------------

def test_owner_option_and_column(state, make_user):
    zhang = make_user("sales", username="zhangwei", name="张伟")
    li = make_user("sales", username="lina", name="李娜")
    data = csv_bytes([["客户姓名", "联系电话", "业务员"],
                      ["王建国", "13912340001", "李娜"], ["孙先生", "15800003333", ""]])
    import_bytes(state, data, "x.csv", owner="zhangwei")
    assert one(state, "customers", name="王建国")["owner_id"] == li.id  # the 业务员 column wins
    assert one(state, "customers", name="孙先生")["owner_id"] == zhang.id


def test_unknown_owner_option(state):
    with pytest.raises(ImportFailure) as caught:
        import_bytes(state, csv_bytes([CUSTOMER_HEADER, *CUSTOMER_ROWS]), "x.csv", owner="nobody")
    assert caught.value.code == "owner_not_found"
    assert rows(state, "customers") == []


def test_owned_children_follow_customer(state, make_user):
    zhang = make_user("sales", username="zhangwei", name="张伟")
    data = csv_bytes([["客户名称", "联系方式", "应收金额", "已收金额", "付款期限", "负责人"],
                      ["A公司", "13800010001", "10000", "4000", "2022-07-31", "张伟"]])
    import_bytes(state, data, "x.csv")
    conn = state.records.get()
    scopes = {table: conn.execute(f"SELECT scope_owner FROM {table}").fetchone()[0]
              for table in ("customers", "receivables", "payments")}
    assert scopes == {"customers": zhang.id, "receivables": zhang.id, "payments": zhang.id}


def test_imported_rows_credited_to_owner(state, make_user):
    zhang = make_user("sales", username="zhangwei", name="张伟")
    data = csv_bytes([["客户名称", "联系方式", "应收金额", "已收金额", "付款期限", "负责人"],
                      ["A公司", "13800010001", "10000", "4000", "2022-07-31", "张伟"],
                      ["B公司", "13800010002", "5000", "0", "2022-08-31", ""]])
    import_bytes(state, data, "x.csv")
    conn = state.records.get()
    for table in ("customers", "receivables", "payments"):
        credited = {row[0] for row in conn.execute(f"SELECT credited_to FROM {table} WHERE scope_owner IS NOT NULL")}
        assert credited == {zhang.id}, table
    pool = conn.execute("SELECT count(*), count(credited_to) FROM customers WHERE owner_id IS NULL").fetchone()
    assert tuple(pool) == (1, 0), "a customer imported into the pool is credited to no one"


# Receivables over time ----------------------------------------------------

RECEIVABLE_HEADER = ["客户名称", "联系方式", "应收金额", "已收金额", "付款期限", "付款状态"]


def test_more_paid_adds_payment(state):
    import_bytes(state, csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "10000元", "8000元", "2022-07-31",
                                                       "部分付款"]]), "july.csv")
    report = import_bytes(state, csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "10000元", "10000元",
                                                                "2022-07-31", "已付款"]]), "august.csv")
    assert report.rows[0].action == "update"
    assert sorted(p["amount_fen"] for p in rows(state, "payments")) == [200_000, 800_000]
    assert len(rows(state, "receivables")) == 1


def test_less_paid_keeps_payments(state):
    import_bytes(state, csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "10000", "8000", "2022-07-31", ""]]),
                 "july.csv")
    report = import_bytes(state, csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "10000", "5000",
                                                                "2022-07-31", ""]]), "old.csv")
    assert report.rows[0].action == "unchanged"
    assert report.rows[0].problems[-1].code == "payments_exceed_ledger"
    assert [p["amount_fen"] for p in rows(state, "payments")] == [800_000]


def test_identical_rows_are_two_receivables(state):
    row = ["A公司", "13800010001", "5000", "0", "2022-07-31", "待付款"]
    data = csv_bytes([RECEIVABLE_HEADER, row, row])
    import_bytes(state, data, "x.csv")
    import_bytes(state, data, "x.csv")
    assert len(rows(state, "receivables")) == 2
    assert len(rows(state, "customers")) == 1


def test_paid_status_without_amount(state):
    data = csv_bytes([["客户名称", "应收金额", "付款状态", "付款期限"], ["F建材商行", "3500", "已付清", "2022-07-05"]])
    report = import_bytes(state, data, "x.csv")
    assert [p["amount_fen"] for p in rows(state, "payments")] == [350_000]
    assert "paid_from_status" in [p.code for p in report.rows[0].problems]


def test_status_mismatch_is_reported(state):
    data = csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "10000", "0", "2022-07-31", "已付款"]])
    report = import_bytes(state, data, "x.csv", dry_run=True)
    assert "status_mismatch" in [p.code for p in report.rows[0].problems]


def test_negative_amount_rejected(state):
    data = csv_bytes([RECEIVABLE_HEADER, ["A公司", "13800010001", "(1,000.00)", "0", "2022-07-31", ""]])
    report = import_bytes(state, data, "x.csv", dry_run=True)
    assert report.rows[0].action == "reject"
    assert report.rows[0].problems[0].code == "amount_negative"


# A sync between planning and writing -------------------------------------

def test_plan_redone_when_customer_added_meanwhile(state):
    data = csv_bytes([["客户姓名", "联系电话"], ["王建国", "13912340001"]])
    added = []

    def progress(stage, done, total):
        if stage == "write" and not added:
            conn = state.records.get()
            with transaction(conn):
                batch = Batch(conn, now_stamp(), None, "server")
                batch.server_write("customers", "0b6c2e52-7f3e-4c1b-9d55-8f3d3c1b2a10",
                                   {"name": "王建国", "phone": "13912340001"})
                batch.flush()
            added.append(True)

    from genzong.server.importer.service import ImportRequest, run_import
    report = run_import(state.records.get(), ImportRequest(data, "x.csv"), progress=progress)
    assert report.rows[0].action == "unchanged"
    assert report.rows[0].record_id == "0b6c2e52-7f3e-4c1b-9d55-8f3d3c1b2a10"
    assert len(rows(state, "customers")) == 1


def test_unknown_dealer_kept_in_notes(state):
    data = csv_bytes([["客户姓名", "联系电话", "经销点", "备注"], ["王建国", "13912340001", "城西店", "老客户"]])
    report = import_bytes(state, data, "x.csv")
    wang = one(state, "customers", name="王建国")
    assert wang["dealer_id"] is None
    assert wang["notes"] == "老客户；经销点：城西店"
    assert "dealer_unknown" in [p.code for p in report.rows[0].problems]
    again = import_bytes(state, data, "x.csv")
    assert again.rows[0].action == "unchanged"
