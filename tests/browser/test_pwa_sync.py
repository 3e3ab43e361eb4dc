"""The PWA's sync client against the real server: conflicts, a lost
response, a device clock ahead, a restore from backup and a revocation."""

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from device import Device
from genzong.server.state import open_data_dir
from genzong.server.timeutil import DEFAULT_TIME_ZONE
from .pwa_helpers import (PASSWORD, create_customer, go_online, last_sync, log_in, no_horizontal_overflow, pending, queued,
                          save_form, screenshot, sync_now, wait_synced, wait_until)

pytestmark = pytest.mark.browser


def edit_customer(page, customer_id: str, field: str, value: str) -> None:
    page.goto(f"/#/customer/{customer_id}/edit")
    page.fill(f"#field-{field}", value)
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")


def edit_phone(page, customer_id: str, phone: str) -> None:
    edit_customer(page, customer_id, "phone", phone)


def edit_phones_offline(first, second, customer_id: str) -> None:
    """Change the customer's phone on two offline (context, page) pairs, the second later, then sync both."""
    for context, _ in (first, second):
        context.set_offline(True)
    edit_phone(first[1], customer_id, "13811111111")
    edit_phone(second[1], customer_id, "13822222222")
    for context, page in (first, second):
        go_online(context, page)
    sync_now(first[1])


def on_manager_desk(site, manager, write) -> None:
    """Log ``manager`` in on a device of their own, pull, call ``write(device)`` and sync it."""
    with httpx.Client(base_url=site.url) as http:
        token = http.post("/api/login", json={"username": manager.username, "password": PASSWORD}).json()["token"]
        desk = Device(http, token)
        desk.sync()
        write(desk)
        desk.sync()


def shown_phone(page, customer_id: str) -> str:
    page.goto(f"/#/customer/{customer_id}")
    return page.locator("dt:has-text('电话') + dd").inner_text()


def test_concurrent_edits_show_conflict(site, new_context):
    rep = site.add_user("sales", name="李娜")
    manager = site.add_user("manager", name="王经理")
    rep_context, manager_context = new_context(), new_context()
    rep_page, manager_page = rep_context.new_page(), manager_context.new_page()
    log_in(rep_page, rep)
    customer_id = create_customer(rep_page, "周敏", "13800000001")
    wait_synced(rep_page)
    log_in(manager_page, manager, path=f"/#/customer/{customer_id}")
    manager_page.wait_for_selector(".customer-name:has-text('周敏')")

    edit_phones_offline((rep_context, rep_page), (manager_context, manager_page), customer_id)

    # The later write wins on both devices and in the database.
    assert shown_phone(rep_page, customer_id) == "13822222222"
    assert shown_phone(manager_page, customer_id) == "13822222222"
    assert site.query("SELECT phone FROM customers WHERE id = ?", (customer_id,)) == [{"phone": "13822222222"}]
    conflicts = site.query("SELECT * FROM conflicts WHERE record_id = ?", (customer_id,))
    assert [(c["field"], json.loads(c["kept_value"]), json.loads(c["other_value"]), c["kept_user"], c["other_user"])
            for c in conflicts] == [("phone", "13822222222", "13811111111", manager.id, rep.id)]

    rep_page.wait_for_selector(".notice-warning:has-text('修改冲突')")
    rep_page.goto("/#/sync")
    card = rep_page.locator(".conflict")
    assert card.count() == 1
    assert card.locator(".conflict-kept .conflict-value").inner_text() == "13822222222"
    assert card.locator(".conflict-other .conflict-value").inner_text() == "13811111111"
    # Each side shows who wrote it and when, to the second, in the organisation's zone.
    assert not site.query("SELECT id FROM settings WHERE key = 'time_zone' AND deleted = 0")
    zone = ZoneInfo(DEFAULT_TIME_ZONE)
    for side, dot, name in (("kept", "kept_dot", "王经理"), ("other", "other_dot", "李娜（本机）")):
        written = datetime.fromisoformat(json.loads(conflicts[0][dot])[2].replace("Z", "+00:00")).astimezone(zone)
        expected_time = written.strftime("%m-%d %H:%M:%S" if written.year == datetime.now(zone).year else "%Y-%m-%d %H:%M:%S")
        assert card.locator(f".conflict-{side} .conflict-who").inner_text() == f"{name} · {expected_time}"
    screenshot(rep_page, "07-sync-conflict")

    card.locator("text=改用另一个值").click()
    wait_synced(rep_page)
    assert site.query("SELECT phone FROM customers WHERE id = ?", (customer_id,)) == [{"phone": "13811111111"}]
    resolved = site.query("SELECT resolved_at, resolution FROM conflicts WHERE record_id = ?", (customer_id,))
    assert resolved[0]["resolution"] == "other"
    assert resolved[0]["resolved_at"]
    assert len(site.query("SELECT id FROM conflicts WHERE record_id = ?", (customer_id,))) == 1, "keeping the other value is no new conflict"
    rep_page.wait_for_selector("text=没有待处理的冲突。")

    sync_now(manager_page)
    assert shown_phone(manager_page, customer_id) == "13811111111"
    manager_page.goto("/#/sync")
    manager_page.wait_for_selector("text=没有待处理的冲突。")


def test_follow_up_with_next_date_counts_once(site, new_context):
    """A follow-up that moves the customer's next date is one change waiting; a later edit of the customer is another."""
    rep = site.add_user("sales")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "郑洁", "13700000001")
    wait_synced(page)
    chip = page.locator("#sync-chip")

    context.set_offline(True)
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.fill("#field-content", "约了下周看样板")
    page.fill("#field-next_follow_up", "2031-05-06")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")

    assert queued(page) == 2
    assert pending(page) == 1
    assert chip.inner_text() == "离线 · 1 条待同步"

    edit_phone(page, customer_id, "13700000002")

    assert queued(page) == 2
    assert pending(page) == 2, "the customer's own edit counts apart from the follow-up"

    go_online(context, page)

    assert pending(page) == 0
    assert site.query("SELECT next_follow_up, phone FROM customers WHERE id = ?", (customer_id,)) == [
        {"next_follow_up": "2031-05-06", "phone": "13700000002"}]


def test_conflict_marks_this_phone(site, new_context):
    """One rep's two phones change the same field offline, and each conflict card marks the value its phone wrote."""
    rep = site.add_user("sales", name="张伟")
    first_context, second_context = new_context(viewport={"width": 360, "height": 740}), new_context()
    first, second = first_context.new_page(), second_context.new_page()
    log_in(first, rep)
    customer_id = create_customer(first, "潘军", "13800000001")
    wait_synced(first)
    log_in(second, rep, path=f"/#/customer/{customer_id}")
    second.wait_for_selector(".customer-name:has-text('潘军')")

    edit_phones_offline((first_context, first), (second_context, second), customer_id)

    for page, own_value in ((first, "13811111111"), (second, "13822222222")):
        page.goto("/#/sync")
        card = page.locator(".conflict")
        mine = card.locator(".conflict-side").filter(has_text=own_value)
        theirs = card.locator(".conflict-side").filter(has_not_text=own_value)
        assert mine.locator(".conflict-who").inner_text().startswith("张伟（本机） · ")
        assert theirs.locator(".conflict-who").inner_text().startswith("张伟 · ")
    assert no_horizontal_overflow(first)
    screenshot(first, "sync-conflict-this-phone")


def test_lost_response_resent_once(site, new_context):
    rep = site.add_user("sales")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "吴刚", "13700000000")
    wait_synced(page)

    lost = []

    def lose_response(route):
        if b"follow_ups" in (route.request.post_data_buffer or b"") and not lost:
            response = route.fetch()  # the server receives the changes and stores them
            lost.append(response.json())
            site.kill()  # and is gone before the response reaches the device
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/api/sync", lose_response)
    context.set_offline(True)
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.fill("#field-content", "电话沟通报价")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=新建应收")
    page.fill("#field-amount_fen", "800")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=记回款")
    page.fill("#field-amount_fen", "200")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    context.set_offline(False)

    wait_until(page, lambda: lost, timeout=15)
    page.wait_for_function("() => document.documentElement.dataset.syncState === 'offline'")
    # The customer (its stage moved to 跟进中), the follow-up, the receivable and the payment.
    assert [result["status"] for result in lost[0]["results"]] == ["merged"] * 4
    assert queued(page) == 4, "the device never heard the answer, so everything stays queued"
    assert pending(page) == 3, "the follow-up and the stage it moved count as one action"

    context.unroute("**/api/sync")
    site.start()
    sync_now(page)
    assert len(site.query("SELECT id FROM follow_ups WHERE customer_id = ?", (customer_id,))) == 1
    receivables = site.query("SELECT id FROM receivables WHERE customer_id = ?", (customer_id,))
    assert len(receivables) == 1
    payments = site.query("SELECT amount_fen FROM payments WHERE receivable_id = ?", (receivables[0]["id"],))
    assert payments == [{"amount_fen": 20_000}]
    resend = site.query("SELECT received, merged, unchanged, rejected FROM sync_log ORDER BY id DESC LIMIT 1")[0]
    assert resend == {"received": 4, "merged": 0, "unchanged": 4, "rejected": 0}


def test_stalled_response_retried(site, new_context):
    """A push whose response never arrives (a dead link that sends no reset) is abandoned and sent again."""
    rep = site.add_user("sales")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    page.evaluate("async () => { (await import('/js/context.js')).app.sync.stallMs = 2000; }")
    held_routes = []

    def hold_first_push(route):
        if route.request.post_data_json["changes"] and not held_routes:
            route.fetch()  # the server stores the customer
            held_routes.append(route)  # and its response never reaches the phone
        else:
            route.continue_()

    context.route("**/api/sync", hold_first_push)
    customer_id = create_customer(page, "地下车库", "13800000009")
    wait_until(page, lambda: held_routes, timeout=15)
    page.wait_for_function("() => document.documentElement.dataset.syncState === 'offline'", timeout=10_000)

    wait_synced(page)
    assert site.query("SELECT name FROM customers WHERE id = ?", (customer_id,)) == [{"name": "地下车库"}]
    resend = site.query("SELECT received, merged, unchanged FROM sync_log ORDER BY id DESC LIMIT 1")[0]
    assert resend == {"received": 1, "merged": 0, "unchanged": 1}


def test_device_clock_ahead_is_restamped(site, new_context):
    rep = site.add_user("sales")
    page = new_context().new_page()
    log_in(page, rep)
    # The phone's clock jumps 20 minutes ahead after the last sync taught it the offset.
    page.evaluate("() => { const real = Date.now; Date.now = () => real() + 20 * 60 * 1000; }")
    customer_id = create_customer(page, "郑洁", "13600000000")
    wait_synced(page)

    rejected_before = site.query("SELECT coalesce(sum(rejected), 0) AS n FROM sync_log")[0]["n"]
    assert rejected_before >= 1, "the first send was rejected as clock_ahead"
    row = site.query("SELECT dots FROM customers WHERE id = ?", (customer_id,))[0]
    stamp = datetime.fromisoformat(json.loads(row["dots"])["name"][2].replace("Z", "+00:00"))
    assert abs(stamp - datetime.now(timezone.utc)) < timedelta(minutes=2), "re-stamped with the server's time"
    page.goto("/#/sync")
    assert page.locator(".rejected").count() == 0


def genzong(site, *args) -> None:
    subprocess.run([sys.executable, "-m", "genzong.server.cli", *args, "--data-dir", str(site.data.root)],
                   check=True, capture_output=True)


def test_restore_resends_lost_records(site, new_context, tmp_path):
    rep = site.add_user("sales")
    page = new_context().new_page()
    log_in(page, rep)
    kept = create_customer(page, "孙悦", "13500000001")
    wait_synced(page)
    genzong(site, "backup", str(tmp_path / "backup"))
    lost = create_customer(page, "钱多多", "13500000002")
    wait_synced(page)

    # The administrator restores the backup: the database gets a new epoch.
    site.stop()
    genzong(site, "restore", str(tmp_path / "backup"))
    site.start()
    assert site.query("SELECT id FROM customers WHERE id = ?", (lost,)) == []

    sync_now(page)
    names = {row["id"]: row["name"] for row in site.query("SELECT id, name FROM customers")}
    assert names[kept] == "孙悦"
    assert names[lost] == "钱多多", "the record the backup lost came back from the device"
    assert pending(page) == 0


def test_restore_resends_only_writable_records(site, new_context, tmp_path):
    """After a restore a rep's phone resends its own records, not a pool customer or a dealer it may not write."""
    rep = site.add_user("sales")
    manager = site.add_user("manager")
    on_manager_desk(site, manager, lambda desk: (desk.edit("customers", name="公海客户", owner_id=None),
                                                 desk.edit("dealers", name="杭州西湖经销点")))
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    genzong(site, "backup", str(tmp_path / "backup"))
    context.set_offline(True)
    offline_customer = create_customer(page, "车库里录的客户", "13500000003")

    site.stop()
    genzong(site, "restore", str(tmp_path / "backup"))
    site.start()
    go_online(context, page)

    assert site.query("SELECT name FROM customers WHERE id = ?", (offline_customer,)) == [{"name": "车库里录的客户"}]
    page.goto("/#/sync")
    assert page.locator(".rejected").count() == 0, "the rep changed nothing that the server rejects"
    device = page.evaluate("async () => (await import('/js/context.js')).app.device")
    assert site.query("SELECT sum(rejected) AS n FROM sync_log WHERE device = ?", (device,)) == [{"n": 0}]


def test_reassigned_customer_keeps_typed_edit(site, new_context):
    rep = site.add_user("sales", name="刘洋")
    other = site.add_user("sales", name="陈静")
    manager = site.add_user("manager")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "冯涛", "13400000000")
    wait_synced(page)

    context.set_offline(True)
    edit_customer(page, customer_id, "notes", "客户要求周六上午送货")

    on_manager_desk(site, manager, lambda desk: desk.edit("customers", customer_id, owner_id=other.id))

    go_online(context, page)
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector("text=找不到这位客户")
    page.goto("/#/sync")
    rejected = page.locator(".rejected")
    assert rejected.count() == 1
    rejected.locator("summary").click()
    assert "客户要求周六上午送货" in rejected.inner_text(), "what the rep typed stays visible"
    assert site.query("SELECT notes, owner_id FROM customers WHERE id = ?", (customer_id,)) == [
        {"notes": None, "owner_id": other.id}]


def test_relogin_keeps_unsynced_edits(site, new_context):
    rep = site.add_user("sales")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    device = site.query("SELECT id FROM devices WHERE user_id = ?", (rep.id,))[0]["id"]
    context.set_offline(True)
    customer_id = create_customer(page, "许晴", "13300000000")

    # An administrator ends every session of the rep (genzong user logout-all).
    state = open_data_dir(site.data)
    try:
        state.accounts().logout_all(rep.username)
    finally:
        state.close()
    context.set_offline(False)
    page.wait_for_selector("#banner-session")
    assert pending(page) == 1

    page.click("#banner-session button")
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    wait_synced(page, after=0)
    assert site.query("SELECT name FROM customers WHERE id = ?", (customer_id,)) == [{"name": "许晴"}]
    assert [row["id"] for row in site.query("SELECT id FROM devices WHERE user_id = ?", (rep.id,))] == [device], \
        "logging in again as the same user keeps the device id its unsynced edits carry"


def test_large_outbox_goes_in_batches(site, new_context):
    rep = site.add_user("sales")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "批量客户", "13200000000")
    wait_synced(page)
    context.set_offline(True)
    page.evaluate("""async (customerId) => {
        const { saveRecords } = await import('/js/edits.js');
        await saveRecords(Array.from({ length: 1200 }, (_, i) => ({
            table: 'follow_ups', changes: { customer_id: customerId, happened_at: new Date().toISOString(),
                                            channel: '电话', content: `第 ${i + 1} 次电话` } })));
    }""", customer_id)
    assert queued(page) == 1200
    device = site.query("SELECT id FROM devices WHERE user_id = ?", (rep.id,))[0]["id"]
    before = site.query("SELECT max(id) AS id FROM sync_log")[0]["id"]
    go_online(context, page, timeout=60_000)
    sizes = [row["received"] for row in site.query(
        "SELECT received FROM sync_log WHERE device = ? AND id > ? ORDER BY id", (device, before))]
    assert sizes[:3] == [500, 500, 200]
    assert site.query("SELECT count(*) AS n FROM follow_ups WHERE customer_id = ?", (customer_id,))[0]["n"] == 1200


def test_restore_settles_every_delete_conflict(site, new_context):
    """Two offline edits of a customer deleted meanwhile give two conflicts, and one restore settles both."""
    rep = site.add_user("sales", name="杨帆")
    manager = site.add_user("manager", name="赵经理")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "马骏", "13100000000")
    wait_synced(page)

    context.set_offline(True)
    edit_customer(page, customer_id, "notes", "下周三上午量房")
    edit_customer(page, customer_id, "phone", "13122223333")
    on_manager_desk(site, manager, lambda desk: desk.delete("customers", customer_id))
    go_online(context, page)
    assert len(site.query("SELECT id FROM conflicts WHERE record_id = ? AND field = 'deleted'", (customer_id,))) == 2

    page.goto("/#/sync")
    page.locator(".conflict").first.locator("text=恢复记录").click()
    wait_synced(page)
    assert page.locator(".conflict").count() == 0, "the other card would still say the record is deleted"
    assert site.query("SELECT deleted, notes, phone FROM customers WHERE id = ?", (customer_id,)) == [
        {"deleted": 0, "notes": "下周三上午量房", "phone": "13122223333"}]
    assert site.query("SELECT resolution FROM conflicts WHERE record_id = ?", (customer_id,)) == [
        {"resolution": "other"}, {"resolution": "other"}]


def test_delete_conflict_restores_with_edit(site, new_context):
    rep = site.add_user("sales", name="杨帆")
    manager = site.add_user("manager", name="赵经理")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "马骏", "13100000000")
    wait_synced(page)

    context.set_offline(True)
    edit_customer(page, customer_id, "notes", "下周三上午量房")

    on_manager_desk(site, manager, lambda desk: desk.delete("customers", customer_id))

    go_online(context, page)
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector("text=找不到这位客户")
    page.goto("/#/sync")
    card = page.locator(".conflict")
    assert card.locator(".conflict-kept .conflict-value").inner_text() == "记录已删除"
    assert "下周三上午量房" in card.locator(".conflict-other .conflict-value").inner_text()
    assert card.locator(".conflict-kept .conflict-who").inner_text().startswith("赵经理 · ")
    card.locator("text=恢复记录").click()
    wait_synced(page)
    assert site.query("SELECT deleted, notes FROM customers WHERE id = ?", (customer_id,)) == [
        {"deleted": 0, "notes": "下周三上午量房"}]
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector(".customer-name:has-text('马骏')")


def test_discard_fetches_server_version(site, new_context):
    """放弃本机修改 brings back the server's version of the one record, without pulling everything again."""
    rep = site.add_user("sales", name="韦青")
    other = site.add_user("sales", name="柏林")
    page = new_context().new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "蒋琳", "13200000000")
    wait_synced(page)

    # A rep may not change the owner; the app offers no such field, so the edit is made directly.
    page.evaluate("""async ([id, owner]) => {
        const { saveRecord } = await import('/js/edits.js');
        await saveRecord('customers', id, { owner_id: owner, notes: '本机备注' });
    }""", [customer_id, other.id])
    sync_now(page)
    page.goto("/#/sync")
    card = page.locator("li.card.rejected")
    card.wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    before = last_sync(page)
    sent = []
    page.on("request", lambda request: sent.append(request.post_data_json) if request.url.endswith("/api/sync") else None)
    card.locator("button", has_text="放弃本机修改").click()
    card.wait_for(state="detached")
    wait_synced(page, after=before)

    fields = page.evaluate("""async (id) => (await import('/js/context.js')).app.store.fields('customers', id)""",
                           customer_id)
    assert fields["owner_id"] == rep.id
    assert fields.get("notes") is None
    assert [body["fetch"] for body in sent] == [[{"table": "customers", "id": customer_id}]]
    assert all(body["cursor"] > 0 for body in sent), "nothing is pulled again from 0"
    assert page.evaluate("async () => (await import('/js/context.js')).app.store.getMeta('fetch')") is None
    assert page.evaluate("async () => (await import('/js/context.js')).app.store.getMeta('moved_in')") is None, \
        "the rep's own customer did not move to them"
