"""The public pool, visit check-ins, dealers, the monthly review and handover
in the real PWA against a real server, at phone size."""

import json
import math
import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

from genzong.server import settings as org_settings
from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.reminders.items import POOL_WARNING, due_items
from genzong.server.state import open_data_dir
from genzong.sync import format_stamp
from review_reference import monthly_review, read_tables
from .pwa_helpers import (TIMEOUT_MS, go_online, last_sync, log_in, no_horizontal_overflow, save_form, screenshot,
                          wait_synced, wait_until)

pytestmark = pytest.mark.browser

# A customer's place in Hangzhou, and a point about 1.2 km north-east of it.
HOME = {"latitude": 30.274100, "longitude": 120.155100, "accuracy": 15}
AWAY = {"latitude": 30.282000, "longitude": 120.163500, "accuracy": 40}
REVIEW_MONTH = "2026-01"


@contextmanager
def server_writes(site, at: datetime | None = None):
    """Yield add(table, **fields) → id: records written as the server, stamped ``at``, stored at the end."""
    state = open_data_dir(site.data)
    conn = state.records.get()
    try:
        with transaction(conn):
            batch = Batch(conn, format_stamp(at or datetime.now(timezone.utc)), None, "server")

            def add(table: str, **fields) -> str:
                record_id = str(uuid.uuid4())
                batch.server_write(table, record_id, fields)
                return record_id

            yield add
            batch.flush()
    finally:
        state.close()


def settled(page) -> None:
    """Wait until every local edit is synced, whether or not a sync runs now."""
    page.wait_for_function("""() => document.documentElement.dataset.pending === '0'
                                    && document.documentElement.dataset.syncState === 'idle'""", timeout=15_000)


def shoot(page, name: str) -> None:
    assert no_horizontal_overflow(page), f"{name} is wider than the phone"
    screenshot(page, name)


def claim(page, customer_id: str, note: str) -> None:
    page.goto("/#/pool")
    page.click(f".pool-customer[data-id='{customer_id}'] .claim-button")
    page.fill("#field-note", note)
    save_form(page)
    page.wait_for_url("**/#/pool")


def switch_to_english(page) -> None:
    page.goto("/#/settings")
    page.click("button[data-language=en]")
    page.wait_for_selector("button[data-language=en][aria-pressed=true]")


def test_offline_pool_claim_race(site, new_context):
    first = site.add_user("sales", name="张伟")
    second = site.add_user("sales", name="李娜")
    with server_writes(site) as add:
        customer = add("customers", name="周敏", kind="潜在", source="展会", owner_id=None)
        add("follow_ups", customer_id=customer, happened_at="2026-11-02T02:00:00.000Z", content="去年展会上留的电话")
        another = add("customers", name="郑涛", kind="直接", source="老客户介绍", owner_id=None)
    state = open_data_dir(site.data)
    try:
        org_settings.write(state.records.get(), state.private.get(), "pool_claim_daily_limit", 1)
    finally:
        state.close()
    first_context, second_context = new_context(), new_context()
    first_page, second_page = first_context.new_page(), second_context.new_page()
    log_in(first_page, first, path="/#/pool")
    log_in(second_page, second, path="/#/pool")
    card = f".pool-customer[data-id='{customer}']"
    second_page.wait_for_selector(f"{card}:has-text('展会')")
    assert "潜在" in second_page.inner_text(card)

    # Both claim while offline; the first rep's claim reaches the server first.
    first_context.set_offline(True)
    second_context.set_offline(True)
    claim(first_page, customer, "我上周拜访过")
    claim(first_page, another, "老客户介绍的")  # beyond the daily limit of 1
    claim(second_page, customer, "客户主动来电找我，约了周六量房")
    second_page.wait_for_selector(f"{card} .chip:has-text('认领待同步')")
    second_page.wait_for_selector(".claim-pending")
    shoot(second_page, "pool-claim-offline")

    go_online(first_context, first_page)
    first_page.wait_for_selector(".claim-claimed:has-text('认领成功')")
    limited = first_page.locator(f".claim-rejected[data-customer='{another}']")
    assert "今天已认领 1 个公海客户，达到每日上限" in limited.inner_text()
    assert "老客户介绍的" in limited.locator("dd").inner_text()
    assert limited.locator("button:has-text('重新认领')").count() == 1
    assert first_page.locator(f".pool-customer[data-id='{another}'] .claim-button").count() == 1, "still in the pool"
    first_page.click(".claim-claimed a:has-text('查看客户')")
    first_page.wait_for_selector(".timeline-text:has-text('去年展会上留的电话')")  # its history arrived
    assert first_page.locator(".pool-notice").count() == 0

    go_online(second_context, second_page)
    rejected = second_page.locator(".claim-rejected")
    rejected.wait_for()
    assert "该客户已被 张伟 认领" in rejected.inner_text()
    assert "客户主动来电找我，约了周六量房" in rejected.locator("dd").inner_text()
    assert "周敏" in rejected.locator(".card-title").inner_text()
    assert second_page.locator(card).count() == 0, "the customer left the pool on the other rep's device"
    shoot(second_page, "pool-claim-rejected")

    assert site.query("SELECT owner_id FROM customers WHERE id = ?", (customer,)) == [{"owner_id": first.id}]
    claims = site.query("SELECT claimed_by, note FROM pool_claims WHERE customer_id = ?", (customer,))
    assert claims == [{"claimed_by": first.id, "note": "我上周拜访过"}]

    rejected.locator("button[data-action=dismiss]").click()
    second_page.wait_for_selector(".claim-rejected", state="detached")
    assert second_page.evaluate("async () => (await import('/js/context.js')).app.store.list('pool_claims').length") == 0


def haversine_km(a: dict, b: dict) -> float:
    lat1, lat2 = math.radians(a["latitude"]), math.radians(b["latitude"])
    dlat, dlng = lat2 - lat1, math.radians(b["longitude"] - a["longitude"])
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def choose_visit(page, customer_id: str) -> None:
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.wait_for_selector("#field-content")
    assert not page.is_visible("#check-in"), "a phone call has no check-in"
    page.click("label.choice:has-text('拜访')")
    page.wait_for_selector("#check-in-button")


def test_visit_check_in(site, new_context):
    rep = site.add_user("sales", name="刘洋")
    with server_writes(site) as add:
        customer = add("customers", name="吴刚", kind="直接", owner_id=rep.id)
    with server_writes(site, datetime.now(timezone.utc) - timedelta(days=13)) as add:
        returning = add("customers", name="快退回公海", kind="潜在", owner_id=rep.id)
    context = new_context(geolocation=HOME, permissions=["geolocation"])
    page = context.new_page()
    log_in(page, rep)

    choose_visit(page, customer)
    page.click("#check-in-button")
    status = page.locator("#check-in-status")
    status.filter(has_text="已签到").wait_for()
    assert "误差约 15 米" in status.inner_text()
    assert page.is_checked("#check-in-place"), "a customer without a place takes the first check-in's"
    page.fill("#field-content", "上门量房")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer}")

    # The next visit is recorded offline, about 1.2 km away.
    context.set_offline(True)
    context.set_geolocation(AWAY)
    choose_visit(page, customer)
    page.click("#check-in-button")
    status.filter(has_text="已签到").wait_for()
    km = f"{haversine_km(HOME, AWAY):.2f}"
    assert f"距客户位置 {km} 公里" in status.inner_text()
    assert not page.is_checked("#check-in-place"), "the customer already has a place"
    page.fill("#field-content", "送样板")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer}")
    # The hash changes before the customer page redraws.
    wait_until(page, lambda: page.locator(".check-in-summary").count() == 2)
    summary = lambda content: page.locator(f".timeline-item:has-text('{content}') .check-in-summary").inner_text()
    assert f"距客户位置 {km} 公里" in summary("送样板")
    assert "就在客户位置" in summary("上门量房")
    assert "误差约 40 米" in summary("送样板")
    shoot(page, "check-in-timeline")
    go_online(context, page)

    rows = site.query("SELECT content, location, checked_in_at, channel FROM follow_ups WHERE customer_id = ? "
                      "ORDER BY checked_in_at", (customer,))
    assert [row["channel"] for row in rows] == ["拜访", "拜访"]
    assert [json.loads(row["location"]) for row in rows] == [
        {"lat": HOME["latitude"], "lng": HOME["longitude"], "accuracy": 15},
        {"lat": AWAY["latitude"], "lng": AWAY["longitude"], "accuracy": 40}]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["checked_in_at"]) for row in rows)
    place = site.query("SELECT location FROM customers WHERE id = ?", (customer,))[0]["location"]
    assert json.loads(place) == {"lat": HOME["latitude"], "lng": HOME["longitude"]}
    # The customer page offers the place to the phone's map app, coordinates beside it.
    link = page.locator(".view-customer .place-link")
    assert link.inner_text() == "在地图应用中打开"
    assert link.get_attribute("href") == "geo:30.2741,120.1551?q=30.2741,120.1551"
    assert page.inner_text(".view-customer .place-coordinates") == "30.27410, 120.15510"

    # Without permission the rep is told why and can save without a check-in.
    context.clear_permissions()
    choose_visit(page, customer)
    page.click("#check-in-button")
    status.filter(has_text="无法签到").wait_for()
    assert "定位权限被拒绝" in status.inner_text()
    assert not page.is_visible("#check-in-place")

    # The owner is warned two days before a customer returns to the pool, as the server warns.
    page.goto("/#/today")
    page.wait_for_selector(f".due-item[data-key^='pool_warning:{returning}:']")
    shown = page.evaluate("""async () => (await import('/js/views/today.js')).todayItems('mine')
        .filter((item) => item.kind === 'pool_warning').map((item) => item.key)""")
    state = open_data_dir(site.data)
    try:
        values = org_settings.read_all(state.records.get(), state.private.get())
        expected = [item.key for item in due_items(state.records.get(), values, datetime.now(timezone.utc))
                    if item.kind == POOL_WARNING and item.recipient_id == rep.id]
    finally:
        state.close()
    assert shown == expected
    assert len(expected) == 1
    page.goto(f"/#/customer/{returning}")
    assert "将在 2 天后" in page.inner_text(".pool-warning")


IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.mark.parametrize("user_agent, expected", [
    (None, "geo:30.2741,120.1551?q=30.2741,120.1551"),
    (IPHONE_SAFARI, "https://maps.apple.com/?ll=30.2741,120.1551&q=30.2741,120.1551"),
])
def test_place_link_opens_phone_map(site, new_context, user_agent, expected):
    """iOS opens no geo: URI, so an iPhone gets an Apple Maps link to the same place."""
    rep = site.add_user("sales")
    with server_writes(site) as add:
        customer = add("customers", name="林海", phone="13900000077", owner_id=rep.id,
                       location={"lat": 30.2741, "lng": 120.1551})
    options = {"user_agent": user_agent} if user_agent else {}
    page = new_context(**options).new_page()
    log_in(page, rep, path=f"/#/customer/{customer}")

    link = page.locator(".view-customer .place-link")
    assert link.get_attribute("href") == expected
    assert page.inner_text(".view-customer .place-coordinates") == "30.27410, 120.15510"


def test_dealers_managed_by_managers(site, new_context):
    manager = site.add_user("manager", name="王经理")
    rep = site.add_user("sales", name="陈静")
    with server_writes(site) as add:
        customer = add("customers", name="林洋", owner_id=rep.id)
    manager_page = new_context().new_page()
    log_in(manager_page, manager, path="/#/settings")
    manager_page.click(".management-links a:has-text('经销点')")
    manager_page.click("text=新建经销点")
    for field, value in (("name", "杭州西湖经销点"), ("region", "浙江"), ("contact", "周建平"),
                         ("phone", "0571-87231456"), ("address", "杭州市西湖区文三路88号")):
        manager_page.fill(f"#field-{field}", value)
    save_form(manager_page)
    manager_page.wait_for_url(re.compile(r"#/dealer/[0-9a-f-]{36}$"))
    dealer = manager_page.url.rsplit("/", 1)[1]
    manager_page.click("text=编辑")
    manager_page.fill("#field-region", "华东")
    save_form(manager_page)
    manager_page.wait_for_selector("dd:has-text('华东')")
    manager_page.goto("/#/dealer/new")
    manager_page.fill("#field-name", "杭州西湖经销点")
    save_form(manager_page)
    assert "已有名为“杭州西湖经销点”的经销点" in manager_page.inner_text("#field-name-error")
    manager_page.goto("/#/dealers")
    manager_page.wait_for_selector(f".dealer[data-id='{dealer}']")
    shoot(manager_page, "dealers-manager")
    settled(manager_page)
    assert site.query("SELECT name, region, contact FROM dealers WHERE id = ?", (dealer,)) == [
        {"name": "杭州西湖经销点", "region": "华东", "contact": "周建平"}]

    rep_page = new_context().new_page()
    log_in(rep_page, rep, path="/#/settings")
    section = rep_page.locator("[data-section=management]")
    assert section.locator("h3").inner_text() == "经销点"
    assert section.locator("a[href='#/dealers']").inner_text() == "查看经销点", "not the heading again"
    rep_page.goto("/#/dealers")
    rep_page.wait_for_selector(f".dealer[data-id='{dealer}']:has-text('周建平')")
    assert rep_page.locator("text=新建经销点").count() == 0
    assert "经销点由经理维护" in rep_page.inner_text("main")
    rep_page.goto(f"/#/dealer/{dealer}")
    rep_page.wait_for_selector("dd:has-text('杭州市西湖区文三路88号')")
    assert rep_page.locator(".view-dealer a:has-text('编辑')").count() == 0
    rep_page.goto(f"/#/dealer/{dealer}/edit")
    assert rep_page.locator("#field-name").count() == 0

    # A rep picks the dealer of a customer, and a new receivable takes it.
    rep_page.goto(f"/#/customer/{customer}/edit")
    rep_page.select_option("#field-dealer_id", dealer)
    save_form(rep_page)
    rep_page.wait_for_selector("dd:has-text('杭州西湖经销点')")
    rep_page.goto(f"/#/customer/{customer}/receivable/new")
    assert rep_page.input_value("#field-dealer_id") == dealer
    rep_page.fill("#field-amount_fen", "8800")
    save_form(rep_page)
    rep_page.wait_for_url(f"**/#/customer/{customer}")
    wait_synced(rep_page)
    assert site.query("SELECT dealer_id FROM customers WHERE id = ?", (customer,)) == [{"dealer_id": dealer}]
    assert site.query("SELECT dealer_id, amount_fen FROM receivables WHERE customer_id = ?", (customer,)) == [
        {"dealer_id": dealer, "amount_fen": 880_000}]


def figures(card) -> dict:
    """The four figures of a review card, money in fen."""
    values = {}
    for name in ("sales", "collected", "overdue", "complaints"):
        text = card.locator(f"[data-figure={name}] .figure-value").inner_text()
        values[name] = int(text) if name == "complaints" else round(float(re.sub(r"[¥,]", "", text)) * 100)
    return values


def test_monthly_review_screen(site, new_context):
    manager = site.add_user("manager", name="赵经理")
    rep = site.add_user("sales", name="孙丽")
    with server_writes(site) as add:
        north = add("dealers", name="南京鼓楼经销点", region="江苏")
        south = add("dealers", name="宁波鄞州经销点", region="浙江")
        buyer = add("customers", name="钱峰", owner_id=rep.id, dealer_id=north)
        pooled = add("customers", name="公海老客户", owner_id=None)
        sold = add("receivables", customer_id=buyer, amount_fen=1_200_000, sale_date="2026-01-05", due_date="2026-01-20")
        add("payments", receivable_id=sold, paid_on="2026-01-25", amount_fen=300_000)
        add("payments", receivable_id=sold, paid_on="2026-02-03", amount_fen=500_000)
        add("receivables", customer_id=buyer, amount_fen=450_000, sale_date="2026-01-28", due_date="2026-02-28",
            dealer_id=south)
        add("receivables", customer_id=pooled, amount_fen=99_000, sale_date="2025-12-01", due_date="2025-12-31")
        add("tickets", kind="投诉", customer_id=buyer, received_at="2026-01-31T16:30:00.000Z")  # 1 February locally
        add("tickets", kind="投诉", customer_id=buyer, received_at="2026-01-10T02:00:00.000Z")
        add("tickets", kind="投诉", owner_id=rep.id, received_at="2026-01-12T02:00:00.000Z")
    page = new_context().new_page()
    log_in(page, manager)
    page.goto("/#/settings")
    page.click("[data-section=reports] a:has-text('月度复盘')")
    page.wait_for_selector(".review-total")
    assert "今天尚未到期" in page.locator(".review-rules-current").inner_text(), "this month's overdue includes what is not due yet"
    page.goto(f"/#/review?month={REVIEW_MONTH}")  # drawn from the synced records
    page.wait_for_selector(f".review-total[data-month='{REVIEW_MONTH}']")
    assert page.locator(".review-rules-current").count() == 0
    expected = monthly_review(read_tables(site.data.database), REVIEW_MONTH)
    assert figures(page.locator(".review-total")) == expected["total"]
    dealers = {card.locator(".card-title").inner_text(): figures(card)
               for card in page.locator(".review-dealers .review-row").all()}
    assert dealers == {("未分配经销点" if name is None else name): values for name, values in expected["dealers"].items()}
    reps = {card.locator(".card-title").inner_text(): figures(card) for card in page.locator(".review-reps .review-row").all()}
    assert reps == {("公海" if name is None else name): values for name, values in expected["reps"].items()}
    assert reps["孙丽"] == {"sales": 1_650_000, "collected": 300_000, "overdue": 900_000, "complaints": 2}
    assert dealers["宁波鄞州经销点"]["sales"] == 450_000
    shoot(page, "monthly-review")

    page.fill("#review-month", "2025-12")
    page.dispatch_event("#review-month", "change")
    page.wait_for_selector(".review-total[data-month='2025-12']")
    assert figures(page.locator(".review-total")) == monthly_review(read_tables(site.data.database), "2025-12")["total"]


def test_handover_screen(site, new_context):
    manager = site.add_user("manager", name="钱经理")
    leaving = site.add_user("sales", name="周离职")
    taking = site.add_user("sales", name="吴接手")
    with server_writes(site) as add:
        customers = [add("customers", name=name, owner_id=leaving.id) for name in ("郑一", "郑二")]
        for customer in customers:
            add("follow_ups", customer_id=customer, happened_at="2026-11-20T02:00:00.000Z", content="电话回访")
        open_ticket = add("tickets", kind="需求", owner_id=leaving.id, subject="加购地板蜡", status="处理中")
        closed_ticket = add("tickets", kind="投诉", owner_id=leaving.id, subject="已处理的投诉", status="已解决")
    context = new_context()
    page = context.new_page()
    log_in(page, manager, path="/#/handover")
    page.select_option("#handover-from", leaving.id)
    preview = page.locator(".handover-preview")
    preview.filter(has_text="2 位（含跟进记录 2 条、应收 0 笔）").wait_for()
    assert page.is_disabled("#handover-confirm"), "no receiving rep chosen yet"
    page.select_option("#handover-to", taking.id)
    assert f"周离职（{leaving.username}） → 吴接手（{taking.username}）" in preview.inner_text()
    page.on("dialog", lambda dialog: dialog.accept())

    context.set_offline(True)
    page.click("#handover-confirm")
    page.wait_for_selector(".handover-error:has-text('交接需要联网')")
    assert site.query("SELECT count(*) AS n FROM customers WHERE owner_id = ?", (leaving.id,)) == [{"n": 2}]

    context.set_offline(False)
    before = last_sync(page)
    page.click("#handover-confirm")
    page.wait_for_selector(".handover-done")
    wait_synced(page, after=before)  # the app syncs once the server has moved everything
    preview.filter(has_text="0 位").wait_for()
    shoot(page, "handover")

    owners = site.query("SELECT id, owner_id FROM customers WHERE id IN (?, ?)", tuple(customers))
    assert {row["owner_id"] for row in owners} == {taking.id}
    tickets = {row["id"]: row["owner_id"] for row in site.query("SELECT id, owner_id FROM tickets WHERE id IN (?, ?)",
                                                                (open_ticket, closed_ticket))}
    assert tickets == {open_ticket: taking.id, closed_ticket: leaving.id}
    history = site.query("SELECT old_value, new_value, user_id FROM history WHERE record_id = ? AND field = 'owner_id'",
                         (customers[0],))
    assert history == [{"old_value": json.dumps(leaving.id), "new_value": json.dumps(taking.id), "user_id": manager.id}]
    page.goto(f"/#/customer/{customers[0]}")
    page.click(".history-section summary")
    assert "周离职 → 吴接手" in page.inner_text(".history-section")



def test_handover_disables_account(site, new_context):
    """A manager closes a departing rep's account with the hand-over; another manager's has no such box."""
    manager = site.add_user("manager", name="钱经理")
    other_manager = site.add_user("manager", name="孙经理")
    leaving = site.add_user("sales", name="周离职")
    taking = site.add_user("sales", name="吴接手")
    with server_writes(site) as add:
        add("customers", name="郑一", owner_id=leaving.id)
    rep_page = new_context().new_page()
    log_in(rep_page, leaving)
    page = new_context().new_page()
    log_in(page, manager, path="/#/handover")
    page.select_option("#handover-from", other_manager.id)
    assert page.locator("#handover-disable").count() == 0

    page.select_option("#handover-from", leaving.id)
    page.select_option("#handover-to", taking.id)
    page.check("#handover-disable")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#handover-confirm")

    page.wait_for_selector(".handover-done:has-text('周离职（')")
    assert "的账号已停用，已在所有设备上退出登录。" in page.inner_text(".handover-done")
    assert site.query("SELECT disabled FROM users WHERE id = ?", (leaving.id,)) == [{"disabled": 1}]
    rep_page.goto("/#/sync")
    rep_page.click("#sync-now")
    rep_page.wait_for_selector("a[href='#/login']", timeout=TIMEOUT_MS)



def picker_groups(page, select: str) -> list[tuple[str, list[str]]]:
    """The option groups of a handover picker as (label, [user id, …])."""
    return page.eval_on_selector_all(f"{select} optgroup", """groups => groups.map((group) =>
        [group.label, [...group.querySelectorAll('option')].map((option) => option.value)])""")


def test_handover_lists_reps_first(site, new_context):
    """Sales reps come first in both pickers; a manager can take a rep's work over themselves."""
    manager = site.add_user("manager", name="冯经理")
    admin = site.add_user("admin", name="管理员甲")
    leaving = site.add_user("sales", name="蒋离职")
    with server_writes(site) as add:
        customer = add("customers", name="韩一", owner_id=leaving.id)
    page = new_context().new_page()
    log_in(page, manager, path="/#/handover")
    page.wait_for_selector(f"#handover-to option[value='{leaving.id}']", state="attached")  # drawn again after the sync

    roles = {row["id"]: row["role"] for row in site.query("SELECT id, role FROM users")}
    for select in ("#handover-from", "#handover-to"):
        groups = picker_groups(page, select)
        assert [label for label, _ in groups] == ["业务员", "经理和管理员"], select
        assert {roles[user] for user in groups[0][1]} == {"sales"}, select
        assert {roles[user] for user in groups[1][1]} == {"manager", "admin"}, select
        assert manager.id in groups[1][1], select
        assert admin.id in groups[1][1], select
    mine = page.locator(f"#handover-to option[value='{manager.id}']").text_content()
    assert mine == f"冯经理（{manager.username}，我）"

    page.select_option("#handover-from", leaving.id)
    page.select_option("#handover-to", manager.id)
    page.locator(".handover-preview").filter(has_text="1 位").wait_for()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#handover-confirm")
    page.wait_for_selector(".handover-done")
    assert site.query("SELECT owner_id FROM customers WHERE id = ?", (customer,)) == [{"owner_id": manager.id}]


def test_return_to_pool_confirms_open_money(site, new_context):
    """Returning a customer with money still owed needs a confirmation that names the amount. Cancelling keeps the owner."""
    manager = site.add_user("manager", name="钱经理")
    rep = site.add_user("sales", name="周业务")
    with server_writes(site) as add:
        customer = add("customers", name="许建华", owner_id=rep.id)
        add("receivables", customer_id=customer, amount_fen=7_950_000, due_date="2026-11-01")
    page = new_context().new_page()
    log_in(page, manager)
    page.goto(f"/#/customer/{customer}/edit")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.select_option("#field-owner_id", "")
    save_form(page)
    wait_until(page, lambda: questions)
    assert "还有 1 笔未收清的应收（共 ¥79,500.00）和 0 个未结工单" in questions[0]
    assert page.url.endswith("/edit"), "cancelled: the form stays open"

    page.once("dialog", lambda dialog: answer(dialog, True))
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer}")
    assert "经理可以修改它" in page.inner_text(".pool-notice")
    wait_synced(page)
    entered = page.locator(".view-customer dt:has-text('进入公海') + dd")
    entered.filter(has_text="今天").wait_for()
    assert "在公海中" not in page.inner_text(".view-customer .details")
    assert site.query("SELECT owner_id FROM customers WHERE id = ?", (customer,)) == [{"owner_id": None}]


def test_lost_claim_offers_no_retry(site, new_context):
    """A claim that lost the race offers Dismiss on the sync page, and no Retry.

    Sending it again is rejected as already_claimed every time, because the
    customer has an owner now; the pool page offers only Dismiss too.
    """
    first = site.add_user("sales", name="张伟")
    second = site.add_user("sales", name="李娜")
    with server_writes(site) as add:
        customer = add("customers", name="周敏", owner_id=None)
    first_context, second_context = new_context(), new_context()
    first_page, second_page = first_context.new_page(), second_context.new_page()
    log_in(first_page, first, path="/#/pool")
    log_in(second_page, second, path="/#/pool")
    switch_to_english(second_page)

    first_context.set_offline(True)
    claim(first_page, customer, "我上周拜访过")
    second_context.set_offline(True)
    claim(second_page, customer, "客户主动来电找我")
    go_online(first_context, first_page)
    go_online(second_context, second_page)

    second_page.goto("/#/sync")
    card = second_page.locator("li.card.rejected[data-code=already_claimed]")
    card.wait_for(timeout=15_000)
    reason = card.locator(".notice").inner_text()
    screenshot(second_page, "sync-lost-claim-english", full_page=True)
    assert reason.startswith("This customer was already claimed by 张伟."), reason
    assert card.locator("button", has_text="Retry").count() == 0


def test_own_claim_is_not_moved_in(site, new_context):
    """A customer the rep claimed from the pool is not announced on 今日 as given to them."""
    rep = site.add_user("sales", name="顾然")
    with server_writes(site) as add:
        customer = add("customers", name="沈洁", kind="潜在", source="展会", owner_id=None)
    page = new_context().new_page()
    log_in(page, rep, path="/#/pool")
    page.wait_for_selector(f".pool-customer[data-id='{customer}']")

    claim(page, customer, "她上周打来电话")
    page.wait_for_selector(".claim-claimed:has-text('认领成功')")
    settled(page)

    assert site.query("SELECT owner_id FROM customers WHERE id = ?", (customer,)) == [{"owner_id": rep.id}]
    moved_in = page.evaluate("async () => (await import('/js/context.js')).app.store.getMeta('moved_in')")
    assert moved_in is None, f"the rep's own claim was announced as given to them: {moved_in}"
    page.goto("/#/today")
    page.wait_for_selector(".view-today")
    assert page.locator(".moved-in").count() == 0
