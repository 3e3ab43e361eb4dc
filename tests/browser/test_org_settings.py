"""组织设置 in Chromium. An admin changes and resets settings, which are
checked in the server's SQLite file and on the device after the sync, and
gets the server's message for invalid values. Reps, managers and a demoted
admin are kept out, and typing survives going offline."""

import json
import re

import pytest

from genzong.server.state import open_data_dir
from .pwa_helpers import last_sync, log_in, no_horizontal_overflow, screenshot, wait_synced

pytestmark = pytest.mark.browser

DEFAULT_STAGES = ["需求分析", "项目计划", "模型设计", "系统开发", "系统测试", "实施部署", "运行维护"]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def admin(site):
    return site.add_user("admin", name="赵管理")


def stored(site, key: str):
    """The live stored value of a synced setting, or None when it uses its default."""
    rows = site.query("SELECT value FROM settings WHERE key = ? AND deleted = 0", (key,))
    return json.loads(rows[0]["value"]) if rows else None


def open_org_settings(page, user):
    log_in(page, user)
    page.click("nav.tabs a[data-tab=settings]")
    page.click("[data-section=organisation] a[href='#/org-settings']")
    page.wait_for_selector(".view-org-settings[data-load=loaded][data-fetching=false] .setting-card")


def card(page, key: str):
    return page.locator(f".setting-card[data-key={key}]")


def save(page, key: str) -> None:
    card(page, key).locator("[data-action=save]").click()


def wait_saved(page, key: str) -> None:
    """Wait until the card of ``key`` was drawn again after a save that worked."""
    page.wait_for_selector(f".setting-card[data-key={key}][data-stored=true]:not(:has([data-action=discard]))",
                           timeout=TIMEOUT_MS)


def field_error(page, key: str) -> str:
    page.wait_for_function(
        "(key) => document.querySelector(`.setting-card[data-key=${key}] .field-error`).textContent !== ''",
        arg=key, timeout=TIMEOUT_MS)
    return card(page, key).locator(".field-error").inner_text()


def stage_names(page) -> list[str]:
    return card(page, "project_stages").locator(".setting-list-input").evaluate_all(
        "(inputs) => inputs.map((input) => input.value)")


def device_settings(page) -> dict:
    """The settings the app reads from its IndexedDB copy (the module the app itself uses)."""
    return page.evaluate("async () => (await import('/js/context.js')).app.settings()")


def test_admin_saves_number_and_stages(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    limit = card(page, "pool_claim_daily_limit")
    assert limit.locator(".setting-title").inner_text() == "每日认领上限"
    assert limit.locator(".setting-current").inner_text() == "10 位客户"
    assert limit.locator(".setting-default").inner_text() == "10 位客户"
    assert limit.get_attribute("data-stored") == "false"
    assert limit.locator("[data-action=save]").is_disabled(), "nothing typed, nothing to save"

    page.fill("#setting-pool_claim_daily_limit", "25")
    save(page, "pool_claim_daily_limit")
    wait_saved(page, "pool_claim_daily_limit")
    assert stored(site, "pool_claim_daily_limit") == 25
    assert limit.locator(".setting-current").inner_text() == "25 位客户"
    assert limit.locator(".setting-default").inner_text() == "10 位客户"

    stages = card(page, "project_stages")
    assert stage_names(page) == DEFAULT_STAGES
    stages.locator(".setting-list-row").nth(2).locator("[data-action=remove]").click()
    stages.locator(".setting-list-row").nth(5).locator("[data-action=up]").click()
    stages.locator(".setting-list-add").click()
    assert page.evaluate("() => document.activeElement.classList.contains('setting-list-input')"), \
        "a new row takes the cursor"
    page.keyboard.type("回访")
    expected = ["需求分析", "项目计划", "系统开发", "系统测试", "运行维护", "实施部署", "回访"]
    assert stage_names(page) == expected
    before = last_sync(page)
    save(page, "project_stages")
    wait_saved(page, "project_stages")
    assert stored(site, "project_stages") == expected
    assert stages.locator(".setting-current").inner_text() == " → ".join(expected)

    wait_synced(page, after=before)  # the save starts a sync by itself
    synced = device_settings(page)
    assert synced["project_stages"] == expected
    assert synced["pool_claim_daily_limit"] == 25

    page.evaluate("""() => {
        const top = document.querySelector('[data-group=projects]').getBoundingClientRect().top;
        window.scrollTo(0, window.scrollY + top - 60);
    }""")
    assert no_horizontal_overflow(page)
    screenshot(page, "org-settings")

    page.goto("/#/pool")
    page.wait_for_selector(".view-pool")
    assert "每人每天最多认领 25 位" in page.inner_text(".view-pool .hint")


def test_invalid_value_then_reset(new_context, site, admin):
    page = new_context().new_page()
    open_org_settings(page, admin)
    stages_before = stored(site, "project_stages")

    page.fill("#setting-escalation_days", "0")
    save(page, "escalation_days")
    assert field_error(page, "escalation_days") == "设置“跟进逾期上报天数”的值 0 无效：必须是 1 到 365 之间的整数（天）。"
    assert page.input_value("#setting-escalation_days") == "0", "the typed value stays"
    assert card(page, "escalation_days").locator(".setting-current").inner_text() == "3 天"
    assert page.get_attribute("#setting-escalation_days", "aria-invalid") == ""
    assert stored(site, "escalation_days") is None

    rows = card(page, "project_stages").locator(".setting-list-input")
    rows.nth(1).fill(rows.nth(0).input_value())
    save(page, "project_stages")
    assert field_error(page, "project_stages").endswith(
        f"无效：阶段“{stage_names(page)[0]}”出现了两次，阶段名称须互不相同。")
    assert stage_names(page)[1] == stage_names(page)[0], "the typed list stays"
    assert stored(site, "project_stages") == stages_before

    page.fill("#setting-time_zone", "Mars/Olympus")
    save(page, "time_zone")
    assert "未知的时区 Mars/Olympus" in field_error(page, "time_zone")
    assert stored(site, "time_zone") is None

    warn = card(page, "pool_warn_days")
    assert warn.locator("[data-action=reset]").is_disabled(), "a default cannot be reset"
    page.fill("#setting-pool_warn_days", "7")
    save(page, "pool_warn_days")
    wait_saved(page, "pool_warn_days")
    assert stored(site, "pool_warn_days") == 7

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    warn.locator("[data-action=reset]").click()
    assert questions == ["把“退回公海提前提醒天数”恢复为默认值 3 天？"]
    assert stored(site, "pool_warn_days") == 7, "a dismissed confirmation changes nothing"

    page.once("dialog", lambda dialog: dialog.accept())
    before = last_sync(page)
    warn.locator("[data-action=reset]").click()
    page.wait_for_selector(".setting-card[data-key=pool_warn_days][data-stored=false]", timeout=TIMEOUT_MS)
    assert stored(site, "pool_warn_days") is None
    assert site.query("SELECT deleted FROM settings WHERE key = 'pool_warn_days'") == [{"deleted": 1}]
    assert warn.locator(".setting-current").inner_text() == "3 天"
    assert page.input_value("#setting-pool_warn_days") == "3"
    wait_synced(page, after=before)
    assert "pool_warn_days" not in device_settings(page), "the reset reached the device"


def test_rep_not_shown(new_context, site):
    page = new_context().new_page()
    log_in(page, site.add_user("sales"))
    page.click("nav.tabs a[data-tab=settings]")
    page.wait_for_selector(".view-settings [data-section=account]")
    assert page.locator("[data-section=organisation]").count() == 0
    page.goto("/#/org-settings")
    assert page.inner_text(".view-org-settings .empty") == "只有管理员可以修改组织设置。"
    assert page.locator(".setting-card").count() == 0


def test_manager_reads_settings(new_context, site):
    """A manager reads the values their reminders follow, without editors, and without the chat robot."""
    page = new_context().new_page()
    log_in(page, site.add_user("manager"))
    page.click("nav.tabs a[data-tab=settings]")
    page.click("[data-section=organisation] a")
    page.wait_for_selector(".setting-card[data-key=escalation_days]")
    assert "这里供经理查看" in page.inner_text(".org-settings-read-only")
    card = page.locator(".setting-card[data-key=escalation_days]")
    assert card.locator(".setting-current").inner_text() == "3 天"
    assert page.locator(".setting-editor, .setting-actions").count() == 0
    assert page.locator(".setting-card[data-key=chat_webhook_url]").count() == 0


def test_offline_then_english(new_context, site, admin):
    context = new_context()
    page = context.new_page()
    open_org_settings(page, admin)
    page.fill("#setting-reminder_ticket_hours", "6")
    context.set_offline(True)
    page.wait_for_selector(".org-settings-offline")
    assert "组织设置需要联网才能查看和保存" in page.inner_text(".org-settings-offline")
    assert card(page, "reminder_ticket_hours").locator("[data-action=save]").is_disabled()
    assert page.input_value("#setting-reminder_ticket_hours") == "6"

    page.click("a.back")
    page.click("[data-section=organisation] a[href='#/org-settings']")
    page.wait_for_selector(".org-settings-offline")
    assert page.input_value("#setting-reminder_ticket_hours") == "6", "typing survives leaving the screen"

    context.set_offline(False)
    page.wait_for_selector(".view-org-settings[data-fetching=false]:not(:has(.org-settings-offline))")
    assert page.input_value("#setting-reminder_ticket_hours") == "6", "reloading the list keeps typing"
    save(page, "reminder_ticket_hours")
    wait_saved(page, "reminder_ticket_hours")
    assert stored(site, "reminder_ticket_hours") == 6

    page.click("a.back")
    page.click("[data-language=en]")
    page.click("[data-section=organisation] a[href='#/org-settings']")
    page.wait_for_selector(".view-org-settings[data-load=loaded][data-fetching=false] .setting-card")
    assert page.inner_text(".view-org-settings h2") == "Organisation settings"
    assert card(page, "pool_claim_daily_limit").locator(".setting-title").inner_text() == "Pool claims per rep and day"
    assert card(page, "project_stages").locator(".setting-title").inner_text() == "Project stages"
    assert card(page, "reminder_ticket_hours").locator(".setting-current").inner_text() == "6 hours"
    assert page.inner_text("[data-group=pool] h3") == "Public pool"
    pool_days = card(page, "pool_days")
    assert pool_days.locator("th[scope=row]").all_inner_texts() == ["Direct", "Key contact", "Prospect"]

    page.fill("#setting-escalation_days", "400")
    save(page, "escalation_days")
    assert field_error(page, "escalation_days") == (
        'Invalid value 400 for the setting "Days overdue before a manager is told": '
        "must be a whole number from 1 to 365 (days).")


def test_secret_masked_and_demoted_admin(new_context, site):
    second = site.add_user("admin")
    page = new_context().new_page()
    open_org_settings(page, second)
    page.fill("#setting-chat_webhook_url", "http://127.0.0.1:9/robot/send?key=very-secret-key")
    save(page, "chat_webhook_url")
    wait_saved(page, "chat_webhook_url")
    webhook = card(page, "chat_webhook_url")
    assert webhook.locator(".setting-current").inner_text() == "http://127.0.0.1:9/robot/send?…"
    assert page.input_value("#setting-chat_webhook_url") == ""
    assert "very-secret-key" not in page.content()

    state = open_data_dir(site.data)
    try:
        state.accounts().update(second.username, role="manager")
    finally:
        state.close()
    page.fill("#setting-backup_keep_days", "14")
    save(page, "backup_keep_days")
    assert field_error(page, "backup_keep_days") == "你的账号无权访问此功能。"
    assert page.input_value("#setting-backup_keep_days") == "14"
    assert stored(site, "backup_keep_days") is None


def test_editor_helpers(page):
    """Drafts become the JSON sent as typed, and a setting the screen does not know gets an editor from its default."""
    page.goto("/")

    found = page.evaluate("""async () => {
        const editors = await import('/js/setting-editors.js');
        const number = { kind: editors.NUMBER };
        const days = { kind: editors.DAYS_BY_KIND };
        const spec = (setting) => editors.editorSpec({ value: setting.default, secret: false, ...setting }).kind;
        return {
            whole: editors.draftToValue(number, ' 12 '),
            fraction: editors.draftToValue(number, '1.5'),
            letters: editors.draftToValue(number, '十'),
            empty: editors.draftToValue(number, ''),
            days: editors.draftToValue(days, { 直接: '30', 潜在: '' }),
            choice: editors.draftToValue({ kind: editors.CHOICE }, ''),
            inferred: [spec({ key: 'new_days', default: 5 }), spec({ key: 'new_list', default: ['a'] }),
                       spec({ key: 'new_text', default: null }), spec({ key: 'new_token', default: null, secret: true }),
                       spec({ key: 'new_map', default: { 直接: 1 } })],
            poolDraft: editors.initialDraft({ key: 'pool_days', value: { 直接: 0 }, default: { 直接: 30, 间接: 60 } }),
            keys: [editors.newQuestionKey([]), editors.newQuestionKey([])],
        };
    }""")

    assert found["whole"] == 12
    assert found["fraction"] == 1.5, "sent as typed, so the server names the fraction"
    assert found["letters"] == "十"
    assert found["empty"] is None
    assert found["days"] == {"直接": 30, "潜在": None}
    assert found["choice"] is None
    assert found["inferred"] == ["number", "names", "text", "secret", "days_by_kind"]
    assert found["poolDraft"] == {"直接": "0", "间接": ""}
    assert all(re.fullmatch(r"[a-z0-9_]{1,50}", key) for key in found["keys"])
