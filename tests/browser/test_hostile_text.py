"""Markup typed into records shows as text, in the PWA and in Datasette.

A rep's records carry HTML and ``javascript:`` URLs in every kind of text:
customer names, notes, follow-ups, receivables, tickets, projects, their
stages and risks, surveys, a dealer, the rep's own display name, and through edits the history and a conflict. A
manager's import report shows them from an uploaded file. Every screen
that shows them is opened in Chromium. No dialog may open, no element
or handler may come from the data, and the text must appear as typed.
"""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError, expect

from genzong.sync import format_stamp

from device import Device
from .pwa_helpers import PASSWORD, TIMEOUT_MS, log_in

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"

TEXT = {
    "rep": "业务员" + IMG,
    "old_name": "旧名" + IMG,
    "name": "客户" + SCRIPT,
    "company": "公司" + SVG,
    "address": JS_URL,
    "notes": "备注" + IMG + JS_URL,
    "notes_phone": "手机备注" + SCRIPT,
    "follow_up": "跟进" + IMG,
    "result": "结果" + SVG,
    "order": "订单" + SCRIPT,
    "subject": "工单" + SVG,
    "content": "内容" + SCRIPT,
    "dealer": "经销点" + SCRIPT,
    "project": "项目" + SVG,
    "project_content": "项目内容" + IMG,
    "stage": "阶段" + SCRIPT,
    "risk": "风险" + IMG,
    "mitigation": "应对" + SCRIPT,
    "survey": "意见" + SVG,
}

# Elements and attributes that only markup in the data could have made.
INJECTED = "[onerror], [onload], img[src='x'], main script, a[href^='javascript:' i], iframe"


class Seeded:
    """The hostile records, written through sync by the rep's two devices and a manager."""

    def __init__(self, site):
        self.rep = site.add_user("sales", name=TEXT["rep"])
        self.other_rep = site.add_user("sales", name="乙")
        self.manager = site.add_user("manager", name="经理")
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        with httpx.Client(base_url=site.url) as http:
            laptop, phone = self.device(http, self.rep), self.device(http, self.rep)
            manager, other = self.device(http, self.manager), self.device(http, self.other_rep)

            self.dealer = manager.edit("dealers", name=TEXT["dealer"], address=JS_URL)
            manager.sync()
            self.customer = laptop.edit("customers", name=TEXT["old_name"], company=TEXT["company"],
                                        phone=JS_URL, address=TEXT["address"], next_follow_up=today,
                                        dealer_id=self.dealer)
            self.follow_up = laptop.edit("follow_ups", customer_id=self.customer,
                                         happened_at=format_stamp(datetime.now(timezone.utc) - timedelta(days=1)),
                                         channel="电话", content=TEXT["follow_up"], result=TEXT["result"])
            self.receivable = laptop.edit("receivables", customer_id=self.customer, order_no=TEXT["order"],
                                          amount_fen=880_000, due_date=today, notes=TEXT["notes"])
            self.ticket = laptop.edit("tickets", customer_id=self.customer, kind="投诉", subject=TEXT["subject"],
                                      content=TEXT["content"], status="待处理",
                                      reply_due_at=format_stamp(datetime.now(timezone.utc) + timedelta(hours=1)))
            self.project = laptop.edit("projects", customer_id=self.customer, name=TEXT["project"],
                                       content=TEXT["project_content"], stage=TEXT["stage"], status="进行中")
            self.project_stage = laptop.edit("project_stages", project_id=self.project, name=TEXT["stage"],
                                             position=1, notes=JS_URL)
            self.risk = laptop.edit("risks", project_id=self.project, description=TEXT["risk"],
                                    mitigation=TEXT["mitigation"], probability=4, impact=4, status="待处理",
                                    due_on="2026-01-01")
            self.survey = laptop.edit("surveys", customer_id=self.customer, kind="回访", surveyed_on=today,
                                      answers={"1": 5}, comment=TEXT["survey"])
            laptop.sync()
            # A rename leaves history, and two devices writing notes at once leave a conflict.
            phone.sync()
            laptop.edit("customers", self.customer, name=TEXT["name"], notes=TEXT["notes"])
            phone.edit("customers", self.customer, notes=TEXT["notes_phone"])
            laptop.sync()
            phone.sync()
            other.edit("customers", name="秘密客户", next_follow_up=today)
            other.sync()
            for device in (laptop, phone, manager, other):
                assert device.rejected == {}, device.rejected

    @staticmethod
    def device(http, user) -> Device:
        response = http.post("/api/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return Device(http, response.json()["token"])


@pytest.fixture(scope="module")
def seeded(site):
    return Seeded(site)


@pytest.fixture
def dialogs():
    return []


@pytest.fixture
def rep_page(new_context, seeded, dialogs):
    context = new_context()
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, seeded.rep)
    return page


def injected(page) -> list[str]:
    """Return the outer HTML of elements that markup in the data would have made."""
    return page.evaluate("(selector) => [...document.querySelectorAll(selector)].map((e) => e.outerHTML)", INJECTED)


def show(page, hash_route: str, *texts: str) -> None:
    """Open a screen of the PWA and check that ``texts`` appear in it, as typed."""
    page.goto("/" + hash_route)
    main = page.locator("main")
    for text in texts:
        expect(main).to_contain_text(text, timeout=TIMEOUT_MS)
    assert injected(page) == [], hash_route


def test_pwa_screens_show_markup_as_text(rep_page, seeded, dialogs):
    page = rep_page
    show(page, "#/today", TEXT["name"], TEXT["subject"], TEXT["company"], TEXT["risk"])
    show(page, "#/customers", TEXT["name"], TEXT["company"])
    show(page, f"#/customer/{seeded.customer}", TEXT["name"], TEXT["company"], TEXT["address"],
         TEXT["follow_up"], TEXT["result"], TEXT["order"], TEXT["subject"], TEXT["old_name"], TEXT["rep"],
         TEXT["project"], TEXT["survey"])
    show(page, "#/tickets", TEXT["subject"])
    show(page, f"#/ticket/{seeded.ticket}", TEXT["subject"], TEXT["content"], TEXT["name"])
    show(page, "#/sync", TEXT["notes"], TEXT["notes_phone"], TEXT["rep"], TEXT["name"])
    show(page, "#/projects", TEXT["project"], TEXT["name"])
    show(page, f"#/project/{seeded.project}", TEXT["project"], TEXT["project_content"], TEXT["risk"],
         TEXT["mitigation"])
    show(page, f"#/project/{seeded.project}/stages", TEXT["stage"])
    show(page, f"#/survey/{seeded.survey}", TEXT["survey"], TEXT["name"])
    assert dialogs == []


def test_pwa_forms_hold_markup_as_values(rep_page, seeded, dialogs):
    page = rep_page
    page.goto(f"/#/customer/{seeded.customer}/edit")
    expect(page.locator("#field-name")).to_have_value(TEXT["name"], timeout=TIMEOUT_MS)
    expect(page.locator("#field-company")).to_have_value(TEXT["company"])
    page.goto(f"/#/follow-up/{seeded.follow_up}/edit")
    expect(page.locator("#field-content")).to_have_value(TEXT["follow_up"], timeout=TIMEOUT_MS)
    page.goto(f"/#/receivable/{seeded.receivable}/edit")
    expect(page.locator("#field-order_no")).to_have_value(TEXT["order"], timeout=TIMEOUT_MS)
    assert injected(page) == []
    assert dialogs == []


def test_pwa_search_finds_markup_as_text(rep_page, seeded, dialogs):
    page = rep_page
    page.goto("/#/customers")
    page.fill("#customer-search", "<script>")
    cards = page.locator("main .card-title")
    expect(cards).to_have_count(1, timeout=TIMEOUT_MS)
    expect(cards.first).to_have_text(TEXT["name"])
    page.fill("#customer-search", "秘密")
    expect(page.locator("main .card")).to_have_count(0, timeout=TIMEOUT_MS)
    page.goto("/#/tickets")
    page.fill("input[type=search]", "svg onload")
    expect(page.locator("main")).to_contain_text(TEXT["subject"], timeout=TIMEOUT_MS)
    assert injected(page) == []
    assert dialogs == []


def test_phone_link_is_not_javascript(rep_page, seeded):
    page = rep_page
    page.goto(f"/#/customer/{seeded.customer}")
    expect(page.locator("main")).to_contain_text(TEXT["name"], timeout=TIMEOUT_MS)
    hrefs = page.evaluate("() => [...document.querySelectorAll('main a[href]')].map((a) => a.getAttribute('href'))")
    assert all(href.startswith(("#/", "tel:")) for href in hrefs), hrefs
    # The call link keeps only a phone's digits, and the one digit of this value is no number to call.
    assert not [href for href in hrefs if href.startswith("tel:")]


@pytest.fixture
def manager_page(new_context, seeded, site, dialogs):
    context = new_context(viewport={"width": 1280, "height": 900})
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = context.request.post(site.url + "/api/login",
                                    data={"username": seeded.manager.username, "password": PASSWORD})
    assert response.ok, response.text()
    return context.new_page()


def datasette_pages(seeded) -> list[tuple[str, list[str]]]:
    """Datasette pages that show the hostile text: (path, texts it must show as typed)."""
    keyword = quote("关键词")
    return [
        ("/data/genzong/customers", [TEXT["name"], TEXT["company"], TEXT["address"]]),
        (f"/data/genzong/customers/{seeded.customer}", [TEXT["name"], TEXT["company"]]),
        ("/data/genzong/customers?_search=" + quote("script"), [TEXT["name"]]),
        ("/data/genzong/customers?_search=" + quote(SCRIPT), [SCRIPT]),
        ("/data/genzong/customer_list", [TEXT["name"], TEXT["rep"]]),
        ("/data/genzong/follow_up_log", [TEXT["follow_up"], TEXT["result"]]),
        ("/data/genzong/receivable_tracking", [TEXT["order"], TEXT["name"]]),
        ("/data/genzong/ticket_log", [TEXT["subject"]]),
        ("/data/genzong/tickets", [TEXT["subject"], TEXT["content"]]),
        ("/data/genzong/dealers", [TEXT["dealer"], JS_URL]),
        ("/data/genzong/users", [TEXT["rep"]]),
        ("/data/genzong/history", [TEXT["old_name"]]),
        ("/data/genzong/conflicts", ["手机备注"]),
        ("/data/genzong/project_overview", [TEXT["project"]]),
        ("/data/genzong/risks", [TEXT["risk"], TEXT["mitigation"]]),
        ("/data/genzong/project_stages", [TEXT["stage"], JS_URL]),
        ("/data/genzong/survey_list", [TEXT["survey"]]),
        ("/data/genzong/follow_ups_this_week", [TEXT["name"]]),
        (f"/data/genzong/search?{keyword}=" + quote("script"), [TEXT["name"], TEXT["content"]]),
        (f"/data/genzong/search?{keyword}=" + quote(SVG), [SVG]),
        ("/data/genzong?sql=" + quote(f"select '{SCRIPT}' as x, '{IMG}' as y"), [SCRIPT, IMG]),
        ("/data/genzong/overdue_receivables?" + quote("开始日期") + "=" + quote(SCRIPT), [SCRIPT]),
    ]


def test_datasette_pages_show_markup_as_text(manager_page, seeded, dialogs):
    page = manager_page
    for path, texts in datasette_pages(seeded):
        page.goto(path)
        body = page.locator("body")
        for text in texts:
            expect(body).to_contain_text(text, timeout=TIMEOUT_MS)
        assert injected(page) == [], path
    assert dialogs == []


@pytest.mark.parametrize("suffix", [".json", ".json?_shape=array"])
def test_datasette_exports_are_not_html(manager_page, seeded, dialogs, suffix):
    page = manager_page
    response = page.goto("/data/genzong/customers" + suffix)
    assert response.ok
    content_type = response.headers["content-type"]
    assert not content_type.startswith("text/html"), content_type
    text = json.dumps(json.loads(response.text()), ensure_ascii=False)
    assert TEXT["name"] in text
    assert injected(page) == []
    assert dialogs == []


@pytest.mark.parametrize("suffix", [".csv", ".csv?_stream=on"])
def test_datasette_csv_is_a_download(manager_page, seeded, dialogs, suffix):
    """The browser saves a CSV export as a file and never renders it as a page."""
    page = manager_page
    page.goto("/data/genzong")
    with page.expect_download() as started:
        with pytest.raises(PlaywrightError, match="Download is starting"):
            page.goto("/data/genzong/customers" + suffix)
    download = started.value
    assert download.suggested_filename == "客户.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert TEXT["name"] in text
    assert injected(page) == []
    assert dialogs == []


def test_import_report_shows_markup_as_text(new_context, seeded, dialogs):
    context = new_context()
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = context.new_page()
    log_in(page, seeded.manager)
    page.goto("/#/import")
    page.wait_for_selector(".view-import #import-file", state="attached")
    name = IMG + ".csv"
    ledger = f"客户名称,电话,备注\n{TEXT['name']},{JS_URL},{TEXT['notes']}\n导入{SVG},13800000002,\n"
    page.set_input_files("#import-file", {"name": name, "mimeType": "text/csv", "buffer": ledger.encode()})
    page.click("#import-dry-run")
    page.wait_for_selector(".import-form[data-phase=checked] .import-report", timeout=TIMEOUT_MS)

    report = page.locator(".import-report")
    expect(report).to_contain_text(name)
    expect(report).to_contain_text(TEXT["name"])
    expect(report).to_contain_text("导入" + SVG)
    expect(report).to_contain_text(f"“{JS_URL}”不是可识别的电话号码")
    assert injected(page) == []
    assert dialogs == []
