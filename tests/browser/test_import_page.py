"""The 导入与导出 screen in Chromium: a manager's dry run, import and export,
a rejected row, a failed import, a rep kept out, and the screen's pure helpers."""

import io
from pathlib import Path

import openpyxl
import pytest

from genzong.server.state import open_data_dir
from .pwa_helpers import log_in, no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "data"
LEDGER_TABLES = ("customers", "follow_ups", "receivables", "payments", "tickets")

# Count the progress stages the page shows, as the NDJSON lines arrive.
WATCH_PROGRESS = """() => {
    window.seenStages = [];
    new MutationObserver(() => {
        const bar = document.querySelector('.import-progress-bar');
        if (bar && !window.seenStages.includes(bar.dataset.stage)) window.seenStages.push(bar.dataset.stage);
    }).observe(document.body, { childList: true, subtree: true });
}"""


@pytest.fixture(scope="module")
def manager(site):
    return site.add_user("manager", name="王经理")


@pytest.fixture(scope="module")
def rep(site):
    return site.add_user("sales", name="李娜", username="lina")


def table_rows(site) -> dict:
    """Every row of the ledger tables, to compare before and after."""
    return {table: site.query(f"SELECT * FROM {table} ORDER BY id") for table in LEDGER_TABLES}


def open_import_page(page, user):
    log_in(page, user)
    page.click("nav.tabs a[data-tab=settings]")
    page.click("[data-section=ledgers] a[href='#/import']")
    page.wait_for_selector(".view-import #import-file", state="attached")


def count_of(page, action: str) -> int:
    return int(page.inner_text(f".import-report .import-count[data-action={action}] .import-count-value"))


def dry_run(page, file, owner: str | None = None):
    page.set_input_files("#import-file", file)
    name = file["name"] if isinstance(file, dict) else Path(file).name
    page.wait_for_selector(f".import-file-name:has-text('{name}')")
    if owner is not None:
        page.select_option("#import-owner", owner)
    page.click("#import-dry-run")
    page.wait_for_selector(".import-form[data-phase=checked] .import-report")


def show_report(page):
    """Scroll the report's heading to just below the top bar."""
    page.evaluate("""() => {
        const top = document.querySelector('.import-report').getBoundingClientRect().top;
        window.scrollTo(0, window.scrollY + top - 60);
    }""")


def test_manager_imports_sample(new_context, site, manager, rep):
    page = new_context().new_page()
    open_import_page(page, manager)
    dry_run(page, DATA / "意向客户跟踪表.csv", owner=rep.username)

    report = page.locator(".import-report")
    assert report.locator(".import-report-title").inner_text() == "试导入结果"
    assert [count_of(page, action) for action in ("create", "update", "unchanged", "reject")] == [5, 0, 0, 0]
    assert "意向客户跟踪表.csv · 客户跟踪表" in report.inner_text()
    assert "在工作表“意向客户跟踪表”第 1 行找到客户跟踪表的表头。" in report.inner_text()
    warnings = page.inner_text(".import-warnings")
    assert "按文件中最常见的年份 2023 年导入" in warnings
    assert "所有列都已导入" in page.inner_text(".import-report")
    first = page.locator(".import-row").first
    assert first.get_attribute("data-row") == "2", "rows with warnings come before plain rows, in file order"
    assert "王建国" in first.inner_text()
    assert "意向购买时间" in first.locator(".import-column").all_inner_texts()
    assert page.locator(".import-row").count() == 5
    assert page.is_enabled("#import-confirm")
    assert no_horizontal_overflow(page)
    show_report(page)
    screenshot(page, "import-dry-run")
    assert site.query("SELECT count(*) AS n FROM customers")[0]["n"] == 0, "a dry run writes nothing"

    page.evaluate(WATCH_PROGRESS)
    page.click("#import-confirm")
    page.wait_for_selector("[data-outcome=imported][data-sync=synced]")
    assert "done" in page.evaluate("window.seenStages"), "the progress bar followed the stream to its end"
    assert page.inner_text(".import-report-title") == "导入结果"
    assert page.inner_text(".import-records") == "已写入：客户 新建 5；跟进记录 新建 6"

    owners = site.query("SELECT name, owner_id FROM customers WHERE deleted = 0 ORDER BY name")
    assert len(owners) == 5
    assert {row["owner_id"] for row in owners} == {rep.id}
    page.click("[data-outcome=imported] a[href='#/customers']")
    page.wait_for_selector(".view-customers .card")
    listed = page.inner_text(".view-customers")
    for name in ("王建国", "李主任", "陈校长", "赵女士", "孙先生"):
        assert name in listed


def test_bad_row_shows_cell(new_context, site, manager):
    before = table_rows(site)
    ledger = "客户名称,应收金额,付款期限\nG公司,5000,2023-01-31\nH公司,3000.555,2023-02-28\n".encode()
    page = new_context().new_page()
    open_import_page(page, manager)
    dry_run(page, {"name": "bad.csv", "mimeType": "text/csv", "buffer": ledger})

    assert count_of(page, "reject") == 1
    assert count_of(page, "create") == 1
    rejected = page.locator(".import-row").first
    assert rejected.get_attribute("data-action") == "reject", "rejected rows come first"
    assert rejected.get_attribute("data-row") == "3"
    problem = rejected.locator(".import-problem-error")
    assert problem.locator(".import-column").inner_text() == "应收金额"
    assert problem.locator(".import-value").inner_text() == "3000.555"
    assert "不足一分" in problem.locator(".import-message").inner_text()
    assert page.is_disabled("#import-confirm")
    assert "有 1 行无法导入" in page.inner_text("[data-outcome=blocked]")
    show_report(page)
    screenshot(page, "import-rejected-row")

    page.evaluate("async () => (await import('/js/i18n.js')).setLanguage('en')")
    page.wait_for_selector(".import-report-title:has-text('Dry run')")
    assert "has a fraction of a fen" in page.inner_text(".import-row[data-action=reject] .import-message")
    assert page.inner_text("#import-confirm") == "Import"
    assert table_rows(site) == before


def test_failed_import_changes_nothing(new_context, site, manager):
    owner = site.add_user("sales", name="赵强")
    page = new_context().new_page()
    open_import_page(page, manager)
    dry_run(page, DATA / "客户回款跟踪表.xlsx", owner=owner.username)
    assert count_of(page, "create") == 7
    before = table_rows(site)

    # The chosen owner is disabled between the dry run and the import.
    state = open_data_dir(site.data)
    try:
        state.accounts().set_disabled(owner.username)
    finally:
        state.close()
    page.click("#import-confirm")
    outcome = page.wait_for_selector("[data-outcome=failed]")
    text = outcome.inner_text()
    assert "导入失败，没有修改任何数据。" in text
    assert f"用户 {owner.username} 已停用" in text
    assert table_rows(site) == before


def test_rep_kept_out(new_context, site, rep):
    page = new_context().new_page()
    log_in(page, rep)
    page.click("nav.tabs a[data-tab=settings]")
    page.wait_for_selector("[data-section=language]")
    assert page.locator("[data-section=ledgers]").count() == 0
    page.goto("/#/import")
    assert "只有销售经理和管理员可以导入和导出台账" in page.inner_text(".view-import")
    assert page.locator("#import-file").count() == 0
    statuses = page.evaluate("""async () => {
        const { app } = await import('/js/context.js');
        const headers = { Authorization: `Bearer ${app.session.token}` };
        const upload = await fetch('/api/import?filename=a.csv&dry_run=1', { method: 'POST', headers, body: '客户名称\\n张三\\n' });
        const download = await fetch('/api/export?kind=customers', { headers });
        return [upload.status, (await upload.json()).error, download.status];
    }""")
    assert statuses == [403, "forbidden", 403]


def test_export_downloads_workbook(new_context, site, manager):
    context = new_context()
    page = context.new_page()
    open_import_page(page, manager)

    context.set_offline(True)
    page.wait_for_selector(".import-offline")
    assert "导入和导出需要连接服务器" in page.inner_text(".import-offline")
    assert page.is_disabled("[data-export-kind=customers]")
    context.set_offline(False)
    page.wait_for_selector(".import-offline", state="detached")

    with page.expect_download() as download_info:
        page.click("[data-export-kind=customers]")
    download = download_info.value
    assert download.suggested_filename.startswith("客户跟踪表-")
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = workbook["客户跟踪表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("客户编号", "原编号", "客户名称")
    stored = site.query("SELECT name FROM customers WHERE deleted = 0")
    assert sorted(row[2] for row in rows[2:]) == sorted(row["name"] for row in stored)


def test_report_helpers(browser, site):
    """The NDJSON reader across split chunks, and the order rows are listed in."""
    context = browser.new_context(base_url=site.url, service_workers="block")
    page = context.new_page()
    page.goto("/manifest.webmanifest")
    result = page.evaluate("""async () => {
        const { readNdjson } = await import('/js/import-api.js');
        const { orderRows } = await import('/js/views/import-report.js');
        const bytes = new TextEncoder().encode('{"progress":{"stage":"read"}}\\n{"report":{"file":"客户.csv"}}');
        // Split inside the multi-byte 客 and inside the first line.
        const cut = bytes.indexOf(0xe5) + 1;
        const chunks = [bytes.slice(0, 10), bytes.slice(10, cut), bytes.slice(cut)];
        const stream = new ReadableStream({ start(controller) { chunks.forEach((c) => controller.enqueue(c)); controller.close(); } });
        const lines = [];
        await readNdjson(stream, (line) => lines.push(line));
        const warn = [{ level: 'warning' }];
        const rows = [
            { row: 2, action: 'create', problems: [] }, { row: 3, action: 'update', problems: [] },
            { row: 4, action: 'create', problems: warn }, { row: 5, action: 'reject', problems: [] },
            { row: 6, action: 'skip', problems: [] }, { row: 7, action: 'unchanged', problems: [] },
            { row: 8, action: 'reject', problems: [] },
        ];
        return { lines, order: orderRows(rows).map((row) => row.row) };
    }""")
    context.close()
    assert result["lines"] == [{"progress": {"stage": "read"}}, {"report": {"file": "客户.csv"}}]
    assert result["order"] == [5, 8, 4, 3, 2, 7, 6]
