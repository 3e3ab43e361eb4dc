"""What a rep meets in a working day on a 360 px phone: calling, tapping, typing, reading counts."""

import pytest

from .pwa_helpers import create_customer, log_in, save_form

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
MIN_TAP_PX = 40


def phone_page(new_context, **options):
    return new_context(viewport=SMALL_PHONE, device_scale_factor=3, is_mobile=True, has_touch=True,
                       **options).new_page()


def call_links(page) -> list[list[str]]:
    return page.locator(".customer-card a[href^='tel:']").evaluate_all(
        "links => links.map((link) => [link.textContent, link.getAttribute('href')])")


def test_call_dials_extension_after_pause(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    create_customer(page, "王丽华", "020-38886666转8012")

    assert call_links(page) == [["打电话", "tel:02038886666,8012"]]


def test_call_dials_dashed_extension(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    create_customer(page, "孙海涛", "0571-88001234-801")

    assert call_links(page) == [["打电话", "tel:057188001234,801"]]


def test_call_button_per_number(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    create_customer(page, "周建国", "13912340001 / 0571-88001234分机801")

    assert call_links(page) == [["打电话 13912340001", "tel:13912340001"],
                                ["打电话 0571-88001234分机801", "tel:057188001234,801"]]


def tap_size(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    return box["width"], box["height"]


def test_edit_links_finger_sized(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "欧阳振华", "13800138000")
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.fill("#field-content", "上门拜访，要求下周报价")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.goto(f"/#/customer/{customer_id}/receivable/new")
    page.fill("#field-amount_fen", "12万")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")
    page.click("text=记回款")
    page.fill("#field-amount_fen", "3000")
    save_form(page)
    page.wait_for_url(f"**/#/customer/{customer_id}")

    for selector in (".timeline .edit-link", ".payments .edit-link", ".back", "#sync-chip",
                     ".history-section summary"):
        width, height = tap_size(page, selector)
        assert height >= MIN_TAP_PX, f"{selector} is {height:.0f} px tall"
        assert width >= MIN_TAP_PX, f"{selector} is {width:.0f} px wide"
    receivable = page.locator("li.card.receivable")
    assert "¥120,000.00" in receivable.inner_text(), "12万 is 120,000 yuan"
    # The payment's link and the receivable's button name what they edit.
    assert receivable.locator(".payments .edit-link").inner_text() == "编辑回款"
    assert receivable.locator(".card-actions a", has_text="编辑").inner_text() == "编辑应收"


def test_tab_bar_steps_aside_for_keyboard(site, new_context):
    """A browser that shrinks the page for the keyboard gets the tab bar out of the typed text's way."""
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    customer_id = create_customer(page, "陈晓东", "13912345678")
    page.goto(f"/#/customer/{customer_id}/follow-up/new")
    page.locator("#field-content").tap()
    assert page.locator("#tabs").is_visible(), "a page of full height keeps the bar"

    page.set_viewport_size({"width": 360, "height": 420})

    assert not page.locator("#tabs").is_visible()
    page.locator("#field-content").blur()
    assert page.locator("#tabs").is_visible()


def test_search_shows_matched_code(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    create_customer(page, "吕建华", "13912345678")
    page.wait_for_function("() => document.querySelector('.customer-card .code')?.textContent.startsWith('KH')")
    code = page.inner_text(".customer-card .code")

    page.goto("/#/customers")
    page.fill("#customer-search", code[-4:])

    # textContent: cards skip rendering until shown (content-visibility), which empties innerText meanwhile.
    assert page.locator(".cards .card-meta .code").all_text_contents() == [code]
    page.fill("#customer-search", "吕建华")
    assert page.locator(".cards .card-meta .code").count() == 0, "a match by name needs no code"


def test_english_counts_singular(site, new_context):
    page = phone_page(new_context)
    log_in(page, site.add_user("sales"))
    create_customer(page, "陈晓东", "13912345678")
    page.goto("/#/settings")
    page.click("button[data-language=en]")

    page.goto("/#/customers")
    page.fill("#customer-search", "陈晓东")
    assert page.inner_text(".result-count") == "1 customer"
    page.fill("#customer-search", "")
    page.fill("#customer-search", "1391")
    assert page.inner_text(".result-count") == "1 customer"
    page.fill("#customer-search", "没有这个人")
    assert page.inner_text(".result-count") == "0 customers"
