"""What a rep reads when their customers were handed over to another rep.

The rep's unsynced edits reach the server in the same sync that revokes
the customer. The server rejects them as ``reassigned``. The sync page shows
that the record went to someone else, and offers no retry, which could
never succeed. 今日 shows how many of the rep's customers left the device.
"""

import uuid

import httpx

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp
from .pwa_helpers import PASSWORD, TIMEOUT_MS, go_online, log_in, save_form, screenshot, sync_now

HANDED_OVER = "这条记录或它所属的客户已转给李接手负责，你的修改没有保存。请把修改的内容告诉李接手或经理"


def write_customer(site, changes: dict, customer: str | None = None) -> str:
    """Store a server write of ``changes`` to a customer (a new one when ``customer`` is None); return its id."""
    customer = customer or str(uuid.uuid4())
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            batch.server_write("customers", customer, changes)
            batch.flush()
    finally:
        state.close()
    return customer


def hand_over(site, manager, source, target) -> None:
    with httpx.Client(base_url=site.url) as http:
        token = http.post("/api/login", json={"username": manager.username, "password": PASSWORD}).json()["token"]
        response = http.post("/api/handover", json={"from": source.id, "to": target.id},
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def edit_offline_then_hand_over(site, new_context):
    manager = site.add_user("manager")
    leaving = site.add_user("sales", name="张离职")
    taking = site.add_user("sales", name="李接手")
    customer = write_customer(site, {"name": "韩文博", "owner_id": leaving.id})
    context = new_context()
    page = context.new_page()
    log_in(page, leaving)

    context.set_offline(True)
    page.goto(f"/#/customer/{customer}/edit")
    page.fill("#field-notes", "离线备注：客户周六来店看样")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer}")
    page.goto(f"/#/customer/{customer}/follow-up/new")
    page.fill("textarea[name=content]", "离线跟进：电话确认了安装日期")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer}")

    hand_over(site, manager, leaving, taking)
    go_online(context, page)
    page.goto("/#/sync")
    page.wait_for_selector("li.card.rejected", timeout=TIMEOUT_MS)
    return page


def test_offline_edits_show_reassigned_reason(site, new_context):
    """The customer edit and the new follow-up show that the customer went to someone else, with no retry."""
    page = edit_offline_then_hand_over(site, new_context)

    customer_card = page.locator("li.card.rejected").filter(has_text="客户：韩文博")
    reason = customer_card.locator(".notice").inner_text()
    assert "公海" not in reason, f"the customer was handed over, not returned to the pool: {reason}"
    assert HANDED_OVER in reason
    # The record left the device: the card shows what the rep typed, their change first and marked.
    customer_card.locator("details summary").click()
    rows = customer_card.locator("dl.details dd")
    assert rows.first.inner_text().startswith("离线备注：客户周六来店看样")
    assert rows.first.locator(".chip", has_text="你改的").count() == 1
    assert customer_card.locator("dl.details .chip").count() == 1, "only the notes changed offline"

    follow_up_card = page.locator("li.card.rejected[data-code]").filter(has_text="跟进记录")
    assert "跟进记录：韩文博" in follow_up_card.inner_text(), "the title names the customer that left the device"
    reason = follow_up_card.locator(".notice").inner_text()
    assert "请先同步" not in reason, f"syncing again cannot help: {reason}"
    assert HANDED_OVER in reason
    assert follow_up_card.locator("button", has_text="重试").count() == 0
    assert follow_up_card.locator("button", has_text="放弃本机修改").count() == 1
    screenshot(page, "sync-reassigned-edits", full_page=True)


def test_today_counts_moved_customers(site, new_context):
    """After a hand-over, 今日 shows the giving rep how many of their customers left, until dismissed."""
    manager = site.add_user("manager")
    leaving = site.add_user("sales", name="张离职")
    taking = site.add_user("sales", name="李接手")
    for _ in range(2):
        write_customer(site, {"name": "韩文博", "owner_id": leaving.id})
    # A pool customer another rep gets was never the rep's: it leaves without counting.
    pool_customer = write_customer(site, {"name": "王芳", "owner_id": None})
    page = new_context().new_page()
    log_in(page, leaving)
    write_customer(site, {"owner_id": taking.id}, pool_customer)
    hand_over(site, manager, leaving, taking)

    sync_now(page)
    page.goto("/#/today")
    notice = page.locator(".moved-away")
    notice.wait_for(timeout=TIMEOUT_MS)
    assert notice.inner_text().startswith("你负责的 2 位客户已转给其他人负责，已从本机移除")
    screenshot(page, "today-customers-moved-away")
    notice.locator("button", has_text="知道了").click()
    notice.wait_for(state="detached", timeout=TIMEOUT_MS)
    page.reload()
    page.wait_for_selector(".view-today", timeout=TIMEOUT_MS)
    assert page.locator(".moved-away").count() == 0



def test_reassigned_follow_up_shows_typed_content(site, new_context):
    """A new follow-up of a customer that left the device stays readable on the sync page.

    The follow-up itself is still on the device, but its customer is not, so its
    own page cannot open and the card has to show what the rep typed.
    """
    page = edit_offline_then_hand_over(site, new_context)

    follow_up_card = page.locator("li.card.rejected[data-code]").filter(has_text="跟进记录")
    assert follow_up_card.locator(".card-title a").count() == 0, "the follow-up's page cannot show it without its customer"
    follow_up_card.locator("details summary").click()
    assert "离线跟进：电话确认了安装日期" in follow_up_card.locator("dl.details").inner_text()


def test_log_out_warns_of_rejected_edits(site, new_context):
    """Logging out counts rejected edits, which exist only on this device, as unsynced."""
    page = edit_offline_then_hand_over(site, new_context)
    assert page.evaluate("() => document.documentElement.dataset.pending") == "0"
    questions = []

    def decline(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.goto("/#/settings")
    page.click("text=退出登录")
    page.wait_for_timeout(200)
    assert questions == ["还有 2 条修改尚未同步，退出会丢失这些修改！确定退出吗？"]
    page.goto("/#/sync")
    assert page.locator("li.card.rejected").count() == 2, "declining keeps the rejected edits"
