"""Datasette's pages at /data/: links, Chinese titles, CSV for Excel, read-only, no secrets."""

import csv
import html
import io
import re
import sqlite3
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

import pytest
import yaml
from starlette.testclient import TestClient

from genzong.server.app import create_app
from genzong.server.datasette_plugin import YUAN_COLUMNS, chinese_interface_script, page_titles
from genzong.server.paths import DataDir, project_root
from genzong.server.routes.auth import actor_cookie
from genzong.server.schema import SYNC_COLUMNS, TABLES
from genzong.server.state import _open_read_only, open_data_dir

from published import close_published, cookie_header, open_published

REPORT_VIEWS = {"customer_list": "客户一览", "follow_up_log": "跟进记录",
                "receivable_tracking": "回款跟踪", "ticket_log": "投诉台账",
                "project_overview": "项目一览", "survey_list": "满意度调查一览"}
CANNED_TITLES = {
    "overdue_receivables": "逾期回款",
    "payments_by_status": "回款统计：按付款状态",
    "payments_by_rep_month": "回款统计：按业务员和月份",
    "follow_ups_this_week": "本周待跟进",
    "overdue_follow_ups": "超期未跟进",
    "ticket_handling_times": "投诉处理时效",
    "missed_reply_tickets": "超时答复工单",
    "rep_monthly_performance": "业务员月度业绩",
    "weekly_issue_report": "问题周报",
    "project_progress": "项目进度总览",
    "risk_list": "风险清单",
    "survey_monthly": "满意度月报",
    "search": "搜索",
}
UTF8_BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("pages"))
    yield opened
    close_published(opened)


@pytest.fixture(scope="module")
def metadata():
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["databases"]["genzong"]


@pytest.fixture(scope="module")
def english_columns():
    with open(project_root() / "datasette-metadata-en.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["databases"]["genzong"]["column_names"]


class LinkCollector(HTMLParser):
    """Collect every href, src and action of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links.extend(value for name, value in attrs if name in ("href", "src", "action") and value)


def local_paths_outside_prefix(page_url: str, html: str) -> list[str]:
    """Return the links of a page that resolve to this server outside /data/."""
    collector = LinkCollector()
    collector.feed(html)
    assert collector.links, "the page has no links"
    outside = []
    for link in collector.links:
        resolved = urlsplit(urljoin(page_url, link))
        if resolved.scheme in ("http", "https") and resolved.netloc == "testserver" \
                and not resolved.path.startswith("/data/"):
            outside.append(link)
    return outside


# Links -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/data/genzong/customers", "/data/genzong/receivable_tracking"])
def test_table_links_keep_prefix(published, path):
    page_url = "http://testserver" + path
    first = published.get(path)
    assert first.status_code == 200
    assert local_paths_outside_prefix(page_url, first.text) == []

    listing = published.get(path + ".json").json()
    next_url = listing["next_url"]
    assert next_url, "the table should have a second page"
    assert urlsplit(next_url).path.startswith("/data/genzong/")

    second_url = urljoin(page_url, next_url.replace(".json", "", 1))
    second = published.get(second_url)
    assert second.status_code == 200
    assert local_paths_outside_prefix(second_url, second.text) == []
    assert urlsplit(second.headers["link"].split(";")[0].strip("<>")).path.startswith("/data/")


def test_next_page_continues(published):
    first = published.get("/data/genzong/customers.json?_shape=objects").json()
    second = published.get(first["next_url"]).json()
    first_ids = {row["id"] for row in first["rows"]}
    second_ids = {row["id"] for row in second["rows"]}
    assert len(first_ids) == 100
    assert second_ids
    assert not first_ids & second_ids


@pytest.mark.parametrize("path", ["/data/genzong", "/data/genzong/overdue_receivables",
                                  "/data/genzong/customers?_search=地板&_sort=name"])
def test_page_links_keep_prefix(published, path):
    response = published.get(path)
    assert response.status_code == 200
    assert local_paths_outside_prefix("http://testserver" + path, response.text) == []


def test_export_links_keep_prefix(published):
    listing = published.get("/data/genzong/receivable_tracking.json").json()
    html = published.get("/data/genzong/receivable_tracking").text
    assert 'href="/data/genzong/receivable_tracking.csv' in html
    assert 'action="/data/genzong/receivable_tracking.csv"' in html or \
        'action="/data/genzong/receivable_tracking.csv' in html
    assert listing["next_url"].startswith("http://testserver/data/genzong/receivable_tracking.json")


# Chinese titles and descriptions ----------------------------------------

def test_database_page_chinese(published):
    html = published.get("/data/genzong").text
    assert "<h1>跟踪业务数据" in html
    for name, title in {**REPORT_VIEWS, **CANNED_TITLES}.items():
        assert f'href="/data/genzong/{name}">{title}</a>' in html


@pytest.mark.parametrize("name,title", sorted(REPORT_VIEWS.items()))
def test_view_page_title(published, name, title):
    html = published.get(f"/data/genzong/{name}").text
    assert f"<h1>{title}" in html


@pytest.mark.parametrize("name,title", sorted(CANNED_TITLES.items()))
def test_query_page_title(published, name, title):
    response = published.get(f"/data/genzong/{name}")
    assert response.status_code == 200
    assert re.search(f"<h1[^>]*>{title}", response.text)
    assert f"<title>{title} · 跟踪</title>" in response.text


@pytest.mark.parametrize("path", ["/data/genzong/rep_monthly_performance", "/data/genzong/follow_up_log"])
def test_time_limit_page_in_chinese(published, path):
    """A query stopped at the time limit (here 1 ms) gets a Chinese page that explains what to do next."""
    response = published.get(path, params={"_timelimit": "1"})
    assert response.status_code == 400
    assert "查询超时" in response.text
    assert "缩短期间" in response.text
    assert "took too long" not in response.text

    response = published.get(path + ".json", params={"_timelimit": "1"})
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "查询超时 · Query timed out"
    assert "3 秒" in body["error"]
    assert "shorter period" in body["error_en"]


def test_every_table_has_title(published, metadata):
    conn = published.state.records.get()
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_search_%'")]
    assert "customers" in names
    assert "receivable_tracking" in names
    missing = [name for name in names if not metadata["tables"].get(name, {}).get("title")]
    undescribed = [name for name in names if not metadata["tables"].get(name, {}).get("description")]
    assert missing == []
    assert undescribed == []


def test_every_column_described(published, metadata):
    conn = published.state.records.get()
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_search%'")]
    assert len(names) > 20
    missing = []
    for name in names:
        described = metadata["tables"][name].get("columns", {})
        for column in conn.execute(f"PRAGMA table_info({name})"):
            if not described.get(column["name"]):
                missing.append(f"{name}.{column['name']}")
    assert missing == []


def test_money_columns_say_yuan(metadata):
    for view in ("customer_list", "receivable_tracking"):
        for column, text in metadata["tables"][view]["columns"].items():
            if column.endswith("金额"):
                assert "元" in text, f"{view}.{column}"
    for table in TABLES.values():
        for column, text in metadata["tables"][table.name]["columns"].items():
            if column.endswith("_fen"):
                assert "元" in text, f"{table.name}.{column}"


def test_views_hide_sync_columns(published):
    for view in REPORT_VIEWS:
        columns = published.get(f"/data/genzong/{view}.json").json()["columns"]
        assert not set(columns) & set(SYNC_COLUMNS), view
        assert all(not column.isascii() for column in columns), view


def test_money_shown_as_yuan(published):
    conn = published.state.records.get()
    # The table page lists rows by primary key.
    amount = conn.execute("SELECT amount_fen FROM receivables ORDER BY id LIMIT 1").fetchone()[0]
    formatted = f"¥{amount / 100:,.2f}"
    assert formatted in published.get("/data/genzong/receivables").text
    assert formatted in published.get("/data/genzong/receivable_tracking?_size=max").text
    raw = published.rows("/data/genzong/receivables", _size="1")
    assert isinstance(raw[0]["amount_fen"], int)


def test_every_amount_column_shown_as_yuan(published):
    """Every column of a report named for an amount (…额) is one the page formats as ¥."""
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        queries = yaml.safe_load(handle)["databases"]["genzong"]["queries"]
    unformatted = set()
    for name in [*REPORT_VIEWS, *queries]:
        params = {"_size": "1", **({"关键词": "地板"} if name == "search" else {})}
        columns = published.get(f"/data/genzong/{name}.json", params=params).json()["columns"]
        unformatted |= {f"{name}.{column}" for column in columns
                        if column.endswith("额") and column not in YUAN_COLUMNS}
    assert unformatted == set()
    html = published.get("/data/genzong/rep_monthly_review").text
    assert "¥" in html


@pytest.mark.parametrize("table", ["customers", "follow_ups", "tickets"])
def test_search_box_shown(published, table):
    html = published.get(f"/data/genzong/{table}").text
    assert 'name="_search"' in html


# CSV for Excel ---------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/data/genzong/customer_list.csv",
    "/data/genzong/customer_list.csv?_dl=1",
    "/data/genzong/customers.csv?_stream=1",
    "/data/genzong/overdue_receivables.csv",
    "/data/genzong.csv?sql=select+name+from+customers",
])
def test_csv_starts_with_bom(published, path):
    response = published.get(path)
    assert response.status_code == 200
    assert response.content.startswith(UTF8_BOM)
    assert not response.content[3:].startswith(UTF8_BOM)
    if "content-length" in response.headers:
        assert int(response.headers["content-length"]) == len(response.content)


def test_csv_matches_json(published):
    content = published.get("/data/genzong/receivable_tracking.csv?_size=max").content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    expected = published.rows("/data/genzong/receivable_tracking")
    assert list(rows[0]) == list(expected[0])
    assert [row["客户编号"] for row in rows] == [row["客户编号"] for row in expected]
    assert [float(row["应收金额"]) for row in rows] == [row["应收金额"] for row in expected]


def test_json_has_no_bom(published):
    assert not published.get("/data/genzong/customers.json").content.startswith(UTF8_BOM)


# Read-only -------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "delete from customers",
    "update customers set name = 'x'",
    "insert into settings (id, key, value, seq, updated_at) values ('x', 'k', '1', 0, '')",
    "drop table customers",
    "attach database 'private.db' as private",
    "pragma query_only = 0",
])
def test_custom_sql_writes_rejected(published, sql):
    conn = published.state.records.get()
    before = conn.execute("SELECT count(*), max(seq) FROM customers").fetchone()[:]
    response = published.get("/data/genzong.json", params={"sql": sql})
    assert response.status_code == 400
    assert conn.execute("SELECT count(*), max(seq) FROM customers").fetchone()[:] == before


def test_sqlite_rejects_writes(published):
    datasette = published.datasette()
    database = datasette.get_database("genzong")
    for write in (False, True):
        conn = database.connect(write=write)
        datasette._prepare_connection(conn, "genzong")
        try:
            assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                conn.execute("UPDATE customers SET name = 'changed'")
        finally:
            conn.close()
    names = published.state.records.get().execute(
        "SELECT count(*) FROM customers WHERE name = 'changed'").fetchone()[0]
    assert names == 0


def test_no_write_plugins(published):
    plugins = published.get("/data/-/plugins.json").json()
    assert [plugin["name"] for plugin in plugins] == ["genzong.server.datasette_plugin"]


# Secrets ---------------------------------------------------------------

def test_only_published_database(published):
    databases = published.get("/data/-/databases.json").json()
    assert [database["name"] for database in databases] == ["genzong"]
    attached = published.rows("/data/genzong", sql="select name, file from pragma_database_list()")
    assert [row["name"] for row in attached] == ["main"]
    assert attached[0]["file"].endswith("genzong.db")


def test_no_password_hash_reachable(published):
    private = published.state.private.get()
    hashes = [row[0] for row in private.execute("SELECT password_hash FROM credentials")]
    assert len(hashes) >= 6
    secret = published.state.secret.decode()
    tables = published.rows("/data/genzong", sql="select name from sqlite_master where type = 'table'")
    names = [row["name"] for row in tables]
    assert "credentials" not in names
    found = []
    for name in names:
        columns = [row["name"] for row in published.rows(
            "/data/genzong", sql=f"select name from pragma_table_info('{name}')")]
        checks = " or ".join(
            f"cast(\"{column}\" as text) like '%scrypt$%' or instr(cast(\"{column}\" as text), :hash) "
            f"or instr(cast(\"{column}\" as text), :secret)" for column in columns)
        rows = published.rows("/data/genzong", sql=f'select count(*) as n from "{name}" where {checks}',
                              hash=hashes[0][-20:], secret=secret[:20])
        if rows[0]["n"]:
            found.append(name)
    assert found == []


def test_read_only_folder_served_from_copy(tmp_path):
    # A read-only folder is served from a copy of its files; Datasette must
    # read the copy, so it keeps working after the folder's files are gone.
    data = DataDir(tmp_path / "data")
    writable = open_data_dir(data)
    manager = writable.accounts().add("jingli", "secret-pw", "manager")
    writable.close()
    state = _open_read_only(data)
    for path in data.root.glob("genzong.db*"):
        path.unlink()
    cookie = actor_cookie(state.secret, manager, 1)
    with TestClient(create_app(data, state, daily_backups=False)) as client:
        response = client.get("/data/genzong/users.json?_shape=array", headers=cookie_header(cookie))
    assert response.status_code == 200
    assert [row["username"] for row in response.json()] == ["jingli"]


def test_interface_script_escapes_titles():
    metadata = {"databases": {"genzong": {"title": "跟踪</script><b>", "tables": {
        "customers": {"title": "客户"}, "plain": {}}}}}
    script = chinese_interface_script("genzong", page_titles(metadata, "genzong"))
    assert "__GENZONG_NAMES__" not in script
    assert "</script>" not in script, "a title must not end the inline script element"
    assert ('{"database": {"genzong": "跟踪\\u003c/script>\\u003cb>"}, "databaseEnglish": {"genzong": "genzong"}, '
            '"tables": {"customers": "客户"}}') in script


def test_every_page_carries_interface_script(published):
    for path in ["/data/genzong", "/data/genzong/customers", "/data/genzong/overdue_receivables",
                 "/data/genzong/no_such_table"]:
        response = published.get(path)
        assert "genzong.language" in response.text, path


@pytest.mark.parametrize("path, name, fallback", [
    ("/data/genzong/receivable_tracking.csv", "回款跟踪.csv", "receivable_tracking.csv"),
    ("/data/genzong/overdue_receivables.csv?_size=max", "逾期回款.csv", "overdue_receivables.csv"),
    ("/data/genzong/customers.csv?_dl=1", "客户.csv", "customers.csv"),
    ("/data/genzong.csv?sql=select+1", "跟踪业务数据.csv", "genzong.csv"),
    ("/data/genzong/rep_monthly_performance.csv?开始日期=2026-11&结束日期=2026/11/30",
     "业务员月度业绩_2026-11-01至2026-11-30.csv", "rep_monthly_performance_2026-11-01_2026-11-30.csv"),
    ("/data/genzong/rep_monthly_review.csv?月份=2026年11月", "业务员月度复盘_2026-11.csv", "rep_monthly_review_2026-11.csv"),
    ("/data/genzong/payments_by_status.csv?开始日期=&结束日期=2026-11-30",
     "回款统计：按付款状态_至2026-11-30.csv", "payments_by_status_to_2026-11-30.csv"),
    # The chosen filters follow the title, so two filters of one period download under two names.
    ("/data/genzong/missed_reply_tickets.csv?开始日期=2026-11-01&结束日期=2026-11-30&类型=投诉",
     "超时答复工单_投诉_2026-11-01至2026-11-30.csv", "missed_reply_tickets_filtered_2026-11-01_2026-11-30.csv"),
    ("/data/genzong/missed_reply_tickets.csv?开始日期=2026-11-01&结束日期=2026-11-30&类型=",
     "超时答复工单_2026-11-01至2026-11-30.csv", "missed_reply_tickets_2026-11-01_2026-11-30.csv"),
    ("/data/genzong/customer_list.csv?_search=秀&_sort=客户名称", "客户一览_搜索秀.csv", "customer_list_filtered.csv"),
    ("/data/genzong/receivable_tracking.csv?付款状态=逾期未付款&_facet=负责人",
     "回款跟踪_逾期未付款.csv", "receivable_tracking_filtered.csv"),
    ("/data/genzong/receivable_tracking.csv?付款状态=逾期未付款&逾期天数__gt=30",
     "回款跟踪_逾期未付款_逾期天数大于30.csv", "receivable_tracking_filtered.csv"),
    ("/data/genzong/search.csv?关键词=地板&类型=客户", "搜索_地板_客户.csv", "search_filtered.csv"),
    ("/data/genzong.csv?sql=select+:a&a=1", "跟踪业务数据.csv", "genzong.csv"),
])
def test_csv_downloads_under_chinese_title(published, path, name, fallback):
    response = published.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def test_csv_name_skips_unapplied_search(published):
    # receivable_tracking has no search, so Datasette ignores _search and returns every row.
    every_row = published.get("/data/genzong/receivable_tracking.csv?_size=max")
    searched = published.get("/data/genzong/receivable_tracking.csv?_size=max&_search=秀")
    assert searched.text == every_row.text
    name = unquote(searched.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name == "回款跟踪.csv"


@pytest.mark.parametrize("text", ['a/b\\c:d*e?f"g<h>i|j', "x\u202egpj.exe", "坏\x01名", " ..点.. "])
def test_csv_file_name_windows_safe(published, text):
    response = published.get("/data/genzong/customer_list.csv", params={"客户名称": text})
    assert response.status_code == 200
    name = unquote(response.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name.startswith("客户一览_")
    assert name.endswith(".csv")
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f\u202e]', name), name
    assert not name[len("客户一览_"):-len(".csv")].startswith((" ", ".")), name


def test_csv_file_name_long_filter_cut(published):
    response = published.get("/data/genzong/customer_list.csv", params={"_search": "秀" * 300})
    name = unquote(response.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name.startswith("客户一览_搜索秀")
    assert name.endswith("….csv")
    assert len(name) <= len("客户一览_") + 40 + len(".csv")


def test_unexpected_error_page_in_both_languages(published, caplog):
    # A mangled next-page link makes Datasette fail on int("zzz").
    with caplog.at_level("ERROR", logger="genzong.datasette"):
        response = published.get("/data/genzong/follow_up_log?_next=zzz")
    assert response.status_code == 500
    assert "这个页面出错了" in response.text
    assert "This page failed" in response.text
    assert "invalid literal" not in response.text, "the exception's text goes to the log, not the page"
    assert 'class="crumbs"' in response.text, "the page has Datasette's header"
    assert any("follow_up_log failed" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("parameter", ["_sort", "_sort_desc"])
def test_sort_by_missing_column_is_bad_request(published, parameter):
    response = published.get("/data/genzong/customers", params={parameter: "nope"})
    assert response.status_code == 400
    assert "Cannot sort table by nope" in response.text, "the script puts this message into Chinese"
    assert 'class="crumbs"' in response.text

    response = published.get("/data/genzong/customers.json", params={parameter: "nope"})
    assert response.status_code == 400
    assert response.json()["error"] == "Cannot sort table by nope"


# Refusal pages ---------------------------------------------------------

def test_invalid_parameter_page_has_header(published):
    response = published.get("/data/genzong/rep_monthly_review", params={"月份": "2026-13"})
    assert response.status_code == 400
    assert 'class="crumbs"' in response.text
    assert '<a href="/data/">home</a>' in response.text
    assert '<div class="actor">\n        <strong>王经理</strong>' in response.text
    assert 'action="/data/-/logout"' in response.text
    assert "genzong.language" in response.text, "the interface script with the English switch"
    assert '<p class="genzong-message" lang="zh-CN">月份“2026-13”不是有效月份' in response.text
    assert '<p class="genzong-message" lang="en">Month &#34;2026-13&#34; is not a valid month' in response.text
    assert '<a href="/data/genzong/rep_monthly_review">去掉有误的条件重新打开</a>' in response.text
    assert response.headers["cache-control"] == "private, no-store"


def refusal_link(response) -> tuple[str, str]:
    """Return the href and Chinese text of a 400 page's link."""
    link = re.search(r'<p class="genzong-message" lang="zh-CN"><a href="([^"]+)">([^<]+)</a></p>', response.text)
    assert link, "the page links the corrected report"
    return html.unescape(link[1]), link[2]


@pytest.mark.parametrize(("typed", "expected"), [
    ({"开始日期": "2026-11-30", "结束日期": "2026-11-01"}, {"开始日期": "2026-11-01", "结束日期": "2026-11-30"}),
    # Months alone are swapped as typed, so the link covers both whole months.
    ({"开始日期": "2026-12", "结束日期": " 2026年11月"}, {"开始日期": "2026年11月", "结束日期": "2026-12"}),
])
def test_reversed_period_link_swaps(published, typed, expected):
    response = published.get("/data/genzong/missed_reply_tickets.csv", params={**typed, "类型": "投诉"})
    assert response.status_code == 400
    href, text = refusal_link(response)
    assert text == "调换日期后重新打开"
    parts = urlsplit(href)
    assert parts.path == "/data/genzong/missed_reply_tickets"
    assert dict(parse_qsl(parts.query)) == {**expected, "类型": "投诉"}
    assert published.get(href).status_code == 200


@pytest.mark.parametrize(("typed", "kept"), [
    ({"开始日期": "2026-13-01", "结束日期": "2026-11-30"}, {"结束日期": "2026-11-30"}),
    ({"开始日期": "2026-11-01", "结束日期": "abc"}, {"开始日期": "2026-11-01"}),
    ({"开始日期": "abc", "结束日期": "2026-02-30"}, {}),
])
def test_invalid_date_link_keeps_valid(published, typed, kept):
    response = published.get("/data/genzong/weekly_issue_report", params=typed)
    assert response.status_code == 400
    href, text = refusal_link(response)
    assert text == "去掉有误的条件重新打开"
    assert dict(parse_qsl(urlsplit(href).query)) == kept
    assert published.get(href).status_code == 200
    for name, value in typed.items():
        if name not in kept:
            assert f"{name}“{value}”不是有效日期" in response.text


def test_invalid_parameter_json_unchanged(published):
    response = published.get("/data/genzong/rep_monthly_review.json", params={"月份": "2026-13"})
    assert response.status_code == 400
    assert response.json()["title"] == "参数错误 · Invalid parameter"
    assert "2026-13" in response.json()["error"]


def test_forbidden_page_has_header(published):
    response = published.get("/data/genzong/customers", username=None)
    assert response.status_code == 403
    assert "<header><nav>" in response.text
    assert "genzong.language" in response.text, "the interface script with the English switch"
    assert '<p class="genzong-message" lang="zh-CN"><a href="/">登录跟踪</a></p>' in response.text
    assert "如果刚被停用或被强制退出，请联系管理员。" in response.text
    assert "If your account was just disabled or logged out everywhere, ask an admin." in response.text
    assert 'class="actor"' not in response.text
    assert 'class="crumbs"' not in response.text, "the home page would refuse the visitor too"
    assert "客户一览" not in response.text, "the tables' titles are for managers"


def test_forbidden_page_stylesheets_load(published):
    # The 403 page is drawn with Datasette's header, which needs app.css. A
    # refused visitor, a rep or someone not logged in, has no Datasette cookie,
    # so the stylesheet must load without one or the page shows unstyled.
    page = published.get("/data/genzong/customers", username=None)
    assert page.status_code == 403
    stylesheets = re.findall(r'<link rel="stylesheet" href="(/data/[^"]+)"', page.text)
    assert stylesheets, "the 403 page links Datasette's stylesheet"
    for href in stylesheets:
        response = published.get(href, username=None)
        assert response.status_code == 200, f"{href} answered {response.status_code}"
        assert response.headers["content-type"].startswith("text/css")


def test_forbidden_page_hides_unchecked_actor(published):
    # Datasette's own cookie reader would show this rep's name in the header.
    accounts = published.state.accounts()
    rep = accounts.by_username("zhangwei")
    cookie = actor_cookie(published.state.secret, rep, accounts.token_version(rep.id))
    response = published.client.get("/data/genzong/customers", headers=cookie_header(cookie))
    assert response.status_code == 403
    assert 'class="actor"' not in response.text
    assert "/-/logout" not in response.text


def test_forbidden_post_gets_plain_page(published):
    response = published.client.post("/data/genzong/customers")
    assert response.status_code == 403
    assert "销售经理和管理员" in response.text
    assert '<a href="/">登录跟踪 · Log in</a>' in response.text


def test_refusal_path_alone_not_found(published):
    assert published.get("/data/-/genzong-refusal").status_code == 404


# Totals of the money reports --------------------------------------------

@pytest.mark.parametrize("name", ["overdue_receivables", "payments_by_status", "payments_by_rep_month",
                                  "rep_monthly_performance"])
def test_report_totals_line(published, metadata, english_columns, name):
    rows = published.rows(f"/data/genzong/{name}")
    html = published.get(f"/data/genzong/{name}").text
    line = re.search(r'<p class="genzong-totals"><span class="genzong-text" lang="zh-CN">'
                     r'<strong>合计</strong>（([\d,]+) 行）：(.*?)</span>', html)
    assert line, "the page has a 合计 line"
    assert line[1] == f"{len(rows):,}"
    shown = dict(part.rsplit(" ", 1) for part in line[2].split("；"))
    assert list(shown) == metadata["queries"][name]["totals"]
    english = re.search(r'<span class="genzong-text" lang="en"><strong>Total</strong> \(([\d,]+) rows?\): (.*?)</span>',
                        html)
    assert english, "the line is also written in English"
    assert english[1] == line[1]
    english_shown = dict(part.rsplit(" ", 1) for part in english[2].split("; "))
    assert list(english_shown.values()) == list(shown.values()), "the same figures"
    assert list(english_shown) == [english_columns[column] for column in shown], "the columns named in English"
    for column, text in shown.items():
        if column in YUAN_COLUMNS:
            fen = sum(round(row[column] * 100) for row in rows)
            assert text == f"¥{fen / 100:,.2f}", column
        else:
            assert text == f"{sum(row[column] for row in rows):,}", column


def test_report_totals_not_in_csv(published):
    content = published.get("/data/genzong/payments_by_status.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["付款状态"] for row in rows] == [row["付款状态"]
                                                 for row in published.rows("/data/genzong/payments_by_status")]
    assert "合计" not in content


def test_report_without_totals_has_no_line(published):
    assert '<p class="genzong-totals">' not in published.get("/data/genzong/rep_monthly_review").text
