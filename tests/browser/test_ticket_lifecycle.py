"""Ticket handling as a rep and a manager do it in the app, checked against what the server stores.

The reports (投诉台账, 投诉处理时效, 超时答复工单) read those values. The cases:
reopening, times before receipt, the reply deadline, the owner of a
customer's ticket, and a ticket closed before its deadline.
"""

import re

import pytest

from .pwa_helpers import TIMEOUT_MS, create_customer, log_in, save_form, sync_now, wait_synced

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
# A saved ticket's screen; the form's own URL ends in /new.
SAVED_TICKET = re.compile(r"#/ticket/[0-9a-f-]{36}$")


def create_ticket(page, subject: str, received: str, due: str, customer: str | None = None) -> str:
    """Fill the new-ticket form with local times (YYYY-MM-DDTHH:MM) and return the new ticket's id."""
    page.goto(f"/#/ticket/new?customer={customer}" if customer else "/#/ticket/new")
    page.wait_for_selector("#field-subject")
    page.fill("#field-subject", subject)
    page.fill("#field-received_at", received)
    page.fill("#field-reply_due_at", due)
    save_form(page)
    page.wait_for_url(SAVED_TICKET, timeout=TIMEOUT_MS)
    return page.url.rsplit("/", 1)[1]


def edit_ticket(page, ticket_id: str, status: str | None = None, **fields) -> None:
    page.goto(f"/#/ticket/{ticket_id}/edit")
    page.wait_for_selector("#field-subject")
    for name, value in fields.items():
        page.fill(f"#field-{name}", value)
    if status:
        page.select_option("#field-status", status)
    save_form(page)


def stored_ticket(site, ticket_id: str) -> dict:
    return site.query("SELECT status, owner_id, resolved_at FROM tickets WHERE id = ?", (ticket_id,))[0]


def test_reopened_ticket_resolved_again(site, new_context):
    rep = site.add_user("sales", name="李娜")
    page = new_context().new_page()
    log_in(page, rep)
    ticket_id = create_ticket(page, "踢脚线脱落", "2026-12-01T09:00", "2026-12-02T09:00")
    edit_ticket(page, ticket_id, status="已解决", resolution="上门重新粘贴", resolved_at="2026-12-01T12:00")
    page.wait_for_selector(".view-ticket .chip:has-text('已解决')")

    edit_ticket(page, ticket_id, status="处理中", investigation="又脱落了：胶水型号不对")
    page.wait_for_selector(".view-ticket .chip:has-text('处理中')")
    page.click("text=标记已解决")
    page.wait_for_selector(".view-ticket .chip:has-text('已解决')")
    wait_synced(page)

    row = stored_ticket(site, ticket_id)
    assert row["status"] == "已解决"
    assert row["resolved_at"] > "2026-12-01T04:00:00.000Z", "the ticket was resolved again after it was reopened"


def test_reassigned_customer_moves_open_ticket(site, new_context):
    manager = site.add_user("manager", name="王经理")
    former = site.add_user("sales", name="李娜")
    taking = site.add_user("sales", name="赵强")
    rep_page = new_context().new_page()
    log_in(rep_page, former)
    customer_id = create_customer(rep_page, "刘美华")
    ticket_id = create_ticket(rep_page, "希望提供电子发票", "2026-12-05T17:00", "2026-12-06T17:00", customer=customer_id)
    wait_synced(rep_page)

    manager_page = new_context(viewport=DESKTOP).new_page()
    log_in(manager_page, manager)
    manager_page.goto(f"/#/customer/{customer_id}/edit")
    manager_page.select_option("#field-owner_id", taking.id)
    save_form(manager_page)
    manager_page.wait_for_url(f"**/#/customer/{customer_id}", timeout=TIMEOUT_MS)
    wait_synced(manager_page)

    customer = site.query("SELECT owner_id FROM customers WHERE id = ?", (customer_id,))[0]
    assert customer["owner_id"] == taking.id, "the reassignment reached the server"
    assert stored_ticket(site, ticket_id)["owner_id"] == taking.id


def test_resolved_before_received_rejected(site, new_context):
    rep = site.add_user("sales", name="李娜")
    page = new_context().new_page()
    log_in(page, rep)
    ticket_id = create_ticket(page, "价格单打印乱码", "2026-12-05T15:00", "2026-12-06T15:00")
    edit_ticket(page, ticket_id, status="已解决", resolution="更换打印驱动", resolved_at="2026-12-05T11:00")
    page.wait_for_timeout(500)  # long enough for a valid form to open the ticket's screen

    assert "/edit" in page.url, "the form stays open"
    assert page.inner_text("#field-resolved_at-error"), "the resolution time is flagged"


def test_reply_due_follows_received(site, new_context):
    rep = site.add_user("sales", name="李娜")
    page = new_context().new_page()
    log_in(page, rep)
    page.goto("/#/ticket/new")
    page.wait_for_selector("#field-received_at")
    page.fill("#field-received_at", "2026-12-04T09:00")
    page.dispatch_event("#field-received_at", "change")

    assert page.input_value("#field-reply_due_at") == "2026-12-05T09:00"


def test_customer_ticket_follows_customer_owner(site, new_context):
    """A manager's ticket for a rep's customer belongs to that rep, who alone can open it: no owner to pick."""
    manager = site.add_user("manager", name="王经理")
    customer_owner = site.add_user("sales", name="李娜")
    rep_page = new_context().new_page()
    log_in(rep_page, customer_owner)
    customer_id = create_customer(rep_page, "陈建国")
    wait_synced(rep_page)

    manager_page = new_context(viewport=DESKTOP).new_page()
    log_in(manager_page, manager)
    manager_page.goto(f"/#/ticket/new?customer={customer_id}")
    manager_page.wait_for_selector("#field-subject")
    assert manager_page.locator("#field-owner_id").count() == 0
    ticket_id = create_ticket(manager_page, "客户要求全额退款", "2026-12-05T16:00", "2026-12-06T16:00",
                              customer=customer_id)
    wait_synced(manager_page)
    assert stored_ticket(site, ticket_id)["owner_id"] == customer_owner.id

    manager_page.goto(f"/#/ticket/{ticket_id}/edit")
    manager_page.wait_for_selector("#field-subject")
    assert manager_page.locator("#field-owner_id").count() == 0
    sync_now(rep_page)
    rep_page.goto(f"/#/ticket/{ticket_id}")
    rep_page.wait_for_selector(".view-ticket", timeout=TIMEOUT_MS)


def test_resolved_in_time_not_missed(site, new_context):
    manager = site.add_user("manager", name="王经理")
    rep = site.add_user("sales", name="李娜")
    page = new_context().new_page()
    log_in(page, rep)
    ticket_id = create_ticket(page, "安装师傅迟到", "2026-11-02T10:00", "2026-11-02T14:00")
    edit_ticket(page, ticket_id, status="已解决", resolution="电话致歉，当场解决", resolved_at="2026-11-02T11:00")
    page.wait_for_url(SAVED_TICKET, timeout=TIMEOUT_MS)
    wait_synced(page)
    number = site.query("SELECT number FROM tickets WHERE id = ?", (ticket_id,))[0]["number"]

    manager_context = new_context(viewport=DESKTOP)
    log_in(manager_context.new_page(), manager)
    response = manager_context.request.get(
        "/data/genzong/missed_reply_tickets.json",
        params={"_shape": "objects", "开始日期": "2026-11-01", "结束日期": "2026-11-30"})
    assert response.status == 200, response.text()
    listed = [row["工单编号"] for row in response.json()["rows"]]
    assert number not in listed, "the ticket was closed an hour after receipt, three hours before its deadline"
