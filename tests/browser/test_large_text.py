"""The app for people who set their phone's text to the largest size.

Chrome on Android enlarges a page through page zoom (Settings → Accessibility
→ Page zoom), which scales the whole layout as desktop zoom does. The Chrome
team's env(preferred-text-scale) explainer (May 2025) states that the OS font size
itself usually has no effect on pages. So a 360 × 740 px phone at 200 % lays
a page out at 180 × 370 CSS px, which these tests emulate with a small
viewport and a device scale factor of 2.

A browser's own font size setting enlarges the text alone instead, much as
a WebView's text zoom does. The last test covers that setting at twice the
usual size.
"""

import uuid

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from .pwa_helpers import log_in, screenshot

pytestmark = pytest.mark.browser

ZOOMED_200 = {"viewport": {"width": 180, "height": 370}, "device_scale_factor": 2}
PHONE_360 = {"viewport": {"width": 360, "height": 740}}

# Visible links, buttons and fields whose box reaches past the viewport's
# left or right edge, and how far the page is wider than the viewport.
OUTSIDE_SCREEN = """() => {
    const width = window.innerWidth;
    const outside = [];
    for (const element of document.querySelectorAll('a[href], button, input, select, textarea')) {
        const box = element.getBoundingClientRect();
        if (!box.width || !box.height) continue;
        if (box.left < -1 || box.right > width + 1) {
            const name = (element.getAttribute('aria-label') || element.textContent || element.id).trim();
            outside.push(`${element.tagName.toLowerCase()} "${name.slice(0, 30)}" ${Math.round(box.left)}..${Math.round(box.right)}`);
        }
    }
    return { outside, overflow: document.documentElement.scrollWidth - width };
}"""


def seed_customers(site, owner_id: str | None, names: list[str]) -> list[str]:
    """Store customers owned by ``owner_id`` (None: in the public pool) as server writes; return their ids."""
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        ids = []
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            for number, name in enumerate(names):
                record_id = str(uuid.uuid4())
                batch.server_write("customers", record_id, {
                    "name": name, "owner_id": owner_id, "phone": f"1380000{number:04d}", "code": f"KH{record_id[:6].upper()}",
                    "company": "上海博远房地产开发有限公司", "source": "网络推广", "kind": "直接"})
                ids.append(record_id)
            batch.flush()
        return ids
    finally:
        state.close()


def open_as(new_context, user, language: str, **options):
    page = new_context(**options).new_page()
    log_in(page, user, path="/#/settings")
    if language == "en":
        page.click("button[data-language=en]")
        page.wait_for_function("() => document.documentElement.lang === 'en'")
    return page


@pytest.mark.parametrize("language", ["zh", "en"])
def test_screens_fit_at_200_percent(site, new_context, language):
    """Forms, lists and the tab bar stay inside a 360 px phone zoomed to 200 %."""
    rep = site.add_user("sales", name="刘洋")
    [customer] = seed_customers(site, rep.id, ["宁波华信酒店管理有限公司"])
    seed_customers(site, None, ["何伟"])
    page = open_as(new_context, rep, language, **ZOOMED_200)

    screens = [
        ("today", "/#/today", ".view-today, main h2"),
        ("customer", f"/#/customer/{customer}", ".customer-card"),
        ("follow-up", f"/#/customer/{customer}/follow-up/new", "#field-content"),
        ("new-customer", "/#/customer/new", "#field-name"),
        ("receivable", f"/#/customer/{customer}/receivable/new", "form.form"),
        ("ticket", "/#/ticket/new", "#field-subject"),
        ("tickets", "/#/tickets", ".segmented"),
        ("sync", "/#/sync", "#sync-now"),
        ("pool", "/#/pool", ".pool-customer"),
        ("customers", "/#/customers", ".view-customers .card-link"),
    ]
    for name, path, ready in screens:
        page.goto(path)
        page.wait_for_selector(ready)
        if name == "customers":
            page.click(".view-customers button[aria-controls=filter-panel]")
            page.wait_for_selector("#filter-panel:not([hidden])")
        found = page.evaluate(OUTSIDE_SCREEN)
        assert found["outside"] == [], f"{name}: controls off the screen at 200 %"
        assert found["overflow"] <= 0, f"{name}: the page is {found['overflow']} px wider than the screen"
    page.goto(f"/#/customer/{customer}/follow-up/new")
    page.wait_for_selector("#field-content")
    screenshot(page, f"zoom-200-follow-up-{language}")


def test_keyboard_focus_stays_above_tab_bar(site, new_context):
    """Tabbing down the customer list scrolls each card clear of the fixed tab bar."""
    rep = site.add_user("sales", name="陈静")
    seed_customers(site, rep.id, [f"客户{number:02d}" for number in range(14)])
    page = open_as(new_context, rep, "zh", **PHONE_360)
    page.goto("/#/customers")
    page.wait_for_selector(".view-customers .card-link")
    page.focus(".view-customers input[type=search]")

    tab_bar_top = page.evaluate("() => document.getElementById('tabs').getBoundingClientRect().top")
    hidden = []
    for _ in range(16):
        page.keyboard.press("Tab")
        box = page.evaluate("""() => {
            const box = document.activeElement.getBoundingClientRect();
            return { top: box.top, bottom: box.bottom, inMain: document.getElementById('main').contains(document.activeElement) };
        }""")
        if box["inMain"] and box["bottom"] > tab_bar_top + 1:
            hidden.append(box)
    assert hidden == [], "focused cards were left under the tab bar"


def test_text_follows_browser_font_size(site, new_context):
    """A larger default font size in the browser's settings enlarges the app's text, and the tab labels still fit."""
    rep = site.add_user("sales", name="周敏")
    context = new_context(**PHONE_360)
    page = context.new_page()
    # The CDP equivalent of Settings → Appearance → Font size; 32 px is twice the usual 16.
    session = context.new_cdp_session(page)
    session.send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    log_in(page, rep)

    root_size = page.evaluate("() => getComputedStyle(document.documentElement).fontSize")
    assert root_size == "32px"
    cut_labels = page.evaluate("""() => [...document.querySelectorAll('#tabs a > span:not(.tab-badge)')]
        .filter((label) => label.clientHeight && label.scrollHeight > label.clientHeight + 1)
        .map((label) => label.textContent)""")
    assert cut_labels == [], "the tab bar is too short for its labels"
    screenshot(page, "text-200-today-zh")
