"""Report periods typed with whitespace other than the ASCII space, or written other than YYYY-MM-DD.

A manager typing 开始日期 with a Chinese input method in full-width mode
can put an ideographic space (U+3000) before the date, and a value pasted
from a spreadsheet can carry a tab or a no-break space. SQLite's ``trim``
keeps those, so a period that looks right used to count nothing in it
(U+3000, no-break space) or also everything before it (tab, which sorts
before the digits). The reports must count the same rows as for the plain
date.
"""

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from published import close_published, open_published

ZONE = ZoneInfo("Asia/Shanghai")
SPACES = {"ideographic space": "\u3000", "tab": "\t", "no-break space": "\u00a0"}
PERIOD_QUERIES = ("payments_by_status", "payments_by_rep_month", "rep_monthly_performance", "weekly_issue_report")
MONTH_QUERIES = ("rep_monthly_review", "dealer_monthly_review")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("period-whitespace"))
    yield opened
    close_published(opened)


# The demo has records before, in and after this period. A start date that
# sorts as text before every date (a tab) or after every date (U+3000)
# therefore changes the result either way.
@pytest.fixture(scope="module")
def middle_period():
    """The days from 20 to 10 days before today (organisation time)."""
    today = datetime.now(ZONE).date()
    return (today - timedelta(days=20)).isoformat(), (today - timedelta(days=10)).isoformat()


def rows_or_status(published, query: str, **params):
    """Return the query's rows, or the HTTP status when the app rejects the parameters."""
    response = published.get(f"/data/genzong/{query}.json", params={"_shape": "array", **params})
    if response.status_code != 200:
        return response.status_code
    return response.json()


@pytest.mark.parametrize("query", PERIOD_QUERIES)
def test_plain_period_has_rows(published, middle_period, query):
    start, end = middle_period
    rows = rows_or_status(published, query, 开始日期=start, 结束日期=end)
    assert isinstance(rows, list), f"{query} rejected a plain period: HTTP {rows}"
    assert rows, f"{query} has no rows for {start}..{end}, so the comparison below would prove nothing"


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
@pytest.mark.parametrize("query", PERIOD_QUERIES)
def test_start_date_with_unicode_space(published, middle_period, query, space):
    start, end = middle_period
    plain = rows_or_status(published, query, 开始日期=start, 结束日期=end)
    spaced = rows_or_status(published, query, 开始日期=f"{space}{start}", 结束日期=end)
    assert spaced == 400 or spaced == plain, f"{query} with {space!r} before {start} returned {spaced!r}"


@pytest.fixture(scope="module")
def last_month():
    """Last month (organisation time) as YYYY-MM, where the demo data has sales."""
    day_before_this_month = datetime.now(ZONE).date().replace(day=1) - timedelta(days=1)
    return day_before_this_month.isoformat()[:7]


@pytest.mark.parametrize("query", MONTH_QUERIES)
def test_plain_month_has_sales(published, last_month, query):
    rows = rows_or_status(published, query, 月份=last_month)
    assert isinstance(rows, list), f"{query} rejected a plain month: HTTP {rows}"
    assert any(row["销售额"] for row in rows), f"{query} has no sales in {last_month} to compare"


@pytest.mark.parametrize("query", MONTH_QUERIES)
def test_month_with_ideographic_space(published, last_month, query):
    plain = rows_or_status(published, query, 月份=last_month)
    spaced = rows_or_status(published, query, 月份=f"\u3000{last_month}")
    assert spaced == 400 or spaced == plain, f"{query} with U+3000 before {last_month} returned {spaced!r}"



@pytest.mark.parametrize("written", [
    ("{y}/{m}/1", "{y}/{m}/{last}"), ("{y}年{m}月1日", "{y}年{m}月{last}日"), ("{y}.{m:02d}.01", "{y}.{m:02d}.{last}"),
    ("{y}-{m:02d}", "{y}-{m:02d}"), ("{y}年{m}月", "{y}/{m}"),
])
@pytest.mark.parametrize("query", PERIOD_QUERIES)
def test_period_written_as_managers_write(published, last_month, query, written):
    """Dates with slashes, dots or 年月日, and a month alone, count what the month's YYYY-MM-DD dates count."""
    y, m = map(int, last_month.split("-"))
    last = calendar.monthrange(y, m)[1]
    expected = rows_or_status(published, query, 开始日期=f"{y}-{m:02d}-01", 结束日期=f"{y}-{m:02d}-{last}")
    assert isinstance(expected, list) and expected, "the demo has rows last month"
    start, end = (text.format(y=y, m=m, last=last) for text in written)
    assert rows_or_status(published, query, 开始日期=start, 结束日期=end) == expected


@pytest.mark.parametrize("query", MONTH_QUERIES)
def test_month_written_as_managers_write(published, last_month, query):
    y, m = map(int, last_month.split("-"))
    expected = rows_or_status(published, query, 月份=last_month)
    assert isinstance(expected, list) and expected, "the demo has rows last month"
    for written in (f"{y}/{m}", f"{y}年{m}月", f"{y}.{m:02d}"):
        assert rows_or_status(published, query, 月份=written) == expected, written


def test_impossible_dates_still_rejected(published):
    for start in ("2026/13/01", "2026-02-30", "2026年2月30日"):
        assert rows_or_status(published, "payments_by_status", 开始日期=start) == 400, start
