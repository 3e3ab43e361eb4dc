"""查重 on a new customer: the form lists the customers on the device with the typed name or phone."""

import uuid

import pytest

from genzong.server.importer.snapshot import name_key
from genzong.server.importer.values import parse_phones

from .pwa_helpers import log_in, no_horizontal_overflow, save_form, screenshot, seed_customers, wait_synced, wait_until

pytestmark = pytest.mark.browser

NARROW_PHONE = {"width": 360, "height": 740}


def test_new_customer_lists_possible_duplicates(site, new_context):
    rep = site.add_user("sales", name="张伟")
    other = site.add_user("sales", name="李娜")
    own, pooled, _ = seed_customers(site, [
        {"name": "王芳", "phone": "13800138000", "owner_id": rep.id},
        {"name": "赵磊", "phone": "0571-8888 6666", "owner_id": None},
        {"name": "钱多多", "phone": "13900000000", "owner_id": other.id},
    ])
    page = new_context(viewport=NARROW_PHONE).new_page()
    log_in(page, rep, path="/#/customer/new")
    notice = page.locator(".duplicate-notice")

    page.fill("#field-phone", "+86 138 0013 8000")
    notice.wait_for()
    assert notice.locator("li a").get_attribute("href") == f"#/customer/{own}"
    assert "王芳" in notice.inner_text()
    assert "负责人：张伟" in notice.inner_text()
    screenshot(page, "customer-duplicate-phone")
    assert no_horizontal_overflow(page)

    page.fill("#field-phone", "057188886666")
    wait_until(page, lambda: "赵磊" in notice.inner_text())
    assert "负责人：公海" in notice.inner_text()
    assert notice.locator("li a").get_attribute("href") == f"#/customer/{pooled}"

    page.fill("#field-phone", "13900000000")
    notice.wait_for(state="hidden")

    page.fill("#field-name", "王芳")
    notice.wait_for()
    assert notice.locator("li").count() == 1

    # A namesake may be another person: saving goes on.
    save_form(page)
    page.wait_for_url("**/#/customer/*")
    wait_synced(page)
    assert len(site.query("SELECT id FROM customers WHERE name = '王芳'")) == 2


def test_edit_form_shows_no_duplicates(site, new_context):
    """An edited customer would match its own name and phone, so only the new-customer form checks."""
    rep = site.add_user("sales", name="张伟")
    [customer] = seed_customers(site, [{"name": "孙丽", "phone": "13700000001", "owner_id": rep.id}])
    page = new_context().new_page()
    log_in(page, rep)
    page.goto(f"/#/customer/{customer}/edit")
    page.wait_for_selector("#field-phone")

    assert page.locator(".duplicate-notice").count() == 0


def test_duplicate_notice_live_region_waits(site, new_context):
    """A screen reader announces a live region's new content only if the region was shown before it."""
    rep = site.add_user("sales", name="张伟")
    page = new_context().new_page()
    log_in(page, rep, path="/#/customer/new")
    page.wait_for_selector("#field-phone")

    live = page.locator("[aria-live]:has(.duplicate-notice)")
    assert live.count() == 1
    assert live.evaluate("(region) => !region.closest('[hidden]') && getComputedStyle(region).display !== 'none'")


# A typed number and the stored phone field of the customer it should find.
# Stored fields are as the importer writes them: landlines with a dash,
# an extension after 转, several numbers joined by " / ".
PHONE_MATCHES = [
    ("0086 138 0013 8000", "13800138000"),
    ("+86 571 8888 6666", "0571-88886666"),
    ("0571-88001234", "0571-88001234转801"),
    ("0571-86001122", "13912340001 / 0571-86001122"),
    ("13912340001", "13912340001 / 0571-86001122"),
    ("１３８００１３８０００", "13800138000"),
]


@pytest.mark.parametrize("typed, stored", PHONE_MATCHES, ids=[
    "0086-mobile", "+86-landline", "main-line-of-extension", "second-number", "first-number", "full-width-digits"])
def test_duplicate_phone_forms(site, new_context, typed, stored):
    rep = site.add_user("sales", name="张伟")
    name = f"查重{uuid.uuid4().hex[:6]}"
    seed_customers(site, [{"name": name, "phone": stored, "owner_id": rep.id}])
    page = new_context().new_page()
    log_in(page, rep, path="/#/customer/new")

    page.fill("#field-phone", typed)

    notice = page.locator(".duplicate-notice")
    notice.wait_for(timeout=3000)
    assert name in notice.inner_text()


# Phone fields whose keys the spreadsheet importer and the PWA must agree on,
# so a number typed in the form finds the customer an import stored.
IMPORTER_PHONE_FIELDS = [
    "13800138000", "+86 138 0013 8000", "0086-138-0013-8000",
    "0571-88886666", "057188886666", "(0571) 8888 6666", "+86 571 8888 6666", "+86 10 6552 9988",
    "0571-88001234转801", "0571-88001234 分机 801", "010-65529988 ext. 12",
    "13912340001 / 0571-86001122", "13912340001，13912340002", "13912340001或0571-86001122",
    "400-123-4567", "88886666", "１３８００１３８０００",
]


def test_phone_keys_match_importer(module_page):
    pwa_keys = module_page.evaluate("""async (fields) => {
        const { phoneKeys } = await import('/js/phone-keys.js');
        return fields.map((field) => phoneKeys(field).sort());
    }""", IMPORTER_PHONE_FIELDS)

    for field, keys in zip(IMPORTER_PHONE_FIELDS, pwa_keys):
        assert keys == sorted(parse_phones(field).keys), field


def test_phone_keys_beyond_importer(module_page):
    """Partial numbers give no key; two forms the importer leaves as text still match."""
    keys = module_page.evaluate("""async () => {
        const { phoneKeys } = await import('/js/phone-keys.js');
        return [phoneKeys(''), phoneKeys(null), phoneKeys('138'), phoneKeys('+86 13'),
                phoneKeys('8613800138000'), phoneKeys('0571-88001234-801')];
    }""")

    assert keys == [[], [], [], [], ["13800138000"], ["057188001234"]]


# Names the importer would take for one customer, written as reps type them.
NAMES_ALIKE = [("王 芳", "王芳"), ("ＡＢＣ装饰", "abc装饰"), ("Li　Na", "lina"), ("  赵磊 ", "赵磊")]


def test_name_keys_match_importer(module_page):
    typed = [name for pair in NAMES_ALIKE for name in pair]
    pwa_keys = module_page.evaluate("""async (names) => {
        const { nameKey } = await import('/js/views/customer-form.js');
        return names.map(nameKey);
    }""", typed)

    assert pwa_keys == [name_key(name) for name in typed]
    for first, second in NAMES_ALIKE:
        assert name_key(first) == name_key(second), (first, second)


def test_duplicate_name_with_spaces(site, new_context):
    rep = site.add_user("sales", name="张伟")
    seed_customers(site, [{"name": "ABC装饰 李总", "phone": "13700000000", "owner_id": rep.id}])
    page = new_context().new_page()
    log_in(page, rep, path="/#/customer/new")

    page.fill("#field-name", "ａｂｃ装饰李总")

    notice = page.locator(".duplicate-notice")
    notice.wait_for(timeout=3000)
    assert "ABC装饰 李总" in notice.inner_text()
