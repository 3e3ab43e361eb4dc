"""What a screen reader (TalkBack) or a hardware keyboard gets from the app."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from .pwa_helpers import SAVED_CUSTOMER, TIMEOUT_MS, last_sync, log_in, wait_synced

pytestmark = pytest.mark.browser

FOCUSED = """() => {
    const element = document.activeElement;
    return { tag: element.tagName.toLowerCase(), text: element.textContent.trim() };
}"""


def wait_for_heading_focus(page) -> None:
    """Wait for the focus the app moves to the screen's heading in the task after a navigation."""
    page.wait_for_function("() => document.activeElement.tagName === 'H2'", timeout=TIMEOUT_MS)


def seed_customer(site, owner_id: str, name: str, **fields) -> str:
    """Store one customer of ``owner_id`` as a server write; return its id."""
    record_id = str(uuid.uuid4())
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            batch.server_write("customers", record_id, {"name": name, "owner_id": owner_id, **fields})
            batch.flush()
    finally:
        state.close()
    return record_id


def today_in_shanghai() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_navigation_titles_and_focuses_heading(site, page):
    """Opening a customer from the list by keyboard titles the window and puts focus on the heading."""
    rep = site.add_user("sales", name="张伟")
    customer = seed_customer(site, rep.id, "董涛")
    log_in(page, rep)

    assert page.title() == "今日 - 跟踪"
    wait_for_heading_focus(page)
    assert page.evaluate(FOCUSED) == {"tag": "h2", "text": "今日"}

    page.goto("/#/customers")
    page.wait_for_selector(f".view-customers a[href$='{customer}']")
    page.focus(f".view-customers a[href$='{customer}']")
    page.keyboard.press("Enter")
    page.wait_for_url(SAVED_CUSTOMER, timeout=TIMEOUT_MS)
    page.wait_for_selector(".view-customer")

    assert page.title() == "客户详情 - 跟踪"
    wait_for_heading_focus(page)
    assert page.evaluate(FOCUSED) == {"tag": "h2", "text": "客户详情"}


def test_saving_announces_and_refocuses(site, page):
    """The toast's live region exists before the first save, and focus lands on the customer's heading after it."""
    rep = site.add_user("sales", name="李娜")
    customer = seed_customer(site, rep.id, "吴芳")
    log_in(page, rep)

    toast = page.locator("#toast[role=status]")
    assert toast.count() == 1, "a live region added with its first message is not announced"

    page.goto(f"/#/customer/{customer}/follow-up/new")
    page.fill("#field-content", "电话沟通，客户下周到店")
    page.focus("form.form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(SAVED_CUSTOMER, timeout=TIMEOUT_MS)

    assert toast.inner_text() in ("已保存", "已保存在本机，联网后同步")
    wait_for_heading_focus(page)
    assert page.evaluate(FOCUSED) == {"tag": "h2", "text": "客户详情"}


def test_form_fields_have_names(site, page):
    """A row of choices is named by its label, and a required field is marked required, not by an asterisk."""
    rep = site.add_user("sales", name="刘洋")
    customer = seed_customer(site, rep.id, "沈霞")
    log_in(page, rep)

    page.goto(f"/#/customer/{customer}/follow-up/new")
    page.wait_for_selector("#field-content")
    assert page.get_by_role("radiogroup", name="沟通方式", exact=True).count() == 1
    happened_at = page.get_by_role("textbox", name="跟进时间", exact=True)
    assert happened_at.count() == 1
    assert happened_at.get_attribute("aria-required") == "true"

    page.goto("/#/customer/new")
    page.wait_for_selector("#field-name")
    assert page.get_by_role("textbox", name="客户名称", exact=True).get_attribute("aria-required") == "true"


def test_today_tab_reads_due_count(site, page):
    """The 今日 tab's badge is read as "N 项到期", not as a bare number after the tab's name."""
    rep = site.add_user("sales", name="陈静")
    seed_customer(site, rep.id, "田勇", next_follow_up=today_in_shanghai())
    log_in(page, rep)

    page.wait_for_selector("#tabs a[data-tab=today] .tab-badge:not([hidden])")
    assert page.get_by_role("link", name="今日 1 项到期", exact=True).count() == 1


def test_redraw_keeps_keyboard_focus(site, page):
    """Pressing 立即同步 by keyboard redraws the sync screen when the sync ends, and focus stays on the button."""
    rep = site.add_user("sales", name="周敏")
    log_in(page, rep)
    page.goto("/#/sync")
    page.focus("#sync-now")

    before = last_sync(page)
    page.keyboard.press("Enter")
    wait_synced(page, after=before)
    page.wait_for_timeout(300)  # the redraw waits 50 ms after the store's last change

    assert page.evaluate("() => document.activeElement.id") == "sync-now"


def test_filter_button_keeps_focus(site, page):
    """Choosing 已结 among the ticket filters by keyboard leaves focus on 已结 after the list redraws."""
    rep = site.add_user("sales", name="吴芳")
    log_in(page, rep)
    page.goto("/#/tickets")
    page.focus(".view-tickets .segment:nth-child(2)")

    page.keyboard.press("Enter")
    page.wait_for_selector(".view-tickets .segment:nth-child(2)[aria-pressed=true]")

    assert page.evaluate(FOCUSED) == {"tag": "button", "text": "已结"}


def test_sync_trouble_is_announced(site, new_context):
    """Going offline is read out through a live region, and so is the next successful sync."""
    rep = site.add_user("sales", name="林峰")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    wait_synced(page, after=0)
    announcer = page.locator("#sync-announcer[role=status]")
    assert announcer.inner_text() == "", "a normal sync is not read out"

    context.set_offline(True)
    page.evaluate("async () => (await import('/js/context.js')).app.sync.syncNow()")
    page.wait_for_function("() => document.querySelector('#sync-announcer').textContent.startsWith('离线')")

    before = last_sync(page)
    context.set_offline(False)
    wait_synced(page, after=before)
    page.wait_for_function("() => document.querySelector('#sync-announcer').textContent === '已同步'")
