"""The main screens at phone size on the Chinese demo data: screenshots for
a person to look at, and checks that nothing overflows the 375 px width."""

import subprocess
import sys

import pytest

from .pwa_helpers import Site, log_in, no_horizontal_overflow, save_form, screenshot, wait_synced

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "genzong123"


class DemoUser:
    def __init__(self, username: str):
        self.username = username


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    site = Site(root)
    subprocess.run([sys.executable, "-m", "genzong.server.cli", "demo", "--data-dir", str(site.data.root),
                    "--customers", "300"], check=True, capture_output=True)
    site.start()
    yield site
    site.stop()


@pytest.fixture
def rep_page(new_context, demo_site):
    page = new_context(base_url=demo_site.url).new_page()
    log_in(page, DemoUser("zhangwei"), password=DEMO_PASSWORD)
    return page


def busiest_customer(site, username: str) -> str:
    """The id of the user's customer with the most follow-ups, receivables and tickets."""
    return site.query("""
        SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id
        WHERE u.username = ?
        ORDER BY (SELECT count(*) FROM receivables r WHERE r.customer_id = c.id) > 0 DESC,
                 (SELECT count(*) FROM tickets t WHERE t.customer_id = c.id) > 0 DESC,
                 (SELECT count(*) FROM follow_ups f WHERE f.customer_id = c.id) DESC
        LIMIT 1""", (username,))[0]["id"]


def shoot(page, name: str, **options) -> None:
    assert no_horizontal_overflow(page), f"{name} is wider than the phone"
    screenshot(page, name, **options)


def test_login_screen(new_context, demo_site):
    page = new_context(base_url=demo_site.url).new_page()
    page.goto("/")
    page.wait_for_selector("#username")
    shoot(page, "01-login")


def test_rep_screens(rep_page, demo_site):
    page = rep_page
    page.wait_for_selector(".view-today .due-item")
    shoot(page, "02-today")

    page.click("nav.tabs a[data-tab=customers]")
    page.wait_for_selector(".view-customers .card")
    count = page.inner_text(".result-count")
    shoot(page, "03-customers")
    page.click("button[aria-controls=filter-panel]")
    page.select_option("#filter-next", "due")
    page.fill("#customer-search", "1")
    assert page.inner_text(".result-count") != count, "the filter narrows the list"
    shoot(page, "04-customers-filtered")
    page.fill("#customer-search", "")
    page.click("text=清除筛选")

    customer_id = busiest_customer(demo_site, "zhangwei")
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector(".customer-card")
    shoot(page, "06-customer-detail")
    page.locator(".section h3:has-text('应收与回款')").scroll_into_view_if_needed()
    shoot(page, "06b-customer-detail-receivables")

    # 记回款 only where something is left to collect.
    paid = demo_site.query("""
        SELECT r.id, r.customer_id FROM receivables r JOIN customers c ON c.id = r.customer_id
         WHERE r.deleted = 0 AND c.owner_id = (SELECT id FROM users WHERE username = 'zhangwei')
           AND r.amount_fen <= (SELECT coalesce(sum(p.amount_fen), 0) FROM payments p
                                 WHERE p.receivable_id = r.id AND p.deleted = 0)
         LIMIT 1""")
    assert paid, "the demo data has a paid receivable of zhangwei's"
    page.goto(f"/#/customer/{paid[0]['customer_id']}")
    card = page.locator(f".card.receivable[data-id='{paid[0]['id']}']")
    card.wait_for()
    assert "已付款" in card.inner_text()
    assert card.locator("text=记回款").count() == 0
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.wait_for_selector("#field-content")
    shoot(page, "09-follow-up-form")

    receivable = demo_site.query("SELECT id FROM receivables WHERE customer_id = ? LIMIT 1", (customer_id,))
    page.goto(f"/#/receivable/{receivable[0]['id']}/payment/new")
    page.wait_for_selector("#field-amount_fen")
    page.fill("#field-amount_fen", "12.345")
    save_form(page)
    assert "最多两位小数" in page.inner_text("#field-amount_fen-error")
    shoot(page, "10-payment-form")

    page.goto(f"/#/ticket/new?customer={customer_id}")
    page.wait_for_selector("#field-subject")
    shoot(page, "11-ticket-form")

    page.click("nav.tabs a[data-tab=tickets]")
    page.click(".segment:has-text('全部')")
    page.wait_for_selector(".view-tickets .card")
    shoot(page, "13-tickets")
    page.click(".view-tickets .card a")
    page.wait_for_selector(".view-ticket")
    shoot(page, "12-ticket-detail")

    page.click("nav.tabs a[data-tab=sync]")
    page.wait_for_selector(".sync-status")
    shoot(page, "14-sync")
    page.click("nav.tabs a[data-tab=settings]")
    page.wait_for_selector(".view-settings")
    shoot(page, "15-settings")


def test_manager_pulls_all_pages(new_context, demo_site):
    page = new_context(base_url=demo_site.url).new_page()
    log_in(page, DemoUser("jingli"), password=DEMO_PASSWORD)
    rows = sum(demo_site.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
               for table in ("customers", "follow_ups", "receivables", "payments", "tickets", "users"))
    assert rows > 1000, "the demo needs more than one page of 1000 records"
    page.goto("/#/customers")
    customers = demo_site.query("SELECT count(*) AS n FROM customers WHERE deleted = 0")[0]["n"]
    page.wait_for_selector(f".result-count:has-text('共 {customers} 位客户')")

    page.goto("/#/today")
    page.click(".segment:has-text('团队')")
    page.wait_for_selector(".view-today .due-item")
    assert page.locator(".due-item").count() > 0
    shoot(page, "16-manager-today-team")


def test_ticket_status_flow(rep_page, demo_site):
    page = rep_page
    customer_id = busiest_customer(demo_site, "zhangwei")
    page.goto(f"/#/ticket/new?customer={customer_id}")
    save_form(page)
    assert "请填写主题或内容" in page.inner_text("#field-subject-error")
    assert "/#/ticket/new" in page.url, "a ticket with neither subject nor content is not saved"
    page.fill("#field-subject", "送货延误")
    save_form(page)
    page.wait_for_selector(".view-ticket")
    ticket_id = page.url.rsplit("/", 1)[1]
    page.click("text=开始处理")
    page.wait_for_selector(".view-ticket .chip:has-text('处理中')")
    page.click("text=标记已解决")
    page.wait_for_url(f"**/#/ticket/{ticket_id}/edit?status=*")
    save_form(page)
    assert "需要填写处理方案" in page.inner_text("#field-resolution-error")
    page.fill("#field-resolution", "补发货并赠送保养蜡")
    save_form(page)
    page.wait_for_selector(".view-ticket .chip:has-text('已解决')")
    page.click("text=完成回访")
    page.select_option("#field-satisfaction", "5")
    save_form(page)
    page.wait_for_selector(".view-ticket .chip:has-text('已回访')")
    wait_synced(page)
    row = demo_site.query("SELECT status, resolution, resolved_at, visit_on, satisfaction FROM tickets WHERE id = ?", (ticket_id,))[0]
    assert row["status"] == "已回访"
    assert row["resolution"] == "补发货并赠送保养蜡"
    assert row["resolved_at"] and row["visit_on"]
    assert row["satisfaction"] == 5


def test_problem_ticket_fields(rep_page, demo_site):
    page = rep_page
    page.goto("/#/ticket/new")
    page.wait_for_selector("#field-subject")
    assert not page.is_visible("#field-steps"), "a complaint needs no steps to reproduce"
    page.check("input[name=kind][value=问题]")
    page.fill("#field-subject", "对账单金额不对")
    page.fill("#field-steps", "打开十一月对账单")
    page.fill("#field-expected_result", "合计 ¥12,000.00")
    page.fill("#field-actual_result", "合计 ¥1,200.00")
    save_form(page)
    page.wait_for_selector(".view-ticket")
    assert "打开十一月对账单" in page.inner_text("main")
    ticket_id = page.url.rsplit("/", 1)[1]
    wait_synced(page)
    row = demo_site.query("SELECT kind, steps, expected_result, actual_result, owner_id FROM tickets WHERE id = ?", (ticket_id,))[0]
    assert (row["kind"], row["steps"], row["expected_result"], row["actual_result"]) == (
        "问题", "打开十一月对账单", "合计 ¥12,000.00", "合计 ¥1,200.00")
    assert row["owner_id"] is not None, "a ticket without a customer belongs to the rep who took it"
