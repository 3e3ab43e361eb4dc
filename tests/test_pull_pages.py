"""A sales rep's pull pages through owned and pool customers in seq order, each query on its index."""

import uuid

from genzong.server.db import transaction
from genzong.server.pull import pull
from genzong.server.records import Batch
from genzong.server.timeutil import now_stamp


def write_customers(state, owners):
    """Store one customer per entry of ``owners`` (a user id, or None for the pool), in that order."""
    conn = state.records.get()
    ids = []
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        for number, owner in enumerate(owners):
            record_id = str(uuid.uuid4())
            batch.server_write("customers", record_id, {"name": f"客户{number}", "owner_id": owner}, history=False)
            ids.append(record_id)
        batch.flush()
    return ids


def pull_all(conn, user, page_size):
    cursor, pages = 0, []
    while True:
        page = pull(conn, user.role, user.id, cursor, page_size=page_size)
        pages.append(page)
        assert page.cursor >= cursor
        cursor = page.cursor
        if not page.more:
            return pages


def test_rep_pull_pages_owned_and_pool(state, make_user):
    rep, other = make_user("sales"), make_user("sales")
    owners = [[rep.id, None, other.id][n % 3] for n in range(25)]
    ids = write_customers(state, owners)
    visible = {record_id for record_id, owner in zip(ids, owners) if owner != other.id}

    pages = pull_all(state.records.get(), rep, page_size=4)

    received = [change.id for page in pages for change in page.changes if change.table == "customers"]
    assert len(received) == len(set(received))
    assert set(received) == visible
    order = {record_id: position for position, record_id in enumerate(ids)}
    assert received == sorted(received, key=order.get)  # seq order, which is write order
    assert len(pages) > 3


def test_rep_pull_queries_use_index_order(state, make_user):
    rep = make_user("sales")
    write_customers(state, [rep.id, None] * 5)
    conn = state.records.get()
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        pull(conn, rep.role, rep.id, 0, page_size=4)
    finally:
        conn.set_trace_callback(None)

    selects = [sql for sql in statements if sql.startswith("SELECT") and "FROM customers" in sql]
    assert len(selects) == 2  # the rep's own customers and the pool, each in its own query
    for sql in selects:
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "customers_scope_seq" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
