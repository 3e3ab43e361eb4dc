"""Schema upgrades happen in place and keep the data."""

import json
import re
import sqlite3
import tempfile

import pytest
import yaml

from genzong.server import state as server_state
from genzong.server.db import connect, transaction
from genzong.server.migrations import NAMED_INDEXES, SCHEMA_VERSION, upgrade
from genzong.server.paths import DataDir, project_root
from genzong.server.records import Batch
from genzong.server.schema import RECEIVABLES_BY_ID, TABLES
from genzong.server.state import DataDirError, open_data_dir
from genzong.server.views import drop_views


def columns(conn, table):
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_old_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    # An early schema: customers without several of today's columns, and
    # none of the other tables.
    old.execute("""CREATE TABLE customers (id TEXT PRIMARY KEY, code TEXT, name TEXT, phone TEXT,
                   deleted INTEGER NOT NULL DEFAULT 0, clock TEXT NOT NULL DEFAULT '{}',
                   dots TEXT NOT NULL DEFAULT '{}', seq INTEGER NOT NULL, updated_at TEXT NOT NULL,
                   scope_owner TEXT)""")
    old.execute("INSERT INTO customers (id, code, name, phone, clock, dots, seq, updated_at) VALUES "
                "('1b7d1d58-0000-4000-8000-000000000001', 'KH000001', '张伟', '138', '{\"a\":1}', "
                "'{\"name\":[\"a\",1,\"2026-12-01T00:00:00.000Z\"]}', 1, '2026-12-01T00:00:00.000Z')")
    old.commit()
    old.close()

    conn = connect(path)
    assert upgrade(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table in TABLES.values():
        assert set(f.name for f in table.fields) <= set(columns(conn, table.name)), table.name
    row = conn.execute("SELECT name, phone, location FROM customers").fetchone()
    assert tuple(row) == ("张伟", "138", None)
    assert conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0].startswith("e-")

    epoch = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
    upgrade(conn)  # a second run changes nothing
    assert conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0] == epoch


def test_upgrade_fills_creation_columns_from_dots(tmp_path):
    """Rows stored before created_at and created_by existed get their earliest write's stamp and user."""
    path = tmp_path / "before-creation.db"
    old = sqlite3.connect(path)
    old.execute("""CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT, phone TEXT,
                   deleted INTEGER NOT NULL DEFAULT 0, clock TEXT NOT NULL DEFAULT '{}',
                   dots TEXT NOT NULL DEFAULT '{}', seq INTEGER NOT NULL, updated_at TEXT NOT NULL,
                   scope_owner TEXT)""")
    old.execute("""CREATE TABLE devices (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
                   first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
                   resending_after_reset INTEGER NOT NULL DEFAULT 0)""")
    old.execute("INSERT INTO devices (id, user_id, first_seen, last_seen) VALUES "
                "('d-phone', 'user-li', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')")
    dots = {"name": ["d-laptop", 4, "2026-12-02T08:00:00.000Z"], "phone": ["d-phone", 1, "2026-11-30T08:00:00.000Z"]}
    old.executemany("INSERT INTO customers (id, name, dots, seq, updated_at) VALUES (?, '张伟', ?, ?, ?)",
                    [("c-1", json.dumps(dots), 1, "2026-12-02T08:00:01.000Z"),
                     ("c-2", json.dumps({"name": dots["name"]}), 2, "2026-12-02T08:00:01.000Z")])
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()

    conn = connect(path)
    upgrade(conn)
    rows = conn.execute("SELECT id, created_at, created_by FROM customers ORDER BY id").fetchall()
    assert [tuple(row) for row in rows] == [("c-1", "2026-11-30T08:00:00.000Z", "user-li"),
                                             ("c-2", "2026-12-02T08:00:00.000Z", None)]


def test_database_from_newer_genzong_is_refused(tmp_path):
    conn = connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer than this Genzong"):
        upgrade(conn)


def test_foreign_table_without_sync_columns_is_refused(tmp_path):
    conn = connect(tmp_path / "foreign.db")
    conn.execute("CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT)")
    with pytest.raises(RuntimeError, match="lacks sync columns"):
        upgrade(conn)


def test_upgrade_adds_report_indexes(tmp_path):
    """A database made before the report indexes gets them, and the reports' plans use them."""
    conn = connect(tmp_path / "before-indexes.db")
    upgrade(conn)
    conn.execute("DROP INDEX follow_ups_customer_id_deleted_happened_at")
    conn.execute("DROP INDEX payments_receivable_id_deleted_amount_fen_paid_on")

    upgrade(conn)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "follow_ups_customer_id_deleted_happened_at" in names
    assert "payments_receivable_id_deleted_amount_fen_paid_on" in names
    plan = " ".join(row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT coalesce(sum(amount_fen), 0), max(paid_on) FROM payments "
        "WHERE receivable_id = 'r-1' AND deleted = 0"))
    assert "COVERING INDEX payments_receivable_id_deleted_amount_fen_paid_on" in plan


def test_named_indexes_listed_and_made(tmp_path):
    """Every index a canned query names is in NAMED_INDEXES and in a new file."""
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        queries = yaml.safe_load(handle)["databases"]["genzong"]["queries"].values()
    named = {name for query in queries for name in re.findall(r"INDEXED BY (\w+)", query["sql"])}
    assert named == set(NAMED_INDEXES)

    conn = connect(tmp_path / "new.db")
    upgrade(conn)
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert named <= present


@pytest.mark.parametrize("version, index", [
    (4, RECEIVABLES_BY_ID),
    (5, RECEIVABLES_BY_ID),
    (6, RECEIVABLES_BY_ID),
    (6, "follow_ups_imported_credited_to"),
])
def test_read_only_folder_before_named_index_rejected(tmp_path, monkeypatch, version, index):
    """A file from before a named report index cannot be upgraded when read-only, so it is rejected."""
    data = DataDir(tmp_path / "data")
    open_data_dir(data).close()
    conn = sqlite3.connect(data.database)
    conn.execute(f"DROP INDEX {index}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()

    monkeypatch.setattr(server_state, "folder_is_read_only", lambda folder: True)
    copies = tmp_path / "copies"
    copies.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(copies))
    with pytest.raises(DataDirError, match=f"schema {version}, expected {SCHEMA_VERSION}"):
        open_data_dir(data)
    assert list(copies.iterdir()) == [], "the refused folder's copy is removed"

    monkeypatch.setattr(server_state, "folder_is_read_only", lambda folder: False)
    upgraded = open_data_dir(data)
    try:
        names = {row[0] for row in upgraded.records.get().execute("SELECT name FROM sqlite_master")}
    finally:
        upgraded.close()
    assert index in names


def write_as_server(conn, stamp: str, table: str, record_id: str, fields: dict) -> None:
    """Store one server write made at ``stamp``, with its history, as a hand-over or import does."""
    with transaction(conn):
        batch = Batch(conn, stamp, None, "server")
        batch.server_write(table, record_id, fields)
        batch.flush()


def remove_credited_to(conn) -> None:
    """Turn a current file back into one of schema version 6, which had no credited_to column."""
    drop_views(conn)  # a view names an index that contains credited_to
    indexes = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%credited_to%'")]
    for name in indexes:
        conn.execute(f"DROP INDEX {name}")
    for table in TABLES:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN credited_to")
    conn.execute("PRAGMA user_version = 6")
    conn.commit()


def test_upgrade_credits_rows_to_owner_then(tmp_path):
    """Rows stored before credited_to existed get their customer's owner at their first write, from 修改历史."""
    conn = connect(tmp_path / "before-credit.db")
    upgrade(conn)
    write_as_server(conn, "2026-10-01T02:00:00.000Z", "customers", "c-moved", {"name": "韩文博", "owner_id": "u-li"})
    write_as_server(conn, "2026-10-02T02:00:00.000Z", "receivables", "r-1",
                    {"customer_id": "c-moved", "sale_date": "2026-10-02", "amount_fen": 500_000})
    write_as_server(conn, "2026-10-03T02:00:00.000Z", "payments", "p-before",
                    {"receivable_id": "r-1", "paid_on": "2026-10-03", "amount_fen": 100_000})
    write_as_server(conn, "2026-10-04T02:00:00.000Z", "follow_ups", "f-before",
                    {"customer_id": "c-moved", "happened_at": "2026-10-04T02:00:00.000Z"})
    write_as_server(conn, "2026-10-10T02:00:00.000Z", "customers", "c-moved", {"owner_id": "u-wang"})
    write_as_server(conn, "2026-10-12T02:00:00.000Z", "payments", "p-after",
                    {"receivable_id": "r-1", "paid_on": "2026-10-12", "amount_fen": 200_000})
    # A customer created in the pool, claimed later, and then returned to it.
    write_as_server(conn, "2026-10-01T02:00:00.000Z", "customers", "c-pool", {"name": "孙先生", "owner_id": None})
    write_as_server(conn, "2026-10-05T02:00:00.000Z", "customers", "c-pool", {"owner_id": "u-li"})
    write_as_server(conn, "2026-10-06T02:00:00.000Z", "follow_ups", "f-claimed",
                    {"customer_id": "c-pool", "happened_at": "2026-10-06T02:00:00.000Z"})
    write_as_server(conn, "2026-10-20T02:00:00.000Z", "customers", "c-pool", {"owner_id": None})
    written = {(table, row[0]): row[1] for table in ("customers", "receivables", "payments", "follow_ups")
               for row in conn.execute(f"SELECT id, credited_to FROM {table}")}
    remove_credited_to(conn)

    assert upgrade(conn) == SCHEMA_VERSION
    filled = {(table, row[0]): row[1] for table in ("customers", "receivables", "payments", "follow_ups")
              for row in conn.execute(f"SELECT id, credited_to FROM {table}")}
    assert filled == {
        ("customers", "c-moved"): "u-li",
        ("customers", "c-pool"): None,
        ("receivables", "r-1"): "u-li",
        ("payments", "p-before"): "u-li",
        ("payments", "p-after"): "u-wang",
        ("follow_ups", "f-before"): "u-li",
        ("follow_ups", "f-claimed"): "u-li",
    }
    assert filled == written, "the upgrade gives what the server wrote when the rows were new"


def test_upgrade_credits_other_tables_by_scope(tmp_path):
    """Tables that no report credits get their current scope owner."""
    conn = connect(tmp_path / "before-credit.db")
    upgrade(conn)
    write_as_server(conn, "2026-10-01T02:00:00.000Z", "customers", "c-1", {"name": "韩文博", "owner_id": "u-li"})
    write_as_server(conn, "2026-10-02T02:00:00.000Z", "tickets", "t-1", {"customer_id": "c-1", "kind": "投诉"})
    write_as_server(conn, "2026-10-10T02:00:00.000Z", "customers", "c-1", {"owner_id": "u-wang"})
    remove_credited_to(conn)

    upgrade(conn)
    row = conn.execute("SELECT scope_owner, credited_to FROM tickets WHERE id = 't-1'").fetchone()
    assert tuple(row) == ("u-wang", "u-wang")


def test_upgrade_credits_sale_synced_with_claim(make_device, state):
    """A receivable entered after an offline claim reaches the server with the claim, at the claim's time."""
    manager = make_device("manager")
    rep = make_device("sales")
    customer = manager.edit("customers", name="公海客户", owner_id=None, kind="潜在")
    manager.sync()
    rep.sync()
    rep.edit("pool_claims", customer_id=customer, note="上周拜访过")
    receivable = rep.edit("receivables", customer_id=customer, sale_date="2026-12-02", amount_fen=100_000)
    rep.sync()
    assert rep.rejected == {}
    conn = state.records.get()
    written = conn.execute("SELECT credited_to FROM receivables WHERE id = ?", (receivable,)).fetchone()[0]
    assert written == rep.user.id
    remove_credited_to(conn)

    upgrade(conn)

    filled = conn.execute("SELECT credited_to FROM receivables WHERE id = ?", (receivable,)).fetchone()[0]
    assert filled == rep.user.id, "the upgrade gives what the server wrote when the row was new"
