"""A manager's 今日 team view, in Chromium, checked against Datasette's canned queries.

A manager reads the same overdue items twice: on the app's 今日 screen
(团队) and in Datasette's 逾期回款 and 超期未跟进. The tests seed one team,
log the manager in through the app, and compare what each side lists.
"""

from datetime import datetime, timedelta, timezone

import pytest

from genzong.server.state import open_data_dir
from genzong.sync import format_stamp
from reminder_helpers import seed

from .pwa_helpers import PASSWORD, log_in, no_horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def team(site) -> dict:
    """Seed a manager and a rep with two overdue receivables, one on a pool customer.

    The rep also has a receivable due in two days. Two of the rep's customers
    have a follow-up date six days past, and one of them has a follow-up
    logged after that date. A second rep has nothing due, and a third rep's
    account is disabled.
    """
    state = open_data_dir(site.data)
    try:
        manager = state.accounts().add("wangjingli", PASSWORD, "manager", "王经理")
        rep = state.accounts().add("zhangwei", PASSWORD, "sales", "张伟", "wangjingli")
        idle = state.accounts().add("lixian", PASSWORD, "sales", "李闲", "wangjingli")
        left = state.accounts().add("zhoulizhi", PASSWORD, "sales", "周离职", "wangjingli")
        state.accounts().set_disabled(left.username)
        now = datetime.now(timezone.utc)
        today = now.astimezone(SHANGHAI).date()
        six_days_ago = (today - timedelta(days=6)).isoformat()

        owned = seed(state, "customers", name="王芳", owner_id=rep.id)
        seed(state, "receivables", customer_id=owned, order_no="DD-REP-1", amount_fen=300_000,
             due_date=(today - timedelta(days=10)).isoformat())
        seed(state, "receivables", customer_id=owned, order_no="DD-REP-2", amount_fen=120_000,
             due_date=(today + timedelta(days=2)).isoformat())
        pooled = seed(state, "customers", name="赵强", owner_id=None)
        seed(state, "receivables", customer_id=pooled, order_no="DD-POOL-1", amount_fen=500_000,
             due_date=(today - timedelta(days=10)).isoformat())

        followed = seed(state, "customers", name="彭芳", owner_id=rep.id, next_follow_up=six_days_ago)
        seed(state, "follow_ups", customer_id=followed, happened_at=format_stamp(now - timedelta(days=2)),
             channel="电话", content="电话确认报价")
        waiting = seed(state, "customers", name="刘杰", owner_id=rep.id, next_follow_up=six_days_ago)
    finally:
        state.close()
    return {"manager": manager, "rep": rep, "idle": idle, "followed": followed, "waiting": waiting}


def team_keys(page) -> list[str]:
    """Open 今日, switch to 团队 and return the data-key of every listed item."""
    page.goto("/#/today")
    page.click("button.segment >> nth=1")
    page.wait_for_function("() => document.querySelectorAll('button.segment')[1]?.getAttribute('aria-pressed') === 'true'")
    return page.eval_on_selector_all(".view-today li.due-item", "items => items.map((item) => item.dataset.key)")


def datasette_rows(page, site, query: str) -> list[dict]:
    """Return a canned query's rows, read with the Datasette cookie that the app's login set."""
    response = page.context.request.get(f"{site.url}/data/genzong/{query}.json?_shape=array&_size=max")
    assert response.status == 200, response.text()
    return response.json()


def test_team_receivables_match_datasette(page, site, team):
    log_in(page, team["manager"])
    keys = team_keys(page)
    overdue_texts = page.eval_on_selector_all(
        ".view-today li.due-item.due-overdue",
        "items => items.filter((item) => item.dataset.key.startsWith('receivable_overdue:'))"
        ".map((item) => item.textContent)")

    in_datasette = sorted(row["订单号"] for row in datasette_rows(page, site, "overdue_receivables"))

    assert in_datasette == ["DD-POOL-1", "DD-REP-1"]
    assert len([key for key in keys if key.startswith("receivable_overdue:")]) == len(in_datasette)
    assert any("DD-POOL-1" in text for text in overdue_texts)


def test_team_follow_ups_match_datasette(page, site, team):
    log_in(page, team["manager"])
    keys = team_keys(page)
    overdue_in_app = {key.split(":")[1] for key in keys if key.startswith("follow_up:")}

    in_datasette = {row["客户名称"] for row in datasette_rows(page, site, "overdue_follow_ups")}

    assert in_datasette == {"刘杰"}
    assert team["waiting"] in overdue_in_app
    assert team["followed"] not in overdue_in_app


def totals_and_keys(page) -> tuple[str, list[str]]:
    keys = page.eval_on_selector_all(".view-today li.due-item", "items => items.map((item) => item.dataset.key)")
    return page.text_content(".today-totals"), keys


def choose_owner(page, value: str) -> None:
    page.select_option("#today-owner", value)
    page.wait_for_function("(value) => document.getElementById('today-owner')?.value === value", arg=value)


def test_team_owner_filter_and_totals(page, site, team):
    log_in(page, team["manager"])
    everyone = team_keys(page)
    options = page.eval_on_selector_all("#today-owner option", "options => options.map((option) => option.textContent)")
    assert options == ["全部", "李闲", "张伟", "王经理", "公海"], "reps by pinyin, then managers, then the pool"
    groups = page.eval_on_selector_all("#today-owner optgroup", "groups => groups.map((group) => group.label)")
    assert groups == ["业务员", "经理和管理员"]

    totals, keys = totals_and_keys(page)
    assert keys == everyone
    assert totals == f"共 {len(everyone)} 项；回款 3 笔，待收 ¥9,200.00，其中逾期 ¥8,000.00"

    assert no_horizontal_overflow(page)
    screenshot(page, "today-team-totals")

    choose_owner(page, team["rep"].id)
    totals, keys = totals_and_keys(page)
    assert totals == f"共 {len(keys)} 项；回款 2 笔，待收 ¥4,200.00，其中逾期 ¥3,000.00"
    assert f"follow_up:{team['waiting']}" in {key.rsplit(":", 1)[0] for key in keys}
    owners = page.eval_on_selector_all(".view-today li.due-item", "items => items.map((item) => item.textContent)")
    assert all("负责人：张伟" in text for text in owners)

    choose_owner(page, "pool")
    totals, keys = totals_and_keys(page)
    assert totals == f"共 {len(keys)} 项；回款 1 笔，待收 ¥5,000.00，其中逾期 ¥5,000.00"
    assert len(keys) >= 1
    owners = page.eval_on_selector_all(".view-today li.due-item", "items => items.map((item) => item.textContent)")
    assert all("负责人：公海" in text for text in owners)

    choose_owner(page, team["idle"].id)
    assert totals_and_keys(page) == ("共 0 项", [])
    assert page.locator(".view-today .empty").count() == 1

    page.click("button.segment >> nth=0")
    page.wait_for_function("() => document.querySelectorAll('button.segment')[0]?.getAttribute('aria-pressed') === 'true'")
    assert page.locator("#today-owner").count() == 0, "my own list has no owner filter"
    page.click("button.segment >> nth=1")
    page.wait_for_selector("#today-owner")
    assert page.input_value("#today-owner") == team["idle"].id, "the filter stays while the page is open"


def test_team_totals_in_english(page, site, team):
    log_in(page, team["manager"], path="/#/settings")
    page.click("button[data-language=en]")
    team_keys(page)
    choose_owner(page, "pool")
    totals, keys = totals_and_keys(page)
    assert totals == f"{len(keys)} item{'' if len(keys) == 1 else 's'}; 1 payment due, ¥5,000.00 outstanding, ¥5,000.00 of it overdue"
    assert page.eval_on_selector_all("#today-owner option", "options => options.map((option) => option.textContent)")[-1] == "Public pool"
