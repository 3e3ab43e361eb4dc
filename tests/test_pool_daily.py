"""The public pool on the server: the daily return (once a day, across
restarts, from the reminder scheduler and by hand) and the reminder that
warns an owner before a customer returns."""

import asyncio
import json
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from genzong.server import settings as org_settings
from genzong.server.app import create_app
from genzong.server.cli import main
from genzong.server.db import transaction
from genzong.server.migrations import read_meta
from genzong.server.pool import LAST_RUN_KEY, idle_customers, run_daily_return
from genzong.server.records import Batch
from genzong.server.reminders import text
from genzong.server.reminders.items import POOL_WARNING, due_items
from genzong.server.reminders.run import run_pass
from genzong.server.reminders.scheduler import ReminderScheduler
from genzong.server.state import open_data_dir
from genzong.server.timeutil import local_date, zone
from genzong.sync import format_stamp

from reminder_helpers import FAST, NOW, subscribe
from stand_ins import PushService

# NOW is 10:00 on 10 March 2026 in Shanghai. 潜在 customers return after 15 days.
DAY = timedelta(days=1)


def seed_owned(state, owner_id: str | None, owned_at: datetime, kind: str = "潜在", **fields) -> str:
    """Store a customer whose owner was set at ``owned_at``, as a server write of that moment."""
    customer_id = str(uuid.uuid4())
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, format_stamp(owned_at), None, "server")
        batch.server_write("customers", customer_id,
                           {"name": fields.pop("name", "客户"), "kind": kind, "owner_id": owner_id, **fields})
        batch.flush()
    return customer_id


def seed_follow_up(state, customer_id: str, happened_at: datetime) -> None:
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, format_stamp(happened_at), None, "server")
        batch.server_write("follow_ups", str(uuid.uuid4()),
                           {"customer_id": customer_id, "happened_at": format_stamp(happened_at)})
        batch.flush()


def owner_of(state, customer_id: str) -> str | None:
    return state.records.get().execute("SELECT owner_id FROM customers WHERE id = ?", (customer_id,)).fetchone()[0]


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler: its passes would use the real date, not NOW."""
    with TestClient(create_app(data_dir, state, reminders=False)) as client:
        yield client


@pytest.fixture
def rep(make_user):
    manager = make_user("manager", name="王经理")
    return make_user("sales", name="张伟", manager=manager.username)


def test_daily_return_runs_once_per_day(data_dir, state, rep, caplog):
    caplog.set_level(logging.INFO, logger="genzong.pool")
    idle = seed_owned(state, rep.id, NOW - 18 * DAY, name="很久没联系")           # returned on 7 March
    tomorrow = seed_owned(state, rep.id, NOW - 14 * DAY, name="明天退回")          # returns on 11 March
    busy = seed_owned(state, rep.id, NOW - 30 * DAY, name="刚跟进过")
    seed_follow_up(state, busy, NOW - 2 * DAY)
    never = seed_owned(state, rep.id, NOW - 300 * DAY, kind="直接", name="直接客户")
    org_settings.write(state.records.get(), state.private.get(), "pool_days", {"直接": 0})

    first = run_daily_return(state.records.get(), NOW, state.write_lock)
    again = run_daily_return(state.records.get(), NOW + timedelta(hours=5), state.write_lock)

    assert [c.id for c in first] == [idle]
    assert again is None
    assert owner_of(state, idle) is None
    assert owner_of(state, tomorrow) == rep.id
    assert owner_of(state, busy) == rep.id
    assert owner_of(state, never) == rep.id, "0 days turns the return off for that kind"
    assert read_meta(state.records.get(), LAST_RUN_KEY) == "2026-03-10"
    assert "pool return for 2026-03-10: 1 customers returned to the pool" in caplog.text
    assert f"customer {idle} returned to the pool from owner {rep.id}" in caplog.text
    history = state.records.get().execute(
        "SELECT old_value, new_value, user_id, device FROM history WHERE record_id = ? AND field = 'owner_id'",
        (idle,)).fetchall()
    assert [tuple(row) for row in history] == [(json.dumps(rep.id), None, None, "server")]

    # A restart (a new server state on the same folder) does not run it again that day.
    restarted = open_data_dir(data_dir)
    try:
        assert run_daily_return(restarted.records.get(), NOW + timedelta(hours=8), restarted.write_lock) is None
        next_day = run_daily_return(restarted.records.get(), NOW + DAY, restarted.write_lock)
    finally:
        restarted.close()
    assert [c.id for c in next_day] == [tomorrow]
    assert read_meta(state.records.get(), LAST_RUN_KEY) == "2026-03-11"


def test_daily_return_day_in_organisation_zone(state, rep):
    customer = seed_owned(state, rep.id, datetime(2026, 2, 23, 15, 0, tzinfo=timezone.utc))  # 23:00 on 23 Feb
    # 23:30 on 9 March in Shanghai: the day the customer returns (10 March) has not begun.
    late = datetime(2026, 3, 9, 15, 30, tzinfo=timezone.utc)
    assert run_daily_return(state.records.get(), late) == []
    assert owner_of(state, customer) == rep.id
    assert [c.id for c in run_daily_return(state.records.get(), late + timedelta(hours=1))] == [customer]


def test_scheduler_runs_pool_return(state, rep, caplog):
    caplog.set_level(logging.INFO, logger="genzong")
    idle = seed_owned(state, rep.id, datetime.now(timezone.utc) - 40 * DAY)

    async def one_pass():
        scheduler = ReminderScheduler(state, interval=60.0, first_delay=0.0, policy=FAST)
        scheduler.start()
        while scheduler.passes == 0:
            await asyncio.sleep(0.02)
        await scheduler.stop()

    asyncio.run(one_pass())
    assert owner_of(state, idle) is None
    assert read_meta(state.records.get(), LAST_RUN_KEY) is not None
    assert "customers returned to the pool" in caplog.text
    assert "reminder pass:" in caplog.text


def test_pool_return_command(data_dir, state, rep, capsys):
    idle = seed_owned(state, rep.id, datetime.now(timezone.utc) - 20 * DAY, name="很久没联系")
    soon = seed_owned(state, rep.id, datetime.now(timezone.utc) - 13 * DAY, name="快到期")
    folder = str(data_dir.root)

    assert main(["pool", "return", "--once", "--dry-run", "--data-dir", folder]) == 0
    dry = capsys.readouterr().out
    assert owner_of(state, idle) == rep.id, "a dry run changes nothing"
    assert main(["pool", "return", "--once", "--data-dir", folder]) == 0
    done = capsys.readouterr().out

    assert "1 customers return to the pool today" in dry
    assert "2 within 3 days" in dry
    assert "快到期" in dry
    assert rep.username in dry
    assert done.splitlines()[0].startswith("1 customers returned to the pool")
    assert "很久没联系" in done
    assert owner_of(state, idle) is None
    assert owner_of(state, soon) == rep.id


def test_pool_return_needs_once(data_dir, state, capsys):
    assert main(["pool", "return", "--data-dir", str(data_dir.root)]) == 2
    assert "pass --once to return idle customers to the pool now" in capsys.readouterr().err
    assert main(["pool", "return", "--dry-run", "--data-dir", str(data_dir.root)]) == 0
    assert "customers return to the pool today" in capsys.readouterr().out


def warning_settings(state) -> dict:
    return org_settings.read_all(state.records.get(), state.private.get())


def test_pool_warning_items(state, rep, make_user):
    in_two_days = seed_owned(state, rep.id, NOW - 13 * DAY, name="李四", company="绿源地板有限公司", phone="13912345678")
    today = seed_owned(state, rep.id, NOW - 15 * DAY + timedelta(hours=1), name="今天退回")
    in_five_days = seed_owned(state, rep.id, NOW - 10 * DAY, name="还早")
    followed = seed_owned(state, rep.id, NOW - 13 * DAY, name="跟进过")
    seed_follow_up(state, followed, NOW - DAY)
    seed_owned(state, None, NOW - 40 * DAY, name="公海客户")
    disabled_rep = make_user("sales", name="已停用")
    seed_owned(state, disabled_rep.id, NOW - 13 * DAY, name="停用者的客户")
    state.accounts().set_disabled(disabled_rep.username)

    items = [i for i in due_items(state.records.get(), warning_settings(state), NOW) if i.kind == POOL_WARNING]

    assert [i.key for i in items] == [f"pool_warning:{today}:2026-03-10", f"pool_warning:{in_two_days}:2026-03-12"]
    warned = items[1]
    assert (warned.recipient_id, warned.owner_id, warned.record_id) == (rep.id, rep.id, in_two_days)
    assert warned.url == f"/#/customer/{in_two_days}"
    assert warned.tag == f"genzong-pool-{in_two_days}"
    assert warned.facts["days_left"] == 2
    assert warned.facts["last_activity"] == "2026-02-25"
    assert in_five_days not in {i.record_id for i in items}

    zh = text.title_and_body(warned, "zh", "Asia/Shanghai", NOW)
    en = text.title_and_body(warned, "en", "Asia/Shanghai", NOW)
    assert zh == ("即将退回公海：李四（绿源地板有限公司）",
                  "自 2026-02-25 起没有跟进，2 天后（2026-03-12）退回公海。写一条跟进即可保留该客户。")
    assert en[0] == "Returning to the pool: 李四 (绿源地板有限公司)"
    assert "returns to the public pool in 2 days (2026-03-12)" in en[1]
    assert "今天（2026-03-10）退回公海" in text.title_and_body(items[0], "zh", "Asia/Shanghai", NOW)[1]
    assert text.chat_line(warned, "Asia/Shanghai", NOW).startswith("- **即将退回公海** 李四（绿源地板有限公司）：")
    summary = json.loads(text.summary_payload(items, "zh")[1])
    assert (summary["title"], summary["body"]) == ("你有 2 项提醒", "即将退回公海 2 项。点按查看今日待办。")

    org_settings.write(state.records.get(), state.private.get(), "pool_warn_days", 0)
    assert not [i for i in due_items(state.records.get(), warning_settings(state), NOW) if i.kind == POOL_WARNING]


def test_pool_warning_pushed_once(state, http, login_as, rep):
    customer = seed_owned(state, rep.id, NOW - 13 * DAY, name="李四")
    _, token = login_as(rep)
    service = PushService().start()
    try:
        sub = subscribe(http, token, service)
        first = run_pass(state, now=NOW, policy=FAST)
        again = run_pass(state, now=NOW + timedelta(hours=1), policy=FAST)
    finally:
        service.stop()

    assert service.errors == []
    assert (first.pushed, again.pushed) == (1, 0)
    assert sub.messages == [{"title": "即将退回公海：李四",
                             "body": "自 2026-02-25 起没有跟进，2 天后（2026-03-12）退回公海。写一条跟进即可保留该客户。",
                             "url": f"/#/customer/{customer}", "tag": f"genzong-pool-{customer}"}]


def test_idle_customers_at_day_edges(state, rep):
    """The query filters by one stamp bound, so check each kind's own day edge."""
    time_zone = "Asia/Shanghai"
    conn = state.records.get()
    pool_days = {"直接": 5, "间接": 0, "潜在": 2}
    org_settings.write(conn, state.private.get(), "pool_days", pool_days)
    today = datetime(2026, 3, 10).date()
    local_midnight = datetime(2026, 3, 10, tzinfo=zone(time_zone))
    # Last activity from 40 days back to today, every six hours, and a
    # millisecond either side of each local midnight.
    moments = [local_midnight - timedelta(hours=6 * step) for step in range(-3, 160)]
    moments += [m + timedelta(milliseconds=delta) for m in moments[::4] for delta in (-1, 0, 1)]
    kinds = ["直接", "间接", "潜在", None]
    expected = {0: set(), 3: set()}
    for index, moment in enumerate(moments):
        kind = kinds[index % len(kinds)]
        # Half of them got their owner earlier and were followed up at the moment.
        if index % 2:
            customer = seed_owned(state, rep.id, moment - 50 * DAY, kind=kind)
            seed_follow_up(state, customer, moment)
        else:
            customer = seed_owned(state, rep.id, moment, kind=kind)
        days = {**pool_days, None: 30}[kind]
        for within in expected:
            returns_on = local_date(format_stamp(moment), time_zone) + timedelta(days=days)
            if days and returns_on <= today + timedelta(days=within):
                expected[within].add(customer)

    for within, customers in expected.items():
        found = idle_customers(conn, today, time_zone, within_days=within)
        assert {c.id for c in found} == customers
    assert 0 < len(expected[0]) < len(expected[3]) < len(moments)
