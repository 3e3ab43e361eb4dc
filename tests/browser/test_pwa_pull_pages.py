"""The customer list during a first pull of several pages, in the real PWA
against a real server: each page shows while the next one is still on its
way, and the list ends with every customer."""

import re
import uuid
from datetime import datetime, timezone

import pytest

from genzong.server.db import transaction
from genzong.server.pull import PAGE_SIZE
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.sync import format_stamp
from .pwa_helpers import PASSWORD, TIMEOUT_MS, wait_synced, wait_until

pytestmark = pytest.mark.browser

# Enough customers for three pull pages.
CUSTOMERS = 2 * PAGE_SIZE + 500

SHOWN_COUNT = "() => Number((document.querySelector('.result-count')?.textContent ?? '').replace(/\\D/g, '') || -1)"


def add_customers(site, owner_id: str, count: int) -> None:
    """Store ``count`` customers of ``owner_id`` as server writes, in one transaction."""
    state = open_data_dir(site.data)
    conn = state.records.get()
    try:
        with transaction(conn):
            batch = Batch(conn, format_stamp(datetime.now(timezone.utc)), None, "server")
            for number in range(count):
                batch.server_write("customers", str(uuid.uuid4()), {
                    "name": f"客户{number:05d}", "kind": "直接", "owner_id": owner_id,
                    "phone": f"139{number:08d}"})
            batch.flush()
    finally:
        state.close()


class HeldPulls:
    """Lets the first POST /api/sync through and holds each later one until released."""

    def __init__(self):
        self.seen = 0
        self.held_routes = []
        self.passing = False

    def __call__(self, route):
        self.seen += 1
        if self.seen == 1 or self.passing:
            route.continue_()
        else:
            self.held_routes.append(route)

    def release_next(self, page) -> None:
        wait_until(page, lambda: self.held_routes)
        self.held_routes.pop(0).continue_()

    def release_all(self) -> None:
        """Let the held requests and every later one through."""
        self.passing = True
        while self.held_routes:
            self.held_routes.pop(0).continue_()


def log_in_to_customers(page, rep) -> None:
    """Log in as ``rep`` on a fresh page, landing on the customer list while the first pull runs."""
    page.goto("/#/login?next=/customers")
    page.fill("#username", rep.username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(re.compile(r"#/customers$"))


def shown_count(page) -> int:
    return page.evaluate(SHOWN_COUNT)


def wait_shown_above(page, count: int) -> int:
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() > count", arg=count, timeout=TIMEOUT_MS)
    return shown_count(page)


def test_pull_pages_show_before_pull_ends(site, new_context):
    rep = site.add_user("sales", name="钱多多")
    add_customers(site, rep.id, CUSTOMERS)
    page = new_context().new_page()
    pulls = HeldPulls()
    page.route("**/api/sync", pulls)

    log_in_to_customers(page, rep)

    first = wait_shown_above(page, 0)
    assert first <= PAGE_SIZE, "only the first page has arrived"
    assert page.locator(".view-customers .cards li").count() == min(first, 100)
    assert page.evaluate("() => document.documentElement.dataset.syncState") == "syncing"

    pulls.release_next(page)
    second = wait_shown_above(page, first)
    assert second <= 2 * PAGE_SIZE, "the third page is still held"
    assert page.evaluate("() => document.documentElement.dataset.syncState") == "syncing"

    pulls.release_next(page)
    pulls.release_all()
    wait_synced(page, after=0)
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() === count", arg=CUSTOMERS, timeout=TIMEOUT_MS)
    assert page.locator(".view-customers .cards li").count() == 100
    assert page.locator(".card-title").first.inner_text() == "客户00000"
    assert pulls.seen >= 3


class FailedNextPage:
    """Lets every POST /api/sync through except the second, which fails as a dropped connection would."""

    def __init__(self):
        self.seen = 0
        self.cursors = []

    def __call__(self, route):
        self.seen += 1
        self.cursors.append(route.request.post_data_json["cursor"])
        if self.seen == 2:
            route.abort("connectionreset")
        else:
            route.continue_()


def test_pull_resumes_after_next_page_fails(site, new_context):
    """The request for the second page fails while the first is stored. The first stays stored and the pull resumes."""
    rep = site.add_user("sales", name="孙多多")
    add_customers(site, rep.id, CUSTOMERS)
    page = new_context().new_page()
    pulls = FailedNextPage()
    page.route("**/api/sync", pulls)

    log_in_to_customers(page, rep)
    wait_synced(page, after=0)
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() === count", arg=CUSTOMERS, timeout=TIMEOUT_MS)

    first_page_cursor = pulls.cursors[1]
    assert first_page_cursor > 0, "the failed request named the first page's cursor"
    assert pulls.cursors[2] == first_page_cursor, "the retry resumed after the stored first page"
    assert page.locator(".view-customers .cards li").count() == 100
