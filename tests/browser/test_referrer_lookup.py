"""介绍人 (referred_by) is found by typing, not picked from a list of every customer on the phone."""

import pytest

from genzong.server.state import open_data_dir
from reminder_helpers import seed

from .pwa_helpers import SAVED_CUSTOMER, log_in, save_form, screenshot, wait_synced

pytestmark = pytest.mark.browser


@pytest.fixture
def rep(site):
    user = site.add_user("sales", name="罗静")
    state = open_data_dir(site.data)
    try:
        for number in range(30):
            seed(state, "customers", name=f"老客户{number:02d}", owner_id=user.id)
        seed(state, "customers", name="郭涛", company="华信装饰", phone="13600001111", owner_id=user.id)
    finally:
        state.close()
    return user


def open_new_customer(page, rep, name: str) -> None:
    log_in(page, rep, path="/#/customers")
    page.locator(".card", has_text="郭涛").first.wait_for()
    page.goto("/#/customer/new")
    page.fill("#field-name", name)


def test_referrer_found_by_company(site, rep, new_context):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    open_new_customer(page, rep, "新客户甲")

    page.fill("#field-referred_by", "华信")
    options = page.locator("#field-referred_by-options .lookup-option")
    assert options.all_text_contents() == ["郭涛华信装饰 · 13600001111"]
    page.locator("#field-referred_by-options").scroll_into_view_if_needed()
    screenshot(page, "referrer-lookup")
    options.first.click()
    assert page.input_value("#field-referred_by") == "郭涛"
    save_form(page)
    page.wait_for_url(SAVED_CUSTOMER)
    wait_synced(page)

    [referrer] = site.query("SELECT id FROM customers WHERE name = '郭涛'")
    assert site.query("SELECT referred_by FROM customers WHERE name = '新客户甲'") == [{"referred_by": referrer["id"]}]


def test_unmatched_referrer_text_rejected(site, rep, new_context):
    page = new_context().new_page()
    open_new_customer(page, rep, "新客户乙")

    page.fill("#field-referred_by", "不存在的人")
    save_form(page)

    assert "请从输入框下方的列表中选一位介绍人" in page.inner_text("#field-referred_by-error")
    assert site.query("SELECT id FROM customers WHERE name = '新客户乙'") == []


def test_referrer_shown_and_cleared_on_edit(site, rep, new_context):
    page = new_context().new_page()
    open_new_customer(page, rep, "新客户丙")
    page.fill("#field-referred_by", "13600001111")
    page.locator("#field-referred_by-options .lookup-option").first.click()
    save_form(page)
    page.wait_for_url(SAVED_CUSTOMER)
    customer_id = page.url.rsplit("/", 1)[1]

    page.goto(f"/#/customer/{customer_id}/edit")
    assert page.input_value("#field-referred_by") == "郭涛"
    page.fill("#field-referred_by", "")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    wait_synced(page)
    assert site.query("SELECT referred_by FROM customers WHERE id = ?", (customer_id,)) == [{"referred_by": None}]


def test_referrer_kept_in_draft(site, rep, new_context):
    page = new_context().new_page()
    open_new_customer(page, rep, "新客户丁")
    page.fill("#field-referred_by", "郭")
    page.locator("#field-referred_by-options .lookup-option").first.click()

    page.go_back()
    page.goto("/#/customer/new")

    assert page.input_value("#field-name") == "新客户丁"
    assert page.input_value("#field-referred_by") == "郭涛"
