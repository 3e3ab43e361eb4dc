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

from .pwa_helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser

SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def team(site) -> dict:
    """Seed a manager and a rep with two overdue receivables, one on a pool customer.

    Two of the rep's customers have a follow-up date six days past, and one of
    them has a follow-up logged after that date.
    """
    state = open_data_dir(site.data)
    try:
        manager = state.accounts().add("wangjingli", PASSWORD, "manager", "王经理")
        rep = state.accounts().add("zhangwei", PASSWORD, "sales", "张伟", "wangjingli")
        now = datetime.now(timezone.utc)
        today = now.astimezone(SHANGHAI).date()
        six_days_ago = (today - timedelta(days=6)).isoformat()

        owned = seed(state, "customers", name="王芳", owner_id=rep.id)
        seed(state, "receivables", customer_id=owned, order_no="DD-REP-1", amount_fen=300_000,
             due_date=(today - timedelta(days=10)).isoformat())
        pooled = seed(state, "customers", name="赵强", owner_id=None)
        seed(state, "receivables", customer_id=pooled, order_no="DD-POOL-1", amount_fen=500_000,
             due_date=(today - timedelta(days=10)).isoformat())

        followed = seed(state, "customers", name="彭芳", owner_id=rep.id, next_follow_up=six_days_ago)
        seed(state, "follow_ups", customer_id=followed, happened_at=format_stamp(now - timedelta(days=2)),
             channel="电话", content="电话确认报价")
        waiting = seed(state, "customers", name="刘杰", owner_id=rep.id, next_follow_up=six_days_ago)
    finally:
        state.close()
    return {"manager": manager, "rep": rep, "followed": followed, "waiting": waiting}


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
