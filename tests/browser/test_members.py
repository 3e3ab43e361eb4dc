"""成员管理 in Chromium on a 360 px phone, in Chinese and English.

An admin adds a rep, who then logs in with the generated password. The
admin changes the rep's role, and the rep's own device follows after a
sync. A member who owns customers is disabled through the hand-over."""

import re

import pytest
from playwright.sync_api import expect

from .pwa_helpers import log_in, no_horizontal_overflow, save_form, screenshot, sync_now

pytestmark = pytest.mark.browser

NARROW_PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000


def open_members(page):
    page.click("nav.tabs a[data-tab=settings]")
    page.click("[data-section=members] a[href='#/members']")
    page.wait_for_selector(".view-members[data-load=loaded] .member-card", timeout=TIMEOUT_MS)


def member_card(page, username):
    return page.locator(f".member-card[data-username='{username}']")


def test_admin_adds_rep_who_logs_in(new_context, site):
    admin = site.add_user("admin", name="赵管理")
    manager = site.add_user("manager", name="王经理")
    admin_page = new_context(viewport=NARROW_PHONE).new_page()
    log_in(admin_page, admin)
    open_members(admin_page)

    admin_page.click("#member-add")
    admin_page.fill("#member-username", "zhaolei")
    admin_page.fill("#member-name", "赵磊")
    admin_page.select_option("#member-manager", manager.id)
    admin_page.click(".member-add button[type=submit]")
    expect(member_card(admin_page, "zhaolei")).to_contain_text("上级经理：王经理", timeout=TIMEOUT_MS)
    expect(admin_page.locator(".member-add")).to_have_count(0)
    password = admin_page.inner_text(".member-generated-password")
    assert re.fullmatch(r"[a-z2-9]{10}", password), password
    assert no_horizontal_overflow(admin_page)
    screenshot(admin_page, "members")

    rep_page = new_context(viewport=NARROW_PHONE).new_page()
    rep_page.goto("/")
    rep_page.fill("#username", "zhaolei")
    rep_page.fill("#password", password)
    rep_page.click("form.login-form button[type=submit]")
    rep_page.wait_for_function("() => !location.hash.startsWith('#/login')", timeout=TIMEOUT_MS)
    rep_page.click("nav.tabs a[data-tab=settings]")
    expect(rep_page.locator("[data-section=account]")).to_contain_text("业务员")
    assert rep_page.locator("[data-section=members]").count() == 0, "a rep sees no entry"

    # The admin makes the rep a manager; the rep's device follows at its next sync.
    card = member_card(admin_page, "zhaolei")
    card.locator("[data-action=edit]").click()
    admin_page.select_option("#member-edit-role", "manager")
    card.locator("button[type=submit]").click()
    expect(member_card(admin_page, "zhaolei")).to_have_attribute("data-role", "manager", timeout=TIMEOUT_MS)
    expect(member_card(admin_page, "zhaolei").locator(".member-edit")).to_have_count(0)
    assert site.query("SELECT role FROM users WHERE username = 'zhaolei'")[0]["role"] == "manager"
    sync_now(rep_page)
    rep_page.goto("/#/settings")
    expect(rep_page.locator("[data-section=account]")).to_contain_text("销售经理", timeout=TIMEOUT_MS)
    expect(rep_page.locator("[data-section=management]")).to_contain_text("工作交接")
    assert rep_page.locator("[data-section=members]").count() == 0, "a manager sees no entry"


def test_owner_of_customers_goes_to_handover(new_context, site):
    admin = site.add_user("admin", name="钱管理")
    rep = site.add_user("sales", name="孙业务")
    page = new_context(viewport=NARROW_PHONE).new_page()
    log_in(page, admin)
    page.goto("/#/customer/new")
    page.fill("#field-name", "要交接的客户")
    page.select_option("#field-owner_id", rep.id)
    save_form(page)
    page.wait_for_url(re.compile(r".*#/customer/[0-9a-f-]{36}$"), timeout=TIMEOUT_MS)
    sync_now(page)

    page.goto("/#/settings")
    page.click("button[data-language=en]")
    open_members(page)
    expect(page.locator(".view-members h2")).to_have_text("Team members")
    card = member_card(page, rep.username)
    expect(card).to_contain_text("Owns 1 customers")
    assert card.locator("[data-action=disable]").count() == 0
    card.locator("a[href^='#/handover']").click()
    expect(page.locator("#handover-from")).to_have_value(rep.id, timeout=TIMEOUT_MS)
    assert no_horizontal_overflow(page)
