"""The demo data's timeline, as the manager's reports read it.

业务员月度业绩 counts a customer as new in the month of its created_at. The
demo writes most customers with today's stamp but gives them follow-ups,
sales and complaints up to 90 days old. So it dates each customer the day
before its first activity. Otherwise the report would show every rep adding
about 67 customers this month, after weeks of following them up.
"""

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from published import close_published, open_published


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("demo-history"))
    yield opened.data.database
    close_published(opened)


def test_customer_created_before_activity(demo_database):
    conn = sqlite3.connect(demo_database)
    try:
        late = conn.execute("""
            SELECT c.code, c.created_at, min(activity.at) AS first_activity
            FROM customers c
            JOIN (SELECT customer_id, happened_at AS at FROM follow_ups
                  UNION ALL SELECT customer_id, sale_date FROM receivables
                  UNION ALL SELECT customer_id, received_at FROM tickets) activity
              ON activity.customer_id = c.id
            GROUP BY c.id
            HAVING first_activity < c.created_at
            ORDER BY c.code""").fetchall()
        months = conn.execute("SELECT count(DISTINCT substr(created_at, 1, 7)) FROM customers").fetchone()[0]
    finally:
        conn.close()
    assert late == [], f"{len(late)} demo customers were created after their first activity, such as {late[:3]}"
    assert months >= 3  # new customers spread over the last months, not all in this one


def test_nothing_dated_after_now(demo_database):
    conn = sqlite3.connect(demo_database)
    try:
        now = conn.execute("SELECT max(updated_at) FROM customers").fetchone()[0]
        # The demo's dates are in its organisation's zone, Asia/Shanghai.
        today = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai")).date()
        later = {
            "customers.created_at": conn.execute("SELECT count(*) FROM customers WHERE created_at > ?", (now,)),
            "follow_ups.happened_at": conn.execute("SELECT count(*) FROM follow_ups WHERE happened_at > ?", (now,)),
            "payments.paid_on": conn.execute("SELECT count(*) FROM payments WHERE paid_on > ?", (today.isoformat(),)),
            "tickets.received_at": conn.execute("SELECT count(*) FROM tickets WHERE received_at > ?", (now,)),
            "tickets.first_reply_at": conn.execute("SELECT count(*) FROM tickets WHERE first_reply_at > ?", (now,)),
            "tickets.resolved_at": conn.execute("SELECT count(*) FROM tickets WHERE resolved_at > ?", (now,)),
        }
        later = {name: cursor.fetchone()[0] for name, cursor in later.items()}
        same_day = conn.execute("SELECT count(*) FROM customers WHERE created_at = ?", (now,)).fetchone()[0]
    finally:
        conn.close()
    assert later == dict.fromkeys(later, 0)
    assert same_day < 10  # customers without activity are spread over past days too
