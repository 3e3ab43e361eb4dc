"""The login screen of a rep whose account was disabled while the phone held unsynced changes."""

import pytest

from genzong.server.state import open_data_dir

from .pwa_helpers import PASSWORD, TIMEOUT_MS, Site, create_customer, log_in, pending

pytestmark = pytest.mark.browser

PORT = 8160


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    running = Site(tmp_path_factory.mktemp("site"))
    running.port = PORT
    running.start()
    yield running
    running.stop()


def disable(site, username):
    state = open_data_dir(site.data)
    try:
        state.accounts().set_disabled(username)
    finally:
        state.close()


def test_disabled_rep_told_to_ask_manager(site, new_context):
    rep = site.add_user("sales", name="周杰")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    context.set_offline(True)
    create_customer(page, "离线客户")
    assert pending(page) == 1
    disable(site, rep.username)

    context.set_offline(False)
    page.wait_for_function("() => document.documentElement.dataset.syncState === 'unauthorized'",
                           timeout=TIMEOUT_MS)
    page.goto("/#/login")
    page.fill("#username", rep.username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    error = page.locator("form.login-form .form-error")
    error.filter(has_text="已停用").wait_for(timeout=TIMEOUT_MS)

    text = error.inner_text()
    assert text.startswith(f"账号 {rep.username} 已停用，不能登录。请联系你的经理。本机还有 1 条未同步的修改")
    assert "请告诉经理" in text
    assert not page.locator(".view-login .notice-warning").is_visible(), "the notice still says to log in again"
    assert not page.get_by_text("登录已失效").first.is_visible(), "a banner still says to log in again"


def test_wrong_password_of_disabled_rep_says_nothing_more(site, page):
    rep = site.add_user("sales")
    disable(site, rep.username)
    page.goto("/#/login")
    page.fill("#username", rep.username)
    page.fill("#password", "wrong-password")
    page.click("form.login-form button[type=submit]")
    error = page.locator("form.login-form .form-error")
    error.filter(has_text="错误").wait_for(timeout=TIMEOUT_MS)

    assert error.inner_text() == "用户名或密码错误。"
