"""Reminders on the device, in Chromium against a real server.

The tests cover the 今日 screen and its badge offline, local notifications
once per item, and the service worker's push and notification-click
handling. They also cover 开启提醒 with a refused permission and with a push
service, and 发送付款提醒.

Headless Chromium has no push service, so one test gives the page a
stand-in: PushManager's subscribe and getSubscription hand out
subscriptions of the local push service in tests/stand_ins.py, which
checks the server's VAPID signature and decrypts what it receives.
"""

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from genzong.server import settings as org_settings
from genzong.server.reminders.items import DueItem, due_items
from genzong.server.reminders.text import cut, summary_payload, title_and_body
from genzong.server.sqlfunctions import register_functions
from genzong.server.state import open_data_dir
from genzong.sync import format_stamp
from reminder_helpers import seed

from .pwa_helpers import (CHROMIUM, CHROMIUM_ARGS, PASSWORD, PHONE, TIMEOUT_MS, log_in, screenshot,
                          wait_for_service_worker, wait_synced, wait_until)

pytestmark = pytest.mark.browser

SHANGHAI = timezone(timedelta(hours=8))


@dataclass
class DueRecords:
    rep: object
    manager: object
    project_rep: object      # has the kinds of items the first rep has not
    follow_up_customer: str
    late_customer: str       # follow-up five days overdue: escalated to the manager
    receivable_customer: str
    receivable: str
    ticket: str
    keys: set                # the rep's item keys, as the server computes them


@pytest.fixture(scope="module")
def due(site) -> DueRecords:
    """A rep (with a manager) whose follow-up, receivable and ticket are due now,
    and another rep with project risks, a receivable due soon, a ticket past its
    deadline and a customer about to return to the public pool."""
    state = open_data_dir(site.data)
    try:
        manager = state.accounts().add("wangjingli", PASSWORD, "manager", "王经理")
        rep = state.accounts().add("zhangwei", PASSWORD, "sales", "张伟", "wangjingli")
        now = datetime.now(timezone.utc)
        today = now.astimezone(SHANGHAI).date()
        follow_up = seed(state, "customers", name="李娜", company="绿源地板有限公司", phone="13912345678",
                         owner_id=rep.id, next_follow_up=today.isoformat())
        late = seed(state, "customers", name="刘洋", owner_id=rep.id,
                    next_follow_up=(today - timedelta(days=5)).isoformat())
        customer = seed(state, "customers", name="王芳", company="华信装饰", owner_id=rep.id)
        receivable = seed(state, "receivables", customer_id=customer, order_no="DD2026030001",
                          sale_date=(today - timedelta(days=40)).isoformat(), amount_fen=1_234_550,
                          due_date=(today - timedelta(days=4)).isoformat())
        seed(state, "payments", receivable_id=receivable, paid_on=(today - timedelta(days=20)).isoformat(),
             amount_fen=1_111_100)
        seed(state, "receivables", customer_id=customer, order_no="DD2026030002", amount_fen=50_000,
             due_date=(today + timedelta(days=30)).isoformat())
        ticket = seed(state, "tickets", kind="投诉", number="GD000007", subject="地板起拱",
                      content="客厅地板中间起拱约 2 厘米", customer_id=customer, status="待处理",
                      reply_due_at=format_stamp(now + timedelta(hours=2, minutes=30)))

        project_rep = state.accounts().add("chenjing", PASSWORD, "sales", "陈静", "wangjingli")
        client = seed(state, "customers", name="赵强", company="明德装饰工程有限公司", owner_id=project_rep.id)
        project = seed(state, "projects", customer_id=client, name="明德办公楼地板改造", status="进行中")
        seed(state, "risks", project_id=project, category="进度", description="木地板到货可能推迟两周",
             probability=3, impact=4, status="处理中", due_on=(today - timedelta(days=2)).isoformat())
        seed(state, "risks", project_id=project, category="质量", description="地面找平不达标", probability=4,
             impact=4, status="待处理")
        seed(state, "risks", project_id=project, description="甲方变更设计", probability=5, impact=3,
             status="待处理", due_on=(today + timedelta(days=10)).isoformat())
        seed(state, "risks", project_id=project, category="成本", description="已关闭的风险", probability=5,
             impact=5, status="已关闭")
        seed(state, "receivables", customer_id=client, order_no="DD2026030003", amount_fen=880_000,
             due_date=(today + timedelta(days=2)).isoformat())
        seed(state, "tickets", kind="问题", number="GD000008", subject="踢脚线开裂", customer_id=client,
             status="处理中", reply_due_at=format_stamp(now - timedelta(hours=1, minutes=5)))
        # A 潜在 customer returns to the public pool two days after its owner got it.
        org_settings.write(state.records.get(), state.private.get(), "pool_days", {"潜在": 2})
        seed(state, "customers", name="孙丽", company="孙丽工作室", kind="潜在", owner_id=project_rep.id)
    finally:
        state.close()
    keys = {f"follow_up:{follow_up}:{today}", f"follow_up:{late}:{today - timedelta(days=5)}",
            f"receivable_overdue:{receivable}:{today - timedelta(days=4)}"}
    return DueRecords(rep, manager, project_rep, follow_up, late, customer, receivable, ticket, keys)


def shown_notifications(page) -> list[dict]:
    return page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
    }""")


def wait_for_notifications(page, expected, timeout: float = TIMEOUT_MS / 1000) -> list[dict]:
    """Wait until ``expected(notifications)`` is true and return the notifications shown."""
    seen = []

    def check():
        seen[:] = shown_notifications(page)
        return expected(seen)

    try:
        wait_until(page, check, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"the notifications shown are {seen}") from None
    return list(seen)


def due_keys(page) -> set[str]:
    return set(page.eval_on_selector_all(".due-item", "items => items.map((item) => item.dataset.key)"))


def check_reminders(page) -> None:
    """Run the app's reminder check now and wait for it to finish."""
    page.evaluate("async () => (await import('/js/notifications.js')).checkReminders()")


# The 今日 screen and badge ------------------------------------------------

def test_today_lists_due_items_offline(new_context, due):
    context = new_context()
    context.add_init_script("""
        window.appBadges = [];
        if (navigator.setAppBadge) {
            const set = navigator.setAppBadge.bind(navigator);
            navigator.setAppBadge = (count) => { window.appBadges.push(count); return set(count); };
        }""")
    page = context.new_page()
    log_in(page, due.rep)
    wait_for_service_worker(page)

    context.set_offline(True)
    page.reload()
    page.wait_for_selector(".view-today .due-item")
    keys = due_keys(page)
    assert due.keys <= keys
    assert any(key.startswith(f"ticket_due:{due.ticket}:") for key in keys)
    assert len(keys) == 4
    assert "待收 ¥1,234.50" in page.text_content(f".due-item[data-key^='receivable_overdue:{due.receivable}']")
    assert "GD000007" in page.text_content(f".due-item[data-key^='ticket_due:{due.ticket}']")

    page.wait_for_selector("#tabs a[data-tab=today] .tab-badge:not([hidden])")
    assert page.inner_text("#tabs a[data-tab=today] .tab-badge") == "4"
    if page.evaluate("'setAppBadge' in navigator"):
        assert page.evaluate("window.appBadges.at(-1)") == 4
    assert page.is_visible(".reminder-prompt"), "the screen offers 开启提醒 while notifications were never asked for"
    screenshot(page, "17-today-reminders-badge")


def test_push_gives_up_on_silent_push_service(browser, site, tmp_path):
    """A push service that never responds ends in 'unavailable', not an endless 正在开启推送….

    In a persistent Chromium profile without network access to Google,
    pushManager.subscribe() stays pending, as Chrome's reportedly does in mainland China.
    """
    rep = site.add_user("sales")
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE,
        locale="zh-CN", base_url=site.url)
    try:
        context.grant_permissions(["notifications"], origin=site.url)
        page = context.pages[0]
        page.clock.install()
        log_in(page, rep)
        wait_for_service_worker(page)
        page.goto("/#/settings")
        page.click("#reminders-on")
        page.wait_for_selector(".reminder-push[data-push-state=pending]")
        page.wait_for_timeout(1000)
        assert page.get_attribute(".reminder-push", "data-push-state") == "pending", "subscribe() did not hang here"
        # A second request while the first waits, as a login or a language change makes.
        page.evaluate("document.dispatchEvent(new Event('languagechange'))")
        page.clock.fast_forward(31_000)
        page.wait_for_selector(".reminder-push[data-push-state=unavailable]")
        assert "没有可用的推送服务" in page.inner_text(".reminder-settings")
        page.wait_for_timeout(1000)
        assert page.get_attribute(".reminder-push", "data-push-state") == "unavailable", \
            "the second request waited for the silent push service again"
    finally:
        context.close()


# Local notifications ------------------------------------------------------

def test_local_notifications_once_per_item(new_context, site, due):
    context = new_context()
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    log_in(page, due.rep)
    wait_for_service_worker(page)
    page.goto("/#/settings")
    page.click("#reminders-on")
    page.wait_for_selector("#reminders-off")
    # Headless Chromium has no push service. The section explains that, and local notifications still work.
    page.wait_for_selector(".reminder-push[data-push-state=unavailable]")
    assert "没有可用的推送服务" in page.inner_text(".reminder-settings")
    assert "国产手机" in page.inner_text(".reminder-settings")
    screenshot(page, "18-settings-reminders")

    notes = wait_for_notifications(page, lambda notes: len(notes) == 4)
    by_tag = {note["tag"]: note for note in notes}
    receivable = by_tag[f"genzong-receivables-{due.receivable}"]
    assert receivable["title"] == "逾期未付款：王芳（华信装饰）"
    assert receivable["body"].startswith("订单 DD2026030001，待收 ¥1,234.50（应收 ¥12,345.50，已付 ¥11,111.00）")
    assert receivable["data"]["url"] == f"/#/customer/{due.receivable_customer}"
    follow_up = by_tag[f"genzong-customers-{due.follow_up_customer}"]
    assert follow_up["title"] == "跟进提醒：李娜（绿源地板有限公司）"
    assert follow_up["body"] == "今天应跟进。电话 13912345678。"
    assert by_tag[f"genzong-tickets-{due.ticket}"]["title"] == "工单即将超时：GD000007 地板起拱"
    assert by_tag[f"genzong-tickets-{due.ticket}"]["data"]["url"] == f"/#/ticket/{due.ticket}"

    # Dismissed notifications stay dismissed: the shown keys are in IndexedDB.
    page.evaluate("async () => (await (await navigator.serviceWorker.ready).getNotifications()).forEach((n) => n.close())")
    page.reload()
    page.wait_for_selector(".view-settings")
    check_reminders(page)
    assert shown_notifications(page) == []
    shown = page.evaluate("async () => (await import('/js/context.js')).app.store.getMeta('reminders_shown')")
    assert set(shown) == {note["data"]["key"] for note in notes}


def test_notification_text_matches_server(browser, site, due):
    """The device's titles, bodies, URLs and tags are the server's push messages, in both languages."""
    context = browser.new_context(base_url=site.url, service_workers="block")
    page = context.new_page()
    page.goto("/manifest.webmanifest")
    conn = sqlite3.connect(f"file:{site.data.database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    register_functions(conn)
    private = sqlite3.connect(f"file:{site.data.private_database}?mode=ro", uri=True)
    try:
        records = {table: [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]
                   for table in ("customers", "receivables", "payments", "tickets", "users", "projects", "risks",
                                 "follow_ups")}
        # What a device holds: the synced settings rows, and when each customer got its owner.
        synced = {row["key"]: json.loads(row["value"])
                  for row in conn.execute("SELECT key, value FROM settings WHERE deleted = 0")}
        owner_stamps = {row["id"]: json.loads(row["dots"]).get("owner_id", [None, None, None])[2]
                        for row in conn.execute("SELECT id, dots FROM customers")}
        server_settings = org_settings.read_all(conn, private)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        server_items = due_items(conn, server_settings, now)
    finally:
        conn.close()
        private.close()
    time_zone = server_settings["time_zone"]
    names = {user["id"]: user["name"] for user in records["users"]}
    kinds = set()
    for person in (due.rep, due.manager, due.project_rep):
        expected = [{"key": item.key, "url": item.url, "tag": item.tag,
                     **{lang: list(title_and_body(item, lang, time_zone, now)) for lang in ("zh", "en")}}
                    for item in server_items if item.recipient_id == person.id]
        device = page.evaluate("""async ([records, ownerStamps, settings, timeZone, now, ownerId, names]) => {
            const { dueItems } = await import('/js/reminders.js');
            const { reminderNotification } = await import('/js/reminder-text.js');
            records.owner_stamps = new Map(Object.entries(ownerStamps));
            return dueItems({ records, settings, now, ownerId }).map((item) => {
                const note = (lang) => reminderNotification(item, { lang, timeZone, now, ownerName: names[item.ownerId] });
                const [zh, en] = [note('zh'), note('en')];
                return { key: item.key, url: zh.url, tag: zh.tag, zh: [zh.title, zh.body], en: [en.title, en.body] };
            });
        }""", [records, owner_stamps, synced, time_zone, int(now.timestamp() * 1000), person.id, names])
        assert device == expected, person.username
        kinds.update(item["key"].split(":")[0] for item in device)
    assert kinds == {"follow_up", "escalation", "receivable_due", "receivable_overdue", "ticket_due",
                     "ticket_overdue", "risk_overdue", "risk_high", "pool_warning"}, "every kind is compared"
    context.close()


def test_reminder_windows_match_server(browser, site):
    """The device's window defaults and ranges are the server's, and a value out of range counts as unset."""
    context = browser.new_context(base_url=site.url, service_workers="block")
    page = context.new_page()
    page.goto("/manifest.webmanifest")
    windows = page.evaluate("async () => (await import('/js/reminders.js')).WINDOWS")
    for key, window in windows.items():
        setting = org_settings.lookup(key)
        assert window["default"] == setting.default, key
        assert org_settings.validate(key, window["min"]) == window["min"], key
        assert org_settings.validate(key, window["max"]) == window["max"], key
        for outside in (window["min"] - 1, window["max"] + 1):
            with pytest.raises(org_settings.SettingError):
                org_settings.validate(key, outside)

    keys = page.evaluate("""async () => {
        const { dueItems } = await import('/js/reminders.js');
        const now = Date.parse('2026-12-04T02:00:00.000Z');
        const records = {
            users: [{ id: 'm', role: 'manager' }, { id: 'u', role: 'sales', manager_id: 'm' }],
            customers: [{ id: 'c', name: '张伟', owner_id: 'u', next_follow_up: '2026-12-02' }],
            tickets: [{ id: 't', kind: '投诉', customer_id: 'c', reply_due_at: '2026-12-04T05:00:00.000Z' }],
            receivables: [], payments: [],
        };
        const settings = { reminder_ticket_hours: 0, escalation_days: 0, reminder_receivable_days: 61 };
        return [...dueItems({ records, settings, now, ownerId: 'u' }), ...dueItems({ records, settings, now, ownerId: 'm' })]
            .map((item) => item.key);
    }""")
    # With 0 taken as given, the ticket three hours away would not be due and
    # the follow-up two days overdue would be escalated.
    assert keys == ["ticket_due:t:2026-12-04T05:00:00.000Z", "follow_up:c:2026-12-02"]
    context.close()


CUT_CASES = [
    ("地板起拱严重", 4, "地板起…"),
    ("cafe\u0301 noir", 5, "caf…"),
    ("cafe\u0301 noir", 6, "cafe\u0301…"),
    ("ok 👩\u200d🔧 fixed", 5, "ok…"),
    ("a👨\u200d👩 b", 4, "a…"),
    ("ok 👍🏽 fine", 5, "ok…"),
    ("黄山\U00020000市", 3, "黄山…"),
    ("abc", 1, "…"),
    ("短", 3, "短"),
]

SUMMARY_KINDS = [("ticket_due", "tickets"), ("follow_up", "customers"), ("follow_up", "customers"),
                 ("receivable_overdue", "receivables"), ("escalation", "customers"), ("ticket_overdue", "tickets"),
                 ("risk_high", "risks"), ("pool_warning", "customers")]


def test_summary_and_text_cut(browser, site):
    context = browser.new_context(base_url=site.url, service_workers="block")
    page = context.new_page()
    page.goto("/manifest.webmanifest")
    result = page.evaluate("""async ([cases, kinds]) => {
        const { cut, summaryNotification } = await import('/js/reminder-text.js');
        const items = kinds.map(([kind, table]) => ({ kind, table }));
        return { zh: summaryNotification(items, 'zh'), en: summaryNotification(items, 'en'),
                 cuts: cases.map(([text, max]) => cut(text, max)) };
    }""", [[case[:2] for case in CUT_CASES], SUMMARY_KINDS])
    assert result["zh"] == {"title": "你有 8 项提醒",
                            "body": "工单 2 项，回款 1 项，项目风险 1 项，跟进 2 项，即将退回公海 1 项，逾期上报 1 项。点按查看今日待办。",
                            "url": "/#/today", "tag": "genzong-summary"}
    server_items = [DueItem(f"{kind}:{i}", kind, "u", "u", table, str(i), "2026-03-10", "/")
                    for i, (kind, table) in enumerate(SUMMARY_KINDS)]
    for lang in ("zh", "en"):
        assert result[lang] == json.loads(summary_payload(server_items, lang)[1]), lang
    assert result["cuts"] == [expected for _, _, expected in CUT_CASES]
    assert [cut(text, limit) for text, limit, _ in CUT_CASES] == result["cuts"], "the server cuts alike"
    context.close()


# The service worker ------------------------------------------------------

def push_registration_id(cdp, page, origin: str) -> str:
    """Return the DevTools id of the app's service worker registration whose worker is active."""
    registrations, versions = [], []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.on("ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"]))
    cdp.send("ServiceWorker.enable")

    # The events may also name registrations of other origins, deleted ones,
    # or one whose worker is still installing; a push to those shows nothing.
    def current():
        ids = {r["registrationId"] for r in registrations if r["scopeURL"] == f"{origin}/" and not r["isDeleted"]}
        return [v["registrationId"] for v in versions if v["registrationId"] in ids and v["status"] == "activated"]

    wait_until(page, current, timeout=TIMEOUT_MS / 1000)
    return current()[-1]


CLICK_FIRST_NOTIFICATION = """async (tag) => {
    const [notification] = await self.registration.getNotifications({ tag });
    // A synthetic event: the browser fires the real one only when a person taps the notification.
    const event = new Event('notificationclick');
    const pending = [];
    Object.defineProperty(event, 'notification', { value: notification });
    event.waitUntil = (promise) => pending.push(promise);
    self.dispatchEvent(event);
    await Promise.all(pending);
    return (await self.registration.getNotifications({ tag })).length;
}"""


def test_push_event_shows_notification(new_context, site, due):
    context = new_context()
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    log_in(page, due.rep)
    wait_for_service_worker(page)
    cdp = context.new_cdp_session(page)
    registration = push_registration_id(cdp, page, site.url)
    tag = f"genzong-receivables-{due.receivable}"
    payload = {"title": "逾期未付款：王芳（华信装饰）", "body": "订单 DD2026030001，待收 ¥1,234.50。",
               "url": f"/#/customer/{due.receivable_customer}", "tag": tag}

    def deliver(data: str, expected) -> list[dict]:
        # A push sent through DevTools now and then shows nothing (cause not
        # found), so it is sent again until it shows, as a push service retries.
        for _ in range(5):
            cdp.send("ServiceWorker.deliverPushMessage",
                     {"origin": site.url, "registrationId": registration, "data": data})
            try:
                return wait_for_notifications(page, expected, timeout=5)
            except AssertionError:
                continue
        return wait_for_notifications(page, expected)

    notes = deliver(json.dumps(payload, ensure_ascii=False), lambda notes: len(notes) == 1)
    assert notes == [{"title": payload["title"], "body": payload["body"], "tag": tag,
                      "data": {"url": payload["url"]}}]

    # A second push of the same record replaces the first instead of stacking.
    deliver(json.dumps({**payload, "title": "第二次"}), lambda notes: [note["title"] for note in notes] == ["第二次"])

    # A URL of another site opens 今日 instead, and a push that is not JSON
    # still shows. That one has no tag, so it goes last: a repeat of it
    # would stack, and the count would show it.
    deliver(json.dumps({"title": "x", "url": "https://example.com/", "tag": "t"}), lambda notes: len(notes) == 2)
    notes = deliver("plain text", lambda notes: len(notes) == 3)
    assert {"title": "跟踪提醒 · Genzong reminder", "body": "plain text", "tag": "", "data": {"url": "/#/today"}} in notes
    assert {"title": "x", "body": "", "tag": "t", "data": {"url": "/#/today"}} in notes


def test_notification_click_opens_record(new_context, site, due):
    context = new_context()
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    log_in(page, due.rep)
    wait_for_service_worker(page)
    worker = context.service_workers[0]
    show = """async ([title, url, tag]) => self.registration.showNotification(title, { tag, data: { url } })"""

    # An open app window shows the record without reloading. (Browsers let a
    # synthetic event neither focus a window nor open one, only a real tap.)
    page.evaluate("window.sameDocument = true")
    customer_tag = f"genzong-customers-{due.follow_up_customer}"
    worker.evaluate(show, ["跟进提醒：李娜", f"/#/customer/{due.follow_up_customer}", customer_tag])
    assert worker.evaluate(CLICK_FIRST_NOTIFICATION, customer_tag) == 0, "the tapped notification closes"
    page.wait_for_url(f"**/#/customer/{due.follow_up_customer}")
    page.wait_for_selector(".customer-name:has-text('李娜')")
    assert page.evaluate("window.sameDocument") is True

    # With no app window open, it opens one at the record. The test records
    # the URL the worker requests and opens it in a new page, cold and offline.
    ticket_tag = f"genzong-tickets-{due.ticket}"
    worker.evaluate(show, ["工单即将超时", f"/#/ticket/{due.ticket}", ticket_tag])
    page.close()
    worker.evaluate("""() => {
        self.openedWindows = [];
        self.clients.openWindow = async (url) => { self.openedWindows.push(url); return null; };
    }""")
    worker.evaluate(CLICK_FIRST_NOTIFICATION, ticket_tag)
    opened = worker.evaluate("self.openedWindows")
    assert opened == [f"/#/ticket/{due.ticket}"]

    context.set_offline(True)
    cold = context.new_page()
    cold.goto(opened[0])
    cold.wait_for_selector(".view-ticket")
    assert "地板起拱" in cold.inner_text("main")


# 开启提醒 -------------------------------------------------------------------

def test_refused_permission_explained(new_context, site, due):
    page = new_context().new_page()
    log_in(page, due.rep)
    page.goto("/#/settings")
    # Headless Chromium cannot ask, so it refuses the permission at once, as a person tapping 不允许 does.
    page.click("#reminders-on")
    page.wait_for_selector(".reminder-settings [role=alert]")
    text = page.inner_text(".reminder-settings")
    assert "已禁止本站发送通知" in text
    assert "网站设置" in text
    assert not page.is_visible("#reminders-off")
    screenshot(page, "19-settings-reminders-refused")
    assert page.evaluate("async () => (await import('/js/context.js')).app.store.getMeta('reminders_enabled')") is None
    page.goto("/#/today")
    page.wait_for_selector(".view-today .due-item")
    assert not page.is_visible(".reminder-prompt"), "no prompt once the browser refused"

    page.click("nav.tabs a[data-tab=settings]")
    page.click("button[data-language=en]")
    assert "blocks notifications from this site" in page.inner_text(".reminder-settings")


# A stand-in for the browser vendor's push service: subscriptions come from
# the local PushService through window.standInSubscribe, and the current one
# is kept in localStorage so it outlives a reload as a real one does.
STAND_IN_PUSH_MANAGER = """
(() => {
    const encode = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    const decode = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const load = () => JSON.parse(localStorage.getItem('standInSubscription') || 'null');
    const wrap = (info) => info && {
        endpoint: info.endpoint,
        options: { userVisibleOnly: true, applicationServerKey: decode(info.key).buffer },
        toJSON: () => ({ endpoint: info.endpoint, expirationTime: null, keys: info.keys }),
        unsubscribe: async () => { localStorage.removeItem('standInSubscription'); return true; },
    };
    PushManager.prototype.getSubscription = async function () { return wrap(load()); };
    PushManager.prototype.subscribe = async function (options) {
        const key = encode(options.applicationServerKey);
        const info = { ...(await window.standInSubscribe(key)), key };
        localStorage.setItem('standInSubscription', JSON.stringify(info));
        return wrap(info);
    };
})();
"""


def registered_endpoints(site, user_id: str) -> list[str]:
    conn = sqlite3.connect(f"file:{site.data.private_database}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(
            "SELECT endpoint FROM push_subscriptions WHERE user_id = ? ORDER BY endpoint", (user_id,))]
    finally:
        conn.close()


def remind_once(site) -> None:
    result = subprocess.run([sys.executable, "-m", "genzong.server.cli", "remind", "--once",
                             "--data-dir", str(site.data.root)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_push_subscription_follows_server_key(new_context, site, due, push_service):
    context = new_context()
    context.grant_permissions(["notifications"], origin=site.url)
    context.expose_function("standInSubscribe", lambda key: {
        "endpoint": (sub := push_service.subscribe(key)).endpoint, "keys": sub.info()["keys"]})
    context.add_init_script(STAND_IN_PUSH_MANAGER)
    page = context.new_page()
    log_in(page, due.manager)
    wait_for_service_worker(page)
    page.goto("/#/settings")
    page.click("#reminders-on")
    page.wait_for_selector(".reminder-push[data-push-state=on]")
    first = next(iter(push_service.subscriptions.values()))
    assert registered_endpoints(site, due.manager.id) == [first.endpoint]

    remind_once(site)
    assert push_service.errors == []
    assert [message["tag"] for message in first.messages] == [f"genzong-escalation-{due.late_customer}"]
    assert first.messages[0]["title"] == "跟进逾期：张伟的客户 刘洋"

    # A new VAPID key (the key file replaced): the app replaces the subscription on its next start.
    site.data.vapid_private_key.unlink()
    page.reload()
    page.wait_for_selector(".reminder-push[data-push-state=on]")
    wait_until(page, lambda: len(push_service.subscriptions) == 2)
    second = [sub for sub in push_service.subscriptions.values() if sub is not first][0]
    assert second.application_server_key != first.application_server_key
    assert registered_endpoints(site, due.manager.id) == [second.endpoint]
    remind_once(site)
    assert push_service.errors == []
    assert [message["tag"] for message in second.messages] == [f"genzong-escalation-{due.late_customer}"]
    assert len(first.messages) == 1

    page.click("#reminders-off")
    page.wait_for_selector("#reminders-on")
    wait_until(page, lambda: registered_endpoints(site, due.manager.id) == [])
    assert page.evaluate("localStorage.getItem('standInSubscription')") is None


# 发送付款提醒 ---------------------------------------------------------------

def open_payment_reminder(page, due) -> None:
    page.goto(f"/#/customer/{due.receivable_customer}")
    page.click(".payment-reminder-link")
    page.wait_for_selector("#field-message")


def follow_ups_of(site, customer_id: str) -> list[dict]:
    return site.query("SELECT channel, content FROM follow_ups WHERE customer_id = ? AND deleted = 0 ORDER BY seq",
                      (customer_id,))


def test_payment_reminder_logs_follow_up(new_context, site, due):
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page = context.new_page()
    log_in(page, due.rep)
    assert page.evaluate("'share' in navigator") is False, "this test expects Chromium without a share sheet"
    before = len(follow_ups_of(site, due.receivable_customer))

    context.set_offline(True)
    open_payment_reminder(page, due)
    message = page.input_value("#field-message")
    assert message.startswith("王芳您好！我是张伟。")
    assert "订单号 DD2026030001" in message
    assert "尚有 ¥1,234.50 未付" in message
    overdue_date = page.inner_text(".view-payment-reminder .details")
    assert "已逾期 4 天" in overdue_date
    screenshot(page, "20-payment-reminder")
    page.check("input[name=channel][value=短信]", force=True)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/#/customer/{due.receivable_customer}")
    assert page.evaluate("navigator.clipboard.readText()") == message
    page.wait_for_selector(f".timeline-text:has-text('{message[:20]}')")

    context.set_offline(False)
    wait_synced(page)
    logged = follow_ups_of(site, due.receivable_customer)
    assert len(logged) == before + 1
    assert logged[-1] == {"channel": "短信", "content": message}

    # Only the overdue receivable offers the reminder.
    assert page.locator(".receivable .payment-reminder-link").count() == 1


def test_payment_reminder_share_and_fallback(new_context, site, due):
    context = new_context()
    context.add_init_script("""
        window.shared = [];
        navigator.share = async (data) => { window.shared.push(data); };
    """)
    page = context.new_page()
    log_in(page, due.rep)
    before = len(follow_ups_of(site, due.receivable_customer))
    open_payment_reminder(page, due)
    assert page.inner_text("form.form button[type=submit]") == "分享给客户"
    page.fill("#field-message", "王芳您好，DD2026030001 尚有 ¥1,234.50 未付，麻烦安排付款，谢谢！")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/#/customer/{due.receivable_customer}")
    assert page.evaluate("window.shared") == [{"text": "王芳您好，DD2026030001 尚有 ¥1,234.50 未付，麻烦安排付款，谢谢！"}]

    # Neither share sheet nor clipboard: the text stays on screen, selected, to copy by hand.
    page.evaluate("""() => {
        navigator.share = async () => { throw new DOMException('no share target', 'NotAllowedError'); };
        navigator.clipboard.writeText = async () => { throw new DOMException('denied', 'NotAllowedError'); };
    }""")
    open_payment_reminder(page, due)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#reminder-fallback:not([hidden])")
    selected = page.evaluate("() => { const box = document.getElementById('field-message'); "
                             "return box.value.slice(box.selectionStart, box.selectionEnd); }")
    assert selected == page.input_value("#field-message")
    page.click("#reminder-log")
    page.wait_for_url(f"**/#/customer/{due.receivable_customer}")
    wait_synced(page)
    logged = follow_ups_of(site, due.receivable_customer)
    assert len(logged) == before + 2
    assert logged[-1]["channel"] == "微信"
    assert logged[-1]["content"].startswith("王芳您好！我是张伟。")
