"""A first login in the real PWA against a real server: the customer list is
whole before the follow-ups arrive, and the follow-ups follow without the
customers coming twice, also after a reload."""

import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from genzong.server.db import transaction
from genzong.server.pull import PAGE_SIZE
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.sync import format_stamp
from .pwa_helpers import PASSWORD, TIMEOUT_MS, screenshot, wait_for_service_worker, wait_synced, wait_until

pytestmark = pytest.mark.browser

# Two pages of customers, and one follow-up for each.
CUSTOMERS = PAGE_SIZE + 200

SHOWN_COUNT = "() => Number((document.querySelector('.result-count')?.textContent ?? '').replace(/\\D/g, '') || -1)"
STORED = "async (table) => (await import('/js/context.js')).app.store.records(table).length"
META = "async (key) => (await import('/js/context.js')).app.store.getMeta(key) ?? null"
SHOWN_TAGS = "async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.tag)"


def add_customers_with_follow_ups(site, owner_id: str, count: int = CUSTOMERS) -> list[str]:
    """Store ``count`` customers of ``owner_id``, each followed by one follow-up, as server writes.

    Returns the customers' ids in the order written.
    """
    state = open_data_dir(site.data)
    conn = state.records.get()
    now = datetime.now(timezone.utc)
    customers = []
    try:
        with transaction(conn):
            batch = Batch(conn, format_stamp(now), None, "server")
            for number in range(count):
                customer = str(uuid.uuid4())
                customers.append(customer)
                batch.server_write("customers", customer, {"name": f"客户{number:05d}", "owner_id": owner_id})
                batch.server_write("follow_ups", str(uuid.uuid4()), {
                    "customer_id": customer, "channel": "电话", "content": f"第{number}次回访",
                    "happened_at": format_stamp(now)}, history=False)
            batch.flush()
    finally:
        state.close()
    return customers


class SyncRequests:
    """Records each POST /api/sync body and holds those that ``should_hold(body)``
    selects (by default those naming `pulled`: the pull of the logs) until released."""

    def __init__(self, should_hold=lambda body: "pulled" in body):
        self.bodies = []
        self.held_routes = []
        self.holding = True
        self.should_hold = should_hold

    def __call__(self, route):
        body = route.request.post_data_json
        self.bodies.append(body)
        if self.holding and self.should_hold(body):
            self.held_routes.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.holding = False
        while self.held_routes:
            self.held_routes.pop(0).continue_()


def log_in_to(page, rep, screen: str) -> None:
    page.goto(f"/#/login?next=/{screen}")
    page.fill("#username", rep.username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(re.compile(f"#/{screen}$"))


def log_in_until_held(page, user, screen: str = "customers",
                      sync_requests: SyncRequests | None = None) -> SyncRequests:
    """Log ``user`` in on a fresh ``page`` and return once ``sync_requests`` has held back a request."""
    sync_requests = sync_requests or SyncRequests()
    page.route("**/api/sync", sync_requests)
    log_in_to(page, user, screen)
    wait_until(page, lambda: sync_requests.held_routes)
    return sync_requests


def test_list_whole_before_follow_ups(site, new_context):
    rep = site.add_user("sales", name="周全")
    add_customers_with_follow_ups(site, rep.id)
    page = new_context().new_page()
    sync_requests = SyncRequests()
    page.route("**/api/sync", sync_requests)

    log_in_to(page, rep, "customers")
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() === count", arg=CUSTOMERS, timeout=TIMEOUT_MS)
    wait_until(page, lambda: sync_requests.held_routes)

    assert page.evaluate(STORED, "follow_ups") == 0
    assert page.locator("#sync-chip").inner_text() == "正在下载跟进记录…"
    firsts = [body for body in sync_requests.bodies if "only" in body]
    assert len(firsts) == 2
    assert "customers" in firsts[0]["only"]
    assert "follow_ups" not in firsts[0]["only"]
    assert "history" not in firsts[0]["only"]
    assert all(body["changes"] == [] for body in firsts)
    rest = sync_requests.bodies[len(firsts)]
    assert rest["cursor"] == 0
    assert set(rest["pulled"]) == set(firsts[0]["only"])
    page.goto("/#/today")
    assert page.locator(".logs-loading").is_visible()

    sync_requests.release()
    wait_synced(page, after=0)

    assert page.evaluate(STORED, "follow_ups") == CUSTOMERS
    assert page.evaluate(STORED, "customers") == CUSTOMERS
    assert page.evaluate(META, "pulled") is None
    assert page.locator("#sync-chip").inner_text() == "已同步"
    page.wait_for_selector(".logs-loading", state="detached")
    assert all("only" not in body for body in sync_requests.bodies[len(firsts):])


def test_first_pull_resumes_after_reload(site, new_context):
    rep = site.add_user("sales", name="吴用")
    add_customers_with_follow_ups(site, rep.id)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)
    sync_requests.held_routes.pop().abort("connectionreset")
    before_reload = len(sync_requests.bodies)

    pulled_tables = []

    def count_tables(route):
        sync_requests.bodies.append(route.request.post_data_json)
        response = route.fetch()
        pulled_tables.extend(change["table"] for change in response.json()["changes"])
        route.fulfill(response=response)

    page.unroute("**/api/sync")
    page.route("**/api/sync", count_tables)
    page.reload()
    wait_synced(page, after=0)

    after_reload = sync_requests.bodies[before_reload:]
    assert after_reload
    assert all("only" not in body for body in after_reload)
    assert "pulled" in after_reload[0]
    assert after_reload[0]["cursor"] == 0
    assert pulled_tables.count("follow_ups") == CUSTOMERS
    assert pulled_tables.count("customers") == 0
    assert page.evaluate(STORED, "customers") == CUSTOMERS
    assert page.evaluate(STORED, "follow_ups") == CUSTOMERS


OWNERS_STORED = "async () => [...new Set((await import('/js/context.js')).app.store.list('customers').map((c) => c.owner_id))]"


def test_other_user_after_logout_mid_pull(site, new_context):
    first_rep = site.add_user("sales", name="钱多")
    second_rep = site.add_user("sales", name="孙立")
    add_customers_with_follow_ups(site, first_rep.id)
    add_customers_with_follow_ups(site, second_rep.id)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, first_rep)

    page.goto("/#/settings")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=退出登录")
    page.wait_for_selector("#username")
    log_in_to(page, second_rep, "customers")
    # Only now does the first rep's request for the follow-ups get its response.
    sync_requests.release()
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() === count", arg=CUSTOMERS, timeout=TIMEOUT_MS)
    wait_synced(page, after=0)

    assert page.evaluate(OWNERS_STORED) == [second_rep.id]
    assert page.evaluate(STORED, "customers") == CUSTOMERS
    assert page.evaluate(STORED, "follow_ups") == CUSTOMERS
    assert page.evaluate(META, "pulled") is None
    assert page.evaluate(META, "first_pull") is None
def test_customer_page_says_follow_ups_loading(site, new_context):
    rep = site.add_user("sales", name="钱进")
    customer = add_customers_with_follow_ups(site, rep.id, count=20)[0]
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)

    page.goto(f"/#/customer/{customer}")
    follow_ups = page.locator(".view-customer section.section", has=page.locator("h3", has_text="跟进记录"))
    history = page.locator(".view-customer .history-section")

    assert follow_ups.locator(".logs-loading").inner_text() == "跟进记录还没下载完，这里可能还不全。"
    assert follow_ups.locator("h3").inner_text() == "跟进记录"
    assert follow_ups.locator(".empty").count() == 0
    assert history.locator("summary").inner_text() == "修改历史"
    assert history.locator(".logs-loading").count() == 1
    assert history.locator(".empty").count() == 0
    screenshot(page, "first-pull-customer-loading", full_page=True)

    sync_requests.release()
    wait_synced(page, after=0)

    page.wait_for_selector(".logs-loading", state="detached")
    assert follow_ups.locator("h3").inner_text() == "跟进记录（1）"
    assert follow_ups.locator(".timeline-item").count() == 1
    assert history.locator("summary").inner_text() == "修改历史（0）"


def test_edit_form_history_after_first_pull(site, new_context):
    """An open edit form's history section redraws when the first pull ends, keeping what was typed."""
    rep = site.add_user("sales", name="冯远")
    customer = add_customers_with_follow_ups(site, rep.id, count=20)[0]
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, format_stamp(datetime.now(timezone.utc)), None, "server")
            batch.server_write("customers", customer, {"phone": "13800000009"})
            batch.flush()
    finally:
        state.close()
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)

    page.goto(f"/#/customer/{customer}/edit")
    history = page.locator(".view-form .history-section")
    page.fill("#field-notes", "还没保存的备注")
    history.locator("summary").click()
    assert history.locator(".logs-loading").count() == 1
    assert history.locator("summary").inner_text() == "修改历史"

    sync_requests.release()
    wait_synced(page, after=0)

    page.wait_for_selector(".view-form .logs-loading", state="detached")
    assert history.locator("summary").inner_text() == "修改历史（1）"
    assert history.get_attribute("open") is not None
    assert "13800000009" in history.inner_text()
    assert page.input_value("#field-notes") == "还没保存的备注"


def test_chip_after_reconnect_mid_pull(site, new_context):
    """A request that stalls while the phone is offline and goes on once it is back
    leaves the chip saying what the pull does, not 离线."""
    rep = site.add_user("sales", name="孙立")
    add_customers_with_follow_ups(site, rep.id, count=20)
    context = new_context()
    page = context.new_page()
    sync_requests = log_in_until_held(page, rep)
    chip = page.locator("#sync-chip")

    context.set_offline(True)
    page.wait_for_function("() => document.getElementById('sync-chip').textContent === '离线'", timeout=TIMEOUT_MS)
    context.set_offline(False)

    page.wait_for_function("() => document.getElementById('sync-chip').textContent === '正在下载跟进记录…'",
                           timeout=TIMEOUT_MS)
    sync_requests.release()
    wait_synced(page, after=0)
    assert chip.inner_text() == "已同步"
    assert page.evaluate(STORED, "follow_ups") == 20


def add_old_customer_followed_up(site, owner_id: str) -> str:
    """Store a 直接 customer owned for 40 days and followed up yesterday; return its id.

    Its pool return is 29 days away, but without its follow-up it looks overdue.
    """
    customer = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    state = open_data_dir(site.data)
    conn = state.records.get()
    try:
        for stamp, table, record_id, fields in (
                (now - timedelta(days=40), "customers", customer, {"name": "老客户", "kind": "直接", "owner_id": owner_id}),
                (now, "follow_ups", str(uuid.uuid4()), {"customer_id": customer, "channel": "电话", "content": "回访",
                                                        "happened_at": format_stamp(now - timedelta(days=1))})):
            with transaction(conn):
                batch = Batch(conn, format_stamp(stamp), None, "server")
                batch.server_write(table, record_id, fields, history=False)
                batch.flush()
    finally:
        state.close()
    return customer


def test_pool_warning_waits_for_follow_ups(site, new_context):
    """A customer owned for 40 days and followed up yesterday is not about to
    return to the pool, though it looks so before its follow-ups arrive."""
    rep = site.add_user("sales", name="郑和")
    customer = add_old_customer_followed_up(site, rep.id)
    now = datetime.now(timezone.utc)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)

    page.goto(f"/#/customer/{customer}")
    return_date = page.locator("xpath=//dl[@class='details']/dt[.='退回公海日期']/following-sibling::dd[1]")
    return_date.wait_for()

    assert page.locator(".pool-warning").count() == 0
    assert return_date.inner_text() == "跟进记录下载完后显示"
    page.goto("/#/today")
    page.locator(".view-today .logs-loading").wait_for()
    assert page.locator(f".due-item[data-key^='pool_warning:{customer}']").count() == 0

    sync_requests.release()
    wait_synced(page, after=0)

    page.goto(f"/#/customer/{customer}")
    page.wait_for_selector(".logs-loading", state="detached")
    returns_on = (now - timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)
    assert return_date.inner_text() == returns_on.isoformat()
    assert page.locator(".pool-warning").count() == 0


def test_search_says_follow_ups_loading(site, new_context):
    rep = site.add_user("sales", name="冯远")
    add_customers_with_follow_ups(site, rep.id, count=20)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)

    page.fill("#customer-search", "客户")
    page.wait_for_function("() => document.querySelector('.result-count')?.textContent === '共 20 位客户'")
    assert page.locator(".view-customers .logs-loading").count() == 1
    page.fill("#customer-search", "回访")
    page.wait_for_function("() => document.querySelector('.result-count')?.textContent === '共 0 位客户'")
    assert page.locator(".view-customers .logs-loading").inner_text() == "跟进记录还没下载完，按跟进内容搜到的客户可能还不全。"
    screenshot(page, "first-pull-search-loading")

    sync_requests.release()
    wait_synced(page, after=0)

    page.wait_for_function("() => document.querySelector('.result-count')?.textContent === '共 20 位客户'",
                           timeout=TIMEOUT_MS)
    assert page.locator(".view-customers .logs-loading").count() == 0
    page.fill("#customer-search", "")
    assert page.locator(".view-customers .logs-loading").count() == 0


def test_sync_page_names_follow_up_download(site, new_context):
    """The chip leads to the sync page, whose status names the same step."""
    rep = site.add_user("sales", name="韩青")
    add_customers_with_follow_ups(site, rep.id, count=20)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep)

    page.click("#sync-chip")
    page.wait_for_url(re.compile("#/sync$"))
    status = page.locator(".sync-status dd strong")

    last_sync = page.locator(".sync-status dt:has-text('上次成功同步') + dd")

    assert status.inner_text() == "正在下载跟进记录…"
    assert page.locator("#sync-chip").inner_text() == "正在下载跟进记录…"
    assert last_sync.inner_text().endswith("下载了一部分，首次下载还没完成")

    sync_requests.release()
    wait_synced(page, after=0)
    page.wait_for_function("() => document.querySelector('.sync-status dd strong')?.textContent === '已连接'",
                           timeout=TIMEOUT_MS)
    assert re.fullmatch(r"[^，]*\d\d:\d\d", last_sync.inner_text())


def test_reminder_waits_for_follow_ups(site, new_context):
    """A customer due yesterday and followed up today gets no notification,
    though it looks due until its follow-up arrives; one still due gets one."""
    rep = site.add_user("sales", name="魏东")
    now = datetime.now(timezone.utc)
    yesterday = (now.astimezone(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()
    settled, due = str(uuid.uuid4()), str(uuid.uuid4())
    state = open_data_dir(site.data)
    conn = state.records.get()
    try:
        with transaction(conn):
            batch = Batch(conn, format_stamp(now), None, "server")
            for customer, name in ((settled, "已回访"), (due, "待回访")):
                batch.server_write("customers", customer, {"name": name, "owner_id": rep.id, "next_follow_up": yesterday})
            batch.server_write("follow_ups", str(uuid.uuid4()), {
                "customer_id": settled, "channel": "电话", "content": "回访", "happened_at": format_stamp(now)}, history=False)
            batch.flush()
    finally:
        state.close()
    context = new_context()
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    sync_requests = log_in_until_held(page, rep, "settings")
    wait_for_service_worker(page)
    page.click("#reminders-on")
    page.wait_for_selector("#reminders-off")
    page.evaluate("async () => (await import('/js/notifications.js')).checkReminders()")

    assert page.evaluate(SHOWN_TAGS) == []

    sync_requests.release()
    wait_synced(page, after=0)
    wait_until(page, lambda: page.evaluate(SHOWN_TAGS))
    assert page.evaluate(SHOWN_TAGS) == [f"genzong-customers-{due}"]


def test_empty_lists_say_data_still_downloads(site, new_context):
    """Until the first part of a first pull arrives, 客户 and 今日 show that the data
    still downloads, not that the rep has no customers or nothing due."""
    rep = site.add_user("sales", name="吴新")
    add_customers_with_follow_ups(site, rep.id, count=5)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, rep, "customers", SyncRequests(should_hold=lambda body: True))

    customers_empty = page.locator(".view-customers .empty")
    assert customers_empty.inner_text() == "客户还没下载完，联网时会自动下载，请稍候。"
    assert page.locator(".view-customers .result-count").count() == 0
    screenshot(page, "first-pull-customers-not-downloaded")
    page.goto("/#/today")
    today_empty = page.locator(".view-today .empty")
    assert today_empty.inner_text() == "数据还没下载完，下载完后这里会列出今天到期的事项。"

    sync_requests.release()
    wait_synced(page, after=0)

    page.wait_for_function("() => document.querySelector('.view-today .empty')?.textContent === '今天没有到期的事项。'",
                           timeout=TIMEOUT_MS)
    page.goto("/#/customers")
    page.wait_for_function(f"(count) => ({SHOWN_COUNT})() === count", arg=5, timeout=TIMEOUT_MS)
    assert customers_empty.count() == 0


def test_pool_warning_waits_in_first_part(site, new_context):
    """While the first part of a first pull still brings customers, no
    follow-up is on the device yet, so no pool warning may show either."""
    rep = site.add_user("sales", name="褚遂")
    customer = add_old_customer_followed_up(site, rep.id)
    add_customers_with_follow_ups(site, rep.id, count=PAGE_SIZE)
    page = new_context().new_page()
    # Hold the first part's requests after its first page.
    first_part_rest = SyncRequests(should_hold=lambda body: "only" in body and body["cursor"] > 0)
    sync_requests = log_in_until_held(page, rep, "today", first_part_rest)
    wait_until(page, lambda: page.evaluate(META, "first_pull") is not None)
    # The badge check runs at most every five seconds while pages follow, and once they pause.
    page.evaluate("async () => (await import('/js/notifications.js')).checkReminders()")
    page.locator(".view-today .logs-loading").wait_for()

    assert page.locator(f".due-item[data-key^='pool_warning:{customer}']").count() == 0
    assert page.evaluate("() => document.documentElement.dataset.dueCount") == "0"
    page.goto(f"/#/customer/{customer}")
    return_date = page.locator("xpath=//dl[@class='details']/dt[.='退回公海日期']/following-sibling::dd[1]")
    return_date.wait_for()
    assert page.locator(".pool-warning").count() == 0
    assert return_date.inner_text() == "跟进记录下载完后显示"

    sync_requests.release()
    wait_synced(page, after=0)
    page.wait_for_selector(".logs-loading", state="detached")
    assert page.locator(".pool-warning").count() == 0
    assert page.evaluate("() => document.documentElement.dataset.dueCount") == "0"


def test_handover_says_follow_ups_loading(site, new_context):
    """A manager's handover preview counts follow-ups, which a first pull brings last."""
    manager = site.add_user("manager", name="蒋干")
    rep = site.add_user("sales", name="沈括")
    add_customers_with_follow_ups(site, rep.id, count=20)
    page = new_context().new_page()
    sync_requests = log_in_until_held(page, manager, "handover")
    page.wait_for_selector(f"#handover-from option[value='{rep.id}']", state="attached")
    page.select_option("#handover-from", rep.id)
    preview = page.locator(".handover-preview")

    assert preview.locator(".logs-loading").inner_text() == "跟进记录还没下载完，上面的跟进记录条数可能偏少。"

    sync_requests.release()
    wait_synced(page, after=0)
    preview.locator(".logs-loading").wait_for(state="detached")
    assert "含跟进记录 20 条" in preview.inner_text()
