"""Fixtures for tests that drive the real PWA in Debian's Chromium.

One Chromium runs for all of them; every test gets a new browser
context (its own IndexedDB, service worker and cookies). Each test module
gets its own `genzong serve` process on a free loopback port with its own
data folder, so modules never see each other's records.
"""

import pytest
from playwright.sync_api import sync_playwright

from .pwa_helpers import CHROMIUM, CHROMIUM_ARGS, PHONE, Site


# Package scope: one Chromium for all browser tests, stopped when they end.
# Playwright's sync API keeps an asyncio loop running on the main thread while
# it is open, so a session-wide browser would break asyncio.run() in later tests.
@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A running server with an empty database; add users with site.add_user."""
    running = Site(tmp_path_factory.mktemp("site")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def module_page(browser, site):
    """A page on the site's origin (not the app) that imports the modules a test calls."""
    context = browser.new_context(base_url=site.url, service_workers="block")
    page = context.new_page()
    page.goto("/manifest.webmanifest")
    yield page
    context.close()


@pytest.fixture
def new_context(browser, request):
    """Open a phone-sized browser context: new_context(**options), on ``site`` unless base_url is given."""
    opened = []

    def make(**options):
        if "base_url" not in options:
            options["base_url"] = request.getfixturevalue("site").url
        settings = {"viewport": PHONE, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                    "service_workers": "allow", **options}
        context = browser.new_context(**settings)
        context.page_errors = []
        context.on("page", lambda page: page.on("pageerror", lambda error: context.page_errors.append(error)))
        opened.append(context)
        return context

    yield make
    for context in opened:
        errors = list(context.page_errors)
        context.close()
        assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()
