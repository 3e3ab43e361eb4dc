"""Reports compare UTC stamps with the start of a local day instead of converting every row.

``org_day_start(day, tz)`` must agree with ``org_date`` for every stamp, in
fixed-offset zones, around daylight-saving changes and on a skipped day,
and the canned queries that use it must count a follow-up by its local date.
"""

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml

from genzong.server import store
from genzong.server.db import connect, transaction
from genzong.server.migrations import upgrade
from genzong.server.paths import project_root
from genzong.server.schema import RECEIVABLES_BY_ID, TABLES
from genzong.sync import Version, format_stamp


def stamps_around(day: date) -> list[str]:
    """Return stamps every 30 minutes and at 0.999 s past each hour, from two days before ``day`` to two days after."""
    start = datetime.combine(day - timedelta(days=2), datetime.min.time(), tzinfo=timezone.utc)
    stamps = [format_stamp(start + timedelta(minutes=30 * k)) for k in range(4 * 48)]
    return stamps + [format_stamp(start + timedelta(hours=k, milliseconds=999)) for k in range(96)]


@pytest.fixture
def conn(tmp_path):
    connection = connect(tmp_path / "bounds.db")
    upgrade(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize("zone, day", [
    ("Asia/Shanghai", date(2026, 12, 5)),
    ("America/New_York", date(2026, 3, 8)),  # clocks go forward at 02:00
    ("America/New_York", date(2026, 11, 1)),  # clocks go back at 02:00
    ("America/Havana", date(2026, 3, 8)),  # clocks go forward at midnight
    ("Pacific/Apia", date(2011, 12, 30)),  # the zone skipped this whole day
])
def test_day_start_agrees_with_local_date(conn, zone, day):
    for offset in (-1, 0, 1):
        bound = (day + timedelta(days=offset)).isoformat()
        for stamp in stamps_around(day):
            on_or_after, by_bound = conn.execute(
                "SELECT org_date(?1, ?3) >= ?2, ?1 >= org_day_start(?2, ?3)", (stamp, bound, zone)).fetchone()
            assert on_or_after == by_bound, (zone, bound, stamp)


def test_day_start_of_malformed_day_is_null(conn):
    row = conn.execute("SELECT org_day_start('2026-02-30', NULL), org_day_start(NULL, NULL)").fetchone()
    assert tuple(row) == (None, None)


def put(conn, table: str, fields: dict) -> str:
    record_id = str(uuid.uuid4())
    stamp = "2026-01-01T00:00:00.000Z"
    version = Version({"server": 1}, {name: ("server", 1, stamp) for name in fields}, dict(fields))
    seq = store.allocate_seqs(conn, 1)
    store.upsert_records(conn, TABLES[table], [(record_id, version, seq, stamp, None)])
    return record_id


def canned_query(name: str) -> str:
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["databases"]["genzong"]["queries"][name]["sql"]


def test_overdue_follow_up_by_local_date(conn):
    """A follow-up at 00:30 Shanghai time on the planned day (16:30 UTC the day before) counts as done."""
    today = date.fromisoformat(conn.execute("SELECT today FROM org_calendar").fetchone()[0])
    planned = today - timedelta(days=3)
    planned_start = datetime.combine(planned, datetime.min.time(), tzinfo=timezone(timedelta(hours=8)))
    with transaction(conn):
        done = put(conn, "customers", {"code": "KH900001", "name": "准时", "next_follow_up": planned.isoformat()})
        late = put(conn, "customers", {"code": "KH900002", "name": "差一点", "next_follow_up": planned.isoformat()})
        put(conn, "follow_ups", {"customer_id": done, "happened_at": format_stamp(planned_start + timedelta(minutes=30))})
        put(conn, "follow_ups", {"customer_id": late, "happened_at": format_stamp(planned_start - timedelta(minutes=30))})
    rows = conn.execute(canned_query("overdue_follow_ups")).fetchall()
    assert [(row["客户编号"], row["超期天数"]) for row in rows] == [("KH900002", 3)]



def test_lost_customers_not_followed_up(conn):
    """A customer in stage 已流失 is listed neither as overdue nor as due this week, as in the reminders."""
    today = date.fromisoformat(conn.execute("SELECT today FROM org_calendar").fetchone()[0])
    with transaction(conn):
        for code, stage, planned in (("KH900011", "跟进中", today - timedelta(days=2)),
                                     ("KH900012", "已流失", today - timedelta(days=2)),
                                     ("KH900013", "跟进中", today), ("KH900014", "已流失", today)):
            put(conn, "customers", {"code": code, "name": code, "stage": stage, "next_follow_up": planned.isoformat()})

    overdue = [row["客户编号"] for row in conn.execute(canned_query("overdue_follow_ups"))]
    this_week = [row["客户编号"] for row in conn.execute(canned_query("follow_ups_this_week"))]

    assert overdue == ["KH900011"]
    assert this_week == ["KH900013"]


def test_monthly_performance_by_local_month(conn):
    """Follow-ups on either side of a Shanghai midnight at a month's or the period's end."""
    with transaction(conn):
        customer = put(conn, "customers", {"code": "KH900003", "name": "月末"})  # written 2026-01-01 08:00 local
        for stamp in ("2025-12-31T15:59:59.999Z", "2026-01-31T15:59:59.999Z", "2026-01-31T16:00:00.000Z",
                      "2026-02-28T15:59:59.999Z", "2026-02-28T16:00:00.000Z"):
            put(conn, "follow_ups", {"customer_id": customer, "happened_at": stamp})
    rows = conn.execute(canned_query("rep_monthly_performance"),
                        {"开始日期": "2026-01-01", "结束日期": "2026-02-28"}).fetchall()
    assert [(row["月份"], row["业务员"], row["新增客户"], row["跟进次数"]) for row in rows] == \
        [("2026-02", "公海", 0, 2), ("2026-01", "公海", 1, 1)]


@pytest.mark.parametrize("name, search", [
    ("overdue_follow_ups", "(next_follow_up<?)"),
    ("follow_ups_this_week", "(next_follow_up>? AND next_follow_up<?)"),
])
def test_follow_up_lists_read_in_index_order(conn, name, search):
    """These lists stream in the order of an index, so a page of them stops early at any size."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query(name))]
    assert f"SEARCH c USING INDEX customers_next_follow_up_code {search}" in plan
    assert not [step for step in plan if "TEMP B-TREE" in step]


def test_overdue_receivables_in_due_order(conn):
    """The list reads receivables by due date and sorts only within a day, so a page stops early."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query("overdue_receivables"))]
    assert "SEARCH r USING INDEX receivables_due_date_deleted_amount_fen_id_customer_id_sale_date_scope_owner_dealer_id (due_date<?)" in plan
    assert "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" in plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan


PAYMENT_LOOKUP = "SEARCH p USING COVERING INDEX payments_receivable_id_deleted_amount_fen_paid_on (receivable_id=? AND deleted=?)"


@pytest.mark.parametrize("name", ["payments_by_status", "payments_by_rep_month"])
def test_payment_reports_read_stored_totals(conn, name):
    """The 回款统计 queries read each receivable's paid total from an index, looking up no payment."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query(name), {"开始日期": "", "结束日期": ""})]
    assert [step for step in plan if step.startswith("SCAN r ")] == [f"SCAN r USING COVERING INDEX {RECEIVABLES_BY_ID}"]
    assert not [step for step in plan if step.startswith("SEARCH p ")]


@pytest.mark.parametrize("name", ["rep_monthly_review", "dealer_monthly_review"])
def test_reviews_walk_receivables_in_id_order(conn, name):
    """The reviews' overdue amounts walk receivables in id order, from the index with the paid totals."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query(name), {"月份": ""})]
    assert [step for step in plan if step.startswith("SCAN r ")] == [f"SCAN r USING COVERING INDEX {RECEIVABLES_BY_ID}"]
    assert PAYMENT_LOOKUP in plan


def test_receivable_tracking_reads_no_payment(conn):
    """The 回款跟踪 view reads stored paid totals, and its row count reads only an index."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM receivable_tracking")]
    assert f"SCAN r USING INDEX {RECEIVABLES_BY_ID}" in plan
    assert not [step for step in plan if step.startswith("SEARCH p ")]

    count_plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM receivable_tracking")]
    assert f"SCAN r USING COVERING INDEX {RECEIVABLES_BY_ID}" in count_plan


@pytest.mark.parametrize("name", ["payments_by_status", "payments_by_rep_month"])
def test_payment_reports_read_undated_by_index(conn, name):
    """Receivables without a sale date count by due date, read from the sale-date index under NULL."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query(name),
                                           {"开始日期": "", "结束日期": ""})]
    assert ("SEARCH r USING INDEX receivables_sale_date_deleted_amount_fen_due_date_id_customer_id_scope_owner"
            " (sale_date=?)") in plan


def test_monthly_performance_counts_through_indexes(conn):
    """业务员月度业绩 counts each user's month through an index range, grouping no row."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query("rep_monthly_performance"),
                                           {"开始日期": "", "结束日期": ""})]
    ranges = [
        "SEARCH c USING COVERING INDEX customers_credited_to_created_at_deleted"
        " (credited_to=? AND created_at>? AND created_at<?)",
        "SEARCH f USING COVERING INDEX follow_ups_created_by_happened_at_deleted_customer_id"
        " (created_by=? AND happened_at>? AND happened_at<?)",
        "SEARCH f USING COVERING INDEX follow_ups_imported_credited_to"
        " (credited_to=? AND happened_at>? AND happened_at<?)",
        "SEARCH p USING COVERING INDEX payments_credited_to_paid_on_deleted_receivable_id_amount_fen"
        " (credited_to=? AND paid_on>? AND paid_on<?)",
    ]
    for step in ranges:
        assert step in plan
    assert len([step for step in plan if step == "USE TEMP B-TREE FOR GROUP BY"]) == 1, "only the final rows"


def test_follow_up_log_page_in_index_order(conn):
    """The follow-up log's default page reads the newest follow-ups through an index and stops."""
    sql = 'SELECT * FROM follow_up_log ORDER BY "时间戳" DESC LIMIT 101'
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert "SCAN f USING INDEX follow_ups_happened_at_deleted_customer_id_scope_owner_created_by" in plan
    assert not [step for step in plan if "TEMP B-TREE" in step]


def test_follow_up_channel_facet_reads_index(conn):
    """Datasette's 沟通方式 facet of the follow-up log counts through an index, not the table."""
    # The SQL Datasette 0.65 runs for a column facet (datasette/facets.py), around the page's query.
    sql = ('SELECT "沟通方式" AS value, count(*) AS count FROM (SELECT * FROM follow_up_log ORDER BY "时间戳" DESC) '
           'WHERE "沟通方式" IS NOT NULL GROUP BY "沟通方式" ORDER BY count DESC, value LIMIT 31')
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert "SEARCH f USING COVERING INDEX follow_ups_channel_deleted_customer_id (channel>?)" in plan
    assert "USE TEMP B-TREE FOR GROUP BY" not in plan


@pytest.mark.parametrize("name", ["payments_by_status", "search"])
def test_deleted_customers_read_from_partial_index(conn, name):
    """The set of deleted customers comes from a partial index, not a scan of every customer."""
    params = {"开始日期": "", "结束日期": "", "关键词": "地板", "类型": ""}
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + canned_query(name), params)]
    assert "SCAN customers USING INDEX customers_deleted_id" in plan


@pytest.mark.parametrize("old, new, ddl", [
    ("customers_next_follow_up", "customers_next_follow_up_code", "customers (next_follow_up)"),
    ("receivables_due_date", "receivables_due_date_deleted_amount_fen_id_customer_id_sale_date_scope_owner_dealer_id",
     "receivables (due_date)"),
    ("receivables_due_date_deleted_amount_fen_id_customer_id_sale_date",
     "receivables_due_date_deleted_amount_fen_id_customer_id_sale_date_scope_owner_dealer_id",
     "receivables (due_date, deleted, amount_fen, id, customer_id, sale_date)"),
    ("follow_ups_happened_at", "follow_ups_happened_at_deleted_customer_id_scope_owner_created_by",
     "follow_ups (happened_at)"),
    ("follow_ups_happened_at_deleted_customer_id",
     "follow_ups_happened_at_deleted_customer_id_scope_owner_created_by",
     "follow_ups (happened_at, deleted, customer_id)"),
    ("payments_paid_on", "payments_paid_on_deleted_receivable_id_scope_owner_amount_fen", "payments (paid_on)"),
])
def test_upgrade_drops_replaced_index(conn, old, new, ddl):
    conn.execute(f"CREATE INDEX {old} ON {ddl}")
    upgrade(conn)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert old not in names
    assert new in names
