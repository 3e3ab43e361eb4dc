"""Each receivable's stored paid total and last payment date follow its payments.

The database keeps receivables.paid_fen and last_paid_on with triggers
(server.migrations.PAID_TOTAL_TRIGGERS). Random runs of server writes, as
sync and import store them, are checked against sums computed in Python.
"""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genzong.server.db import connect, transaction
from genzong.server.migrations import PAID_TOTAL_TRIGGERS, upgrade
from genzong.server.records import Batch
from genzong.server.schema import RECEIVABLES_BY_ID
from genzong.server.timeutil import now_stamp
from genzong.sync import DELETED

DAYS = [f"2026-0{month}-{day:02d}" for month in (3, 4) for day in (1, 15, 28)]

# One step: (kind, payment, receivable, day, amount). A batch of steps is
# stored in one flush, as one sync request stores its changes.
step = st.tuples(st.sampled_from(["pay", "amount", "day", "move", "delete", "restore", "redate", "purge"]),
                 st.integers(0, 5), st.integers(0, 2), st.sampled_from(DAYS), st.integers(1, 90_000))
batches = st.lists(st.lists(step, min_size=1, max_size=6), min_size=1, max_size=6)


def stored_totals(conn, receivable_ids) -> dict:
    marks = ",".join("?" * len(receivable_ids))
    return {row[0]: (row[1], row[2]) for row in conn.execute(
        f"SELECT id, paid_fen, last_paid_on FROM receivables WHERE id IN ({marks})", receivable_ids)}


def expected_totals(payments: dict, receivable_ids) -> dict:
    totals = {}
    for receivable_id in receivable_ids:
        live = [p for p in payments.values() if p["receivable_id"] == receivable_id and not p["deleted"]]
        totals[receivable_id] = (sum(p["amount_fen"] for p in live), max((p["paid_on"] for p in live), default=None))
    return totals


def store(state, writes) -> None:
    if not writes:
        return
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        for table, record_id, changes in writes:
            batch.server_write(table, record_id, changes)
        batch.flush()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=batches, late_receivable=st.booleans())
def test_paid_totals_follow_payments(state, runs, late_receivable):
    customer = str(uuid.uuid4())
    receivables = [str(uuid.uuid4()) for _ in range(3)]
    # The last receivable may arrive after payments that name it.
    first = receivables if not late_receivable else receivables[:2]
    store(state, [("customers", customer, {"name": "王芳"})]
          + [("receivables", r, {"customer_id": customer, "amount_fen": 100_000}) for r in first])
    ids = [str(uuid.uuid4()) for _ in range(6)]
    payments: dict[str, dict] = {}
    conn = state.records.get()
    for run in runs:
        writes = []
        for kind, index, target, day, amount in run:
            payment_id = ids[index]
            known = payments.get(payment_id)
            if kind == "pay" or known is None:
                changes = {"receivable_id": receivables[target], "paid_on": day, "amount_fen": amount,
                           DELETED: False}
            elif kind == "amount":
                changes = {"amount_fen": amount}
            elif kind == "day":
                changes = {"paid_on": day}
            elif kind == "move":
                changes = {"receivable_id": receivables[target]}
            elif kind in ("delete", "restore"):
                changes = {DELETED: kind == "delete"}
            else:
                # Statements no sync makes, as a repair might: one column set, or a row removed.
                store(state, writes)
                writes = []
                with transaction(conn):
                    if kind == "redate":
                        conn.execute("UPDATE payments SET paid_on = ? WHERE id = ?", (day, payment_id))
                        known["paid_on"] = day
                    else:
                        conn.execute("DELETE FROM payments WHERE id = ?", (payment_id,))
                        del payments[payment_id]
                continue
            payments[payment_id] = {**(known or {}), **{("deleted" if k == DELETED else k): v
                                                        for k, v in changes.items()}}
            writes.append(("payments", payment_id, changes))
        store(state, writes)
        present = [r for r in receivables if r in first]
        assert stored_totals(conn, present) == expected_totals(payments, present)

    if late_receivable:
        store(state, [("receivables", receivables[2], {"customer_id": customer, "amount_fen": 100_000})])
    assert stored_totals(conn, receivables) == expected_totals(payments, receivables)


def test_upgrade_fills_paid_totals(tmp_path):
    """A file from before the stored totals gets them for its payments, and the triggers from then on."""
    path = tmp_path / "before-totals.db"
    conn = connect(path)
    upgrade(conn)
    conn.executemany(
        "INSERT INTO receivables (id, customer_id, amount_fen, seq, updated_at) VALUES (?, 'c-1', 50000, ?, '')",
        [("r-paid", 1), ("r-none", 2)])
    conn.executemany(
        "INSERT INTO payments (id, receivable_id, paid_on, amount_fen, deleted, seq, updated_at) "
        "VALUES (?, 'r-paid', ?, ?, ?, ?, '')",
        [("p-1", "2026-03-02", 20000, 0, 1), ("p-2", "2026-03-20", 10000, 0, 2), ("p-3", "2026-04-01", 7000, 1, 3)])
    # Back to schema 5: no totals, no triggers, the index without them.
    for name in PAID_TOTAL_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP VIEW IF EXISTS receivable_tracking")
    conn.execute(f"DROP INDEX {RECEIVABLES_BY_ID}")
    for view in [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]:
        conn.execute(f"DROP VIEW {view}")
    conn.execute("ALTER TABLE receivables DROP COLUMN paid_fen")
    conn.execute("ALTER TABLE receivables DROP COLUMN last_paid_on")
    conn.execute("PRAGMA user_version = 5")
    conn.close()

    conn = connect(path)
    upgrade(conn)
    assert stored_totals(conn, ["r-paid", "r-none"]) == {"r-paid": (30000, "2026-03-20"), "r-none": (0, None)}
    with transaction(conn):
        conn.execute("UPDATE payments SET deleted = 0 WHERE id = 'p-3'")
    assert stored_totals(conn, ["r-paid"]) == {"r-paid": (37000, "2026-04-01")}
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert RECEIVABLES_BY_ID in names
    assert "receivables_id_deleted_due_date_sale_date_amount_fen_customer_id_scope_owner_dealer_id" not in names
    conn.close()


def test_totals_stay_on_the_server(make_device):
    """A rep's payment updates the stored totals, and the next pull sends only the receivable's fields."""
    device = make_device("sales")
    customer = device.edit("customers", name="王芳")
    receivable = device.edit("receivables", customer_id=customer, amount_fen=80_000, due_date=DAYS[1])
    device.edit("payments", receivable_id=receivable, paid_on=DAYS[2], amount_fen=30_000)
    device.sync()
    assert not device.rejected, device.rejected

    other = make_device(device.user)
    other.sync()
    pulled = other.rows("receivables")[receivable]
    assert pulled["amount_fen"] == 80_000
    assert not {"paid_fen", "last_paid_on"} & set(pulled)
