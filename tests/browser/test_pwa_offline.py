"""A rep works with the server unreachable; the work syncs when it is back."""

import re

import pytest

from .pwa_helpers import (dots, log_in, pending, save_form, screenshot, sync_now, wait_for_service_worker,
                         wait_synced)

pytestmark = pytest.mark.browser

# Makes IndexedDB refuse writes as a full disk does, while window.diskFull is true.
FULL_DISK = """
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
        if (window.diskFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.apply(this, args);
    };
"""


def customer_id_from(page) -> str:
    page.wait_for_url(re.compile(r"#/customer/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def add_customer_offline(page) -> str:
    page.click("nav.tabs a[data-tab=customers]")
    page.click("text=新客户")
    page.fill("#field-name", "陈晓东")
    page.fill("#field-phone", "139 1234 5678")
    page.fill("#field-company", "杭州明德装饰工程有限公司")
    page.check("input[name=kind][value=直接]")
    page.select_option("#field-interest", "8")
    page.fill("#field-address", "杭州市西湖区文三路 88 号")
    save_form(page)
    return customer_id_from(page)


def add_follow_up(page, customer_id: str) -> None:
    page.click("text=写跟进")
    page.wait_for_url(f"**/#/customer/{customer_id}/follow-up/new")
    page.check("input[name=channel][value=拜访]")
    page.fill("#field-content", "上门量房，客厅和卧室共约 86 平方米")
    page.fill("#field-result", "客户倾向橡木色，等报价")
    page.fill("#field-next_follow_up", "2030-01-15")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")


def add_receivable_with_partial_payment(page, customer_id: str) -> None:
    page.click("text=新建应收")
    page.fill("#field-amount_fen", "12000")
    page.fill("#field-order_no", "DD-2026-001")
    page.fill("#field-due_date", "2030-02-01")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=记回款")
    page.fill("#field-amount_fen", "3000.50")
    page.check("input[name=method][value=转账]")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")


def add_complaint(page, customer_id: str) -> str:
    page.click("text=登记投诉/问题")
    page.check("input[name=kind][value=投诉]")
    page.fill("#field-subject", "地板起拱")
    page.fill("#field-content", "安装两周后客厅地板中间起拱约 2 厘米")
    save_form(page)
    page.wait_for_url(re.compile(r"#/ticket/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def expect_customer_page(page, customer_id: str) -> None:
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector(".customer-name:has-text('陈晓东')")
    text = page.inner_text("main")
    assert "上门量房，客厅和卧室共约 86 平方米" in text
    assert "¥12,000.00" in text
    assert "¥3,000.50" in text
    assert "¥8,999.50" in text, "the outstanding amount"
    assert "部分付款" in text
    assert "地板起拱" in text
    assert "2030-01-15" in text, "the follow-up's next date is copied to the customer"


def test_offline_work_syncs_later(site, new_context):
    rep = site.add_user("sales", name="张伟")
    manager = site.add_user("manager", name="王经理")
    page = new_context().new_page()
    log_in(page, rep)
    wait_for_service_worker(page)

    site.stop()
    page.reload()
    page.wait_for_selector(".view-today")
    page.wait_for_function("() => document.documentElement.dataset.syncState === 'offline'")

    customer_id = add_customer_offline(page)
    add_follow_up(page, customer_id)
    add_receivable_with_partial_payment(page, customer_id)
    ticket_id = add_complaint(page, customer_id)
    assert pending(page) == 5, "customer, follow-up, receivable, payment and ticket wait in the outbox"

    page.reload()
    expect_customer_page(page, customer_id)
    cold_start = page.context.new_page()
    cold_start.goto(f"/#/customer/{customer_id}")
    cold_start.wait_for_selector(".customer-name:has-text('陈晓东')")
    cold_start.close()
    assert site.query("SELECT count(*) AS n FROM customers WHERE id = ?", (customer_id,))[0]["n"] == 0

    site.start()
    sync_now(page)
    assert pending(page) == 0

    customer = site.query("SELECT * FROM customers WHERE id = ?", (customer_id,))[0]
    assert customer["name"] == "陈晓东"
    assert customer["phone"] == "139 1234 5678"
    assert customer["kind"] == "直接"
    assert customer["interest"] == 8
    assert customer["stage"] == "跟进中"
    assert customer["next_follow_up"] == "2030-01-15"
    assert customer["owner_id"] == rep.id
    assert re.fullmatch(r"KH\d{6}", customer["code"])
    assert dots(customer)["name"][0].startswith("d-"), "stamped by the rep's device"

    follow_up = site.query("SELECT * FROM follow_ups WHERE customer_id = ?", (customer_id,))
    assert [(f["channel"], f["content"], f["result"]) for f in follow_up] == [
        ("拜访", "上门量房，客厅和卧室共约 86 平方米", "客户倾向橡木色，等报价")]
    receivable = site.query("SELECT * FROM receivables WHERE customer_id = ?", (customer_id,))
    assert [(r["amount_fen"], r["order_no"], r["due_date"]) for r in receivable] == [(1_200_000, "DD-2026-001", "2030-02-01")]
    payments = site.query("SELECT * FROM payments WHERE receivable_id = ?", (receivable[0]["id"],))
    assert [(p["amount_fen"], p["method"]) for p in payments] == [(300_050, "转账")]
    ticket = site.query("SELECT * FROM tickets WHERE id = ?", (ticket_id,))[0]
    assert (ticket["kind"], ticket["subject"], ticket["customer_id"], ticket["owner_id"], ticket["status"]) == (
        "投诉", "地板起拱", customer_id, rep.id, "待处理")
    assert re.fullmatch(r"GD\d{6}", ticket["number"])

    # The codes the server gave come back to the device.
    page.goto(f"/#/customer/{customer_id}")
    page.wait_for_selector(f".code:has-text('{customer['code']}')")

    manager_page = new_context().new_page()
    log_in(manager_page, manager, path=f"/#/customer/{customer_id}")
    manager_page.wait_for_url(f"**/#/customer/{customer_id}")
    expect_customer_page(manager_page, customer_id)
    screenshot(manager_page, "08-manager-sees-synced-customer")


def test_form_keeps_input_on_error(site, new_context):
    rep = site.add_user("sales")
    page = new_context().new_page()
    log_in(page, rep)
    page.goto("/#/customer/new")
    page.fill("#field-phone", "13800000000")
    page.fill("#field-expected_amount_fen", "5000.001")
    page.fill("#field-email", "not-an-email")
    save_form(page)
    assert page.inner_text("#field-name-error") == "请填写客户名称。"
    assert page.get_attribute("#field-name", "aria-invalid") == "true"
    page.fill("#field-name", "王芳")
    save_form(page)
    assert "最多两位小数" in page.inner_text("#field-expected_amount_fen-error")
    assert "格式不正确" in page.inner_text("#field-email-error")
    assert page.input_value("#field-phone") == "13800000000", "nothing typed is lost"
    assert page.input_value("#field-expected_amount_fen") == "5000.001"
    screenshot(page, "05-customer-form-errors")
    page.fill("#field-expected_amount_fen", "5000.01")
    page.fill("#field-email", "wang@example.cn")
    save_form(page)
    customer_id = customer_id_from(page)
    wait_synced(page)
    row = site.query("SELECT name, expected_amount_fen, email FROM customers WHERE id = ?", (customer_id,))
    assert row == [{"name": "王芳", "expected_amount_fen": 500_001, "email": "wang@example.cn"}]


def test_full_storage_reported(site, new_context):
    rep = site.add_user("sales")
    context = new_context()
    context.add_init_script(FULL_DISK)
    page = context.new_page()
    log_in(page, rep)
    page.goto("/#/customer/new")
    page.fill("#field-name", "韦小宝")
    page.fill("#field-notes", "客户说下周再联系")
    page.evaluate("() => { window.diskFull = true; }")
    save_form(page)
    page.wait_for_selector(".form-error:has-text('存储空间不足')")
    assert "存储空间不足" in page.inner_text("#banner-storage")
    assert page.url.endswith("#/customer/new")
    assert page.input_value("#field-notes") == "客户说下周再联系"
    assert pending(page) == 0, "nothing half-saved"

    page.evaluate("() => { window.diskFull = false; }")
    save_form(page)
    customer_id = customer_id_from(page)
    wait_synced(page)
    assert site.query("SELECT notes FROM customers WHERE id = ?", (customer_id,)) == [{"notes": "客户说下周再联系"}]
