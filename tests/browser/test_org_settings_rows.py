"""组织设置 editors made of several fields. An admin types into two fields of
one setting (two kinds of 退回公海天数, or two stage names) and saves once.
The server must then store both values, not only the last one typed."""

import json

import pytest

from .pwa_helpers import log_in

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def admin(site):
    return site.add_user("admin", name="钱管理")


def stored(site, key: str):
    rows = site.query("SELECT value FROM settings WHERE key = ? AND deleted = 0", (key,))
    return json.loads(rows[0]["value"]) if rows else None


def open_org_settings(page, user) -> None:
    log_in(page, user)
    page.goto("/#/org-settings")
    page.wait_for_selector(".view-org-settings[data-load=loaded][data-fetching=false] .setting-card")


def save_and_wait(page, key: str) -> None:
    page.locator(f".setting-card[data-key={key}] [data-action=save]").click()
    page.wait_for_selector(f".setting-card[data-key={key}][data-stored=true]:not(:has([data-action=discard]))",
                           timeout=TIMEOUT_MS)


def type_into(page, field, text: str) -> None:
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_pool_days_keeps_every_typed_kind(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    days = page.locator(".setting-card[data-key=pool_days] input")
    type_into(page, days.nth(0), "45")
    type_into(page, days.nth(2), "20")

    save_and_wait(page, "pool_days")

    saved = stored(site, "pool_days")
    assert saved["直接"] == 45, f"the first field typed was lost: {saved}"
    assert saved["潜在"] == 20, f"the last field typed was lost: {saved}"


def test_stage_names_keep_every_typed_row(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    rows = page.locator(".setting-card[data-key=project_stages] .setting-list-input")
    type_into(page, rows.nth(0), "量房")
    type_into(page, rows.nth(1), "报价")

    save_and_wait(page, "project_stages")

    saved = stored(site, "project_stages")
    assert saved[0] == "量房", f"the first row typed was lost: {saved}"
    assert saved[1] == "报价", f"the last row typed was lost: {saved}"


def test_questions_keep_typing_across_removed_row(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    card = page.locator(".setting-card[data-key=survey_questions]")
    questions = card.locator(".setting-list-input")
    count = questions.count()
    assert count >= 3, "the default survey has at least three questions"
    type_into(page, questions.nth(0), "安装是否准时？")
    type_into(page, questions.nth(1), "师傅是否礼貌？")
    card.locator("[data-action=remove]").nth(count - 1).click()

    save_and_wait(page, "survey_questions")

    texts = [question["text"] for question in stored(site, "survey_questions")]
    assert texts[:2] == ["安装是否准时？", "师傅是否礼貌？"], texts
    assert len(texts) == count - 1, texts


def test_new_question_hides_made_key(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    card = page.locator(".setting-card[data-key=survey_questions]")
    card.locator(".setting-list-add").click()

    rows = card.locator(".setting-list-row")
    assert rows.first.locator(".setting-question-key").count() == 1, "a built-in key such as install stays shown"
    assert rows.last.locator(".setting-question-key").count() == 0, "q_ and a random part mean nothing to a reader"


def test_repeated_question_error_reads_as_texts(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    card = page.locator(".setting-card[data-key=survey_questions]")
    questions = card.locator(".setting-list-input")
    before = stored(site, "survey_questions")
    type_into(page, questions.nth(0), "服务态度")
    type_into(page, questions.nth(1), "服务态度")

    card.locator("[data-action=save]").click()

    error = card.locator(".field-error")
    error.filter(has_text="出现了").wait_for(timeout=TIMEOUT_MS)
    assert error.inner_text().startswith("设置“满意度调查问题”的值 服务态度、服务态度、"), error.inner_text()
    assert "问题“服务态度”出现了" in error.inner_text()
    assert '"key"' not in error.inner_text(), "the admin never typed the question objects"
    assert stored(site, "survey_questions") == before
