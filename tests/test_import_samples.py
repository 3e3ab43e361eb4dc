"""Import the sample ledgers (a GBK CSV and two .xlsx files) and check every value."""

import json
from datetime import date

import pytest

from genzong.server.importer.export import payment_status
from genzong.server.importer.plan import OWNER_NOTE, PAYMENT_DATE_ASSUMED_NOTE
from genzong.server.importer.problems import ImportFailure

from importing import DATA, import_file, one, rows

CUSTOMERS_CSV = DATA / "意向客户跟踪表.csv"
RECEIVABLES_XLSX = DATA / "客户回款跟踪表.xlsx"
TICKETS_XLSX = DATA / "客户投诉管理台账.xlsx"


def test_sample_files_are_present():
    for path in (CUSTOMERS_CSV, RECEIVABLES_XLSX, TICKETS_XLSX):
        assert path.stat().st_size > 0


def test_customer_csv_values(state):
    report = import_file(state, CUSTOMERS_CSV)
    assert report.kind == "customers"
    assert report.imported
    assert report.counts()["create"] == 5
    assert report.unused_columns == []
    wang = one(state, "customers", name="王建国")
    assert wang["phone"] == "13912340001"
    assert wang["email"] == "wjg@example.com"
    assert wang["address"] == "杭州市西湖区文三路88号3幢501"
    assert wang["kind"] == "直接"
    assert wang["interest"] == 8
    assert wang["expected_purchase_date"] == "2023-03-01"  # 2023年3月: the first of the month
    assert wang["expected_amount_fen"] == 2_000_000  # 约2万元
    assert wang["next_follow_up"] == "2023-01-20"
    assert wang["notes"] == "新房装修，决策人"
    assert wang["code"] == "KH000001"
    assert wang["owner_id"] is None  # no --owner and no 负责人 column: the public pool

    li = one(state, "customers", name="李主任")
    assert li["phone"] == "0571-86001122"
    assert li["company"] == "地税局后勤处"
    assert li["kind"] == "间接"  # 间接型(关键人)
    assert li["interest"] == 6
    assert li["next_follow_up"] == "2023-02-15"  # 2023/2/15

    chen = one(state, "customers", name="陈校长")
    assert chen["phone"] == "13700001111"
    assert chen["kind"] == "间接"
    assert chen["expected_purchase_date"] is None

    zhao = one(state, "customers", name="赵女士")
    assert zhao["phone"] == "13500002222"  # +86 135-0000-2222
    assert zhao["kind"] == "潜在"
    assert zhao["expected_purchase_date"] is None
    assert zhao["notes"] == "别墅，重新装修；意向购买时间：明年"  # 明年 is no date: kept in the notes

    sun = one(state, "customers", name="孙先生")
    assert sun["phone"] == "15800003333"
    assert sun["interest"] == 10
    assert sun["expected_purchase_date"] == "2023-02-28"
    assert sun["expected_amount_fen"] == 3_500_000
    assert sun["next_follow_up"] == "2023-02-25"


def test_customer_csv_follow_ups(state):
    report = import_file(state, CUSTOMERS_CSV)
    wang = one(state, "customers", name="王建国")
    follow_ups = sorted((f["happened_at"], f["channel"], f["content"])
                        for f in rows(state, "follow_ups", "customer_id = ?", (wang["id"],)))
    # 1月5日 has no year: the file's full dates are all in 2023; 00:00 in Shanghai is 16:00 UTC the day before.
    assert follow_ups == [("2023-01-04T16:00:00.000Z", "电话", "介绍实木地板"),
                          ("2023-01-11T16:00:00.000Z", "拜访", "上门量房")]
    sun = one(state, "customers", name="孙先生")
    assert sorted(f["content"] for f in rows(state, "follow_ups", "customer_id = ?", (sun["id"],))) == \
        ["确认安装日期", "选定橡木款"]
    assert len(rows(state, "follow_ups")) == 6
    codes = {note.code for note in report.notes}
    assert "years_inferred_from_file" in codes
    assert "customers_to_pool" in codes


def test_customer_csv_warnings_name_columns(state):
    report = import_file(state, CUSTOMERS_CSV, dry_run=True)
    first = report.rows[0]
    by_code = {p.code: p for p in first.problems}
    assert by_code["month_only"].column == "意向购买时间"
    assert by_code["month_only"].values["value"] == "2023年3月"
    assert by_code["approximate_amount"].column == "意向购买金额"
    assert by_code["approximate_amount"].message("en") == "\"约2万元\" is approximate; imported as 20,000.00 yuan."
    assert rows(state, "customers") == []


def test_receivables_values(state):
    report = import_file(state, RECEIVABLES_XLSX)
    assert report.kind == "receivables"
    assert report.header_row == 2  # below the merged title row
    actions = {outcome.row: outcome.action for outcome in report.rows}
    assert actions[10] == "skip"  # blank row
    assert actions[11] == "skip"  # 合计
    assert [p.code for p in report.rows[-1].problems] == ["skipped_subtotal"]
    expected = {
        # name: (phone, amount, paid, due date, notes)
        "A公司": ("13800010001", 1_000_000, 800_000, "2022-07-31", None),
        "B公司": ("13800010002", 1_500_000, 1_000_000, "2022-08-15", None),
        "C公司": ("13800010003", 800_000, 600_000, "2022-07-25", "发送付款提醒"),
        "D公司": ("13800010004", 1_200_000, 1_000_000, "2022-08-01", None),
        "E公司": ("13800010005", 2_000_000, 1_500_000, "2022-08-10", None),
        "F建材商行": ("0571-88001234", 350_000, 350_000, "2022-07-05", None),
        "周记装饰": ("13900010007", 680_050, 0, "2022-07-20", "已电话催款两次"),
    }
    for name, (phone, amount, paid, due, notes) in expected.items():
        customer = one(state, "customers", name=name)
        assert customer["phone"] == phone
        receivable = one(state, "receivables", customer_id=customer["id"])
        assert receivable["amount_fen"] == amount
        assert receivable["due_date"] == due
        assert receivable["notes"] == notes
        payments = rows(state, "payments", "receivable_id = ?", (receivable["id"],))
        assert sum(p["amount_fen"] for p in payments) == paid
        if paid:
            assert payments[0]["paid_on"] == due  # no payment date column: the due date, already past
            assert payments[0]["notes"] == PAYMENT_DATE_ASSUMED_NOTE
    assert not any(p.code in ("status_mismatch", "outstanding_mismatch") for o in report.rows for p in o.problems)


def test_receivables_statuses_as_of_ledger_month(state):
    import_file(state, RECEIVABLES_XLSX)
    statuses = {}
    for receivable in rows(state, "receivables"):
        name = one(state, "customers", id=receivable["customer_id"])["name"]
        paid = sum(p["amount_fen"] for p in rows(state, "payments", "receivable_id = ?", (receivable["id"],)))
        statuses[name] = payment_status(receivable["amount_fen"], paid, receivable["due_date"], date(2022, 7, 22))
    assert statuses == {"A公司": "部分付款", "B公司": "部分付款", "C公司": "部分付款", "D公司": "部分付款",
                        "E公司": "部分付款", "F建材商行": "已付款", "周记装饰": "逾期未付款"}


def test_tickets_values_and_links(state):
    import_file(state, CUSTOMERS_CSV)
    report = import_file(state, TICKETS_XLSX)
    assert report.kind == "tickets"
    first = one(state, "tickets", legacy_number="TS-2023-001")
    assert first["number"] == "GD000001"
    assert first["kind"] == "投诉"
    assert first["received_at"] == "2023-03-01T16:00:00.000Z"
    assert first["subject"] == "地板起拱"
    assert first["content"] == "安装两周后客厅地板中间起拱约2厘米"
    assert first["complainant"] == "王建国"
    assert first["contact"] == "13912340001"
    assert first["status"] == "已解决"
    assert first["result"] == "重新铺装伸缩缝，客户满意"
    assert first["visit_on"] == "2023-03-10"
    assert first["investigation"] == OWNER_NOTE + "刘工"  # 刘工 is no user: kept, and reported
    assert first["customer_id"] == one(state, "customers", name="王建国")["id"]
    second = one(state, "tickets", legacy_number="TS-2023-002")
    assert second["received_at"] == "2023-03-07T16:00:00.000Z"  # 2023/3/8
    assert second["status"] == "处理中"
    assert second["customer_id"] == one(state, "customers", name="孙先生")["id"]
    third = one(state, "tickets", legacy_number="TS-2023-003")
    assert third["received_at"] == "2023-03-08T16:00:00.000Z"  # 3月9日 in the file's year
    assert third["status"] == "待处理"
    assert third["visit_on"] is None
    owners = [p for o in report.rows for p in o.problems if p.code == "owner_unknown"]
    assert [p.values["value"] for p in owners] == ["刘工", "张经理"]


@pytest.mark.parametrize("path", [CUSTOMERS_CSV, RECEIVABLES_XLSX, TICKETS_XLSX], ids=lambda p: p.name)
def test_second_import_creates_nothing(state, path):
    import_file(state, path)
    before = {t: len(rows(state, t)) for t in ("customers", "follow_ups", "receivables", "payments", "tickets")}
    report = import_file(state, path)
    after = {t: len(rows(state, t)) for t in before}
    assert after == before
    assert report.records == {}
    assert {o.action for o in report.rows} <= {"unchanged", "skip"}


def test_imported_records_are_server_writes(state):
    import_file(state, CUSTOMERS_CSV)
    conn = state.records.get()
    for clock, dots in conn.execute("SELECT clock, dots FROM customers"):
        assert list(json.loads(clock)) == ["server"]
        assert {dot[0] for dot in json.loads(dots).values()} == {"server"}


def test_devices_receive_imported_records(state, make_device):
    device = make_device("manager")
    device.sync()
    import_file(state, RECEIVABLES_XLSX)
    device.sync()
    assert len(device.rows("customers")) == 7
    assert len(device.rows("receivables")) == 7
    assert len(device.rows("payments")) == 6


def test_dry_run_writes_nothing(state):
    report = import_file(state, RECEIVABLES_XLSX, dry_run=True)
    assert report.counts()["create"] == 7
    assert report.records["payments"]["create"] == 6
    assert not report.imported
    assert rows(state, "customers") == []


def test_wrong_kind_is_refused(state):
    with pytest.raises(ImportFailure) as caught:
        import_file(state, TICKETS_XLSX, kind="receivables")
    assert caught.value.code == "no_ledger_of_kind"
    assert "回款跟踪表" in caught.value.to_json()["message"]


def test_report_json_row_limit(state):
    report = import_file(state, CUSTOMERS_CSV, dry_run=True).to_json(row_limit=1)
    # Rows 2 and 5 have warnings, so they are always listed; 3, 4 and 6 are plain.
    assert [row["row"] for row in report["rows"]] == [2, 3, 5]
    assert report["rows_omitted"] == 2
