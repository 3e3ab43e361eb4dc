"""Create and upgrade the database schema in place.

``upgrade`` brings a database file of any earlier version to the current
one: it creates missing tables, adds missing columns and indexes (declared in
``server.schema`` and below), and recreates the reporting views and
full-text search triggers (``server.views``, ``server.search``). Then it
runs the numbered data migrations the file has not had yet, each in its own
transaction. ``PRAGMA user_version``
records the version reached, so running it again does nothing.
"""

import json
import secrets
import sqlite3
from typing import Callable

from .db import transaction
from .schema import ADDED_SYNC_COLUMNS, DERIVED_COLUMNS, RECEIVABLES_BY_ID, SYNC_COLUMNS, TABLES, Table
from .search import drop_search_triggers, ensure_search_indexes
from .views import create_views, drop_views

SERVER_TABLES = {
    "meta": """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)""",
    "devices": """CREATE TABLE devices (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
        resending_after_reset INTEGER NOT NULL DEFAULT 0)""",
    # A revocation tells devices of ``audience`` (a user id, or NULL for every
    # sales rep but ``except_user``) to drop a record they may no longer see.
    "revocations": """CREATE TABLE revocations (
        seq INTEGER PRIMARY KEY, audience TEXT, except_user TEXT,
        record_table TEXT NOT NULL, record_id TEXT NOT NULL, created_at TEXT NOT NULL)""",
    "sync_log": """CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, user_id TEXT, device TEXT,
        received INTEGER, merged INTEGER, unchanged INTEGER, rejected INTEGER,
        reset INTEGER)""",
    # One row per reminder and target ("push:<subscription id>" or "chat"):
    # what was sent, so a pass or a restart never sends it again, and what
    # failed, with when to try again.
    "notifications": """CREATE TABLE notifications (
        id INTEGER PRIMARY KEY, item_key TEXT NOT NULL, target TEXT NOT NULL,
        user_id TEXT NOT NULL, kind TEXT NOT NULL, record_table TEXT NOT NULL, record_id TEXT NOT NULL,
        title TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        next_attempt_at TEXT, first_attempt_at TEXT NOT NULL, last_attempt_at TEXT NOT NULL,
        sent_at TEXT, UNIQUE (item_key, target))""",
}

SERVER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS revocations_audience ON revocations (audience, seq)",
    "CREATE INDEX IF NOT EXISTS devices_user ON devices (user_id)",
    # Finds whether a rejected change's record was taken from its sender (sync_service).
    "CREATE INDEX IF NOT EXISTS revocations_record ON revocations (record_id)",
)

# Canned queries leave out the children of deleted customers by testing ids
# against this short list instead of joining each row to its customer.
REPORT_INDEXES = (
    "CREATE INDEX IF NOT EXISTS customers_deleted_id ON customers (id) WHERE deleted = 1",
    "CREATE INDEX IF NOT EXISTS receivables_deleted_id ON receivables (id) WHERE deleted = 1",
    # Follow-ups without a creator (imports, the demo) by owner and time: 业务员月度业绩
    # credits them to their customer's owner when they were first written.
    "CREATE INDEX IF NOT EXISTS follow_ups_imported_credited_to "
    "ON follow_ups (credited_to, happened_at, deleted, customer_id, created_by) WHERE created_by IS NULL",
)

# Indexes that canned queries name with INDEXED BY: a query fails on a file
# without them. Schema version 7 is the first to have all of them.
NAMED_INDEXES = ("customers_seq", "follow_ups_happened_at_deleted_customer_id_scope_owner_created_by",
                 "follow_ups_imported_credited_to", RECEIVABLES_BY_ID)

# Indexes that a longer index now serves, dropped from existing databases.
REPLACED_INDEXES = (
    "customers_next_follow_up",  # by customers (next_follow_up, code)
    "customers_owner_id",  # by customers (owner_id, created_at, deleted)
    "receivables_due_date",  # by receivables (due_date, deleted, amount_fen, id, customer_id, sale_date, ...)
    "receivables_due_date_deleted_amount_fen_id_customer_id_sale_date",  # by the same with scope_owner, dealer_id
    "follow_ups_happened_at",  # by follow_ups (happened_at, deleted, customer_id, scope_owner, created_by)
    "follow_ups_happened_at_deleted_customer_id",  # by the same
    "payments_paid_on",  # by payments (paid_on, deleted, receivable_id, scope_owner, amount_fen)
    # by the same with paid_fen, last_paid_on
    "receivables_id_deleted_due_date_sale_date_amount_fen_customer_id_scope_owner_dealer_id",
    # by the same with credited_to
    "receivables_id_deleted_due_date_sale_date_amount_fen_customer_id_scope_owner_dealer_id_paid_fen_last_paid_on",
    # Led by scope_owner, which the reports no longer credit by. The same
    # columns led by credited_to replace them.
    "follow_ups_imported_scope_owner",
    "payments_scope_owner_paid_on_deleted_receivable_id_amount_fen",
)


def _paid_totals(receivable: str) -> str:
    """Return SQL for (paid_fen, last_paid_on) of the receivable whose id is the SQL ``receivable``."""
    return (f"(SELECT coalesce(sum(p.amount_fen), 0), max(p.paid_on) FROM payments p "
            f"WHERE p.receivable_id = {receivable} AND p.deleted = 0)")


def _set_paid_totals(receivable: str, condition: str = "") -> str:
    return (f" UPDATE receivables SET (paid_fen, last_paid_on) = {_paid_totals(receivable)} "
            f"WHERE id = {receivable}{condition};")


# Keep each receivable's paid totals (schema.DERIVED_COLUMNS) as its payments
# change. A payment may arrive before its receivable, so a new receivable
# sums the payments already stored for it.
PAID_TOTAL_TRIGGERS = {
    "payments_paid_totals_insert": f"AFTER INSERT ON payments BEGIN{_set_paid_totals('new.receivable_id')} END",
    "payments_paid_totals_update": (
        "AFTER UPDATE OF receivable_id, paid_on, amount_fen, deleted ON payments BEGIN"
        + _set_paid_totals("new.receivable_id")
        + _set_paid_totals("old.receivable_id", " AND old.receivable_id IS NOT new.receivable_id") + " END"),
    "payments_paid_totals_delete": f"AFTER DELETE ON payments BEGIN{_set_paid_totals('old.receivable_id')} END",
    "receivables_paid_totals_insert": (
        "AFTER INSERT ON receivables WHEN EXISTS (SELECT 1 FROM payments WHERE receivable_id = new.id) "
        f"BEGIN{_set_paid_totals('new.id')} END"),
}

UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS customers_code ON customers (code) WHERE code IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS tickets_number ON tickets (number) WHERE number IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS settings_key ON settings (key) WHERE deleted = 0",
    "CREATE UNIQUE INDEX IF NOT EXISTS users_username ON users (username)",
)


def _seed_meta(conn: sqlite3.Connection) -> None:
    defaults = {
        "epoch": "e-" + secrets.token_hex(8),
        "earlier_epochs": "[]",
        "last_seq": "0",
        "last_customer_code": "0",
        "last_ticket_number": "0",
    }
    conn.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", defaults.items())


# Numbered data migrations: (version, function). Append only; never renumber.
def _add_full_pull_flag(conn: sqlite3.Connection) -> None:
    # A device whose user became a manager must pull everything again.
    present = {row[1] for row in conn.execute("PRAGMA table_info(devices)")}
    if "full_pull_needed" not in present:
        conn.execute("ALTER TABLE devices ADD COLUMN full_pull_needed INTEGER NOT NULL DEFAULT 0")


def _fill_creation_columns(conn: sqlite3.Connection) -> None:
    # Rows stored before created_at and created_by existed: their earliest
    # dot, in the order of sync.clock.dot_key, is taken as their first write.
    for table in TABLES.values():
        conn.execute(f"""
            UPDATE {table.name} SET (created_at, created_by) = (
                SELECT json_extract(d.value, '$[2]'),
                       (SELECT user_id FROM devices WHERE id = json_extract(d.value, '$[0]'))
                FROM json_each({table.name}.dots) d
                ORDER BY json_extract(d.value, '$[2]'), json_extract(d.value, '$[0]'),
                         json_extract(d.value, '$[1]')
                LIMIT 1)
            WHERE created_at IS NULL""")


# SQL for a row's customer id, for each table whose rows the performance
# reports credit.
CREDITED_CUSTOMER = {
    "customers": "customers.id",
    "follow_ups": "follow_ups.customer_id",
    "receivables": "receivables.customer_id",
    "payments": "(SELECT r.customer_id FROM receivables r WHERE r.id = payments.receivable_id)",
}


def _fill_credited_to(conn: sqlite3.Connection) -> None:
    # Rows stored before credited_to existed get their customer's owner at
    # their created_at. 修改历史 records each change of a customer's owner
    # (a device's edit, a hand-over, a claim, a return to the pool, an
    # import) with the old value and the time of the write. So that owner is
    # the old value of the first change after created_at, or the current
    # owner when no change came later. Rows of the other tables, which no
    # report credits, take their current scope_owner.
    #
    # A change out of the pool is skipped for the rows its new owner wrote. A
    # rep cannot write under a pool customer, so such a row came with the
    # claim or after it, even when its device's time is before the claim's.
    # NOTE: a device's edit is timed by the device's clock, so a row created
    # within that clock's error of another owner change may be credited to
    # the owner on the other side of it.
    conn.execute("""
        CREATE TEMP TABLE owner_changes AS
        SELECT record_id AS customer_id, changed_at, json_extract(old_value, '$') AS old_owner,
               json_extract(new_value, '$') AS new_owner
        FROM history
        -- The server writes every value as JSON text, but json_extract raises on
        -- any other text, which would stop the upgrade, so such a row is skipped.
        WHERE record_table = 'customers' AND field = 'owner_id' AND (old_value IS NULL OR json_valid(old_value))
          AND (new_value IS NULL OR json_valid(new_value))""")
    conn.execute("CREATE INDEX temp.owner_changes_customer ON owner_changes (customer_id, changed_at)")

    for table in TABLES:
        customer = CREDITED_CUSTOMER.get(table)
        if customer is None:
            conn.execute(f"UPDATE {table} SET credited_to = scope_owner WHERE credited_to IS NULL")
            continue
        # With one min() in the query, SQLite reads the bare column old_owner
        # from the row that has the minimum.
        conn.execute(f"""
            UPDATE {table} SET credited_to = (
                SELECT CASE WHEN min(o.changed_at) IS NULL THEN {table}.scope_owner ELSE o.old_owner END
                FROM owner_changes o
                WHERE o.customer_id = {customer} AND o.changed_at > {table}.created_at
                  AND NOT (o.old_owner IS NULL AND o.new_owner IS {table}.created_by))
            WHERE credited_to IS NULL""")

    conn.execute("DROP TABLE temp.owner_changes")


def _credit_stored_rows(conn: sqlite3.Connection) -> None:
    _fill_credited_to(conn)
    _check_named_indexes(conn)


def _fill_paid_totals(conn: sqlite3.Connection) -> None:
    # _ensure_tables has just added the receivables' paid totals, and the
    # triggers keep them from now on. This fills them for stored payments.
    conn.execute(f"UPDATE receivables SET (paid_fen, last_paid_on) = {_paid_totals('receivables.id')}")
    _check_named_indexes(conn)


def _check_named_indexes(conn: sqlite3.Connection) -> None:
    # _ensure_tables has just made the report indexes. This version marks a
    # file that has them, because a canned query names one with INDEXED BY
    # and a read-only folder is served only at the current version.
    for name in NAMED_INDEXES:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone() is None:
            raise RuntimeError(f"the index {name} is missing after the upgrade made the indexes; "
                               "this version is not recorded, so the next start tries again")


MIGRATIONS: list[tuple[int, Callable[[sqlite3.Connection], None]]] = [
    (1, _seed_meta),
    (2, _add_full_pull_flag),
    (3, _fill_creation_columns),
    (4, _check_named_indexes),
    (5, _check_named_indexes),  # run again: RECEIVABLES_BY_ID joined NAMED_INDEXES
    (6, _fill_paid_totals),  # RECEIVABLES_BY_ID now contains the paid totals, under a new name
    (7, _credit_stored_rows),  # fills credited_to, which RECEIVABLES_BY_ID now contains under a new name
]
SCHEMA_VERSION = max(version for version, _ in MIGRATIONS)


def upgrade(conn: sqlite3.Connection) -> int:
    """Upgrade the database on ``conn`` to the current schema; return its version.

    Raises RuntimeError when the file comes from a newer Genzong, whose
    schema this version cannot know.
    """
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this Genzong's "
            f"{SCHEMA_VERSION}; upgrade Genzong before opening it")
    with transaction(conn):
        # Views and search triggers name columns and SQL functions, so they
        # are dropped while tables change and made again from this version.
        drop_views(conn)
        drop_search_triggers(conn)
        for name in PAID_TOTAL_TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        _ensure_tables(conn)
        for name, body in PAID_TOTAL_TRIGGERS.items():
            conn.execute(f"CREATE TRIGGER {name} {body}")
        ensure_search_indexes(conn)
        create_views(conn)
    for version, migrate in MIGRATIONS:
        if version > current:
            with transaction(conn):
                migrate(conn)
                conn.execute(f"PRAGMA user_version = {version}")
    return SCHEMA_VERSION


def _ensure_tables(conn: sqlite3.Connection) -> None:
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in TABLES.values():
        if table.name not in existing:
            conn.execute(_create_synced_table(table))
        else:
            _add_missing_columns(conn, table)
        _create_synced_indexes(conn, table)
    for name in REPLACED_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    for name, ddl in SERVER_TABLES.items():
        if name not in existing:
            conn.execute(ddl)
    for ddl in SERVER_INDEXES + REPORT_INDEXES + UNIQUE_INDEXES:
        conn.execute(ddl)


def _create_synced_table(table: Table) -> str:
    columns = ["id TEXT PRIMARY KEY"]
    columns += [f"{f.name} {f.column_type}" for f in table.fields]
    columns += [
        "deleted INTEGER NOT NULL DEFAULT 0",
        "clock TEXT NOT NULL DEFAULT '{}'",
        "dots TEXT NOT NULL DEFAULT '{}'",
        "seq INTEGER NOT NULL",
        "updated_at TEXT NOT NULL",
        "scope_owner TEXT",
        "created_at TEXT",
        "created_by TEXT",
        "credited_to TEXT",
    ]
    columns += [f"{name} {kind}" for name, kind in DERIVED_COLUMNS.get(table.name, ())]
    return f"CREATE TABLE {table.name} ({', '.join(columns)})"


def _add_missing_columns(conn: sqlite3.Connection, table: Table) -> None:
    present = {row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")}
    for f in table.fields:
        if f.name not in present:
            conn.execute(f"ALTER TABLE {table.name} ADD COLUMN {f.name} {f.column_type}")
    for name in ADDED_SYNC_COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE {table.name} ADD COLUMN {name} TEXT")
            present.add(name)
    for name, kind in DERIVED_COLUMNS.get(table.name, ()):
        if name not in present:
            conn.execute(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}")
    missing_sync = [c for c in SYNC_COLUMNS if c not in present]
    if missing_sync:
        raise RuntimeError(f"table {table.name} lacks sync columns {missing_sync}; it was not made by Genzong")


def _create_synced_indexes(conn: sqlite3.Connection, table: Table) -> None:
    name = table.name
    conn.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {name}_seq ON {name} (seq)")
    conn.execute(f"CREATE INDEX IF NOT EXISTS {name}_scope_seq ON {name} (scope_owner, seq)")
    for columns in table.indexes:
        index = f"{name}_{'_'.join(columns)}"
        conn.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {name} ({', '.join(columns)})")


def read_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def write_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def earlier_epochs(conn: sqlite3.Connection) -> list[str]:
    return json.loads(read_meta(conn, "earlier_epochs") or "[]")
