"""What a rep typed in a form and has not saved survives a reload, the back button and other tabs, and Enter moves on rather than saving."""

import pytest

from .pwa_helpers import (SAVED_CUSTOMER, TIMEOUT_MS, create_customer, go_online, log_in, save_form, sync_now,
                          wait_for_service_worker)

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}


def phone_context(new_context):
    return new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)


def open_follow_up(page, customer_id: str) -> None:
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.wait_for_selector("#field-content")


def draft_keys(page) -> list[str]:
    return page.evaluate("() => Object.keys(localStorage).filter((key) => key.startsWith('genzong.draft.'))")


def test_follow_up_draft_survives_reload(site, new_context):
    context = phone_context(new_context)
    page = context.new_page()
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "钱卫东", "13800138001")
    # Offline, only the service worker can serve the reloaded page.
    wait_for_service_worker(page)
    context.set_offline(True)

    open_follow_up(page, customer_id)
    page.fill("#field-content", "到店看样板，嫌贵，下周带家人再来")
    page.check("input[name=channel][value='拜访']", force=True)
    page.click("text=3 天后")
    page.reload()
    page.wait_for_selector("#field-content")

    assert page.input_value("#field-content") == "到店看样板，嫌贵，下周带家人再来"
    assert page.is_checked("input[name=channel][value='拜访']")
    assert page.input_value("#field-next_follow_up") != ""
    assert page.locator(".draft-notice").is_visible()
    assert page.locator("#check-in").is_visible(), "a restored visit shows its check-in block"

    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}", timeout=TIMEOUT_MS)
    go_online(context, page)
    rows = site.query("SELECT content, channel FROM follow_ups WHERE customer_id = ?", (customer_id,))
    assert rows == [{"content": "到店看样板，嫌贵，下周带家人再来", "channel": "拜访"}]

    open_follow_up(page, customer_id)
    assert page.input_value("#field-content") == "", "a saved form leaves no draft"
    assert page.locator(".draft-notice").count() == 0


def test_draft_survives_back_and_tabs(site, new_context):
    page = phone_context(new_context).new_page()
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "孙丽", "13800138002")

    page.click("text=新建应收")
    page.wait_for_selector("#field-amount_fen")
    page.fill("#field-amount_fen", "1.2万")
    page.fill("#field-order_no", "HT-2026-118")
    page.go_back()
    page.wait_for_selector(".view-customer")
    page.click("#tabs a[data-tab=tickets]")
    page.wait_for_selector(".view-tickets")
    page.go_back()
    page.go_forward()
    page.go_back()
    page.wait_for_selector(".view-customer")
    page.click("text=新建应收")
    page.wait_for_selector("#field-amount_fen")

    assert page.input_value("#field-amount_fen") == "1.2万"
    assert page.input_value("#field-order_no") == "HT-2026-118"


def test_draft_discard_restores_defaults(site, new_context):
    page = phone_context(new_context).new_page()
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "赵磊")
    open_follow_up(page, customer_id)
    page.fill("#field-content", "不要了")
    page.check("input[name=channel][value='微信']", force=True)
    page.reload()
    page.wait_for_selector(".draft-notice")

    page.click(".draft-discard")

    assert page.input_value("#field-content") == ""
    assert page.is_checked("input[name=channel][value='电话']"), "the default channel is back"
    assert page.locator(".draft-notice").count() == 0
    page.reload()
    page.wait_for_selector("#field-content")
    assert page.locator(".draft-notice").count() == 0, "a discarded draft stays discarded"


def test_drafts_removed_at_logout(site, new_context):
    page = phone_context(new_context).new_page()
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "周敏")
    open_follow_up(page, customer_id)
    page.fill("#field-content", "客户隐私内容")
    assert len(draft_keys(page)) == 1

    page.goto("/#/settings")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=退出登录")
    page.wait_for_url("**/#/login**", timeout=TIMEOUT_MS)

    assert draft_keys(page) == []


def test_enter_moves_to_next_field(site, new_context):
    context = phone_context(new_context)
    page = context.new_page()
    log_in(page, site.add_user("sales"))
    page.goto("/#/customer/new")
    page.wait_for_selector("#field-name")

    page.fill("#field-name", "吴刚")
    page.press("#field-name", "Enter")

    assert page.evaluate("location.hash") == "#/customer/new", "Enter after the name saves nothing"
    assert page.evaluate("document.activeElement.id") == "field-phone"
    page.keyboard.type("13700137000")
    save_form(page)
    page.wait_for_url(SAVED_CUSTOMER, timeout=TIMEOUT_MS)
    sync_now(page)
    rows = site.query("SELECT phone FROM customers WHERE name = '吴刚'")
    assert rows == [{"phone": "13700137000"}]


def test_survey_and_project_drafts_kept(site, new_context):
    """The survey's scores and comment, and a new project's name, come back after back and reopening."""
    page = phone_context(new_context).new_page()
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "周航", "13800138009")

    page.goto(f"/#/customer/{customer_id}/survey/new")
    page.check("fieldset.survey-question[data-key='product'] input[value='4']")
    page.fill("#field-comment", "安装很快，地面有一处缝隙")
    page.go_back()
    page.wait_for_selector(".view-customer")
    page.goto(f"/#/customer/{customer_id}/survey/new")
    page.wait_for_selector("#field-comment")

    assert page.is_checked("fieldset.survey-question[data-key='product'] input[value='4']")
    assert page.input_value("#field-comment") == "安装很快，地面有一处缝隙"
    assert page.inner_text(".survey-score-value") == "得分 4.00", "the restored score counts"

    page.goto(f"/#/customer/{customer_id}/project/new")
    page.fill("#field-name", "客厅实木地板")
    page.go_back()
    page.goto(f"/#/customer/{customer_id}/project/new")
    page.wait_for_selector("#field-name")
    assert page.input_value("#field-name") == "客厅实木地板"
    assert page.locator(".draft-notice").is_visible()
