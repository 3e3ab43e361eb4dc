"""A scope change in one batch reaches the children staged in that batch.

``Batch`` finds the staged children of a record by the parent they name
now, so a child moved to another parent earlier in the same batch follows
its new parent's owner and no longer its old one's.
"""

import uuid

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.timeutil import now_stamp


def scopes(conn, table: str, ids) -> dict:
    marks = ",".join("?" * len(ids))
    return dict(conn.execute(f"SELECT id, scope_owner FROM {table} WHERE id IN ({marks})", list(ids)).fetchall())


def test_moved_child_follows_its_new_parent(state, make_user):
    zhang, li, wang = (make_user("sales").id for _ in range(3))
    first_customer, second_customer = str(uuid.uuid4()), str(uuid.uuid4())
    first_receivable, second_receivable = str(uuid.uuid4()), str(uuid.uuid4())
    payment, note = str(uuid.uuid4()), str(uuid.uuid4())
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write("customers", first_customer, {"name": "王芳", "owner_id": zhang})
        batch.server_write("customers", second_customer, {"name": "李强", "owner_id": zhang})
        batch.server_write("receivables", first_receivable, {"customer_id": first_customer, "amount_fen": 100})
        batch.server_write("receivables", second_receivable, {"customer_id": second_customer, "amount_fen": 100})
        batch.server_write("payments", payment, {"receivable_id": first_receivable, "paid_on": "2026-03-01",
                                                 "amount_fen": 100})
        batch.server_write("follow_ups", note, {"customer_id": first_customer,
                                                "happened_at": "2026-03-01T02:00:00.000Z"})
        batch.flush()

    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        # Staged under the first receivable, then moved to the second, in one batch.
        batch.server_write("payments", payment, {"amount_fen": 80})
        batch.server_write("payments", payment, {"receivable_id": second_receivable})
        batch.server_write("customers", second_customer, {"owner_id": li})
        batch.server_write("customers", first_customer, {"owner_id": wang})
        batch.flush()

    assert scopes(conn, "payments", [payment]) == {payment: li}
    assert scopes(conn, "receivables", [first_receivable, second_receivable]) == {
        first_receivable: wang, second_receivable: li}
    assert scopes(conn, "follow_ups", [note]) == {note: wang}
    # The customers' history rows moved with them.
    history = conn.execute("SELECT DISTINCT record_id, scope_owner FROM history WHERE record_table = 'customers' "
                           "AND record_id IN (?, ?)", (first_customer, second_customer)).fetchall()
    assert dict(history) == {first_customer: wang, second_customer: li}
