"""批量分配: a manager gives several customers from the list one owner, or puts them in the pool."""

import pytest

from .pwa_helpers import (create_customer, log_in, no_horizontal_overflow, pending, SCREENSHOTS, seed_customers, sync_now,
                          TIMEOUT_MS, wait_synced)

pytestmark = pytest.mark.browser

NARROW_PHONE = {"width": 360, "height": 740}


def owners(site, ids: list[str]) -> list[str | None]:
    rows = {row["id"]: row["owner_id"] for row in site.query("SELECT id, owner_id FROM customers")}
    return [rows[customer_id] for customer_id in ids]


def pick(page, name: str) -> None:
    page.locator(".card", has_text=name).click()


def assign(page, owner_label: str) -> None:
    """Choose the owner in the selection bar, press 分配 and accept the question."""
    page.select_option("#bulk-owner", label=owner_label)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#bulk-assign")
    # The toast's live region is in the page from the start, so wait for this message to show.
    page.wait_for_selector("#toast.toast-shown")


def test_manager_assigns_pool_customers(site, new_context):
    manager = site.add_user("manager", name="高经理")
    rep = site.add_user("sales", name="许静")
    ids = seed_customers(site, [{"name": name, "phone": f"1350000000{n}", "owner_id": None}
                                for n, name in enumerate(["甲装饰", "乙建材", "丙家居"])])
    context = new_context(viewport=NARROW_PHONE)
    page = context.new_page()
    log_in(page, manager, path="/#/customers")
    page.locator(".card", has_text="丙家居").wait_for()

    context.set_offline(True)
    page.click("#bulk-start")
    pick(page, "甲装饰")
    pick(page, "乙建材")
    assert page.locator("#bulk-count").inner_text() == "已选 2 位"
    page.screenshot(path=str(SCREENSHOTS / "bulk-assign-bar.png"))
    assert no_horizontal_overflow(page)
    assign(page, "许静")

    assert page.locator("#toast").inner_text().startswith("已把 2 位客户分配给许静")
    assert page.locator("#bulk-bar").count() == 0
    assert pending(page) == 1, "one action, however many customers"
    before = page.evaluate("() => Number(document.documentElement.dataset.lastSync || 0)")
    context.set_offline(False)
    wait_synced(page, after=before)
    assert owners(site, ids) == [rep.id, rep.id, None]


def test_undo_gives_back_owners(site, new_context):
    manager = site.add_user("manager", name="高经理")
    first = site.add_user("sales", name="许静")
    second = site.add_user("sales", name="程亮")
    ids = seed_customers(site, [{"name": "丁门窗", "owner_id": first.id}, {"name": "戊瓷砖", "owner_id": None}])
    page = new_context().new_page()
    log_in(page, manager, path="/#/customers")
    page.locator(".card", has_text="戊瓷砖").wait_for()

    page.click("#bulk-start")
    page.click("#bulk-all")
    assign(page, "程亮")
    wait_synced(page)
    assert owners(site, ids) == [second.id, second.id]

    page.click("#toast button")
    wait_synced(page)
    assert owners(site, ids) == [first.id, None]


def test_select_all_takes_the_filtered_list(site, new_context):
    manager = site.add_user("manager", name="高经理")
    rep = site.add_user("sales", name="许静")
    ids = seed_customers(site, [{"name": f"橡木{n}号", "owner_id": rep.id} for n in range(3)]
                         + [{"name": "胡桃木店", "owner_id": rep.id}])
    page = new_context().new_page()
    log_in(page, manager, path="/#/customers")
    page.locator(".card", has_text="胡桃木店").wait_for()

    page.fill("#customer-search", "橡木")
    page.click("#bulk-start")
    page.click("#bulk-all")
    assert page.locator("#bulk-count").inner_text() == "已选 3 位"
    assign(page, "公海")
    assert page.locator("#toast").inner_text().startswith("已把 3 位客户放回公海")
    wait_synced(page)
    assert owners(site, ids) == [None, None, None, rep.id]


def test_rep_sees_no_bulk_assign(site, new_context):
    rep = site.add_user("sales", name="许静")
    seed_customers(site, [{"name": "己灯饰", "owner_id": rep.id}])
    page = new_context().new_page()
    log_in(page, rep, path="/#/customers")
    page.locator(".card", has_text="己灯饰").wait_for()
    assert page.locator("#bulk-start").count() == 0


def test_rep_told_of_assigned_customers(site, new_context):
    """今日 names the customers a manager gave the rep, but not the rep's own or those of the first pull."""
    manager = site.add_user("manager", name="高经理")
    rep = site.add_user("sales", name="鲁文")
    seed_customers(site, [{"name": "庚地板", "owner_id": rep.id}, {"name": "辛木业", "owner_id": None},
                          {"name": "壬家装", "owner_id": None}, {"name": "癸门业", "owner_id": None}])
    rep_page = new_context().new_page()
    log_in(rep_page, rep, path="/#/today")
    create_customer(rep_page, "子午装饰")
    wait_synced(rep_page)
    rep_page.goto("/#/today")
    assert rep_page.locator(".moved-in").count() == 0, "nothing was given to the rep yet"

    manager_page = new_context().new_page()
    log_in(manager_page, manager, path="/#/customers")
    manager_page.fill("#customer-search", "业")
    manager_page.click("#bulk-start")
    manager_page.click("#bulk-all")
    assign(manager_page, "鲁文")
    wait_synced(manager_page)

    sync_now(rep_page)
    rep_page.goto("/#/today")
    notice = rep_page.locator(".moved-in")
    notice.wait_for(timeout=TIMEOUT_MS)
    assert notice.inner_text().startswith("2 位客户已转到你名下")
    assert sorted(notice.locator("a").all_inner_texts()) == ["癸门业", "辛木业"]
    notice.locator("a", has_text="辛木业").click()
    rep_page.wait_for_url("**/#/customer/*")
    rep_page.go_back()
    notice.locator("button", has_text="知道了").click()
    notice.wait_for(state="detached", timeout=TIMEOUT_MS)
    rep_page.reload()
    rep_page.wait_for_selector(".view-today", timeout=TIMEOUT_MS)
    assert rep_page.locator(".moved-in").count() == 0


def test_reps_listed_before_managers(site, new_context):
    manager = site.add_user("manager", name="高经理")
    site.add_user("sales", name="许静")
    seed_customers(site, [{"name": "庚窗帘", "owner_id": None}])
    page = new_context().new_page()
    log_in(page, manager, path="/#/customers")
    page.locator(".card", has_text="庚窗帘").wait_for()
    page.click("#bulk-start")

    groups = page.locator("#bulk-owner optgroup")
    assert groups.nth(0).get_attribute("label") == "业务员"
    assert "许静" in groups.nth(0).inner_text()
    assert "高经理" not in groups.nth(0).inner_text()
    assert "高经理" in groups.nth(1).inner_text()
