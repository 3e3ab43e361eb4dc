"""Store an import plan in one short write transaction, as server writes.

Every record is written by device ``server``, so every device receives it
at its next sync, and new customers and tickets get their codes and numbers
from the same counters a sync uses.

Updates of stored records go through ``records.Batch``, which merges them
onto the stored version and records their history. New records, which are
most of a large import, are built and encoded before the transaction
(version, dots, scope, column values) and staged in TEMP tables of the
same connection, which take no lock on the database. The transaction then
copies them with one ``INSERT … SELECT`` per table and gives out sequence
numbers and codes in SQL. Binding the rows from Python inside the
transaction held the write lock several times longer (see BENCHMARKS.md),
and syncs queue behind that lock.

The transaction first checks that no record the plan relied on changed
since the plan's snapshot; if one did, it stores nothing and raises
``StalePlan`` so the caller plans again.
"""

import sqlite3
import time
from contextlib import nullcontext
from dataclasses import dataclass

from ...sync import Version
from ..db import transaction
from ..numbers import NUMBERED, NumberCounter
from ..records import SERVER_DEVICE, Batch, server_counter
from ..schema import TABLES
from ..store import allocate_seqs, dumps, encode_value
from ..timeutil import now_stamp
from ..visibility import scope_for
from .plan import Plan
from .snapshot import CustomerEntry, name_key
from .values import parse_phones

CHANGE_CHECK_TABLES = ("customers", "receivables", "payments", "tickets", "follow_ups")
# Column order of every synced table's INSERT: id, the fields, then the sync columns.
SYNC_TAIL = ("deleted", "clock", "dots", "seq", "updated_at", "scope_owner", "created_at", "created_by",
             "credited_to")
STAGING_PREFIX = "genzong_import_"


class StalePlan(Exception):
    """A record the plan relied on changed after the snapshot, so the import must plan again."""


@dataclass
class PreparedTable:
    """New rows of one table in INSERT column order, whose seq and number are filled in SQL."""

    name: str
    columns: list[str]
    rows: list[list]  # emptied once staged
    count: int = 0

    @property
    def staging(self) -> str:
        return f"temp.{STAGING_PREFIX}{self.name}"


@dataclass
class WriteResult:
    counts: dict[str, int]  # records written per table
    transaction_seconds: float  # how long the write lock was held


def prepare_new_records(conn: sqlite3.Connection, plan: Plan, now: str) -> list[PreparedTable]:
    """Build the column values of the plan's new records and stage them, table by table, parents first.

    A new record's version is what ``sync.write`` makes from no base: clock
    ``{"server": counter}`` and that one dot on every field. It is built
    here directly, because a large import creates a hundred thousand
    records. Each record's scope comes from its parent: a record this plan
    creates, or a stored record whose final scope the plan recorded in
    ``plan.existing_scopes``. Each table's rows go to a TEMP table of
    ``conn`` (rowid = position) as soon as they are built, so only one
    table's rows are held in Python at a time.
    """
    counter = server_counter(None)
    clock = {SERVER_DEVICE: counter}
    clock_json = dumps(clock)
    dot_json = dumps([SERVER_DEVICE, counter, now])
    scopes: dict[tuple[str, str], str | None] = dict(plan.existing_scopes)

    def scope_of(table_name: str, record_id: str) -> str | None:
        return scopes.get((table_name, record_id))

    by_table: dict[str, list] = {}
    for item in plan.writes:
        if item.new:
            by_table.setdefault(item.table, []).append(item)
    prepared = []
    for table_name in sorted(by_table, key=lambda name: TABLES[name].rank):
        table = TABLES[table_name]
        target = PreparedTable(table_name, ["id", *[f.name for f in table.fields], *SYNC_TAIL], [])
        for item in by_table[table_name]:
            fields = item.fields
            if table_name in NUMBERED:
                # None is a placeholder for the code or number given out in the transaction.
                fields = {**fields, NUMBERED[table_name][0]: None}
            scope = scope_for(table_name, Version(clock, {}, fields), scope_of)
            scopes[(table_name, item.id)] = scope
            dots_json = "{" + ",".join(f'"{name}":{dot_json}' for name in fields) + "}"
            target.rows.append([
                item.id,
                *[encode_value(spec.kind, fields.get(spec.name)) for spec in table.fields],
                # Every dot is the server's at ``now``, and device server is no user's. A new
                # record is credited to the scope owner it is created with (see server.schema).
                0, clock_json, dots_json, None, now, scope, now, None, scope,
            ])
        _stage(conn, target)
        prepared.append(target)
    return prepared


def _stage(conn: sqlite3.Connection, table: PreparedTable) -> None:
    """Copy a table's prepared rows into its TEMP table, then let the Python rows go."""
    conn.execute(f"DROP TABLE IF EXISTS {table.staging}")
    conn.execute(f"CREATE TABLE {table.staging} AS SELECT {', '.join(table.columns)} FROM main.{table.name} WHERE 0")
    marks = ", ".join("?" * len(table.columns))
    conn.executemany(f"INSERT INTO {table.staging} ({', '.join(table.columns)}) VALUES ({marks})", table.rows)
    table.count = len(table.rows)
    table.rows = []


def drop_staging(conn: sqlite3.Connection) -> None:
    """Drop every staging table of ``conn``, including those of an import that failed half way."""
    for table_name in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{STAGING_PREFIX}{table_name}")


def write_plan(conn: sqlite3.Connection, plan: Plan, snapshot_seq: int, user_id: str | None,
               write_lock=None) -> WriteResult:
    """Store ``plan`` in one transaction.

    ``write_lock`` (the server's) is held around the transaction so sync
    requests queue behind it in order. Raises StalePlan, having stored
    nothing, when the plan is out of date.
    """
    now = now_stamp()
    updates = sorted((w for w in plan.writes if not w.new), key=lambda w: TABLES[w.table].rank)
    try:
        prepared = prepare_new_records(conn, plan, now)
        with write_lock or nullcontext():
            started = time.perf_counter()
            with transaction(conn):
                _write_in_transaction(conn, plan, snapshot_seq, user_id, now, prepared, updates)
            held = time.perf_counter() - started
    finally:
        drop_staging(conn)
    counts = {p.name: p.count for p in prepared}
    for item in updates:
        counts[item.table] = counts.get(item.table, 0) + 1
    return WriteResult(counts, held)


def _write_in_transaction(conn, plan: Plan, snapshot_seq: int, user_id, now: str,
                          prepared: list[PreparedTable], updates) -> None:
    """Check the plan is current, store the updates through a Batch, then insert the new records."""
    if _plan_is_stale(conn, plan, snapshot_seq):
        raise StalePlan()
    # Updates first: when one moves a customer to a new owner, the
    # customer's new seq comes before the seqs of the new records under it.
    if updates:
        batch = Batch(conn, now, user_id, SERVER_DEVICE)
        for table_name in {w.table for w in updates}:
            batch.preload(table_name, [w.id for w in updates if w.table == table_name])
        for item in updates:
            batch.server_write(item.table, item.id, item.fields)
        batch.flush()
    total = sum(p.count for p in prepared)
    if not total:
        return
    next_seq = allocate_seqs(conn, total)
    numbers = NumberCounter(conn)
    for table in prepared:
        count = table.count
        select = list(table.columns)
        params: list = []
        select[table.columns.index("seq")] = "? + rowid - 1"
        params.append(next_seq)
        if table.name in NUMBERED:
            number_field, prefix, _ = NUMBERED[table.name]
            first = numbers.next(table.name)
            for _ in range(count - 1):
                numbers.next(table.name)
            # Formatted as NumberCounter formats them: the prefix, then at least six digits.
            select[table.columns.index(number_field)] = "printf('%s%06d', ?, ? + rowid - 1)"
            params[:0] = [prefix, int(first[len(prefix):])]
        conn.execute(f"INSERT INTO main.{table.name} ({', '.join(table.columns)}) "
                     f"SELECT {', '.join(select)} FROM {table.staging} ORDER BY rowid", params)
        next_seq += count
    numbers.save()


def _plan_is_stale(conn: sqlite3.Connection, plan: Plan, snapshot_seq: int) -> bool:
    """Return whether a record changed since the snapshot touches what the plan decided."""
    for table_name in CHANGE_CHECK_TABLES:
        columns = "id, code, legacy_code, name, company, phone" if table_name == "customers" else "id"
        for row in conn.execute(f"SELECT {columns} FROM {table_name} WHERE seq > ?", (snapshot_seq,)):
            if (table_name, row[0]) in plan.watched_ids:
                return True
            if table_name == "customers" and _customer_touches(row, plan.watched_keys):
                return True
    return False


def _customer_touches(row, keys: set[str]) -> bool:
    entry = CustomerEntry(row[0], {"code": row[1], "legacy_code": row[2], "name": row[3], "company": row[4]},
                          parse_phones(row[5]).keys)
    candidates = {name_key(entry.fields["code"]), name_key(entry.fields["legacy_code"]),
                  name_key(entry.fields["name"]), *entry.phone_keys}
    candidates.discard("")
    return bool(candidates.intersection(keys))
