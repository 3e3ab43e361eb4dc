"""The demo data's timeline, as the manager's reports read it.

业务员月度业绩 counts a customer as new in the month of its created_at. The
demo writes most customers with today's stamp but gives them follow-ups,
sales and complaints up to 90 days old. So it dates each customer the day
before its first activity. Otherwise the report would show every rep adding
about 67 customers this month, after weeks of following them up.
"""

import sqlite3

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
