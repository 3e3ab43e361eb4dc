"""The demo data's timeline, as the manager's reports read it.

业务员月度业绩 counts a customer as new in the month of its earliest field
write. The demo writes most customers with today's stamp but gives them
follow-ups up to 60 days old, so the report shows every rep adding about
67 customers this month, after weeks of following them up.
"""

import sqlite3

import pytest

from published import close_published, open_published

NOT_FIXED = ("the demo writes most customers with today's stamp but their follow-ups up to "
             "60 days earlier, so 业务员月度业绩 counts them all as new this month")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("demo-history"))
    yield opened.data.database
    close_published(opened)


# NOTE: the demo stamps each customer's fields on the day its owner got it,
# which the public pool reads from the owner_id dot. Back-dating only the
# other fields needs two writes of the record, which the demo does not do yet.
@pytest.mark.xfail(strict=True, reason=NOT_FIXED)
def test_customer_created_before_follow_ups(demo_database):
    conn = sqlite3.connect(demo_database)
    try:
        late = conn.execute("""
            SELECT c.code,
                   (SELECT min(json_extract(d.value, '$[2]')) FROM json_each(c.dots) d) AS created,
                   (SELECT min(f.happened_at) FROM follow_ups f WHERE f.customer_id = c.id) AS first_follow_up
            FROM customers c
            WHERE first_follow_up < created
            ORDER BY c.code""").fetchall()
    finally:
        conn.close()
    assert late == [], f"{len(late)} demo customers were created after their first follow-up, such as {late[:3]}"
