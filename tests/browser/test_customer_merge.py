"""合并重复客户: a duplicate's records move to the kept customer, its details fill the gaps, and it goes."""

import pytest

from genzong.server.state import open_data_dir
from reminder_helpers import seed

from .pwa_helpers import log_in, no_horizontal_overflow, screenshot, wait_synced

pytestmark = pytest.mark.browser


@pytest.fixture
def book(site):
    """A rep's two records of one customer, with records on each, a referral and a pool namesake."""
    rep = site.add_user("sales", name="魏华")
    state = open_data_dir(site.data)
    try:
        kept = seed(state, "customers", name="王芳", phone="13800138000", notes="老客户", owner_id=rep.id,
                    next_follow_up="2026-12-20")
        duplicate = seed(state, "customers", name="王 芳", phone="13911112222", company="华信装饰",
                         notes="要地暖", owner_id=rep.id, next_follow_up="2026-12-10")
        seed(state, "follow_ups", customer_id=kept, happened_at="2026-11-01T02:00:00.000Z", channel="电话", content="初次电话")
        moved = [seed(state, "follow_ups", customer_id=duplicate, happened_at="2026-11-20T02:00:00.000Z",
                      channel="拜访", content="上门量房"),
                 seed(state, "tickets", customer_id=duplicate, owner_id=rep.id, kind="投诉", subject="地板起拱")]
        referred = seed(state, "customers", name="李雷", owner_id=rep.id, referred_by=duplicate)
        pooled = seed(state, "customers", name="王芳", phone="13800138000", owner_id=None)
    finally:
        state.close()
    return {"rep": rep, "kept": kept, "duplicate": duplicate, "moved": moved, "referred": referred, "pooled": pooled}


def open_merge(page, book) -> None:
    log_in(page, book["rep"], path=f"/#/customer/{book['kept']}")
    page.locator(".customer-name", has_text="王芳").wait_for()
    page.goto(f"/#/customer/{book['kept']}/edit")
    page.click("text=合并重复客户")
    page.wait_for_url(f"**/#/customer/{book['kept']}/merge")


def merge_duplicate(page, book) -> None:
    page.check(f"input[name=duplicate][value='{book['duplicate']}']")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#merge-submit")
    page.wait_for_url(f"**/#/customer/{book['kept']}")


def test_merge_moves_records_and_fills_details(site, new_context, book):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    open_merge(page, book)
    candidates = page.locator(".merge-candidates li")
    assert "可能重复" in candidates.first.inner_text()
    assert "王 芳" in candidates.first.inner_text()
    assert page.locator(f"input[name=duplicate][value='{book['pooled']}']").count() == 0, "a pool customer is not the rep's"

    page.check(f"input[name=duplicate][value='{book['duplicate']}']")
    preview = page.locator(".merge-preview").inner_text()
    assert "跟进记录" in preview
    assert "华信装饰" in preview
    screenshot(page, "customer-merge", full_page=True)
    assert no_horizontal_overflow(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#merge-submit")
    page.wait_for_url(f"**/#/customer/{book['kept']}")
    wait_synced(page)

    [kept] = site.query("SELECT company, phone, notes, next_follow_up FROM customers WHERE id = ?", (book["kept"],))
    assert kept == {"company": "华信装饰", "phone": "13800138000 / 13911112222", "notes": "老客户\n要地暖",
                    "next_follow_up": "2026-12-10"}
    assert site.query("SELECT deleted FROM customers WHERE id = ?", (book["duplicate"],)) == [{"deleted": 1}]
    follow_up, ticket = book["moved"]
    assert site.query("SELECT customer_id FROM follow_ups WHERE id = ?", (follow_up,)) == [{"customer_id": book["kept"]}]
    assert site.query("SELECT customer_id FROM tickets WHERE id = ?", (ticket,)) == [{"customer_id": book["kept"]}]
    assert site.query("SELECT referred_by FROM customers WHERE id = ?", (book["referred"],)) == [
        {"referred_by": book["kept"]}]
    assert page.locator("text=上门量房").count() == 1, "the moved follow-up shows on the kept customer"


def test_merge_undo_puts_everything_back(site, new_context, book):
    page = new_context().new_page()
    open_merge(page, book)
    merge_duplicate(page, book)
    wait_synced(page)

    page.click("#toast button")
    wait_synced(page)

    [kept] = site.query("SELECT company, phone, notes, next_follow_up FROM customers WHERE id = ?", (book["kept"],))
    assert kept == {"company": None, "phone": "13800138000", "notes": "老客户", "next_follow_up": "2026-12-20"}
    assert site.query("SELECT deleted FROM customers WHERE id = ?", (book["duplicate"],)) == [{"deleted": 0}]
    follow_up, ticket = book["moved"]
    assert site.query("SELECT customer_id FROM follow_ups WHERE id = ?", (follow_up,)) == [
        {"customer_id": book["duplicate"]}]
    assert site.query("SELECT customer_id FROM tickets WHERE id = ?", (ticket,)) == [{"customer_id": book["duplicate"]}]
    assert site.query("SELECT referred_by FROM customers WHERE id = ?", (book["referred"],)) == [
        {"referred_by": book["duplicate"]}]


def test_merge_reads_current_notes(site, new_context, book):
    """A change to the kept customer while the merge screen is open is kept, not overwritten by the screen's copy."""
    page = new_context().new_page()
    open_merge(page, book)
    page.check(f"input[name=duplicate][value='{book['duplicate']}']")
    page.locator(".merge-preview").wait_for()

    # Another edit of the kept customer arrives while the preview shows.
    page.evaluate("""async (id) => {
        const { saveRecord } = await import('/js/edits.js');
        await saveRecord('customers', id, { notes: '老客户，周五回电' });
    }""", book["kept"])
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#merge-submit")
    page.wait_for_url(f"**/#/customer/{book['kept']}")
    wait_synced(page)

    [kept] = site.query("SELECT notes FROM customers WHERE id = ?", (book["kept"],))
    assert kept["notes"] == "老客户，周五回电\n要地暖"
