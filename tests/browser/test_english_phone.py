"""The English app on a 360 px phone: longer English words must not widen or cut the screens."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from .pwa_helpers import log_in, no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

NARROW_PHONE = {"width": 360, "height": 740}
STAGES = ["量房", "报价", "签约", "备货", "安装", "验收", "回访"]

# Every option of each visible select and each input's placeholder, measured in the
# element's own font, against the room inside it. A select keeps about 20 px
# on the right for its arrow.
CUT_TEXTS = """() => {
    const canvas = document.createElement('canvas').getContext('2d');
    const cut = [];
    const room = (element, reserved) => {
        const style = getComputedStyle(element);
        canvas.font = style.font;
        return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - reserved;
    };
    for (const select of document.querySelectorAll('main select')) {
        if (!select.clientWidth) continue;
        const width = room(select, 20);
        for (const option of select.options) {
            if (canvas.measureText(option.text).width > width) cut.push(`${select.id}: ${option.text}`);
        }
    }
    for (const input of document.querySelectorAll('main input[placeholder]')) {
        if (!input.clientWidth) continue;
        const width = room(input, input.type === 'search' ? 16 : 0);
        if (canvas.measureText(input.placeholder).width > width) cut.push(`${input.id || input.type}: ${input.placeholder}`);
    }
    return cut;
}"""


def seed(site, records: list[tuple[str, dict]]) -> list[str]:
    """Store (table, fields) records as server writes; return their new ids."""
    ids = [str(uuid.uuid4()) for _ in records]
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            for record_id, (table, fields) in zip(ids, records):
                batch.server_write(table, record_id, fields)
            batch.flush()
    finally:
        state.close()
    return ids


def this_month() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()[:7]


@pytest.fixture
def open_english(site, new_context):
    """open_english(user): log ``user`` in at 360 × 740, after the records are seeded, and switch to English."""
    def open_page(user):
        page = new_context(viewport=NARROW_PHONE).new_page()
        log_in(page, user, path="/#/settings")
        page.click("button[data-language=en]")
        page.wait_for_selector("nav.tabs a[data-tab=today] >> text=Today")
        return page
    return open_page


def test_project_card_fits_narrow_phone(site, open_english):
    """"7 of 7 stages done (100%)" beside the progress bar used to push the card past the screen's edge."""
    manager = site.add_user("manager", name="王经理")
    [customer] = seed(site, [("customers", {"name": "华信装饰", "owner_id": manager.id})])
    [project] = seed(site, [("projects", {"customer_id": customer, "name": "样板间木地板铺装", "owner_id": manager.id,
                                          "status": "进行中", "stage": STAGES[-1]})])
    done = date.today().isoformat()
    seed(site, [("project_stages", {"project_id": project, "name": name, "position": position,
                                    "planned_on": done, "actual_on": done})
                for position, name in enumerate(STAGES)])
    page = open_english(manager)

    page.goto(f"/#/customer/{customer}")
    page.wait_for_selector(f".project-card[data-id='{project}']")
    assert "7 of 7 stages done" in page.inner_text(".project-card")
    screenshot(page, "english-360-customer-project")
    assert no_horizontal_overflow(page), "the customer's project card is wider than the phone"

    page.goto("/#/projects")
    page.wait_for_selector(f".project-card[data-id='{project}']")
    assert no_horizontal_overflow(page), "the project list is wider than the phone"


def test_survey_report_fits_narrow_phone(site, open_english):
    """The Answers column's "5 / 2 not answered" used to widen the report's table past the screen."""
    manager = site.add_user("manager", name="王经理")
    [customer] = seed(site, [("customers", {"name": "赵强", "owner_id": manager.id})])
    seed(site, [("surveys", {"customer_id": customer, "surveyed_on": f"{this_month()}-01", "kind": "安装",
                             "answers": {"product": 4, "install": None, "service": 5, "speed": None, "overall": 4}})])
    page = open_english(manager)
    page.goto("/#/surveys/report")
    page.wait_for_selector(".report-table tbody tr[data-key=install]")
    answers = page.locator(".report-table tbody tr[data-key=install] td").nth(3).inner_text()
    assert answers == "0 / 1 not answered"
    page.locator(".report-table").scroll_into_view_if_needed()
    screenshot(page, "english-360-survey-report")
    assert no_horizontal_overflow(page), "the survey report is wider than the phone"


@pytest.mark.parametrize("path, ready", [
    ("/#/customers", "#filter-interest"),
    ("/#/tickets", ".view-tickets input[type=search]"),
    ("/#/ticket/new", "#field-subject"),
    ("/#/import", "#import-owner"),
])
def test_choices_and_placeholders_not_cut(site, open_english, path, ready):
    """Filter choices, the import's owner choice and search hints fit their fields in English."""
    page = open_english(site.add_user("manager"))
    page.goto(path)
    if path == "/#/customers":
        page.click(".view-customers button:has-text('Filter')")
    page.wait_for_selector(ready)
    assert page.evaluate(CUT_TEXTS) == []


def test_required_field_named_in_quotes(site, open_english):
    """A missing field's name is quoted, so a label such as "Paid on" reads as a name, not as words."""
    rep = site.add_user("sales", name="刘洋")
    page = open_english(rep)
    page.goto("/#/customer/new")
    page.wait_for_selector("#field-name")
    page.click("form.form button[type=submit]")

    assert page.inner_text("#field-name-error") == 'Fill in "Name".'


def test_bulk_assign_bar_fits_narrow_phone(site, open_english):
    """The 批量分配 bar's buttons and owner choice fit 360 px in English."""
    manager = site.add_user("manager", name="王经理")
    seed(site, [("customers", {"name": f"华信装饰{n}", "owner_id": None}) for n in range(12)])
    page = open_english(manager)
    page.goto("/#/customers")
    page.click("#bulk-start")
    page.click("#bulk-all")
    listed = page.locator(".result-count").inner_text().split()[0]
    assert page.locator("#bulk-count").inner_text() == f"{listed} selected"
    screenshot(page, "english-360-bulk-assign")
    assert no_horizontal_overflow(page), "the bar is wider than the phone"
    assert page.evaluate(CUT_TEXTS) == []
