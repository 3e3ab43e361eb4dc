"""A rep working down the customer list keeps their place: back after a
saved follow-up, or the ‹ link, returns to the list where they left it."""

import pytest

from genzong.server.state import open_data_dir
from reminder_helpers import seed

from .pwa_helpers import TIMEOUT_MS, log_in, save_form

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
CUSTOMERS = 40


@pytest.fixture(scope="module")
def rep(site):
    """A rep with enough customers for the list to scroll several screens."""
    user = site.add_user("sales", "张伟")
    state = open_data_dir(site.data)
    try:
        for number in range(CUSTOMERS):
            seed(state, "customers", name=f"客户{number:02d}", company="杭州装饰公司", owner_id=user.id)
    finally:
        state.close()
    return user


def card_link(page, name: str):
    return page.locator(".view-customers .cards .card-link", has=page.locator(".card-title", has_text=name))


def in_viewport(page, name: str) -> bool:
    box = card_link(page, name).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SMALL_PHONE["height"]


def open_from_list(page, name: str) -> None:
    card = card_link(page, name)
    card.scroll_into_view_if_needed()
    card.tap()
    page.wait_for_selector(".view-customer")


def test_back_after_save_returns_to_list(site, rep, new_context):
    page = new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, rep, path="/#/customers")
    page.wait_for_selector(".view-customers .cards")
    open_from_list(page, "客户30")

    page.tap("text=写跟进")
    page.fill("#field-content", "电话沟通，约周五量房")
    save_form(page)
    page.wait_for_selector(".view-customer")
    page.go_back()

    page.wait_for_selector(".view-customers", timeout=TIMEOUT_MS)
    assert page.evaluate("location.hash") == "#/customers", "one back leaves the customer"
    assert page.evaluate("scrollY") > 0
    assert in_viewport(page, "客户30"), "the list opens where the rep left it"


def test_back_link_returns_to_list_place(site, rep, new_context):
    page = new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, rep, path="/#/customers")
    page.wait_for_selector(".view-customers .cards")
    entries = page.evaluate("history.length")
    open_from_list(page, "客户25")

    page.tap(".page-header .back")

    page.wait_for_selector(".view-customers", timeout=TIMEOUT_MS)
    assert in_viewport(page, "客户25")
    assert page.evaluate("history.length") == entries + 1, "the ‹ link goes back rather than adding an entry"


def test_back_keeps_shown_more(site, new_context):
    """A customer opened after 显示更多 is still on the list, in its place, after back."""
    user = site.add_user("sales", "李娜")
    state = open_data_dir(site.data)
    try:
        for number in range(110):
            seed(state, "customers", name=f"门店{number:03d}", owner_id=user.id)
    finally:
        state.close()
    page = new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, user, path="/#/customers")
    page.wait_for_selector(".view-customers .cards")
    page.locator("text=再显示 10 位").tap()
    open_from_list(page, "门店105")

    page.go_back()

    page.wait_for_selector(".view-customers", timeout=TIMEOUT_MS)
    assert page.locator(".view-customers .cards .card").count() == 110
    assert in_viewport(page, "门店105")
