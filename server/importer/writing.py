"""Store an import plan in one short write transaction, as server writes.

Every record is written by device ``server``, so every device receives it
at its next sync, and new customers and tickets get their codes and numbers
from the same counters a sync uses.

Updates of stored records go through ``records.Batch``, which merges them
onto the stored version and records their history. New records, which are
most of a large import, are built and encoded before the transaction
(version, dots, scope, column values), so the transaction only gives them
sequence numbers and codes and inserts them. The transaction first checks
that no record the plan relied on changed since the plan's snapshot; if one
did, it stores nothing and raises ``StalePlan`` so the caller plans again.
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
SYNC_TAIL = ("deleted", "clock", "dots", "seq", "updated_at", "scope_owner")


class StalePlan(Exception):
    """A record the plan relied on changed after the snapshot; plan again."""


@dataclass
class PreparedTable:
    """New rows of one table, encoded for INSERT except their seq (and number)."""

    name: str
    sql: str
    rows: list[list]  # column values in INSERT order
    seq_index: int
    number_index: int | None  # the code/number column, filled in the transaction


def prepare_new_records(plan: Plan, now: str) -> list[PreparedTable]:
    """Build the versions and column values of the plan's new records, parents first.

    A new record's version is what ``sync.write`` makes from no base: clock
    ``{"server": counter}`` and that one dot on every field. It is built
    here directly, because a large import creates a hundred thousand
    records. Each record's scope comes from its parent: a record this plan
    creates, or a stored record whose final scope the plan recorded in
    ``plan.existing_scopes``.
    """
    counter = server_counter(None)
    clock = {SERVER_DEVICE: counter}
    clock_json = dumps(clock)
    dot_json = dumps([SERVER_DEVICE, counter, now])
    scopes: dict[tuple[str, str], str | None] = dict(plan.existing_scopes)

    def scope_of(table_name: str, record_id: str) -> str | None:
        return scopes.get((table_name, record_id))

    prepared: dict[str, PreparedTable] = {}
    for item in sorted((w for w in plan.writes if w.new), key=lambda w: TABLES[w.table].rank):
        table = TABLES[item.table]
        fields = item.fields
        if item.table in NUMBERED:
            # "" stands in for the code or number given out in the transaction.
            fields = {**fields, NUMBERED[item.table][0]: ""}
        scope = scope_for(item.table, Version(clock, {}, fields), scope_of)
        scopes[(item.table, item.id)] = scope
        target = prepared.get(item.table) or prepared.setdefault(item.table, _prepared_table(table.name))
        dots_json = "{" + ",".join(f'"{name}":{dot_json}' for name in fields) + "}"
        target.rows.append([
            item.id,
            *[encode_value(spec.kind, fields.get(spec.name)) for spec in table.fields],
            0, clock_json, dots_json, None, now, scope,
        ])
    return sorted(prepared.values(), key=lambda p: TABLES[p.name].rank)


def _prepared_table(table_name: str) -> PreparedTable:
    table = TABLES[table_name]
    columns = ["id", *[f.name for f in table.fields], *SYNC_TAIL]
    sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    number_index = columns.index(NUMBERED[table_name][0]) if table_name in NUMBERED else None
    return PreparedTable(table_name, sql, [], columns.index("seq"), number_index)


@dataclass
class WriteResult:
    counts: dict[str, int]  # records written per table
    transaction_seconds: float  # how long the write lock was held


def write_plan(conn: sqlite3.Connection, plan: Plan, snapshot_seq: int, user_id: str | None,
               write_lock=None) -> WriteResult:
    """Store ``plan`` in one transaction.

    ``write_lock`` (the server's) is held around the transaction so sync
    requests queue behind it in order. Raises StalePlan, having stored
    nothing, when the plan is out of date.
    """
    now = now_stamp()
    prepared = prepare_new_records(plan, now)
    updates = sorted((w for w in plan.writes if not w.new), key=lambda w: TABLES[w.table].rank)
    with write_lock or nullcontext():
        started = time.perf_counter()
        with transaction(conn):
            _write_in_transaction(conn, plan, snapshot_seq, user_id, now, prepared, updates)
        held = time.perf_counter() - started
    counts = {p.name: len(p.rows) for p in prepared}
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
    total = sum(len(p.rows) for p in prepared)
    next_seq = allocate_seqs(conn, total) if total else 0
    numbers = NumberCounter(conn)
    for table in prepared:
        for row in table.rows:
            row[table.seq_index] = next_seq
            next_seq += 1
            if table.number_index is not None:
                row[table.number_index] = numbers.next(table.name)
        conn.executemany(table.sql, table.rows)
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
