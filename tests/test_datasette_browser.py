"""Datasette in real Chromium against ``genzong serve``: a manager's pages, with screenshots.

The screenshots land in tests/artifacts/screenshots/ for a person to look at.
"""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from playwright.sync_api import sync_playwright

from genzong.server.db import transaction
from genzong.server.demo import fill_demo
from genzong.server.paths import DataDir, project_root
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from servers import ServerProcess

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# The first demo customer gets the name of a column, so a test can tell a
# translated heading from an untouched cell.
CUSTOMER_NAMED_LIKE_COLUMN = ("KH000001", "负责人")

COLUMN_TEXTS = """(name) => {
    const table = document.querySelector("table.rows-and-columns");
    const headers = [...table.querySelectorAll("thead th")];
    const index = headers.findIndex(th => (th.dataset.column || th.textContent.trim()) === name);
    if (index < 0) throw new Error("no column " + name);
    return [...table.querySelectorAll("tbody tr")].map(tr => tr.children[index].innerText.trim());
}"""


def column_texts(page, column: str) -> list[str]:
    """Return the texts of one column of the page's result table."""
    return page.evaluate(COLUMN_TEXTS, column)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("browser") / "data")
    state = open_data_dir(data)
    fill_demo(state)
    rename_customer(state, *CUSTOMER_NAMED_LIKE_COLUMN)
    state.close()
    process = ServerProcess(data.root).start()
    yield process
    process.stop()


def rename_customer(state, code: str, name: str) -> None:
    """Give the customer numbered ``code`` the name ``name``, as the server writes a record."""
    conn = state.records.get()
    customer_id = conn.execute("SELECT id FROM customers WHERE code = ?", (code,)).fetchone()[0]
    with state.write_lock, transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write("customers", customer_id, {"name": name})
        batch.flush()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def manager_context(server, browser, english: bool = False, **options):
    """Return a new Chinese browser context logged in as the demo manager, switched to English if ``english``."""
    context = browser.new_context(locale="zh-CN", **options)
    response = context.request.post(server.url + "/api/login",
                                    data={"username": "jingli", "password": "genzong123"})
    assert response.ok, response.text()
    if english:
        context.add_init_script("localStorage.setItem('genzong.language', 'en')")
    return context


@pytest.fixture
def manager_page(server, browser):
    context = manager_context(server, browser, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.browser
def test_receivable_tracking_screenshot(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/receivable_tracking")
    assert page.locator("h1").inner_text().startswith("回款跟踪")
    assert page.locator("table.rows-and-columns tbody tr").count() == 100
    assert column_texts(page, "付款状态")[0] == "逾期未付款"
    overdue = [int(text) for text in column_texts(page, "逾期天数") if text]
    assert overdue == sorted(overdue, reverse=True)
    assert all(text.startswith("¥") for text in column_texts(page, "应收金额"))
    assert all(text.startswith("¥") for text in column_texts(page, "未收金额"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "receivable_tracking.png")


@pytest.mark.browser
def test_overdue_receivables_screenshot(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/overdue_receivables")
    assert page.locator("h1").inner_text().startswith("逾期回款")
    assert page.title() == "逾期回款 · 跟踪"
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() > 10
    days = [int(text) for text in column_texts(page, "逾期天数")]
    assert days == sorted(days, reverse=True)
    assert min(days) >= 1
    assert page.locator("form.sql h3").inner_text().startswith(f"查询结果：{rows.count()} 行")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "overdue_receivables.png", full_page=True)


@pytest.mark.browser
def test_search_box_in_browser(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/customers")
    page.fill("#_search", "地板")
    page.keyboard.press("Enter")
    page.wait_for_url("**_search=*")
    companies = column_texts(page, "company")
    assert companies
    assert all("地板" in company for company in companies)


@pytest.mark.browser
def test_customer_list_search_in_browser(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/customer_list")
    assert page.locator("label[for=_search]").inner_text() == "搜索："
    page.fill("#_search", "地板")
    page.keyboard.press("Enter")
    page.wait_for_url("**_search=*")
    companies = column_texts(page, "公司")
    assert companies
    assert all("地板" in company for company in companies)
    assert page.locator("section.content > h3").inner_text().startswith(f"共 {len(companies)} 行；条件：搜索“地板”")


@pytest.mark.browser
def test_search_result_opens_record(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/search?" + "%E5%85%B3%E9%94%AE%E8%AF%8D=%E5%9C%B0%E6%9D%BF")
    first = column_texts(page, "编号")[0]
    page.locator("table.rows-and-columns tbody tr").first.get_by_role("link", name="查看").click()
    page.wait_for_url("**/data/genzong/customer_list?*")
    assert page.locator(".page-header h1").inner_text().startswith("客户一览")
    assert column_texts(page, "客户编号") == [first]


@pytest.mark.browser
def test_english_page_new_words(server, browser):
    # The 合计 line, 查看 links and the crumbs are Genzong's own words, so English pages show them in English.
    # The line names the columns as the English metadata does.
    context = manager_context(server, browser, english=True)
    page = context.new_page()
    page.goto(server.url + "/data/genzong/payments_by_status")
    assert page.locator("p.genzong-totals").inner_text().startswith("Total (4 rows): Count ")
    assert "合计" not in page.locator("p.genzong-totals").inner_text()
    assert page.locator(".crumbs").inner_text().split() == ["home", "/", "Genzong", "business", "data"]

    page.goto(server.url + "/data/genzong/search?" + "%E5%85%B3%E9%94%AE%E8%AF%8D=%E5%9C%B0%E6%9D%BF")
    links = page.locator("table.rows-and-columns tbody tr").first.locator("a")
    assert links.inner_text() == "View"
    page.goto(server.url + "/data/genzong/customer_list")
    assert page.locator(".crumbs").inner_text().split()[-3:] == ["Genzong", "business", "data"]
    context.close()


@pytest.mark.browser
def test_database_headings_follow_language(server, browser, manager_page):
    """The database page's section headings are Genzong's words, so they switch with the language."""
    context = manager_context(server, browser, english=True)
    page = context.new_page()
    page.goto(server.url + "/data/genzong")
    page.wait_for_selector("html.genzong-ready")
    assert page.locator("section.content h2:visible").all_inner_texts()[:3] == ["Reports", "Queries", "Tables"]
    context.close()

    manager_page.goto(server.url + "/data/genzong")
    manager_page.wait_for_selector("html.genzong-ready")
    assert manager_page.locator("section.content h2:visible").all_inner_texts()[:3] == ["报表", "统计与查询", "原始数据表"]


@pytest.mark.browser
def test_english_search_description(server, browser):
    context = manager_context(server, browser, english=True)
    page = context.new_page()
    page.goto(server.url + "/data/genzong/customers?_search=%E5%9C%B0%E6%9D%BF")
    page.wait_for_selector("html[lang=en]")
    heading = page.locator("section.content > h3").first.inner_text()
    count = len(column_texts(page, "company"))
    assert count > 1
    assert heading == f'{count} rows where search matches "地板"'
    assert "搜索" not in page.title()
    context.close()


@pytest.mark.browser
def test_chinese_page_hides_english_words(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/search?" + "%E5%85%B3%E9%94%AE%E8%AF%8D=%E5%9C%B0%E6%9D%BF")
    assert page.locator("table.rows-and-columns tbody tr").first.locator("a").inner_text() == "查看"
    page.goto(server.url + "/data/genzong/payments_by_status")
    assert "Total" not in page.locator("p.genzong-totals").inner_text()


@pytest.mark.browser
def test_report_totals_above_table(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/payments_by_status")
    totals = page.locator("p.genzong-totals")
    assert totals.inner_text().startswith("合计（4 行）：笔数 ")
    assert page.evaluate("document.querySelector('p.genzong-totals').nextElementSibling.className") == "table-wrapper"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "payments_by_status_totals.png", full_page=True)


@pytest.mark.browser
def test_search_kind_from_list(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/search")
    assert page.locator('select[name="类型"] option').all_inner_texts() == [
        "全部（每类最新 100 条）", "客户", "跟进记录", "工单"]
    page.fill('input[name="关键词"]', "地板")
    page.select_option('select[name="类型"]', "跟进记录")
    page.click('input[type="submit"]')
    page.wait_for_url("**%E7%B1%BB%E5%9E%8B=*")
    kinds = column_texts(page, "类型")
    assert kinds
    assert set(kinds) == {"跟进记录"}
    assert page.locator('select[name="类型"]').input_value() == "跟进记录", "the list keeps the chosen kind"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "search_one_kind.png", full_page=True)


@pytest.mark.browser
def test_search_every_kind_page(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/search?" + "%E5%85%B3%E9%94%AE%E8%AF%8D=%E5%9C%B0%E6%9D%BF")
    kinds = column_texts(page, "类型")
    assert set(kinds) == {"客户", "跟进记录", "工单"}, "every kind with matches shows"
    assert all(kinds.count(kind) <= 101 for kind in set(kinds))
    # The seeded demo has more than 100 follow-ups that mention 地板.
    contents = column_texts(page, "内容")
    last_follow_up = max(index for index, kind in enumerate(kinds) if kind == "跟进记录")
    assert contents[last_follow_up].startswith("只显示了最新的 100 条跟进记录")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "search_every_kind.png", full_page=True)


@pytest.mark.browser
def test_anonymous_sees_chinese_refusal(server, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    response = page.goto(server.url + "/data/genzong/receivable_tracking")
    assert response.status == 403
    assert "销售经理和管理员" in page.locator("body").inner_text()
    context.close()


FOLLOW_UPS_FILTERED = "/data/genzong/follow_up_log?负责人=张伟&沟通方式__in=电话,拜访&_sort=跟进时间"


def collect_page_errors(page) -> list:
    """Return a list that fills with the page's uncaught script errors."""
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    return errors


def filtered_count(page, server, path: str) -> int:
    """Return Datasette's own count of the rows that ``path`` selects, read from its JSON."""
    table, _, query = path.partition("?")
    response = page.context.request.get(f"{server.url}{table}.json?{query}&_size=0")
    assert response.ok, response.text()
    return response.json()["filtered_table_rows_count"]


@pytest.mark.browser
def test_table_page_in_chinese(server, manager_page):
    page = manager_page
    errors = collect_page_errors(page)
    page.goto(server.url + FOLLOW_UPS_FILTERED)
    count = filtered_count(page, server, FOLLOW_UPS_FILTERED)
    assert count > 0
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("section.content > h3").first.inner_text() == (
        f"共 {count} 行；条件：沟通方式 是 电话、拜访 之一，负责人 = “张伟”；按 跟进时间 升序排列")
    assert page.title() == f"跟进记录 · 共 {count} 行；条件：沟通方式 是 电话、拜访 之一，负责人 = “张伟”；按 跟进时间 升序排列"
    assert page.locator("h1").inner_text().startswith("跟进记录（视图）")

    assert page.locator(".crumbs").inner_text().split() == ["首页", "/", "跟踪业务数据"]
    assert page.locator('form.filters input[type="submit"]').input_value() == "应用"
    assert page.locator('select[name="_filter_column"] option').first.inner_text() == "- 选择列 -"
    operators = page.locator('select[name="_filter_op"] option').all_inner_texts()
    assert operators[:5] == ["=", "!=", "包含", "结尾是", "开头是"]
    assert "有内容" in operators
    assert page.locator(".export-links").inner_text() == "数据格式：json、CSV（高级选项）"
    assert page.locator(".advanced-export p").first.inner_text() == "JSON 格式：默认、数组、每行一条"
    assert page.locator("#export h3").inner_text() == "高级导出"
    assert page.locator('input[value="导出 CSV"]').count() == 1
    assert page.locator("footer").inner_text().startswith("基于 Datasette · 查询用时 ")

    # table.js adds these after the page's own scripts have run.
    assert page.locator(".filter-row a.remove-filter, .filter-row [aria-label]").first.get_attribute(
        "aria-label") == "移除此条件"
    page.locator('th[data-column="客户名称"] svg.dropdown-menu-icon').click()
    assert page.locator(".dropdown-menu .dropdown-sort-asc").inner_text() == "升序排列"
    assert page.locator(".dropdown-menu .dropdown-hide-column").inner_text() == "隐藏此列"
    page.locator('th[data-column="时间戳"] svg.dropdown-menu-icon').click()
    assert page.locator(".dropdown-menu .dropdown-column-type").inner_text() == "类型：TEXT"

    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "datasette_chinese_table.png")


@pytest.mark.browser
def test_chinese_filter_form_sends_same_values(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/follow_up_log")
    page.select_option('select[name="_filter_column"]', "沟通方式")
    page.select_option('select[name="_filter_op"]', label="包含")
    page.fill('input[name="_filter_value"]', "电")
    page.click('form.filters input[type="submit"]')
    page.wait_for_url("**__contains=*")
    assert "沟通方式__contains=电" in unquote(page.url)
    channels = column_texts(page, "沟通方式")
    assert channels
    assert all("电" in channel for channel in channels)
    assert page.locator("section.content > h3").first.inner_text().endswith(
        "条件：沟通方式 包含 “电”；按 时间戳 降序排列")


@pytest.mark.browser
def test_data_cells_stay_untranslated(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong?sql=" + "select 'Apply' as a, 'Next page' as b, '12 rows' as c")
    assert page.locator("table.rows-and-columns tbody td").all_inner_texts() == ["Apply", "Next page", "12 rows"]
    assert page.locator("form.sql h3").inner_text().startswith("自定义 SQL 查询：1 行")
    assert page.locator('form.sql input[type="submit"]').input_value() == "运行 SQL"


@pytest.mark.browser
def test_extra_where_clause_heading(server, manager_page):
    page = manager_page
    path = "/data/genzong/payments?amount_fen__gte=100&_where=paid_on+is+not+null"
    page.goto(server.url + path)
    count = filtered_count(page, server, path)
    heading = page.locator("section.content > h3").first.inner_text()
    assert heading == f"共 {count} 行；条件：amount_fen ≥ 100"
    assert page.locator(".extra-wheres h3").inner_text() == "1 个附加 where 条件"


@pytest.mark.browser
def test_unknown_condition_stays_english(server, manager_page):
    page = manager_page
    # Python's str.isdigit() accepts "²", so Datasette writes the value without quotes
    # where the script expects quotes. The script then keeps Datasette's English words.
    page.goto(server.url + "/data/genzong/payments?notes=²")
    heading = page.locator("section.content > h3").first.inner_text()
    assert heading == "共 0 行；where notes = ²"


@pytest.mark.browser
def test_invalid_parameter_page_switches_language(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/rep_monthly_review?%E6%9C%88%E4%BB%BD=2026-13")
    assert page.locator(".crumbs a").all_inner_texts() == ["首页"]
    assert page.locator(".actor").inner_text() == "王经理"
    message = page.locator(".genzong-message:visible")
    assert message.first.inner_text().startswith("月份“2026-13”不是有效月份")
    assert message.nth(1).inner_text() == "去掉有误的条件重新打开"
    assert message.count() == 2

    page.click("button.genzong-language")
    page.wait_for_selector("html[lang=en]")
    assert page.locator(".crumbs a").all_inner_texts() == ["home"]
    assert message.first.inner_text().startswith('Month "2026-13" is not a valid month')
    assert message.count() == 2
    message.nth(1).locator("a").click()
    page.wait_for_url("**/data/genzong/rep_monthly_review")
    assert page.locator("h1").inner_text().startswith("Rep monthly review")


# Genzong's own error pages: the path, then the heading and a start of the message in each language.
GENZONG_ERROR_PAGES = [
    ("/data/genzong/rep_monthly_review?%E6%9C%88%E4%BB%BD=2026-13",
     ("参数错误", "月份“2026-13”不是有效月份"), ("Invalid parameter", 'Month "2026-13" is not a valid month')),
    ("/data/genzong/follow_up_log?_timelimit=1",
     ("查询超时", "这一页的查询超过了"), ("Query timed out", "The query for this page ran past")),
    ("/data/genzong/follow_up_log?_next=zzz",
     ("页面出错", "这个页面出错了"), ("Page failed", "This page failed")),
]


@pytest.mark.browser
@pytest.mark.parametrize("english", [False, True], ids=["chinese", "english"])
@pytest.mark.parametrize("path, chinese_texts, english_texts", GENZONG_ERROR_PAGES,
                         ids=["invalid-parameter", "timed-out", "failed"])
def test_error_page_in_one_language(server, browser, english, path, chinese_texts, english_texts):
    heading, message = english_texts if english else chinese_texts
    other_heading, other_message = chinese_texts if english else english_texts
    context = manager_context(server, browser, english=english)
    page = context.new_page()
    page.goto(server.url + path)
    page.wait_for_selector("html.genzong-ready")

    assert page.locator("section.content > h1").inner_text() == heading
    assert page.title() == heading
    content = page.locator("section.content").inner_text()
    assert message in content
    assert other_heading not in content
    assert other_message not in content
    context.close()


@pytest.mark.browser
def test_forbidden_page_in_browser(server, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    response = page.goto(server.url + "/data/genzong/customer_list")
    assert response.status == 403
    assert page.locator("button.genzong-language").inner_text() == "English"
    assert page.locator(".genzong-message:visible").first.inner_text().startswith("数据浏览仅供销售经理和管理员使用")
    page.locator(".genzong-message:visible a").click()
    page.wait_for_url(server.url + "/")
    context.close()


@pytest.mark.browser
def test_language_switch_to_english_and_back(server, browser):
    context = manager_context(server, browser)
    page = context.new_page()
    page.goto(server.url + FOLLOW_UPS_FILTERED)
    count = filtered_count(page, server, FOLLOW_UPS_FILTERED)

    page.click("button.genzong-language")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("button.genzong-language").inner_text() == "中文"
    assert page.locator("section.content > h3").first.inner_text().startswith(f"{count:,} rows where")
    assert page.locator('form.filters input[type="submit"]').input_value() == "Apply"
    assert page.evaluate("localStorage.getItem('genzong.language')") == "en", "the PWA reads the same choice"

    page.goto(server.url + "/data/genzong")
    assert page.locator("h2#tables").inner_text() == "Tables"

    page.click("button.genzong-language")
    page.wait_for_selector("html[lang=zh-CN]")
    assert page.locator("h2#tables").inner_text() == "数据表"
    assert page.locator(".db-table h3 a", has_text="customers").first.inner_text() == "客户（customers）"
    context.close()


@pytest.mark.browser
def test_not_found_page_in_chinese(server, manager_page):
    page = manager_page
    response = page.goto(server.url + "/data/genzong/no_such_table")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "错误 404"
    assert "找不到该表或视图" in page.locator("section.content").inner_text()
    assert page.locator(".crumbs").inner_text().split() == ["首页"]
    assert page.title() == "错误 404"

    response = page.context.request.get(server.url + "/data/genzong/no_such_table.json")
    assert response.status == 404
    assert response.json()["error"] == "Table not found", "JSON errors stay as Datasette writes them"


@pytest.mark.browser
def test_empty_table_page_in_chinese(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/customer_list?客户名称=没有这个客户")
    assert page.locator("section.content > h3").first.inner_text() == "共 0 行；条件：客户名称 = “没有这个客户”；按 客户编号 升序排列"
    assert page.locator("p.zero-results").inner_text() == "没有符合条件的记录"


@pytest.mark.browser
def test_datasette_errors_in_chinese(server, manager_page):
    page = manager_page
    response = page.goto(server.url + "/data/genzong?sql=update+customers+set+name%3D1")
    assert response.status == 400
    assert page.locator("section.content h1").inner_text() == "SQL 无效"
    assert page.title() == "SQL 无效"
    assert "只能运行 SELECT 查询语句" in page.locator("section.content").inner_text()

    response = page.goto(server.url + "/data/genzong/customers?_facet=nope")
    assert response.status == 400
    assert page.locator("section.content h1").inner_text() == "SQL 无效"
    assert "no such column: nope" in page.locator("section.content").inner_text(), "SQLite's message stays"

    response = page.goto(server.url + "/data/genzong/customers?_size=abc")
    assert response.status == 400
    assert page.locator("section.content h1").inner_text() == "错误 400"
    assert "_size（每页行数）必须是正整数" in page.locator("section.content").inner_text()


@pytest.mark.browser
def test_sql_parameter_names_untranslated(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong?sql=select+:Apply+as+a,+:Tables+as+b&Apply=1&Tables=2")
    labels = page.locator("form.sql label").evaluate_all(
        "labels => labels.map(label => [label.textContent.trim(), document.getElementById(label.htmlFor).name])")
    assert labels == [["Apply", "Apply"], ["Tables", "Tables"]]
    assert page.locator("form.sql h3 .show-hide-sql").inner_text() == "（隐藏 SQL）"


@pytest.mark.browser
def test_row_page_in_chinese(server, manager_page):
    page = manager_page
    response = page.context.request.get(server.url + "/data/genzong/customers.json?_shape=array&_size=1")
    assert response.ok, response.text()
    customer_id = response.json()[0]["id"]
    page.goto(f"{server.url}/data/genzong/customers/{customer_id}")
    assert page.locator(".crumbs").inner_text().split() == ["首页", "/", "跟踪业务数据", "/", "客户"]
    assert page.locator("section.content > h1").inner_text().startswith(f"客户：{customer_id}")
    assert page.title() == f"客户：{customer_id}"
    assert page.locator("section.content > p").first.inner_text() == "数据格式：json"


@pytest.mark.browser
def test_database_page_names_views(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong")
    views = page.locator("h2#views + ul li a").all_inner_texts()
    assert "客户一览（customer_list）" in views
    assert "跟进记录（follow_up_log）" in views
    assert page.title() == "跟踪业务数据"


@pytest.mark.browser
def test_canned_query_page_words(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/search")
    assert page.locator('form.sql input[type="submit"]').input_value() == "查询"
    assert page.locator("p.zero-results").inner_text() == "输入要找的字、词或电话号码片段，再点“查询”。"

    page.goto(server.url + "/data/genzong/search?" + "%E5%85%B3%E9%94%AE%E8%AF%8D=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA")
    assert page.locator("p.zero-results").inner_text() == "没有结果"

    page.goto(server.url + "/data/genzong/follow_up_log")
    definition = page.locator("details", has=page.locator("pre.wrapped-sql"))
    assert definition.locator("summary").inner_text() == "SQL 定义（供技术人员查看）"
    assert not definition.locator("pre.wrapped-sql").is_visible(), "folded until opened"


@pytest.mark.browser
def test_page_shows_once_translated(server, browser):
    context = manager_context(server, browser)
    page = context.new_page()
    page.goto(server.url + "/data/genzong/customers")
    assert page.locator("html.genzong-ready").count() == 1
    assert page.evaluate("getComputedStyle(document.body).visibility") == "visible"
    hiding = page.locator('head link[rel=stylesheet][href^="data:text/css"][href*="genzong-reveal"]').get_attribute("href")
    assert "visibility%3Ahidden" in hiding, "the page starts hidden until the script has run"
    context.close()

    # Without scripts nothing translates, and the stylesheet shows the English page after 1.5 s.
    context = manager_context(server, browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/data/genzong/customers")
    page.locator("h1").wait_for(state="visible", timeout=5000)
    assert page.locator("html.genzong-ready").count() == 0
    assert page.locator('form.filters input[type="submit"]').input_value() == "Apply"
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path, expected", [
    ("payments?notes__contains=%24%26", "共 0 行；条件：notes 包含 “$&”"),
    ("payments?notes__contains=%24%27", "共 0 行；条件：notes 包含 “$'”"),
    ("customers?_search=%24%26", "共 0 行；条件：搜索“$&”"),
])
def test_dollar_in_filter_value_kept(server, manager_page, path, expected):
    """A value with $& or $' shows as typed, not as a String.replace pattern."""
    page = manager_page
    page.goto(f"{server.url}/data/genzong/{path}")
    assert page.locator("section.content > h3").first.inner_text() == expected


@pytest.mark.browser
def test_lookup_named_like_object_method(server, manager_page):
    """A lookup named like an Object.prototype method, which Datasette ignores, stops no translation."""
    page = manager_page
    errors = collect_page_errors(page)
    page.goto(server.url + "/data/genzong/payments?notes__contains=a&notes__valueOf=x")
    assert errors == []
    assert page.locator("section.content > h3").first.inner_text() == "共 0 行；条件：notes 包含 “a”"


@pytest.mark.browser
@pytest.mark.parametrize("query", ["_nocount=1", "_facet=method&_nocount=1"])
def test_nocount_page_title_in_chinese(server, manager_page, query):
    """A table page asked for without a row count, so without its heading, still gets a Chinese title."""
    page = manager_page
    page.goto(f"{server.url}/data/genzong/payments?{query}")
    assert page.locator("h1").inner_text().startswith("回款记录")
    assert page.title() == "回款记录"


# English metadata ---------------------------------------------------------

def english_metadata() -> dict:
    """Return the English texts of the published database, as datasette-metadata-en.yml writes them."""
    with open(project_root() / "datasette-metadata-en.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["databases"]["genzong"]


ENGLISH = english_metadata()
CJK = re.compile(r"[\u4e00-\u9fff]")
CUSTOMER_LIST_FILTERED = "/data/genzong/customer_list?客户名称=负责人"


def header_texts(page) -> list[str]:
    return [text.replace("\u00a0", " ").strip()
            for text in page.locator("table.rows-and-columns thead th").all_inner_texts()]


@pytest.mark.browser
def test_english_view_page(server, browser):
    context = manager_context(server, browser, english=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = collect_page_errors(page)
    page.goto(server.url + CUSTOMER_LIST_FILTERED)
    page.wait_for_selector("html.genzong-ready[lang=en]")
    view = ENGLISH["tables"]["customer_list"]

    assert page.locator("h1").inner_text().startswith("Customer list (view)")
    assert page.locator(".metadata-description").inner_text() == view["description"]
    assert page.locator("dl.column-descriptions > dt").first.text_content() == "Customer no."
    notes = dict(zip(page.locator("dl.column-descriptions > dt").all_text_contents(),
                     page.locator("dl.column-descriptions > dd").all_text_contents()))
    assert notes["Owner"] == view["columns"]["负责人"]
    assert notes["Customer"] == view["columns"]["客户名称"]

    headers = header_texts(page)
    assert headers[:3] == ["Customer no. ▼", "Customer", "Company"]
    assert not [header for header in headers if CJK.search(header)], "every header is English"
    assert page.locator('th[data-column="负责人"]').inner_text().strip() == "Owner", "data-column keeps the name"
    assert page.locator('th[data-column="负责人"]').get_attribute("data-column-description") == view["columns"]["负责人"]

    # The customer's name is the same word as the Owner column's Chinese name, and stays as it is.
    assert column_texts(page, "客户名称") == ["负责人"]
    assert page.locator("section.content > h3").inner_text() == '1 row where Customer = "负责人" sorted by Customer no.'
    assert page.title() == 'Customer list · 1 row where Customer = "负责人" sorted by Customer no.'
    assert page.locator('input[name="_filter_value_1"]').input_value() == "负责人"
    selected = page.locator('select[name="_filter_column_1"] option:checked')
    assert (selected.inner_text(), selected.get_attribute("value")) == ("Customer", "客户名称")
    sort_option = page.locator('select[name="_sort"] option[value="负责人"]')
    assert sort_option.inner_text() == "Sort by Owner"

    owner_facet = page.locator('.facet-info[data-column="负责人"]')
    assert owner_facet.locator(".facet-info-name strong").inner_text().startswith("Owner")
    facet_values = owner_facet.locator("ul li").all_inner_texts()
    assert len(facet_values) == 1
    assert CJK.search(facet_values[0]), "facet values are data and stay Chinese"
    assert page.locator('.facet-info[data-column="阶段"] .facet-info-name strong').inner_text().startswith("Stage")

    assert errors == []
    assert page.evaluate("getComputedStyle(document.body).visibility") == "visible"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "datasette_english_view.png", full_page=True)
    context.close()


@pytest.mark.browser
def test_chinese_view_page_keeps_metadata(server, manager_page):
    page = manager_page
    page.goto(server.url + CUSTOMER_LIST_FILTERED)
    assert page.locator("h1").inner_text().startswith("客户一览（视图）")
    assert page.locator(".metadata-description").inner_text().startswith("所有未删除的客户")
    assert header_texts(page)[:3] == ["客户编号 ▼", "客户名称", "公司"]
    assert page.locator("dl.column-descriptions > dt").first.text_content() == "客户编号"
    assert column_texts(page, "客户名称") == ["负责人"]
    assert page.locator("section.content > h3").inner_text() == "共 1 行；条件：客户名称 = “负责人”；按 客户编号 升序排列"
    assert page.locator('select[name="_sort"] option[value="负责人"]').inner_text() == "按 负责人 排序"
    assert page.locator('.facet-info[data-column="负责人"] .facet-info-name strong').inner_text().startswith("负责人")


@pytest.mark.browser
def test_english_filters_and_sort_work(server, browser):
    context = manager_context(server, browser, english=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/data/genzong/follow_up_log")
    page.select_option('select[name="_filter_column"]', label="Channel")
    page.select_option('select[name="_filter_op"]', label="contains")
    page.fill('input[name="_filter_value"]', "电")
    page.click('form.filters input[type="submit"]')
    page.wait_for_url("**__contains=*")
    assert "沟通方式__contains=电" in unquote(page.url), "the form sends the Chinese column name"
    channels = column_texts(page, "沟通方式")
    assert channels
    assert all("电" in channel for channel in channels)
    count = filtered_count(page, server, "/data/genzong/follow_up_log?沟通方式__contains=电")
    assert page.locator("section.content > h3").inner_text() == (
        f'{count:,} rows where Channel contains "电" sorted by UTC timestamp descending')

    page.locator('th[data-column="客户名称"] a').click()
    page.wait_for_url("**_sort=*")
    assert "_sort=客户名称" in unquote(page.url)
    assert page.locator('th[data-column="客户名称"]').inner_text().replace("\u00a0", " ").strip() == "Customer ▼"
    names = column_texts(page, "客户名称")
    assert names == sorted(names)
    assert page.locator("section.content > h3").inner_text().endswith(
        'where Channel contains "电" sorted by Customer')
    context.close()


@pytest.mark.browser
def test_english_table_page(server, browser):
    context = manager_context(server, browser, english=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/data/genzong/tickets")
    table = ENGLISH["tables"]["tickets"]
    assert page.locator("h1").inner_text().startswith("Tickets")
    assert page.locator(".metadata-description").inner_text() == table["description"]
    notes = dict(zip(page.locator("dl.column-descriptions > dt").all_text_contents(),
                     page.locator("dl.column-descriptions > dd").all_text_contents()))
    assert notes["subject"] == "Subject", "a table's column names are English already"
    assert notes["kind"] == table["columns"]["kind"]
    assert notes["clock"] == "Version vector (used by sync)"
    assert not [note for note in notes.values() if note.startswith(("记录", "服务器"))]
    assert page.locator("details summary", has_text="Column notes").count() == 1

    page.locator('th[data-column="kind"] svg.dropdown-menu-icon').click()
    assert page.locator(".dropdown-menu .dropdown-column-description").inner_text() == table["columns"]["kind"]
    assert page.title().startswith("Tickets · ")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "datasette_english_table.png")
    context.close()


@pytest.mark.browser
def test_chinese_table_page_keeps_metadata(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/tickets")
    assert page.locator("h1").inner_text().startswith("工单")
    assert page.locator(".metadata-description").inner_text().startswith("投诉、问题和需求工单")
    assert page.locator('th[data-column="kind"]').get_attribute("data-column-description") == "类型：投诉/问题/需求"


@pytest.mark.browser
def test_english_canned_query_with_parameters(server, browser):
    context = manager_context(server, browser, english=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/data/genzong/ticket_handling_times")
    query = ENGLISH["queries"]["ticket_handling_times"]
    assert page.locator("h1").inner_text().startswith("Complaint handling times")
    assert page.locator(".metadata-description").inner_text() == query["description"]
    assert page.title() == "Complaint handling times · Genzong"
    labels = page.locator("form.sql label").evaluate_all(
        "labels => labels.map(label => [label.textContent.trim(), document.getElementById(label.htmlFor).name])")
    assert labels == [["Start date", "开始日期"], ["End date", "结束日期"], ["Type", "类型"]]
    assert header_texts(page) == ["Owner", "Tickets", "Replied", "Avg. hours to reply", "Resolved",
                                  "Avg. hours to resolve", "Late replies", "Start date", "End date"]

    page.fill('input[name="开始日期"]', "2020-01-01")
    page.fill('input[name="类型"]', "投诉")
    page.click('form.sql input[type="submit"]')
    page.wait_for_url("**%E7%B1%BB%E5%9E%8B=*")
    assert "开始日期=2020-01-01" in unquote(page.url)
    assert "类型=投诉" in unquote(page.url)
    assert page.locator('input[name="类型"]').input_value() == "投诉", "the typed value stays Chinese"
    assert "合计" in column_texts_by_index(page, 0), "the total row's cell is data"
    assert header_texts(page)[0] == "Owner"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "datasette_english_query.png", full_page=True)
    context.close()


def column_texts_by_index(page, index: int) -> list[str]:
    """Return the texts of the result table's column at ``index``."""
    return page.locator(f"table.rows-and-columns tbody tr td:nth-child({index + 1})").all_inner_texts()


@pytest.mark.browser
def test_chinese_canned_query_keeps_parameters(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong/ticket_handling_times")
    assert page.locator("h1").inner_text().startswith("投诉处理时效")
    assert page.locator("form.sql label").all_inner_texts() == ["开始日期", "结束日期", "类型"]
    assert header_texts(page)[:3] == ["负责人", "工单数", "已答复"]
    assert page.locator(".metadata-description").inner_text().startswith("期间内受理的工单")


@pytest.mark.browser
def test_english_database_page(server, browser):
    context = manager_context(server, browser, english=True, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/data/genzong")
    assert page.locator(".page-header h1").inner_text().startswith("Genzong business data")
    assert page.title() == "Genzong business data"
    contents = page.locator(".metadata-description")
    assert contents.locator("h2:visible").all_inner_texts() == ["Reports", "Queries", "Tables"]
    assert contents.get_by_role("link", name="Customer list").is_visible()
    assert contents.locator("p:visible").first.inner_text() == ENGLISH["description"]
    visible = contents.locator("h2:visible, a:visible").all_inner_texts()
    assert [text for text in visible if CJK.search(text)] == []

    views = page.locator("h2#views + ul li a").all_inner_texts()
    assert "Customer list (customer_list)" in views
    assert "Follow-up log (follow_up_log)" in views
    assert page.locator(".db-table h3 a", has_text="customers").first.inner_text() == "Customers (customers)"
    overdue = page.locator("h2#queries + ul li a", has_text="Overdue receivables")
    assert overdue.get_attribute("href").endswith("/overdue_receivables")
    assert overdue.get_attribute("title") == ENGLISH["queries"]["overdue_receivables"]["description"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "datasette_english_database.png")
    context.close()


@pytest.mark.browser
def test_chinese_database_page_contents(server, manager_page):
    page = manager_page
    page.goto(server.url + "/data/genzong")
    contents = page.locator(".metadata-description")
    assert contents.locator("h2:visible").all_inner_texts() == ["报表", "统计与查询", "原始数据表"]
    assert not contents.get_by_role("link", name="Customer list").is_visible()
    assert "逾期回款" in page.locator("h2#queries + ul li a").all_inner_texts()


@pytest.mark.browser
def test_english_row_page(server, browser):
    context = manager_context(server, browser, english=True)
    page = context.new_page()
    response = page.context.request.get(server.url + "/data/genzong/customers.json?_shape=array&_size=1")
    customer_id = response.json()[0]["id"]
    page.goto(f"{server.url}/data/genzong/customers/{customer_id}")
    assert page.locator(".crumbs").inner_text().split() == ["home", "/", "Genzong", "business", "data", "/", "Customers"]
    assert page.locator("section.content > h1").inner_text().startswith(f"Customers: {customer_id}")
    assert page.title() == f"Customers: {customer_id}"
    context.close()


@pytest.mark.browser
def test_english_custom_sql_page_title(server, browser):
    """The custom SQL page is headed with the database's title, which English pages show in English."""
    context = manager_context(server, browser, english=True)
    page = context.new_page()
    page.goto(server.url + "/data/genzong?sql=select+1")
    page.wait_for_selector("html.genzong-ready")
    assert page.locator(".page-header h1, section.content > h1").first.inner_text().startswith("Genzong business data")
    assert not CJK.search(page.title())
    context.close()
