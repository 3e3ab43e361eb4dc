"""Undoing a delete from the toast that reports it, online and offline."""

from .pwa_helpers import create_customer, go_online, log_in, save_form, SCREENSHOTS, wait_synced

UNDO = "#toast button"


def delete_from_form(page, path: str) -> None:
    """Open the edit form at ``path``, press 删除 and accept the question."""
    page.goto(path)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button.button-danger:has-text('删除')")


def delete_synced_customer(page, rep, name: str, phone: str) -> str:
    """Log ``rep`` in, create a customer, sync it, delete it from its form and sync; return its id."""
    log_in(page, rep)
    customer_id = create_customer(page, name, phone)
    wait_synced(page)
    delete_from_form(page, f"/#/customer/{customer_id}/edit")
    page.wait_for_url("**/#/customers")
    wait_synced(page)
    return customer_id


def test_undo_restores_a_synced_customer(site, new_context):
    rep = site.add_user("sales", name="周敏")
    page = new_context().new_page()
    customer_id = delete_synced_customer(page, rep, "吴昊", "13600000001")
    assert site.query("SELECT deleted FROM customers WHERE id = ?", (customer_id,)) == [{"deleted": 1}]
    assert page.locator(".card", has_text="吴昊").count() == 0

    page.click(UNDO)
    page.locator(".card", has_text="吴昊").wait_for()
    wait_synced(page)
    assert site.query("SELECT deleted, name, phone FROM customers WHERE id = ?", (customer_id,)) == [
        {"deleted": 0, "name": "吴昊", "phone": "13600000001"}]
    assert page.locator("#toast").inner_text().startswith("已恢复")


def test_undo_offline_sends_nothing_deleted(site, new_context):
    """A follow-up deleted and restored before the next sync reaches the server undeleted."""
    rep = site.add_user("sales", name="郑云")
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "冯雪", "13600000002")
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.fill("#field-content", "电话确认下周二量房")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    wait_synced(page)
    [follow_up] = site.query("SELECT id FROM follow_ups WHERE customer_id = ?", (customer_id,))

    context.set_offline(True)
    delete_from_form(page, f"/#/follow-up/{follow_up['id']}/edit")
    page.wait_for_url(f"**/#/customer/{customer_id}")
    assert "联网后" in page.locator("#toast").inner_text()
    assert page.locator("text=电话确认下周二量房").count() == 0
    page.click(UNDO)
    page.locator("text=电话确认下周二量房").wait_for()

    go_online(context, page)
    assert site.query("SELECT deleted, content FROM follow_ups WHERE id = ?", (follow_up["id"],)) == [
        {"deleted": 0, "content": "电话确认下周二量房"}]


def test_later_toast_drops_undo(site, new_context):
    """A later toast replaces the one with 撤销, and its button goes with it."""
    rep = site.add_user("sales", name="孔亮")
    page = new_context().new_page()
    log_in(page, rep)
    customer_id = create_customer(page, "褚红", "13600000003")
    delete_from_form(page, f"/#/customer/{customer_id}/edit")
    page.wait_for_url("**/#/customers")
    assert page.locator(UNDO).inner_text() == "撤销"
    page.wait_for_timeout(300)  # the toast fades in; the screenshot helper would wait it out
    page.screenshot(path=str(SCREENSHOTS / "undo-delete-toast.png"))
    create_customer(page, "卫东", "13600000004")
    assert page.locator(UNDO).count() == 0
    assert page.locator("#toast").inner_text() == "已保存", "a toast without an action shows its message alone"


def test_undo_after_record_left_device(site, new_context):
    """撤销 of a record that a sync removed meanwhile (revoked) writes no empty record in its place."""
    rep = site.add_user("sales", name="钱坤")
    page = new_context().new_page()
    customer_id = delete_synced_customer(page, rep, "孙悦", "13600000009")
    # A revocation drops the record from the device, as a pull does when a manager reassigns it.
    page.evaluate("""async (id) => {
        const { app } = await import('/js/context.js');
        await app.store.mutate((tx) => tx.deleteRecord('customers', id));
    }""", customer_id)

    page.click(UNDO)
    record = page.evaluate("""async (id) => (await import('/js/context.js')).app.store.record('customers', id) ?? null""",
                           customer_id)
    assert record is None, f"undo wrote a record the device no longer had: {record}"
    assert page.evaluate("async () => (await import('/js/context.js')).app.store.outbox.size") == 0
    assert page.locator("#toast").inner_text().startswith("无法撤销")
