"""The customer search on a rep's phone finds a customer through the text of
its follow-ups, receivables and tickets, and the card shows that text."""

import pytest

from genzong.server.state import open_data_dir
from reminder_helpers import seed

from .pwa_helpers import log_in, no_horizontal_overflow, save_form, screenshot, sync_now

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def team(site) -> dict:
    """Seed a rep's customers: one found by a follow-up, one by its company,
    one by a receivable, one by a ticket and one found by nothing."""
    rep = site.add_user("sales", "张伟")
    state = open_data_dir(site.data)
    try:
        by_follow_up = seed(state, "customers", name="周强", owner_id=rep.id)
        seed(state, "follow_ups", customer_id=by_follow_up, happened_at="2026-10-03T02:00:00.000Z",
             channel="电话", content="冷库的事下次再谈")
        seed(state, "follow_ups", customer_id=by_follow_up, happened_at="2026-11-05T02:00:00.000Z",
             channel="拜访", content="客户上个月问过冷库用的防潮地板，要三款样板，下周送到工地",
             result="需要出详细报价")
        by_company = seed(state, "customers", name="吴敏", company="宁波冷库设备厂", owner_id=rep.id)
        by_receivable = seed(state, "customers", name="郑丽", owner_id=rep.id)
        seed(state, "receivables", customer_id=by_receivable, order_no="DD-LK-9", amount_fen=120_000,
             notes="冷库工程尾款")
        by_ticket = seed(state, "customers", name="钱进", owner_id=rep.id)
        seed(state, "tickets", customer_id=by_ticket, owner_id=rep.id, kind="投诉", subject="冷库地面起拱")
        unrelated = seed(state, "customers", name="孙丽", owner_id=rep.id)
        seed(state, "follow_ups", customer_id=unrelated, happened_at="2026-11-05T02:00:00.000Z",
             channel="电话", content="约了周六量房")
    finally:
        state.close()
    return {"rep": rep, "by_follow_up": by_follow_up, "unrelated": unrelated}


def search(page, text: str) -> list[str]:
    """Type into the search box and return the names on the cards, sorted."""
    page.fill("#customer-search", text)
    # textContent: cards skip rendering until shown (content-visibility), which empties innerText meanwhile.
    return sorted(page.locator(".view-customers .cards .card-title").all_text_contents())


def card(page, name: str):
    return page.locator(".view-customers .cards li.card", has=page.locator(".card-title", has_text=name))


def test_search_finds_record_texts(page, site, team):
    log_in(page, team["rep"], path="/#/customers")

    assert search(page, "冷库") == ["吴敏", "周强", "郑丽", "钱进"]
    assert page.inner_text(".result-count") == "共 4 位客户"

    found = card(page, "周强").locator(".card-match")
    assert found.locator(".card-match-kind").text_content().startswith("跟进 11-05"), "the latest follow-up"
    assert found.locator("mark").text_content() == "冷库"
    assert "防潮地板" in found.text_content()
    assert card(page, "吴敏").locator(".card-match").count() == 0, "a match by company needs no reason"
    assert card(page, "郑丽").locator(".card-match-kind").text_content() == "回款"
    assert card(page, "钱进").locator(".card-match-kind").text_content() == "工单"
    assert no_horizontal_overflow(page)
    screenshot(page, "customer-search-follow-up")

    assert search(page, "详细报价") == ["周强"], "a follow-up's result counts too"
    assert search(page, "dd-lk") == ["郑丽"], "an order number in any case"
    assert search(page, "冷库用的防潮地板，要三款样板") == ["周强"]
    assert search(page, "冷冻") == []


def test_search_follows_new_records(page, site, team):
    """Follow-ups written on the device and pulled from the server are found
    after the first search has built the index."""
    log_in(page, team["rep"], path="/#/customers")
    assert search(page, "冷藏车") == []

    page.goto(f"/#/customer/{team['unrelated']}/follow-up/new")
    page.fill("#field-content", "客户要一台冷藏车的报价")
    save_form(page)
    page.wait_for_function(f"() => location.hash === '#/customer/{team['unrelated']}'")
    page.goto("/#/customers")
    assert search(page, "冷藏车") == ["孙丽"]

    state = open_data_dir(site.data)
    try:
        seed(state, "follow_ups", customer_id=team["by_follow_up"], happened_at="2026-11-20T02:00:00.000Z",
             channel="微信", content="发了冷藏车的样册")
    finally:
        state.close()
    sync_now(page)
    page.goto("/#/customers")
    assert search(page, "冷藏车") == ["周强", "孙丽"]
    assert card(page, "周强").locator("mark").text_content() == "冷藏车"


def test_search_reason_in_english(page, site, team):
    log_in(page, team["rep"], path="/#/settings")
    page.click("button[data-language=en]")
    page.goto("/#/customers")

    assert search(page, "冷库") == ["吴敏", "周强", "郑丽", "钱进"]
    assert card(page, "周强").locator(".card-match-kind").text_content().startswith("Follow-up 11-05")
    assert card(page, "郑丽").locator(".card-match-kind").text_content() == "Receivable"
    assert card(page, "钱进").locator(".card-match-kind").text_content() == "Ticket"


def test_search_text_cleared_at_logout(page, site, team):
    """The search text and filters typed by one rep are gone for the next
    user who logs in on the same phone, because they can name the first
    rep's customers."""
    log_in(page, team["rep"], path="/#/customers")
    assert search(page, "冷库") == ["吴敏", "周强", "郑丽", "钱进"]
    page.click("button[aria-controls=filter-panel]")
    page.select_option("#filter-owner", "mine")

    page.goto("/#/settings")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=退出登录")
    page.wait_for_selector("#username")
    log_in(page, site.add_user("sales", "刘洋"), path="/#/customers")

    assert page.input_value("#customer-search") == ""
    assert page.input_value("#filter-owner") == ""
    assert page.locator("button[aria-controls=filter-panel] .badge").is_hidden()
