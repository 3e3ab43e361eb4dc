"""The English switch, browsers that cannot work offline, Safari, and logging out."""

import re

import pytest

from .pwa_helpers import go_online, log_in, no_horizontal_overflow, save_form, screenshot, wait_synced

pytestmark = pytest.mark.browser

# CJK characters and the full-width punctuation that goes with them.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")

NO_OFFLINE_APIS = """
    Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
    delete Navigator.prototype.serviceWorker;
"""


def interface_text(page) -> str:
    """The text of the app's chrome and screen, without elements marked lang="zh" (the 中文 button)."""
    return page.evaluate("""() => ['header', '#banners', 'main', 'nav'].map((selector) => {
        const copy = document.querySelector(selector).cloneNode(true);
        copy.querySelectorAll('[lang="zh"]').forEach((element) => element.remove());
        return copy.textContent;
    }).join('\\n')""")


def assert_english(page, screen: str) -> None:
    found = CJK.findall(interface_text(page))
    assert not found, f"Chinese text on the English {screen} screen: {''.join(found)}"


def test_english_switch(site, new_context):
    rep = site.add_user("sales", name="Alice Chen")
    page = new_context().new_page()
    log_in(page, rep)
    page.click("nav.tabs a[data-tab=settings]")
    page.click("button[data-language=en]")
    page.wait_for_selector("nav.tabs a[data-tab=today] >> text=Today")
    assert page.get_attribute("html", "lang") == "en"

    page.click("nav.tabs a[data-tab=customers]")
    page.click("text=New customer")
    page.fill("#field-name", "Bob Lee")
    page.fill("#field-phone", "13800001111")
    page.check("input[name=kind][value=直接]")
    page.check("input[name=stage][value=跟进中]")
    save_form(page)
    page.wait_for_url(re.compile(r"#/customer/[0-9a-f-]{36}$"))
    customer_id = page.url.rsplit("/", 1)[1]
    page.click("text=Log follow-up")
    page.fill("#field-content", "Visited the showroom")
    page.fill("#field-next_follow_up", "2026-01-01")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=New receivable")
    page.fill("#field-amount_fen", "100")
    page.fill("#field-sale_date", "2025-12-01")
    page.fill("#field-due_date", "2026-01-02")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=Record payment")
    page.fill("#field-amount_fen", "40")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=New complaint")
    page.fill("#field-subject", "Late delivery")
    save_form(page)
    page.wait_for_url(re.compile(r"#/ticket/[0-9a-f-]{36}$"))
    ticket_id = page.url.rsplit("/", 1)[1]
    wait_synced(page)

    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector("text=Overdue")
    text = page.inner_text("main")
    assert "Direct" in text, "choice values are shown in English"
    assert "In progress" in text
    assert "¥100.00" in text, "money stays in yuan"
    assert "¥60.00" in text
    assert_english(page, "customer")
    screenshot(page, "17-english-customer")
    page.click(".history-section summary")

    for path, ready in [("/#/today", ".view-today .due-item"), ("/#/customers", ".view-customers .card"),
                        (f"/#/customer/{customer_id}/edit", "#field-name"),
                        (f"/#/customer/{customer_id}/follow-up/new", "#field-content"),
                        (f"/#/ticket/{ticket_id}", ".view-ticket"), (f"/#/ticket/{ticket_id}/edit", "#field-subject"),
                        ("/#/tickets", ".view-tickets .card"), ("/#/sync", ".sync-status"), ("/#/settings", ".view-settings"),
                        ("/#/no-such-screen", ".empty")]:
        page.goto(path)
        page.wait_for_selector(ready)
        assert_english(page, path)
        assert no_horizontal_overflow(page), path
    page.goto("/#/today")
    page.wait_for_selector(".view-today .due-item")
    screenshot(page, "18-english-today")

    page.reload()
    page.wait_for_selector("nav.tabs >> text=Customers")
    page.goto("/#/settings")
    page.click("button[data-language=zh]")
    page.wait_for_selector("nav.tabs a[data-tab=today] >> text=今日")
    assert page.get_attribute("html", "lang") == "zh-CN"


def test_no_offline_support_works_online(site, new_context):
    rep = site.add_user("sales")
    context = new_context()
    context.add_init_script(NO_OFFLINE_APIS)
    page = context.new_page()
    page.goto("/")
    hint = page.locator("#banner-capabilities")
    hint.wait_for()
    text = hint.inner_text()
    assert "在浏览器中打开" in text
    assert "缺少 Service Worker" in text
    assert "无法使用本地数据库" in text
    screenshot(page, "19-no-offline-support")

    log_in(page, rep)
    page.goto("/#/customer/new")
    page.fill("#field-name", "蒋丽")
    save_form(page)
    page.wait_for_url(re.compile(r"#/customer/[0-9a-f-]{36}$"))
    customer_id = page.url.rsplit("/", 1)[1]
    wait_synced(page)
    assert site.query("SELECT name FROM customers WHERE id = ?", (customer_id,)) == [{"name": "蒋丽"}]
    page.goto("/#/sync")
    assert "本机数据库不可用" in page.inner_text("main")


IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def test_safari_install_and_unsynced_warning(site, new_context):
    rep = site.add_user("sales")
    context = new_context(user_agent=IPHONE_SAFARI)
    page = context.new_page()
    log_in(page, rep)
    assert "添加到主屏幕" in page.inner_text("#banner-safari")

    context.set_offline(True)
    page.goto("/#/customer/new")
    page.fill("#field-name", "柳青")
    save_form(page)
    page.wait_for_selector("#banner-safari:has-text('1 条修改尚未同步')")
    go_online(context, page)
    page.wait_for_selector("#banner-safari:has-text('添加到主屏幕')")


def test_log_out_gives_new_device(site, new_context):
    first, second = site.add_user("sales"), site.add_user("sales")
    page = new_context().new_page()
    log_in(page, first)
    page.goto("/#/customer/new")
    page.fill("#field-name", "秦岭")
    save_form(page)
    wait_synced(page)
    first_device = site.query("SELECT id FROM devices WHERE user_id = ?", (first.id,))[0]["id"]

    page.goto("/#/settings")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=退出登录")
    page.wait_for_selector("#username")
    assert page.locator("#sync-chip").is_hidden(), "no session, nothing to show as synced"
    log_in(page, second)
    page.goto("/#/customers")
    page.wait_for_selector("text=还没有客户")
    devices = site.query("SELECT id FROM devices WHERE user_id = ?", (second.id,))
    assert len(devices) == 1
    assert devices[0]["id"] != first_device
