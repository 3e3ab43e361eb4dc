"""The sync page of a rep who switched the app to English, after situations a rep meets.

The rejected changes show the server's ``message_en``, and each card offers
only the actions that can help.
"""

import uuid

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp
from .pwa_helpers import TIMEOUT_MS, go_online, log_in, save_form, screenshot

pytestmark = pytest.mark.browser


def pool_customer(site, name: str) -> str:
    """Store a customer in the public pool as a server write, and return its id."""
    customer = str(uuid.uuid4())
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            batch.server_write("customers", customer, {"name": name, "owner_id": None})
            batch.flush()
    finally:
        state.close()
    return customer


def switch_to_english(page) -> None:
    page.goto("/#/settings")
    page.click("button[data-language=en]")
    page.wait_for_selector("button[data-language=en][aria-pressed=true]", timeout=TIMEOUT_MS)


def claim_offline(context, page, customer: str, note: str) -> None:
    context.set_offline(True)
    page.goto("/#/pool")
    page.click(f".pool-customer[data-id='{customer}'] .claim-button")
    page.fill("#field-note", note)
    save_form(page)
    page.wait_for_url("**/#/pool")


def test_lost_claim_offers_no_retry(site, new_context):
    """A claim that lost the race offers Dismiss on the sync page, and no Retry.

    Sending it again is rejected as already_claimed every time, because the
    customer has an owner now; the pool page offers only Dismiss too.
    """
    first = site.add_user("sales", name="张伟")
    second = site.add_user("sales", name="李娜")
    customer = pool_customer(site, "周敏")
    first_context, second_context = new_context(), new_context()
    first_page, second_page = first_context.new_page(), second_context.new_page()
    log_in(first_page, first, path="/#/pool")
    log_in(second_page, second, path="/#/pool")
    switch_to_english(second_page)

    claim_offline(first_context, first_page, customer, "我上周拜访过")
    claim_offline(second_context, second_page, customer, "客户主动来电找我")
    go_online(first_context, first_page)
    go_online(second_context, second_page)

    second_page.goto("/#/sync")
    card = second_page.locator("li.card.rejected[data-code=already_claimed]")
    card.wait_for(timeout=TIMEOUT_MS)
    reason = card.locator(".notice").inner_text()
    screenshot(second_page, "sync-lost-claim-english", full_page=True)
    assert reason.startswith("This customer was already claimed by 张伟."), reason
    assert card.locator("button", has_text="Retry").count() == 0
