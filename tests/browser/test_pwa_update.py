"""A new deployment: the open app notices it, offers a reload, and unsynced
changes survive the update."""

import re

import pytest

from .pwa_helpers import Site, copy_checkout_shell, log_in, pending, save_form, sync_now, wait_for_service_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def deployed_site(tmp_path):
    """A server that serves a copy of pwa/, which the test changes as a deployment would."""
    shell = copy_checkout_shell(tmp_path / "checkout")
    site = Site(tmp_path / "site", env={"GENZONG_ROOT": str(shell)}).start()
    site.shell = shell / "pwa"
    yield site
    site.stop()


def shell_caches(page) -> list[str]:
    return page.evaluate("async () => (await caches.keys()).filter((name) => name.startsWith('genzong-shell-'))")


def test_new_version_keeps_unsynced_changes(deployed_site, new_context):
    rep = deployed_site.add_user("sales")
    context = new_context(base_url=deployed_site.url)
    page = context.new_page()
    log_in(page, rep)
    wait_for_service_worker(page)
    first = shell_caches(page)
    assert len(first) == 1

    # The server cannot take changes for now, so this one stays unsynced.
    context.route("**/api/sync", lambda route: route.abort())
    page.goto("/#/customer/new")
    page.fill("#field-name", "韩雪")
    save_form(page)
    page.wait_for_url(re.compile(r"#/customer/[0-9a-f-]{36}$"))
    customer_id = page.url.rsplit("/", 1)[1]
    assert pending(page) == 1

    stylesheet = deployed_site.shell / "css" / "app.css"
    stylesheet.write_text(stylesheet.read_text() + "\n/* second deployment */\n")
    page.goto("/#/sync")
    page.click("#sync-now")  # also checks for a new version
    update = page.locator("#banner-update")
    update.wait_for()
    assert "新版本已准备好" in update.inner_text()

    with page.expect_event("load"):
        update.locator("button").click()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    second = shell_caches(page)
    assert len(second) == 1, "the old version's cache is gone"
    assert second != first
    assert "second deployment" in page.evaluate("async () => (await fetch('/css/app.css')).text()")

    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector(".customer-name:has-text('韩雪')")
    assert pending(page) == 1, "the unsynced change survived the update"
    context.unroute("**/api/sync")
    sync_now(page)
    assert deployed_site.query("SELECT name FROM customers WHERE id = ?", (customer_id,)) == [{"name": "韩雪"}]


def test_settings_cold_start_shows_version(site, new_context):
    """Opening the app straight at 设置 shows the service worker's shell version."""
    rep = site.add_user("sales")
    page = new_context().new_page()
    log_in(page, rep)
    wait_for_service_worker(page)
    page.goto("/#/settings")
    page.reload()
    about = page.locator("[data-section=about]")
    about.wait_for()
    served = page.evaluate("async () => (await (await fetch('/sw.js')).text()).match(/\"version\":\"(\\w+)\"/)[1]")
    page.wait_for_function("(version) => document.querySelector('[data-section=about]').innerText.includes(version)",
                           arg=served)
    assert "未知" not in about.inner_text()
