"""Projects with stages and risks, satisfaction surveys and the monthly report in the PWA,
worked offline in Chromium and checked in the server's database afterwards."""

import json
import random
import re
import sqlite3
import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from genzong.server import settings
from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.reminders.items import due_items
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from .pwa_helpers import (PASSWORD, go_online, log_in, no_horizontal_overflow, pending, queued, save_form, screenshot,
                          wait_until)

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Asia/Shanghai")
FLOORING_STAGES = ["量房", "报价", "签约", "备货", "安装", "验收", "回访"]
QUESTIONS = ["product", "install", "service", "speed", "overall"]
TOLERANCE = 0.0051  # the page shows two decimals


def today() -> date:
    return datetime.now(ZONE).date()


def seed_with_ids(site, records: list[tuple[str, str, dict]]) -> None:
    """Store (table, id, fields) records as server writes, as an import does."""
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            for table, record_id, fields in records:
                batch.server_write(table, record_id, fields)
            batch.flush()
    finally:
        state.close()


def seed(site, records: list[tuple[str, dict]]) -> list[str]:
    """Store (table, fields) records as server writes; return their new ids."""
    ids = [str(uuid.uuid4()) for _ in records]
    seed_with_ids(site, [(table, record_id, fields) for record_id, (table, fields) in zip(ids, records)])
    return ids


def set_setting(site, admin, key: str, value) -> None:
    """Change a setting through the admin API, as `genzong settings set` would."""
    with httpx.Client(base_url=site.url) as client:
        token = client.post("/api/login", json={"username": admin.username, "password": PASSWORD}).json()["token"]
        response = client.put(f"/api/settings/{key}", json={"value": value}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def wait_sent(page) -> None:
    """Wait until the device has sent every local write (the app counts them as soon as they are saved)."""
    page.wait_for_function("""() => {
        const root = document.documentElement.dataset;
        return root.pending === '0' && root.syncState === 'idle';
    }""", timeout=15_000)


def shoot(page, name: str) -> None:
    assert no_horizontal_overflow(page), f"{name} is wider than the phone"
    screenshot(page, name)


def server_risk_keys(site, user_id: str) -> set[str]:
    """The risk reminders the server would push to ``user_id`` now."""
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        values = settings.read_all(conn, state.private.get())
        items = due_items(conn, values, datetime.now(timezone.utc))
    finally:
        state.close()
    return {item.key for item in items if item.record_table == "risks" and item.recipient_id == user_id}


# Projects ----------------------------------------------------------------------

def fill_stage_dates(page, dates: dict[str, tuple[str | None, str | None]]) -> None:
    for name, (planned, actual) in dates.items():
        stage = page.locator(f"fieldset.stage-edit[data-stage='{name}']")
        if planned is not None:
            stage.locator("input[name^=planned-]").fill(planned)
        if actual is not None:
            stage.locator("input[name^=actual-]").fill(actual)


def test_project_with_stages_and_risk_offline(site, new_context):
    admin = site.add_user("admin")
    rep = site.add_user("sales", name="张伟")
    set_setting(site, admin, "project_stages", FLOORING_STAGES)
    [customer] = seed(site, [("customers", {"name": "绿源地板", "owner_id": rep.id})])
    day = today()
    context = new_context()
    page = context.new_page()
    log_in(page, rep)

    context.set_offline(True)
    page.goto(f"/#/customer/{customer}")
    page.click("text=新建项目")
    assert "量房、报价、签约、备货、安装、验收、回访" in page.inner_text(".notice")
    page.fill("#field-name", "别墅实木地板安装")
    page.fill("#field-expected_completion", (day + timedelta(days=40)).isoformat())
    page.fill("#field-content", "客厅、卧室和书房约 120 平方米")
    save_form(page)
    page.wait_for_url(re.compile(r"#/project/[0-9a-f-]{36}$"))
    project = page.url.rsplit("/", 1)[1]
    assert page.locator(".stage .stage-name").all_inner_texts() == FLOORING_STAGES
    assert queued(page) == 8, "the project and its seven stages wait in the outbox"
    assert pending(page) == 1, "saved in one action"
    assert page.locator("#sync-chip").inner_text() == "离线 · 1 条待同步"

    page.click("text=填写阶段日期")
    fill_stage_dates(page, {"量房": ((day - timedelta(days=5)).isoformat(), (day + timedelta(days=1)).isoformat())})
    save_form(page)
    assert "不能晚于今天" in page.inner_text("fieldset[data-stage='量房'] .field-error")
    assert page.url.endswith(f"#/project/{project}/stages"), "an invalid date saves nothing"
    fill_stage_dates(page, {
        "量房": ((day - timedelta(days=5)).isoformat(), (day - timedelta(days=2)).isoformat()),
        "报价": ((day - timedelta(days=1)).isoformat(), None),
        "签约": ((day + timedelta(days=7)).isoformat(), None),
    })
    save_form(page)
    page.wait_for_url(f"**/#/project/{project}")
    page.wait_for_selector(".view-project .stage-current")
    assert page.inner_text(".stage[data-id] >> nth=0").count("延期 3 天完成") == 1
    current = page.locator(".stage-current")
    assert current.locator(".stage-name").inner_text() == "报价"
    assert "已逾期 1 天" in current.inner_text()
    assert "1/7 个阶段已完成（14%）" in page.inner_text(".view-project .card")
    assert "延误 1 天" in page.inner_text(".view-project .card")

    page.click(f"a[href=\"#/project/{project}/risk/new\"]")
    page.fill("#field-description", "木地板到货可能延迟一周")
    page.check("input[name=category][value=进度]")
    page.select_option("#field-probability", "4")
    page.select_option("#field-impact", "4")
    assert page.inner_text(".exposure-preview") == "风险值 16 · 高"
    page.fill("#field-mitigation", "提前与厂家确认发货日期")
    page.fill("#field-due_on", (day + timedelta(days=10)).isoformat())
    save_form(page)
    page.wait_for_url(f"**/#/project/{project}")
    risk_card = page.locator(".risk-card")
    assert risk_card.get_attribute("data-level") == "high"
    assert "风险值 16 · 高" in risk_card.inner_text()
    shoot(page, "40-project-offline")

    page.goto("/#/today")
    page.wait_for_selector(".due-item[data-key^='risk_high:']")
    item = page.locator(".due-item[data-key^='risk_high:']")
    # 今日's cards have content-visibility: auto, and a card not yet laid out has no innerText.
    item.scroll_into_view_if_needed()
    assert "木地板到货可能延迟一周" in item.text_content()
    assert "风险值 16" in item.text_content()
    page.locator("text=项目风险").scroll_into_view_if_needed()
    shoot(page, "41-today-risk")
    assert site.query("SELECT count(*) AS n FROM projects") == [{"n": 0}], "nothing reached the server offline"

    go_online(context, page)
    assert pending(page) == 0
    row = site.query("SELECT * FROM projects WHERE id = ?", (project,))[0]
    assert (row["name"], row["customer_id"], row["owner_id"], row["status"], row["stage"]) == (
        "别墅实木地板安装", customer, rep.id, "进行中", "报价")
    stages = site.query("SELECT name, position, planned_on, actual_on FROM project_stages "
                        "WHERE project_id = ? ORDER BY position", (project,))
    assert [s["name"] for s in stages] == FLOORING_STAGES
    assert [s["position"] for s in stages] == list(range(7))
    assert (stages[0]["planned_on"], stages[0]["actual_on"]) == ((day - timedelta(days=5)).isoformat(),
                                                                 (day - timedelta(days=2)).isoformat())
    assert stages[2]["planned_on"] == (day + timedelta(days=7)).isoformat()
    assert all(s["planned_on"] is None for s in stages[3:])
    risk = site.query("SELECT * FROM risks WHERE project_id = ?", (project,))[0]
    assert (risk["probability"], risk["impact"], risk["category"], risk["status"], risk["owner_id"]) == (
        4, 4, "进度", "待处理", rep.id)

    # The 今日 list and the server's push reminders name the same risk items.
    today_keys = {key for key in page.eval_on_selector_all(".due-item", "els => els.map((e) => e.dataset.key)")
                  if key.startswith("risk_")}
    assert today_keys == server_risk_keys(site, rep.id) == {f"risk_high:{risk['id']}:16"}
    # Datasette's view applies the same lateness rule as the phone.
    state = open_data_dir(site.data)
    try:
        published = state.records.get().execute(
            "SELECT days_late, state FROM project_stage_status WHERE project_id = ? ORDER BY position", (project,))
        assert [tuple(row) for row in published][:3] == [(3, "延期完成"), (1, "已逾期"), (0, "未完成")]
    finally:
        state.close()


def seed_project(site, owner) -> tuple[str, str, list[str]]:
    """A customer of ``owner`` with a project in progress and its first two stages; return the ids."""
    customer, project = seed(site, [("customers", {"name": "华信装饰", "owner_id": owner.id})])[0], str(uuid.uuid4())
    seed_with_ids(site, [("projects", project, {"customer_id": customer, "name": "酒店客房地板翻新",
                                                "owner_id": owner.id, "status": "进行中", "stage": "量房"})])
    stages = seed(site, [("project_stages", {"project_id": project, "name": name, "position": position,
                                             "planned_on": (today() + timedelta(days=position * 5)).isoformat()})
                         for position, name in enumerate(FLOORING_STAGES[:2])])
    return customer, project, stages


def test_finish_stage_moves_current(site, new_context):
    rep = site.add_user("sales")
    _, project, (first, second) = seed_project(site, rep)
    page = new_context().new_page()
    log_in(page, rep, path=f"/#/project/{project}")
    page.wait_for_selector("#finish-stage")
    assert page.inner_text("#finish-stage") == "完成“量房”"
    page.click("#finish-stage")
    page.wait_for_selector(f".stage-current[data-id='{second}']")
    assert page.inner_text("#finish-stage") == "完成“报价”"
    wait_sent(page)
    assert site.query("SELECT actual_on FROM project_stages WHERE id = ?", (first,)) == [
        {"actual_on": today().isoformat()}]
    assert site.query("SELECT stage FROM projects WHERE id = ?", (project,)) == [{"stage": "报价"}]



def test_finish_after_stage_edit_counts_twice(site, new_context):
    """Finishing a stage edited before offline is a second change waiting, though that stage leads it."""
    rep = site.add_user("sales")
    _, project, (first, _) = seed_project(site, rep)
    context = new_context()
    page = context.new_page()
    log_in(page, rep)
    context.set_offline(True)
    page.goto(f"/#/project/{project}/stages")
    fill_stage_dates(page, {"量房": ((today() + timedelta(days=1)).isoformat(), None)})
    save_form(page)
    page.wait_for_url(f"**/#/project/{project}")
    assert (queued(page), pending(page)) == (1, 1)

    page.click("#finish-stage")
    page.wait_for_selector(f".stage-current:not([data-id='{first}'])")

    assert queued(page) == 2, "the stage and the project"
    assert pending(page) == 2, "the earlier stage edit and the finish"


def test_project_card_fits_small_phone(site, new_context):
    """A finished project's card on the customer page fits a 360 px wide phone."""
    rep = site.add_user("sales")
    customer, project, _ = seed_project(site, rep)
    seed(site, [("project_stages", {"project_id": project, "name": name, "position": position,
                                    "actual_on": today().isoformat()})
                for position, name in enumerate(FLOORING_STAGES[2:], start=2)])
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    log_in(page, rep, path=f"/#/customer/{customer}")
    page.wait_for_selector(".project-card .project-progress")
    assert page.inner_text(".project-progress span") == "5/7 个阶段已完成（71%）"
    assert no_horizontal_overflow(page), "the project card is wider than the phone"

# Surveys -----------------------------------------------------------------------

def answer(page, question_key: str, score: int | None) -> None:
    value = "" if score is None else str(score)
    page.check(f"fieldset.survey-question[data-key='{question_key}'] input[value='{value}']")


def test_survey_offline_after_ticket_visit(site, new_context):
    rep = site.add_user("sales", name="李娜")
    customer, ticket = seed(site, [("customers", {"name": "王建国", "owner_id": rep.id})])[0], str(uuid.uuid4())
    seed_with_ids(site, [("tickets", ticket, {
        "kind": "投诉", "subject": "地板异响", "customer_id": customer, "owner_id": rep.id, "status": "已回访",
        "resolution": "重新固定龙骨", "visit_on": today().isoformat()})])
    context = new_context()
    page = context.new_page()
    log_in(page, rep)

    context.set_offline(True)
    page.goto(f"/#/ticket/{ticket}")
    page.click("text=填写回访满意度调查")
    page.wait_for_url(re.compile(r"#/customer/.+/survey/new\?"))
    assert page.is_checked("input[name=kind][value=回访]")
    assert page.input_value("#field-ticket_id") == ticket
    assert page.input_value("#field-surveyed_on") == today().isoformat()
    save_form(page)
    assert "请至少为一个问题打分" in page.inner_text(".survey-questions .field-error")
    assert pending(page) == 0, "a survey without any score is not saved"

    scores = {"product": 5, "install": 4, "service": 4, "speed": None, "overall": 3}
    for key, score in scores.items():
        answer(page, key, score)
    answered = [score for score in scores.values() if score is not None]
    expected = f"{sum(answered) / len(answered):.2f}"
    assert page.inner_text(".survey-score-value") == f"得分 {expected}"
    assert "已答 4 题，未回答 1 题" in page.inner_text(".survey-rule")
    page.fill("#field-comment", "安装师傅很专业")
    page.locator(".survey-score-box").scroll_into_view_if_needed()
    shoot(page, "42-survey-form")
    save_form(page)
    page.wait_for_url(re.compile(r"#/survey/[0-9a-f-]{36}$"))
    survey = page.url.rsplit("/", 1)[1]
    assert page.inner_text(".survey-score-value") == f"得分 {expected}"
    assert "未回答的不计入平均分" in page.inner_text(".survey-rule")
    answers = page.inner_text(".view-survey .details")
    assert "响应速度\n未回答" in answers
    assert "产品质量\n5 分" in answers

    page.goto(f"/#/ticket/{ticket}")
    assert f"得分 {expected}" in page.inner_text(".survey-card")
    assert pending(page) == 1

    go_online(context, page)
    row = site.query("SELECT * FROM surveys WHERE id = ?", (survey,))[0]
    assert (row["customer_id"], row["ticket_id"], row["kind"], row["surveyed_on"], row["comment"]) == (
        customer, ticket, "回访", today().isoformat(), "安装师傅很专业")
    assert json.loads(row["answers"]) == scores


def test_installation_survey_from_customer(site, new_context):
    rep = site.add_user("sales")
    [customer] = seed(site, [("customers", {"name": "陈静", "owner_id": rep.id, "stage": "已成交"})])
    page = new_context().new_page()
    log_in(page, rep, path=f"/#/customer/{customer}")
    page.click("text=填写满意度调查")
    assert page.is_checked("input[name=kind][value=安装]")
    assert page.input_value("#field-ticket_id") == ""
    answer(page, "install", 2)
    assert page.inner_text(".survey-score-value") == "得分 2.00"
    assert "已答 1 题，未回答 4 题" in page.inner_text(".survey-rule")
    save_form(page)
    page.wait_for_url(re.compile(r"#/survey/[0-9a-f-]{36}$"))
    page.goto(f"/#/customer/{customer}")
    assert "得分 2.00" in page.inner_text("section[data-section=surveys]")
    wait_sent(page)
    row = site.query("SELECT kind, ticket_id, answers FROM surveys WHERE customer_id = ?", (customer,))[0]
    assert (row["kind"], row["ticket_id"]) == ("安装", None)
    assert json.loads(row["answers"]) == {key: 2 if key == "install" else None for key in QUESTIONS}


# The monthly report ---------------------------------------------------------------

def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def previous_month(month: str) -> str:
    return month_of(date.fromisoformat(f"{month}-01") - timedelta(days=1))


REPORT_SURVEYS = [
    # (months before this one, scores by question key)
    (0, {"product": 5, "install": 4, "service": 5, "speed": None, "overall": 5}),
    (0, {"product": 3, "install": None, "service": 4, "speed": 2, "overall": 4}),
    (0, {"product": 4, "install": 3, "service": None, "speed": 3, "overall": None}),
    (0, {"product": None, "install": None, "service": None, "speed": None, "overall": None}),
    (1, {"product": 4, "install": 4, "service": 3, "speed": 4, "overall": 4}),
    (1, {"product": 2, "install": 5, "service": None, "speed": 1, "overall": 3}),
]


def mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def test_monthly_report_for_manager(site, new_context):
    manager = site.add_user("manager", name="王经理")
    rep = site.add_user("sales")
    [customer] = seed(site, [("customers", {"name": "赵强", "owner_id": rep.id})])
    this_month = month_of(today())
    months = {0: this_month, 1: previous_month(this_month)}
    seed(site, [("surveys", {"customer_id": customer, "surveyed_on": f"{months[back]}-0{index % 9 + 1}",
                             "kind": "安装", "answers": answers})
                for index, (back, answers) in enumerate(REPORT_SURVEYS)])
    context = new_context()
    page = context.new_page()
    log_in(page, manager)

    context.set_offline(True)
    page.goto("/#/settings")
    page.click("text=满意度月报")
    page.wait_for_selector(".view-survey-report")
    # Other tests of this module add surveys too, so expect what the whole database holds.
    stored = [(row["surveyed_on"][:7], json.loads(row["answers"]))
              for row in site.query("SELECT surveyed_on, answers FROM surveys WHERE deleted = 0")]
    current = [answers for month, answers in stored if month == months[0]]
    previous = [answers for month, answers in stored if month == months[1]]
    overall = mean([mean(a.values()) for a in current])
    previous_overall = mean([mean(a.values()) for a in previous])
    # The screen may draw once before the report's records are read, so wait for the counts.
    counts = [str(len(current)), f"上月 {len(previous)}"]
    wait_until(page, lambda: (page.locator(".stat").all_inner_texts() or [""])[0].split("\n")[1:] == counts)
    shown_overall = float(page.locator(".stat .stat-value").nth(1).inner_text())
    assert abs(shown_overall - overall) <= TOLERANCE
    shown_change = float(re.search(r"[+-]?\d+\.\d\d", page.inner_text(".stat .change")).group())
    assert abs(shown_change - (overall - previous_overall)) <= 2 * TOLERANCE

    rows = {row.get_attribute("data-key"): row.locator("td").all_inner_texts()
            for row in page.locator(".report-table tbody tr").all()}
    averages = {}
    for key in QUESTIONS:
        now_values = [a[key] for a in current if key in a]
        averages[key] = mean(now_values)
        before = mean([a[key] for a in previous if key in a])
        if averages[key] is None:
            assert rows[key][1] == "—", key
        else:
            assert abs(float(rows[key][1]) - averages[key]) <= TOLERANCE, key
        assert abs(float(rows[key][2]) - before) <= TOLERANCE, key
        assert rows[key][3].startswith(str(sum(v is not None for v in now_values))), key
    lowest = sorted((value, QUESTIONS.index(key), key) for key, value in averages.items() if value is not None)[:3]
    assert [item.get_attribute("data-key") for item in page.locator(".lowest li").all()] == [key for _, _, key in lowest]
    assert page.locator(".chart .chart-row").count() == len(QUESTIONS) + 1
    assert page.locator(".chart .bar-current").count() == len(QUESTIONS) + 2, "one bar per row, plus the legend"
    assert "未回答的不计入" in page.inner_text(".report-rule")
    shoot(page, "43-survey-report")

    page.click("button[aria-label=上个月]")
    page.wait_for_url(f"**/#/surveys/report?month={months[1]}")
    # The hash changes before the screen redraws for the other month.
    wait_until(page, lambda: page.locator(".stat .stat-value").first.inner_text() == str(len(previous)))
    assert page.is_enabled("button[aria-label=下个月]")


def test_report_only_for_managers(site, new_context):
    rep = site.add_user("sales")
    page = new_context().new_page()
    log_in(page, rep, path="/#/surveys/report")
    page.wait_for_selector("text=满意度月报仅供经理和管理员查看")
    page.goto("/#/settings")
    assert page.locator("a[href='#/surveys/report']").count() == 0
    assert page.locator("a[href='#/projects']").count() == 1
    assert page.locator("a[href='/data/']").count() == 0, "Datasette answers reps with 403"


def test_manager_opens_datasette_from_settings(site, new_context):
    manager = site.add_user("manager")
    context = new_context()
    page = context.new_page()
    log_in(page, manager, path="/#/settings")
    link = page.locator("a[href='/data/']")
    assert link.inner_text() == "浏览全部数据（Datasette）"
    assert link.get_attribute("target") == "_blank"
    with context.expect_page() as opened:
        link.click()
    data_page = opened.value
    data_page.wait_for_load_state()
    assert data_page.locator("h1").first.inner_text().startswith("跟踪业务数据")
    assert data_page.locator("button.genzong-language").inner_text() == "English"


# Tickets as the test-tracking ledger ------------------------------------------------

def test_problem_ticket_tracking_fields(site, new_context):
    rep = site.add_user("sales")
    [customer] = seed(site, [("customers", {"name": "博远设计", "owner_id": rep.id})])
    page = new_context().new_page()
    log_in(page, rep)
    page.goto(f"/#/ticket/new?customer={customer}")
    page.wait_for_selector("#field-subject")
    assert page.input_value("#field-complainant") == "博远设计"
    assert page.is_hidden("#field-steps"), "a complaint has no reproduction steps"

    page.check("input[name=kind][value=问题]")
    assert page.is_visible("#field-steps")
    page.fill("#field-subject", "导出报价单失败")
    page.fill("#field-steps", "1. 打开报价单\n2. 点导出")
    page.fill("#field-expected_result", "生成 Excel 文件")
    page.fill("#field-actual_result", "提示网络错误")
    page.check("input[name=severity][value=重要]")
    save_form(page)
    page.wait_for_url(re.compile(r"#/ticket/[0-9a-f-]{36}$"))
    ticket = page.url.rsplit("/", 1)[1]

    page.click("text=编辑")
    page.select_option("#field-decision", "已处理")
    page.fill("#field-shipped_version", "1.4.2")
    save_form(page)
    page.wait_for_url(f"**/#/ticket/{ticket}")
    details = page.inner_text(".details")
    for text in ("博远设计", "1. 打开报价单\n2. 点导出", "生成 Excel 文件", "提示网络错误", "已处理", "1.4.2"):
        assert text in details, text
    assert "重要" in page.inner_text(".view-ticket .card-detail")
    shoot(page, "44-problem-ticket")

    wait_sent(page)
    row = site.query("SELECT customer_id, kind, severity, steps, expected_result, actual_result, decision, "
                     "shipped_version FROM tickets WHERE id = ?", (ticket,))[0]
    assert row == {"customer_id": customer, "kind": "问题", "severity": "重要", "steps": "1. 打开报价单\n2. 点导出",
                   "expected_result": "生成 Excel 文件", "actual_result": "提示网络错误", "decision": "已处理",
                   "shipped_version": "1.4.2"}


# The pure rules of projects.js, surveys.js and the risk reminders ---------------------

STAGE_CASES = [
    # (planned, actual, project status, days late, state) on 2026-03-10
    ("2026-03-01", "2026-03-05", "进行中", 4, "done_late"),
    ("2026-03-05", "2026-03-01", "进行中", 0, "done_on_time"),
    ("2026-03-05", "2026-03-05", "已暂停", 0, "done_on_time"),
    (None, "2026-03-01", "进行中", None, "done"),
    ("2026-03-07", None, "进行中", 3, "overdue"),
    ("2026-03-07", None, None, 3, "overdue"),
    ("2026-03-10", None, "进行中", 0, "open"),
    ("2026-03-07", None, "已暂停", 0, "open"),
    ("2026-03-07", None, "已取消", 0, "open"),
    (None, None, "进行中", None, "open"),
]


def test_stage_lateness_rules(module_page):
    results = module_page.evaluate("""async (cases) => {
        const { projectInProgress, stageDaysLate, stageState } = await import('/js/projects.js');
        return cases.map(([planned, actual, status]) => {
            const stage = { planned_on: planned, actual_on: actual };
            const inProgress = projectInProgress({ status });
            return [stageDaysLate(stage, '2026-03-10', inProgress), stageState(stage, '2026-03-10', inProgress)];
        });
    }""", [list(case[:3]) for case in STAGE_CASES])
    assert results == [[case[3], case[4]] for case in STAGE_CASES]


def test_project_progress_current_stage(module_page):
    progress = module_page.evaluate("""async () => {
        const { projectProgress } = await import('/js/projects.js');
        const stages = [
            { id: 'c', name: '签约', position: 2, planned_on: '2026-03-20' },
            { id: 'a', name: '量房', position: 0, planned_on: '2026-03-01', actual_on: '2026-03-03' },
            { id: 'b', name: '报价', position: 1, planned_on: '2026-03-06' },
            { id: 'x', name: '作废', position: 1, deleted: true },
        ];
        const result = projectProgress({ status: '进行中' }, stages, '2026-03-10');
        return { ...result, stages: result.stages.map((stage) => stage.id), current: result.current.id };
    }""")
    assert progress == {"stages": ["a", "b", "c"], "total": 3, "done": 1, "percent": 33, "current": "b",
                        "currentIndex": 1, "daysLate": 4, "lateStages": 2}


def test_risk_exposure_levels(module_page):
    levels = module_page.evaluate("""async () => {
        const { riskExposure, riskLevel, riskNeedsAttention } = await import('/js/projects.js');
        const rated = [[1, 7], [2, 4], [2, 7], [3, 5], [5, 5]].map(([probability, impact]) => {
            const exposure = riskExposure({ probability, impact });
            return [exposure, riskLevel(exposure)];
        });
        const today = '2026-03-10';
        const project = { status: '进行中' };
        const attention = [
            [{ probability: 3, impact: 5 }, project],
            [{ probability: 3, impact: 4 }, project],
            [{ probability: 1, impact: 1, due_on: '2026-03-09' }, project],
            [{ probability: 1, impact: 1, due_on: '2026-03-10' }, project],
            [{ probability: 5, impact: 5, status: '已关闭' }, project],
            [{ probability: 5, impact: 5 }, { status: '已完成' }],
            [{ probability: 5, impact: 5 }, { status: '已暂停' }],
            [{ description: 'unrated' }, project],
        ].map(([risk, owner]) => riskNeedsAttention(risk, owner, today));
        return { rated, unrated: riskLevel(riskExposure({ probability: 3 })), attention };
    }""")
    assert levels["rated"] == [[7, "low"], [8, "medium"], [14, "medium"], [15, "high"], [25, "high"]]
    assert levels["unrated"] is None
    assert levels["attention"] == [True, False, True, False, False, False, True, False]


def test_due_items_include_risks(module_page):
    keys = module_page.evaluate("""async () => {
        const { dueItems } = await import('/js/reminders.js');
        const records = {
            users: [{ id: 'u1', role: 'sales' }, { id: 'u2', role: 'sales', disabled: true }],
            customers: [{ id: 'c1', name: '赵强', owner_id: 'u1' }, { id: 'c2', name: '公海', owner_id: null },
                        { id: 'c3', name: '停用', owner_id: 'u2' }, { id: 'c4', name: '已删', owner_id: 'u1', deleted: true }],
            projects: [{ id: 'p1', customer_id: 'c1', name: '别墅', status: '进行中' },
                       { id: 'p2', customer_id: 'c1', name: '已取消', status: '已取消' },
                       { id: 'p3', customer_id: 'c2', name: '公海项目' }, { id: 'p4', customer_id: 'c3', name: '停用' },
                       { id: 'p5', customer_id: 'c4', name: '已删客户' }],
            risks: [
                { id: 'r1', project_id: 'p1', description: '逾期', probability: 2, impact: 2, due_on: '2026-03-07' },
                { id: 'r2', project_id: 'p1', description: '高', probability: 3, impact: 5, due_on: '2026-03-20' },
                { id: 'r3', project_id: 'p1', description: '中', probability: 2, impact: 5 },
                { id: 'r4', project_id: 'p1', description: '已关闭', probability: 5, impact: 5, status: '已关闭' },
                { id: 'r5', project_id: 'p2', description: '取消', probability: 5, impact: 5 },
                { id: 'r6', project_id: 'p3', description: '公海', probability: 5, impact: 5 },
                { id: 'r7', project_id: 'p4', description: '停用', probability: 5, impact: 5 },
                { id: 'r8', project_id: 'p5', description: '已删', probability: 5, impact: 5 },
                { id: 'r9', project_id: 'p1', description: '高且逾期', probability: 5, impact: 4, due_on: '2026-03-01' },
                { id: 'r10', project_id: 'p1', description: '删除', probability: 5, impact: 5, deleted: true },
            ],
        };
        // 2026-03-10 10:00 in Shanghai.
        const items = dueItems({ records, now: Date.parse('2026-03-10T02:00:00.000Z'), ownerId: 'u1' });
        return items.map((item) => [item.key, item.url, item.daysOverdue]);
    }""")
    assert keys == [
        ["risk_overdue:r9:2026-03-01", "/#/project/p1", 9],
        ["risk_overdue:r1:2026-03-07", "/#/project/p1", 3],
        ["risk_high:r2:15", "/#/project/p1", 0],
    ]


def python_report(surveys: list[dict], month: str) -> dict:
    """The monthly report by the documented rule, computed independently of surveys.js."""
    def in_month(which):
        return [s["answers"] for s in surveys if s["surveyed_on"].startswith(which + "-")]

    current, previous = in_month(month), in_month(previous_month(month))
    questions = {}
    for key in QUESTIONS:
        questions[key] = (mean([a.get(key) for a in current]), sum(a.get(key) is not None for a in current),
                          sum(key in a and a[key] is None for a in current), mean([a.get(key) for a in previous]))
    return {"count": len(current), "overall": mean([mean(a.values()) for a in current]),
            "previous": mean([mean(a.values()) for a in previous]), "questions": questions}


def test_monthly_report_rules(module_page):
    rng = random.Random(11)
    surveys = []
    for index in range(60):
        month = rng.choice(["2026-02", "2026-03", "2026-03", "2026-01"])
        answers = {key: rng.choice([None, 1, 2, 3, 4, 4, 5, 5]) for key in QUESTIONS if rng.random() < 0.95}
        surveys.append({"id": f"s{index}", "surveyed_on": f"{month}-{rng.randint(1, 28):02d}", "answers": answers,
                        "deleted": index == 0})
    report = module_page.evaluate("""async (surveys) => {
        const { DEFAULT_SURVEY_QUESTIONS, monthlyReport } = await import('/js/surveys.js');
        return monthlyReport(surveys, DEFAULT_SURVEY_QUESTIONS, '2026-03');
    }""", surveys)
    want = python_report([s for s in surveys if not s["deleted"]], "2026-03")
    assert report["month"] == "2026-03"
    assert report["previousMonth"] == "2026-02"
    assert report["count"] == want["count"]
    assert abs(report["overall"] - want["overall"]) <= TOLERANCE
    assert abs(report["previousOverall"] - want["previous"]) <= TOLERANCE
    for row in report["questions"]:
        average, answered, unanswered, before = want["questions"][row["key"]]
        assert abs(row["average"] - average) <= TOLERANCE, row
        assert (row["answered"], row["unanswered"]) == (answered, unanswered), row
        assert abs(row["previousAverage"] - before) <= TOLERANCE, row
        assert row["change"] == round(row["average"] - row["previousAverage"], 2), row
    ordered = sorted(report["questions"], key=lambda row: (row["average"], QUESTIONS.index(row["key"])))
    assert [row["key"] for row in report["lowest"]] == [row["key"] for row in ordered[:3]]
    assert [entry["month"] for entry in report["history"]] == ["2025-10", "2025-11", "2025-12", "2026-01",
                                                               "2026-02", "2026-03"]
    assert report["history"][0] == {"month": "2025-10", "count": 0, "overall": None}


def test_survey_score_ignores_unanswered(module_page):
    scores = module_page.evaluate("""async () => {
        const { surveyScore } = await import('/js/surveys.js');
        return [surveyScore({ a: 5, b: null, c: 4 }), surveyScore({ a: null }), surveyScore(null), surveyScore({ a: 1, b: 2 })];
    }""")
    assert scores == [{"score": 4.5, "answered": 2, "unanswered": 1}, {"score": None, "answered": 0, "unanswered": 1},
                      {"score": None, "answered": 0, "unanswered": 0}, {"score": 1.5, "answered": 2, "unanswered": 0}]


def test_rounding_matches_sqlite(module_page):
    """Every average of 1–5 scores rounds on the phone as SQLite's round(x, 2) does in Datasette."""
    values = [k / n for n in range(1, 41) for k in range(n, 5 * n + 1)]
    rounded = module_page.evaluate("""async (values) => {
        const { round2 } = await import('/js/surveys.js');
        return values.map(round2);
    }""", values)
    conn = sqlite3.connect(":memory:")
    expected = [conn.execute("SELECT round(?, 2)", (value,)).fetchone()[0] for value in values]
    conn.close()
    assert [v for v, got, want in zip(values, rounded, expected) if got != want] == []
