"""Read and write synced records as sync ``Version`` objects.

Field values are columns, so Datasette and SQL see ordinary tables; the
clock and dots are JSON text beside them. Reads and writes are batched per
table (one ``IN`` query, one ``executemany``), never one query per record.
"""

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from ..sync import DELETED, Version, dot_key
from .schema import BOOLEAN, JSON, LOCATION, SCORES, Table

ID_BATCH = 500  # ids per IN (...) query, below SQLite's bound-parameter limit
UPSERT_STAGING_PREFIX = "genzong_upsert_"


@dataclass
class StoredRecord:
    """A record as the server stores it."""

    version: Version
    seq: int
    scope_owner: str | None


# Shared encoders: json.dumps with options builds a new encoder on every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def encode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in (JSON, LOCATION, SCORES):
        return _ENCODE_SORTED(value)
    if kind == BOOLEAN:
        return int(value)
    return value


def decode_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in (JSON, LOCATION, SCORES):
        return json.loads(value)
    if kind == BOOLEAN:
        return bool(value)
    return value


@lru_cache(maxsize=65536)
def _dot_text(dot: tuple) -> str:
    return _ENCODE(list(dot))


def dots_text(dots: dict) -> str:
    """Encode a dots map as JSON text; a write's dot repeats across its fields, so each is encoded once."""
    return "{" + ",".join(f'"{name}":{_dot_text(dot)}' for name, dot in dots.items()) + "}"


def dumps(value: Any) -> str:
    """Encode ``value`` as compact JSON text, keeping Chinese characters as they are."""
    return _ENCODE(value)


def row_to_version(table: Table, row: sqlite3.Row) -> Version:
    """Build a Version from a stored row: only fields that have a dot are present.

    Fields set by the same write share one dot tuple, which keeps the
    thousands of records a sync request loads small.
    """
    distinct: dict[tuple, tuple] = {}
    dots = {}
    for name, dot in json.loads(row["dots"]).items():
        key = tuple(dot)
        dots[name] = distinct.setdefault(key, key)
    fields = {}
    for name in dots:
        if name == DELETED:
            fields[name] = bool(row["deleted"])
        else:
            fields[name] = decode_value(table.field_map[name].kind, row[name])
    return Version(json.loads(row["clock"]), dots, fields)


def select_columns(table: Table) -> str:
    names = ["id"] + [f.name for f in table.fields] + ["deleted", "clock", "dots", "seq", "scope_owner"]
    return ", ".join(names)


def load_records(conn: sqlite3.Connection, table: Table, ids: Iterable[str]) -> dict[str, StoredRecord]:
    """Return the stored records of ``table`` among ``ids``, keyed by id."""
    ids = list(ids)
    found: dict[str, StoredRecord] = {}
    columns = select_columns(table)
    for start in range(0, len(ids), ID_BATCH):
        chunk = ids[start:start + ID_BATCH]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT {columns} FROM {table.name} WHERE id IN ({marks})", chunk):
            found[row["id"]] = StoredRecord(row_to_version(table, row), row["seq"], row["scope_owner"])
    return found


def upsert_records(conn: sqlite3.Connection, table: Table,
                   rows: list[tuple[str, Version, int, str, str | None]]) -> None:
    """Insert or update records given as (id, version, seq, updated_at, scope_owner).

    The rows are bound into a TEMP table of ``conn`` and then copied with one
    ``INSERT … SELECT``. SQLite opens a statement savepoint for each
    statement that fires triggers, and FTS5 writes its pending terms to disk
    at every savepoint (``fts5SavepointMethod`` in SQLite's fts5_main.c), so
    one statement per row (``executemany``) wrote a search-index segment per
    row and took several times longer. Run inside
    the caller's transaction: a rollback also empties the TEMP table. An
    upsert keeps each row's rowid, which full-text indexes rely on.

    A new row also gets ``created_at`` and ``created_by``: the stamp of its
    earliest write and the user of the device that made it (NULL for a
    device that is no user's, such as an import), and ``credited_to``: the
    scope owner it is stored with now. Updates leave all three as they are,
    so they keep saying who created the record, when, and for which rep.
    """
    if not rows:
        return
    names = [f.name for f in table.fields]
    columns = ["id", *names, "deleted", "clock", "dots", "seq", "updated_at", "scope_owner"]
    listed = ", ".join(columns)
    staging = f"temp.{UPSERT_STAGING_PREFIX}{table.name}"
    # Columns without a type store what is bound unchanged, so the copy
    # applies the table's own column affinities exactly as a direct insert.
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {UPSERT_STAGING_PREFIX}{table.name} "
                 f"({listed}, created_at, created_device)")
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    # Text and integer values are stored as they are; only these need encoding.
    encoded = [(index, f.kind) for index, f in enumerate(table.fields) if f.kind in (JSON, LOCATION, SCORES, BOOLEAN)]

    def params():
        # A generator: each row's parameters are built as SQLite consumes them, not all at once.
        for record_id, version, seq, updated_at, scope_owner in rows:
            get = version.fields.get
            values = [get(name) for name in names]
            for index, kind in encoded:
                values[index] = encode_value(kind, values[index])
            first = min(version.dots.values(), key=dot_key, default=(None, None, None))
            yield (record_id, *values, int(bool(get(DELETED, False))),
                   dumps(version.clock), dots_text(version.dots), seq, updated_at, scope_owner,
                   first[2], first[0])

    conn.executemany(f"INSERT INTO {staging} ({listed}, created_at, created_device) "
                     f"VALUES ({', '.join('?' * (len(columns) + 2))})", params())
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON clause.
    conn.execute(f"INSERT INTO main.{table.name} ({listed}, created_at, created_by, credited_to) "
                 f"SELECT {listed}, created_at, (SELECT user_id FROM main.devices WHERE id = created_device), "
                 f"scope_owner FROM {staging} WHERE true ORDER BY rowid ON CONFLICT(id) DO UPDATE SET {updates}")
    conn.execute(f"DELETE FROM {staging}")


def credit_to_scope_owner(conn: sqlite3.Connection, table: Table, ids: list[str]) -> None:
    """Set ``credited_to`` to the stored ``scope_owner`` of the rows of ``table`` among ``ids``.

    Used for rows moved to another parent record. Such a move corrects where
    a row belongs, so it moves the row's credit, which a change of owner
    does not.
    """
    for start in range(0, len(ids), ID_BATCH):
        chunk = ids[start:start + ID_BATCH]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"UPDATE {table.name} SET credited_to = scope_owner "
                     f"WHERE id IN ({marks}) AND credited_to IS NOT scope_owner", chunk)


def version_to_wire(table_name: str, record_id: str, version: Version) -> dict:
    """Return the change a device receives for a record."""
    fields = {name: value for name, value in version.fields.items() if name != DELETED}
    return {
        "table": table_name,
        "id": record_id,
        "clock": version.clock,
        "dots": {name: list(dot) for name, dot in version.dots.items()},
        "fields": fields,
        "deleted": version.deleted,
    }


def allocate_seqs(conn: sqlite3.Connection, count: int) -> int:
    """Reserve ``count`` change sequence numbers and return the first.

    Call inside the write transaction: the numbers then rise in commit
    order, which is what makes ``seq > cursor`` a complete pull.
    """
    last = int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
    conn.execute("UPDATE meta SET value = ? WHERE key = 'last_seq'", (str(last + count),))
    return last + 1


def current_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
