"""Datasette in real Chromium against ``genzong serve``: a manager's pages, with screenshots.

The screenshots land in tests/artifacts/screenshots/ for a person to look at.
"""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from genzong.server.demo import fill_demo
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir

from servers import ServerProcess

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


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
    state.close()
    process = ServerProcess(data.root).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def manager_page(server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    response = context.request.post(server.url + "/api/login",
                                    data={"username": "jingli", "password": "genzong123"})
    assert response.ok, response.text()
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
