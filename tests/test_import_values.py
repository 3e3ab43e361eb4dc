"""Each format people type into ledgers, with the exact value it imports as."""

from datetime import date, datetime, timezone

import pytest

from genzong.server.importer import choices
from genzong.server.importer.values import (CellError, DateContext, parse_amount, parse_choice, parse_date,
                                            parse_moment, parse_phones, parse_whole_number)

CONTEXT = DateContext(default_year=2023, time_zone="Asia/Shanghai")


@pytest.mark.parametrize("raw, fen, approximate", [
    ("10000元", 1_000_000, False),
    ("¥1,234.50", 123_450, False),
    ("￥1,234.50", 123_450, False),
    ("1.8万", 1_800_000, False),
    ("2万元", 2_000_000, False),
    ("五千", 500_000, False),
    ("四万二", 4_200_000, False),
    ("三千五", 350_000, False),
    ("一万零五", 1_000_500, False),
    ("两千", 200_000, False),
    ("1万5", 1_500_000, False),
    ("1万5000", 1_500_000, False),
    ("壹万贰仟元整", 1_200_000, False),
    ("十二元五角", 1_250, False),
    ("三块五", 350, False),
    ("一点五万", 1_500_000, False),
    ("6,800.50元", 680_050, False),
    ("RMB 300", 30_000, False),
    ("（1,234.50）", -123_450, False),
    ("(500)", -50_000, False),
    ("-¥500", -50_000, False),
    ("约2万元", 2_000_000, True),
    ("2万元左右", 2_000_000, True),
    ("5000余元", 500_000, True),
    ("三千多", 300_000, True),
    (10000, 1_000_000, False),
    (1234.5, 123_450, False),
    (0.1 + 0.2, 30, False),  # float noise from an Excel formula, not a fraction of a fen
    ("0", 0, False),
])
def test_amount_formats(raw, fen, approximate):
    amount = parse_amount(raw)
    assert amount.fen == fen
    assert amount.approximate is approximate


def test_amount_in_wan_column():
    assert parse_amount(1.8, scale=10_000).fen == 1_800_000
    assert parse_amount("2.35", scale=10_000).fen == 2_350_000


@pytest.mark.parametrize("raw, code", [
    ("5000.001", "amount_below_fen"),
    (5000.001, "amount_below_fen"),
    ("0.005元", "amount_below_fen"),
    ("面议", "invalid_amount"),
    ("12abc", "invalid_amount"),
    ("1" + "0" * 14, "amount_too_large"),
])
def test_amount_refused(raw, code):
    with pytest.raises(CellError) as caught:
        parse_amount(raw)
    assert caught.value.code == code


def test_blank_amount_is_none():
    assert parse_amount(None) is None
    assert parse_amount("  ") is None
    assert parse_amount("—") is None


@pytest.mark.parametrize("raw, expected, year_inferred, month_only", [
    ("2022-07-31", date(2022, 7, 31), False, False),
    ("2022/7/5", date(2022, 7, 5), False, False),
    ("2022.7.5", date(2022, 7, 5), False, False),
    ("2022年7月20日", date(2022, 7, 20), False, False),
    ("2022 年 7 月 20 日", date(2022, 7, 20), False, False),
    ("20220731", date(2022, 7, 31), False, False),
    ("7月20日", date(2023, 7, 20), True, False),
    ("7.29号", date(2023, 7, 29), True, False),
    ("7/5", date(2023, 7, 5), True, False),
    ("2023年3月", date(2023, 3, 1), False, True),
    ("2022-07-31 14:30", date(2022, 7, 31), False, False),
    (44773, date(2022, 7, 31), False, False),  # Excel serial number in a General cell
    ("44773", date(2022, 7, 31), False, False),
    (datetime(2022, 7, 31, 0, 0), date(2022, 7, 31), False, False),  # a date cell: no time-zone shift
    (datetime(2022, 7, 31, 23, 30), date(2022, 7, 31), False, False),
    (date(2022, 1, 1), date(2022, 1, 1), False, False),
    ("2022-07-31T20:00:00Z", date(2022, 8, 1), False, False),  # 04:00 on 1 August in Shanghai
    ("2022-07-31T10:00:00+08:00", date(2022, 7, 31), False, False),
])
def test_date_formats(raw, expected, year_inferred, month_only):
    parsed = parse_date(raw, CONTEXT)
    assert parsed.value == expected
    assert parsed.year_inferred is year_inferred
    assert parsed.month_only is month_only


def test_date_from_1904_workbook():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    context = DateContext(2023, "Asia/Shanghai", CALENDAR_MAC_1904)
    assert parse_date(43311, context).value == date(2022, 7, 31)


def test_iso_timestamp_in_other_zone():
    context = DateContext(2023, "America/New_York")
    assert parse_date("2022-07-31T02:00:00Z", context).value == date(2022, 7, 30)


@pytest.mark.parametrize("raw, code", [
    ("2023-02-30", "date_not_exist"),
    ("2月30日", "date_not_exist"),
    ("2022-13-01", "date_not_exist"),
    ("明年", "invalid_date"),
    ("1.5", "invalid_date"),
    ("2023-03-02 25:00", "invalid_date"),
])
def test_date_refused(raw, code):
    with pytest.raises(CellError) as caught:
        parse_moment(raw, CONTEXT) if " " in str(raw) else parse_date(raw, CONTEXT)
    assert caught.value.code == code


@pytest.mark.parametrize("raw, expected, date_only", [
    ("2023-03-02", datetime(2023, 3, 1, 16, 0, tzinfo=timezone.utc), True),
    ("2023-03-02 14:30", datetime(2023, 3, 2, 6, 30, tzinfo=timezone.utc), False),
    ("2023/3/8 9:05:07", datetime(2023, 3, 8, 1, 5, 7, tzinfo=timezone.utc), False),
    ("7月20日 下午3点", datetime(2023, 7, 20, 7, 0, tzinfo=timezone.utc), False),
    ("2022-07-31T20:00:00Z", datetime(2022, 7, 31, 20, 0, tzinfo=timezone.utc), False),
    (datetime(2023, 3, 2, 14, 30, 5, 120000), datetime(2023, 3, 2, 6, 30, 5, 120000, tzinfo=timezone.utc), False),
])
def test_moment_formats(raw, expected, date_only):
    parsed = parse_moment(raw, CONTEXT)
    assert parsed.value == expected
    assert parsed.date_only is date_only


@pytest.mark.parametrize("raw, display, keys", [
    ("13912340001", "13912340001", {"13912340001"}),
    ("139 0001 0007", "13900010007", {"13900010007"}),
    ("+86 135-0000-2222", "13500002222", {"13500002222"}),
    ("0086 13500002222", "13500002222", {"13500002222"}),
    ("电话:13800010001", "13800010001", {"13800010001"}),
    ("0571-86001122", "0571-86001122", {"057186001122"}),
    ("(0571)88001234", "0571-88001234", {"057188001234"}),
    ("021-6888 1234", "021-68881234", {"02168881234"}),
    ("+86-571-88001234", "0571-88001234", {"057188001234"}),
    ("0571-88001234转801", "0571-88001234转801", {"057188001234"}),
    ("0571-88001234 转 801", "0571-88001234转801", {"057188001234"}),
    ("tel 0571 8800 1234 ext 12", "0571-88001234转12", {"057188001234"}),
    ("13800000000/13900000000", "13800000000 / 13900000000", {"13800000000", "13900000000"}),
    ("13800000000，0571-88001234", "13800000000 / 0571-88001234", {"13800000000", "057188001234"}),
    ("13800000000 13900000000", "13800000000 / 13900000000", {"13800000000", "13900000000"}),
    ("400-123-4567", "400-123-4567", {"4001234567"}),
    (13912345679.0, "13912345679", {"13912345679"}),  # a number cell
    (13912345679, "13912345679", {"13912345679"}),
    ("01087654321", "010-87654321", {"01087654321"}),
])
def test_phone_formats(raw, display, keys):
    phones = parse_phones(raw)
    assert phones.display == display
    assert phones.keys == keys
    assert phones.leftover == ""


def test_phone_number_cell_keeps_landline_zero():
    phones = parse_phones(57186001122)  # 0571-86001122 typed into a number cell
    assert phones.display == "0571-86001122"
    assert phones.restored_zero is True


def test_phone_with_note_and_email():
    phones = parse_phones("13800000000 (王太太) wang@example.cn")
    assert phones.keys == {"13800000000"}
    assert phones.emails == ["wang@example.cn"]
    assert "王太太" in phones.leftover


def test_not_a_phone_kept_as_typed():
    phones = parse_phones("见备注")
    assert phones.numbers == []
    assert phones.display == "见备注"


@pytest.mark.parametrize("kind, raw, expected", [
    ("payment_status", "已付款", "已付款"),
    ("payment_status", "已付清", "已付款"),
    ("payment_status", "部分付款", "部分付款"),
    ("payment_status", "部分回款", "部分付款"),
    ("payment_status", "逾期未付款", "逾期未付款"),
    ("payment_status", "已逾期", "逾期未付款"),
    ("payment_status", "未付款", "待付款"),
    ("customer_kind", "直接型", "直接"),
    ("customer_kind", "间接型(关键人)", "间接"),
    ("customer_kind", "间接型（关键人）", "间接"),
    ("customer_kind", "关键人", "间接"),
    ("customer_kind", "潜在型", "潜在"),
    ("customer_kind", "潜在客户", "潜在"),
    ("stage", "洽谈中", "跟进中"),
    ("stage", "已签约", "已成交"),
    ("ticket_status", "已处理", "已解决"),
    ("ticket_status", "处理中", "处理中"),
    ("ticket_status", "挂起", "暂缓"),
    ("method", "银行转账", "转账"),
    ("method", "微信支付", "微信"),
    ("category", "非质量投诉", "非质量"),
    ("severity", "特急", "紧急"),
    ("channel", "上门", "拜访"),
])
def test_choice_spellings(kind, raw, expected):
    assert parse_choice(raw, choices.SYNONYMS[kind], choices.ALLOWED[kind]) == expected


def test_unknown_choice_lists_allowed():
    with pytest.raises(CellError) as caught:
        parse_choice("VIP", choices.SYNONYMS["customer_kind"], choices.ALLOWED["customer_kind"])
    assert caught.value.code == "invalid_choice"
    assert caught.value.values["allowed"] == "直接/间接/潜在"


@pytest.mark.parametrize("raw, expected", [
    ("8", (8, False)), (8, (8, False)), (8.0, (8, False)), ("8分", (8, False)), ("10", (10, False)),
    ("高", (8, True)), ("一", (1, False)),
])
def test_interest_scores(raw, expected):
    assert parse_whole_number(raw, 1, 10, choices.INTEREST_WORDS) == expected


@pytest.mark.parametrize("raw", ["11", "0", "8.5", 8.5, "很高很高"])
def test_interest_out_of_range(raw):
    with pytest.raises(CellError) as caught:
        parse_whole_number(raw, 1, 10, choices.INTEREST_WORDS)
    assert caught.value.code == "invalid_score"


def test_satisfaction_words():
    assert parse_whole_number("非常满意", 1, 5, choices.SATISFACTION_WORDS) == (5, True)
    assert parse_whole_number("不满意", 1, 5, choices.SATISFACTION_WORDS) == (2, True)
