"""What a handover does to the performance reports of months already closed.

A manager who hands a departing rep's customers to another rep still needs
the departing rep's past months as they were, to settle commission. The
test reads 业务员月度业绩 and 回款统计：按业务员和月份 for a finished month,
hands the rep over through the API, and reads them again. Rows written
after the hand-over count for the receiving rep.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from published import close_published, open_published

REPORTS = {"rep_monthly_performance": "业务员", "payments_by_rep_month": "负责人"}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("handover"), demo_customers=80)
    yield opened
    close_published(opened)


def last_month() -> tuple[str, str]:
    first = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    end = first.fromordinal(first.toordinal() - 1)
    return end.replace(day=1).isoformat(), end.isoformat()


def rows_of(published, report: str, name: str) -> list[dict]:
    start, end = last_month()
    rows = published.rows(f"/data/genzong/{report}", 开始日期=start, 结束日期=end)
    return [row for row in rows if row[REPORTS[report]] == name]


def user_id(published, username: str) -> str:
    return published.rows("/data/genzong/users", username="jingli", username__exact=username)[0]["id"]


def test_handover_keeps_closed_months(published):
    before = {report: rows_of(published, report, "刘洋") for report in REPORTS}
    assert all(before.values()), before

    login = published.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    token = login.json()["token"]
    published.client.cookies.clear()
    response = published.client.post(
        "/api/handover", headers={"Authorization": f"Bearer {token}"},
        json={"from": user_id(published, "liuyang"), "to": user_id(published, "chenjing")})
    assert response.status_code == 200, response.text

    for report in REPORTS:
        assert rows_of(published, report, "刘洋") == before[report], report


def month_rows(http, report: str, month: str) -> dict[str, dict]:
    """Return one month of a report, by the rep each row is for."""
    response = http.get(f"/data/genzong/{report}.json",
                        params={"_shape": "array", "_size": "max", "开始日期": month, "结束日期": month})
    assert response.status_code == 200, response.text
    return {row[REPORTS[report]]: row for row in response.json() if row["月份"] == month}


def test_rows_after_handover_go_to_new_owner(http, make_device, make_user, login_as):
    leaving, taking = make_user("sales", name="张离职"), make_user("sales", name="李接手")
    device = make_device(leaving)
    customer = device.edit("customers", name="韩文博", owner_id=leaving.id)
    receivable = device.edit("receivables", customer_id=customer, sale_date="2026-11-03", amount_fen=500_000)
    device.edit("payments", receivable_id=receivable, paid_on="2026-11-10", amount_fen=100_000)
    device.sync()
    assert not device.rejected

    _, token = login_as("manager")
    response = http.post("/api/handover", json={"from": leaving.id, "to": taking.id},
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text

    taker = make_device(taking)
    taker.sync()
    taker.edit("payments", receivable_id=receivable, paid_on="2026-11-20", amount_fen=250_000)
    taker.edit("receivables", customer_id=customer, sale_date="2026-11-25", amount_fen=80_000)
    taker.sync()
    assert not taker.rejected
    login_as("manager")  # the client now carries a manager's Datasette cookie

    payments = month_rows(http, "rep_monthly_performance", "2026-11")
    assert (payments["张离职"]["回款笔数"], payments["张离职"]["回款金额"]) == (1, 1000.0)
    assert (payments["李接手"]["回款笔数"], payments["李接手"]["回款金额"]) == (1, 2500.0)

    receivables = month_rows(http, "payments_by_rep_month", "2026-11")
    # The first receivable stays with the rep who sold it, with both payments in its paid total.
    assert (receivables["张离职"]["笔数"], receivables["张离职"]["应收金额"]) == (1, 5000.0)
    assert receivables["张离职"]["已收金额"] == 3500.0
    assert (receivables["李接手"]["笔数"], receivables["李接手"]["应收金额"]) == (1, 800.0)
