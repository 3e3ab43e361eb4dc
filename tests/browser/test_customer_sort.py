"""The customer list's orders: by next follow-up, by last contact, by 意向度 and by name."""

import pytest

from genzong.server.state import open_data_dir
from reminder_helpers import seed

from .pwa_helpers import log_in

pytestmark = pytest.mark.browser

# Four customers: name, 意向度, next follow-up, and their follow-ups' happened_at.
CUSTOMERS = [
    ("甲", 3, "2026-12-20", ["2026-11-01T02:00:00.000Z", "2026-11-20T02:00:00.000Z"]),
    ("乙", 9, None, ["2026-10-05T02:00:00.000Z"]),
    ("丙", None, "2026-12-10", []),
    ("丁", 6, "2026-12-15", ["2026-11-28T02:00:00.000Z"]),
]

ORDERS = {
    "": ["丙", "丁", "甲", "乙"],
    "contact_oldest": ["丙", "乙", "甲", "丁"],
    "contact_latest": ["丁", "甲", "乙", "丙"],
    "interest": ["乙", "丁", "甲", "丙"],
    "name": ["丙", "丁", "甲", "乙"],
}


@pytest.fixture(scope="module")
def rep(site):
    user = site.add_user("sales", "陶然")
    state = open_data_dir(site.data)
    try:
        for name, interest, next_follow_up, contacts in CUSTOMERS:
            customer = seed(state, "customers", name=name, owner_id=user.id, interest=interest,
                            next_follow_up=next_follow_up)
            for at in contacts:
                seed(state, "follow_ups", customer_id=customer, happened_at=at, channel="电话", content="回访")
    finally:
        state.close()
    return user


def names(page) -> list[str]:
    # textContent: cards off screen skip rendering (content-visibility), which empties innerText.
    return page.locator(".view-customers .cards .card-title").all_text_contents()


def open_sorted(new_context, user, name: str, sort: str):
    """Log ``user`` in on the customer list, wait for the card of ``name`` and choose the order ``sort``."""
    page = new_context().new_page()
    log_in(page, user, path="/#/customers")
    page.locator(".card", has_text=name).wait_for()
    page.click("button[aria-controls=filter-panel]")
    page.select_option("#filter-sort", sort)
    return page


def test_filter_orders(module_page):
    customers = [{"id": name, "name": name, "interest": interest, "next_follow_up": next_follow_up}
                 for name, interest, next_follow_up, _ in CUSTOMERS]
    follow_ups = [{"customer_id": name, "happened_at": at} for name, _, _, contacts in CUSTOMERS for at in contacts]
    orders = module_page.evaluate("""async ([customers, followUps, sorts]) => {
        const { filterCustomers, latestFollowUps } = await import('/js/customers-query.js');
        const lastContact = latestFollowUps(followUps);
        return sorts.map((sort) => filterCustomers(customers, { sort }, { today: '2026-12-01', lastContact })
            .map((customer) => customer.name));
    }""", [customers, follow_ups, list(ORDERS)])

    assert dict(zip(ORDERS, orders)) == ORDERS


def test_sort_by_last_contact(site, rep, new_context):
    page = new_context().new_page()
    log_in(page, rep, path="/#/customers")
    page.locator(".card", has_text="丁").wait_for()
    assert names(page) == ORDERS[""]

    page.click("button[aria-controls=filter-panel]")
    page.select_option("#filter-sort", "contact_oldest")

    assert names(page) == ORDERS["contact_oldest"]
    assert page.locator(".card", has_text="丙").locator(".last-contact").text_content() == "从未跟进"
    assert page.locator(".card", has_text="乙").locator(".last-contact").text_content().startswith("上次跟进 ")
    assert page.locator("button[aria-controls=filter-panel] .badge").is_hidden(), "an order is not a filter"

    page.click("text=清除筛选")
    assert page.input_value("#filter-sort") == "contact_oldest", "clearing the filters keeps the order"
    page.reload()
    page.locator(".card", has_text="丁").wait_for()
    assert names(page) == ORDERS["contact_oldest"]


def test_contact_order_follows_new_follow_up(site, new_context):
    """The list keeps each customer's last contact between redraws, and a
    follow-up logged on the phone moves its customer at once."""
    user = site.add_user("sales", "龚平")
    state = open_data_dir(site.data)
    try:
        contacted = seed(state, "customers", name="戊", owner_id=user.id)
        seed(state, "follow_ups", customer_id=contacted, happened_at="2020-01-06T02:00:00.000Z", channel="电话",
             content="回访")
        never = seed(state, "customers", name="己", owner_id=user.id)
    finally:
        state.close()
    page = open_sorted(new_context, user, "戊", "contact_oldest")
    assert names(page) == ["己", "戊"]

    # Through the app's own links, without a reload that would start afresh.
    page.evaluate("(id) => { location.hash = `#/customer/${id}/follow-up/new`; }", never)
    page.fill("#field-content", "第一次电话")
    page.click("form.form button[type=submit]")
    page.locator(".view-customer").wait_for()
    page.evaluate("() => { location.hash = '#/customers'; }")
    page.locator(".view-customers .card", has_text="己").wait_for()

    assert names(page) == ["戊", "己"]
    assert page.locator(".card", has_text="己").locator(".last-contact").text_content() == "今天跟进过"


def test_pool_contact_unknown_sorts_last(module_page):
    """A rep's phone stores no follow-ups of pool customers, so their last
    contact is unknown there: they come after the others in both orders."""
    customers = [{"id": "own-never", "name": "甲"}, {"id": "pool", "name": "乙", "owner_id": None},
                 {"id": "own-old", "name": "丙"}]
    follow_ups = [{"customer_id": "own-old", "happened_at": "2026-10-05T02:00:00.000Z"}]
    orders = module_page.evaluate("""async ([customers, followUps]) => {
        const { filterCustomers, latestFollowUps } = await import('/js/customers-query.js');
        const lastContact = latestFollowUps(followUps);
        const contactUnknown = (customer) => customer.id === 'pool';
        return ['contact_oldest', 'contact_latest'].map((sort) => filterCustomers(customers, { sort },
            { today: '2026-12-01', lastContact, contactUnknown }).map((customer) => customer.name));
    }""", [customers, follow_ups])

    assert orders[0] == ["甲", "丙", "乙"]
    assert orders[1] == ["丙", "甲", "乙"]


def test_pool_card_contact_unknown(site, new_context):
    """A pool customer followed up by its former owner is not shown to a
    rep as 从未跟进, because the rep's phone lacks those follow-ups."""
    user = site.add_user("sales", "柏舟")
    state = open_data_dir(site.data)
    try:
        seed(state, "customers", name="庚", owner_id=user.id)
        pooled = seed(state, "customers", name="辛", owner_id=None)
        seed(state, "follow_ups", customer_id=pooled, happened_at="2026-09-22T02:00:00.000Z", channel="电话",
             content="前任回访")
    finally:
        state.close()
    page = open_sorted(new_context, user, "辛", "contact_oldest")

    pool_card = page.locator(".card", has_text="辛")
    assert pool_card.locator(".last-contact").text_content() == "认领后可见跟进"
    assert page.locator(".card", has_text="庚").locator(".last-contact").text_content() == "从未跟进"
    assert names(page).index("庚") < names(page).index("辛")
