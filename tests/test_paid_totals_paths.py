"""Every API that writes payments or receivables keeps the stored paid totals right.

The steps go through the real app: sync moves, deletes and restores, a
conflict, hand-over, the public pool and a claim, and imports with a dry
run. After each one, every receivable's paid_fen and last_paid_on must
equal the sum and latest date of its live payments. No pull, history row,
conflict or export carries them.
"""

import io

import openpyxl

from genzong.sync import DELETED

from importing import csv_bytes

STALE_TOTALS = """
SELECT id, paid_fen, last_paid_on, paid, last
FROM (SELECT r.id, r.paid_fen, r.last_paid_on,
             (SELECT coalesce(sum(p.amount_fen), 0) FROM payments p
              WHERE p.receivable_id = r.id AND p.deleted = 0) AS paid,
             (SELECT max(p.paid_on) FROM payments p WHERE p.receivable_id = r.id AND p.deleted = 0) AS last
      FROM receivables r)
WHERE paid_fen IS NOT paid OR last_paid_on IS NOT last
"""


def stale_totals(state) -> list[tuple]:
    return [tuple(row) for row in state.records.get().execute(STALE_TOTALS)]


def paid_of(state, receivable_id: str) -> tuple:
    row = state.records.get().execute("SELECT paid_fen, last_paid_on FROM receivables WHERE id = ?",
                                      (receivable_id,)).fetchone()
    return tuple(row)


def synced(device) -> None:
    device.sync()
    assert not device.rejected, device.rejected


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def import_ledger(http, token: str, data: bytes, **params) -> dict:
    response = http.post("/api/import", content=data, params={"filename": "回款.csv", **params},
                         headers={**bearer(token), "Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    return response.json()


def test_totals_follow_every_write_path(state, http, make_device, make_user, login_as):
    """Sync moves, deletes and restores, a conflict, hand-over, the pool, a claim and imports keep the totals."""
    zhang, li = make_user("sales", name="张三"), make_user("sales", name="李四")
    rep = make_device(zhang)
    customer = rep.edit("customers", name="王芳", owner_id=zhang.id)
    first = rep.edit("receivables", customer_id=customer, amount_fen=100_000, sale_date="2026-01-05",
                     due_date="2026-01-20")
    second = rep.edit("receivables", customer_id=customer, amount_fen=50_000, due_date="2026-02-01")
    moved = rep.edit("payments", receivable_id=first, paid_on="2026-01-10", amount_fen=30_000)
    undone = rep.edit("payments", receivable_id=first, paid_on="2026-01-25", amount_fen=20_000)
    synced(rep)
    assert paid_of(state, first) == (50_000, "2026-01-25")

    steps = [
        ("move a payment", lambda: rep.edit("payments", moved, receivable_id=second)),
        ("delete a payment", lambda: rep.delete("payments", undone)),
        ("restore a payment", lambda: rep.edit("payments", undone, **{DELETED: False})),
        ("delete a receivable", lambda: rep.delete("receivables", first)),
        ("restore a receivable", lambda: rep.edit("receivables", first, **{DELETED: False})),
    ]
    for step, edit in steps:
        edit()
        synced(rep)
        assert stale_totals(state) == [], step
    assert paid_of(state, first) == (20_000, "2026-01-25")
    assert paid_of(state, second) == (30_000, "2026-01-10")

    # Two devices of the rep change one payment's amount and date offline: a conflict.
    other = make_device(zhang)
    synced(other)
    rep.edit("payments", undone, amount_fen=25_000, paid_on="2026-02-02")
    other.edit("payments", undone, amount_fen=15_000, paid_on="2026-02-03")
    synced(rep)
    synced(other)
    conn = state.records.get()
    assert conn.execute("SELECT count(*) FROM conflicts WHERE record_id = ?", (undone,)).fetchone()[0] >= 1
    assert stale_totals(state) == []

    _, manager_token = login_as("manager")
    response = http.post("/api/handover", json={"from": zhang.id, "to": li.id}, headers=bearer(manager_token))
    assert response.status_code == 200, response.text
    assert stale_totals(state) == []

    manager = make_device("manager")
    synced(manager)
    manager.edit("customers", customer, owner_id=None)
    synced(manager)
    claimer = make_device(zhang)
    synced(claimer)
    claimer.edit("pool_claims", customer_id=customer)
    synced(claimer)
    assert claimer.get("customers", customer)["owner_id"] == zhang.id
    assert stale_totals(state) == []
    assert paid_of(state, second) == (30_000, "2026-01-10")

    ledger = [["客户名称", "订单号", "销售日期", "应收金额", "付款期限", "已收金额", "回款日期"],
              ["导入公司", "IMP-1", "2026-01-05", "800", "2026-01-20", "300", "2026-01-12"]]
    before = [tuple(row) for row in conn.execute("SELECT * FROM receivables ORDER BY id")]
    report = import_ledger(http, manager_token, csv_bytes(ledger), owner=li.username, dry_run="1")
    assert report["imported"] is False
    assert [tuple(row) for row in conn.execute("SELECT * FROM receivables ORDER BY id")] == before
    assert import_ledger(http, manager_token, csv_bytes(ledger), owner=li.username)["imported"] is True
    imported = conn.execute("SELECT id FROM receivables WHERE order_no = 'IMP-1'").fetchone()[0]
    assert paid_of(state, imported) == (30_000, "2026-01-12")
    # The ledger now shows more paid: the import adds a payment for the difference.
    ledger[1][5:] = ["650", "2026-02-03"]
    assert import_ledger(http, manager_token, csv_bytes(ledger), owner=li.username)["imported"] is True
    assert paid_of(state, imported) == (65_000, "2026-02-03")
    # Less paid than recorded: a warning, and the payments stay.
    ledger[1][5:] = ["100", "2026-02-04"]
    import_ledger(http, manager_token, csv_bytes(ledger), owner=li.username)
    assert paid_of(state, imported) == (65_000, "2026-02-03")
    assert stale_totals(state) == []


def test_totals_stay_in_their_table(state, http, make_device, login_as):
    """Pulls, history, conflicts and the receivables export carry no paid_fen or last_paid_on."""
    rep = make_device("sales")
    customer = rep.edit("customers", name="王芳")
    receivable = rep.edit("receivables", customer_id=customer, order_no="LEAK-1", amount_fen=80_000,
                          due_date="2026-01-20")
    payment = rep.edit("payments", receivable_id=receivable, paid_on="2026-01-10", amount_fen=30_000)
    synced(rep)
    rep.edit("payments", payment, amount_fen=35_000)
    synced(rep)

    manager = make_device("manager")
    bodies = manager.sync()
    pulled = [change for body in bodies for change in body["changes"]]
    assert pulled
    assert not [c for c in pulled if {"paid_fen", "last_paid_on"} & (set(c["fields"]) | set(c["dots"]))]
    conn = state.records.get()
    traces = conn.execute("SELECT count(*) FROM history WHERE field IN ('paid_fen', 'last_paid_on')").fetchone()[0]
    traces += conn.execute("SELECT count(*) FROM conflicts WHERE field IN ('paid_fen', 'last_paid_on')").fetchone()[0]
    assert traces == 0

    _, token = login_as("manager")
    response = http.get("/api/export", params={"kind": "receivables"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [cell.value for sheet in book.worksheets for cell in sheet[1]]
    assert "paid_fen" not in headers
    assert "last_paid_on" not in headers
