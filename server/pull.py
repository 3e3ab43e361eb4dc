"""Pull: the records and revocations a device has not received yet.

Every write gives a row a new ``seq``, strictly increasing across the
database, and a device keeps the highest ``seq`` it has received as its
cursor. A pull returns what the user may see with ``seq > cursor``, in
``seq`` order, one page at a time, so it costs the same whatever the size
of the database when nothing has changed.

SQLite writes each change's JSON text as it reads the row (``change_json``):
the stored ``clock`` and ``dots`` columns already hold compact JSON and go
in as they are, and the text comes back as UTF-8 bytes, so Python neither
decodes nor encodes the fields. ``encode_body`` builds the response body
around those bytes.
"""

import heapq
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from .schema import BOOLEAN, JSON, LOCATION, SCORES, TABLES, Table
from .store import dumps
from .visibility import POOL_TABLE, PUBLIC_TABLES, SEES_EVERYTHING

PAGE_SIZE = 1000

# Pages read at once, about one per core. SQLite builds a page without the
# interpreter lock, so this many keep the cores busy. Without a limit, 50
# devices pulling at once spent much of the time passing the lock between
# their threads, and every page finished late.
_READING = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


@dataclass(frozen=True)
class EncodedChange:
    """One change of a page as the UTF-8 JSON of the wire object ``{"table", "id", "clock", …}``."""

    table: str
    id: str
    json: bytes

    def decode(self) -> dict:
        return json.loads(self.json)


@dataclass
class Page:
    changes: list[EncodedChange]
    revoked: list[dict]
    cursor: int
    more: bool


def encode_body(body: dict) -> bytes:
    """Encode a sync response whose ``changes`` is a list of EncodedChange as UTF-8 JSON."""
    rest = dumps({key: value for key, value in body.items() if key != "changes"}).encode()
    changes = b",".join(change.json for change in body["changes"])
    separator = b"," if len(rest) > 2 else b""
    return b"".join((rest[:-1], separator, b'"changes":[', changes, b"]}"))


def pull(conn: sqlite3.Connection, role: str, user_id: str, cursor: int,
         omit: dict[tuple[str, str], int] | None = None, page_size: int = PAGE_SIZE,
         only: frozenset[str] | None = None, pulled: dict[str, int] | None = None) -> Page:
    """Return the next page for a user whose device holds everything up to ``cursor``.

    ``omit`` maps (table, id) to a seq: a row still at that seq is skipped
    (the device sent exactly that state), though the cursor moves past it.
    ``only`` limits the pull to these tables, changes and revocations alike,
    so its cursor counts for them alone. ``pulled`` maps a table to the seq up
    to which the device pulled it that way: its rows and revocations up to
    there are left out. All queries read one snapshot, so the returned
    cursor never skips a row.
    """
    omit = omit or {}
    pulled = pulled or {}
    with _READING, _snapshot(conn):
        last_seq = int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
        streams, full_streams = [], []
        for table in TABLES.values():
            if only is not None and table.name not in only:
                continue
            start = max(cursor, pulled.get(table.name, 0))
            for scope in _scopes(table, role, user_id):
                rows = _table_rows(conn, table, scope, start, page_size)
                streams.append(rows)
                if len(rows) == page_size:
                    full_streams.append(rows[-1][0])
        revocations = _revocations(conn, role, user_id, cursor, page_size, only, pulled)
        streams.append(revocations)
        if len(revocations) == page_size:
            full_streams.append(revocations[-1][0])

    # Rows above the lowest last seq of a stream that filled its page may
    # have company in that stream's unread rows, so they wait for the next page.
    horizon = min(full_streams) if full_streams else None
    # The latest entry per record, in seq order. A record revoked and then
    # shared again within one page (or the reverse) appears once, as its
    # last state, so the order in which a device applies the two lists
    # does not matter.
    latest: dict[tuple[str, str], tuple[str, EncodedChange | dict]] = {}
    taken = 0
    new_cursor = cursor
    more = horizon is not None
    for seq, kind, item in heapq.merge(*streams, key=lambda entry: entry[0]):
        if horizon is not None and seq > horizon:
            break
        if taken >= page_size:
            more = True
            break
        new_cursor = seq
        key = (item.table, item.id) if kind == "change" else (item["table"], item["id"])
        latest.pop(key, None)
        if kind == "change" and omit.get(key) == seq:
            continue  # the device sent exactly this state
        latest[key] = (kind, item)
        taken += 1
    changes = [item for kind, item in latest.values() if kind == "change"]
    revoked = [item for kind, item in latest.values() if kind == "revoked"]
    if not more:
        new_cursor = max(last_seq, cursor)
    return Page(changes, revoked, new_cursor, more)


def fetch(conn: sqlite3.Connection, role: str, user_id: str,
          records: tuple[tuple[str, str], ...]) -> list[EncodedChange]:
    """Return the stored state of each (table, id) of ``records`` that the user may see.

    A deleted record comes as its tombstone, and a record the user may not
    see, or that the server does not have, is left out.
    """
    changes = []
    for table_name, record_id in records:
        table = TABLES[table_name]
        scopes = _scopes(table, role, user_id)
        where, params = "id = ?", [record_id]
        if ALL_ROWS not in scopes:
            owners = [scope for scope in scopes if scope is not None]
            where += f" AND (scope_owner IN ({', '.join('?' * len(owners))})"
            where += " OR scope_owner IS NULL)" if None in scopes else ")"
            params.extend(owners)
        row = conn.execute(f"SELECT CAST({change_json(table)} AS BLOB) FROM {table.name} WHERE {where}",
                           params).fetchone()
        if row is not None:
            changes.append(EncodedChange(table_name, record_id, row[0]))
    return changes


@contextmanager
def _snapshot(conn: sqlite3.Connection):
    """Run the block's reads in one read transaction."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


ALL_ROWS = object()  # the scope of a table the user sees whole


def _scopes(table: Table, role: str, user_id: str) -> list:
    """Return the scope owners whose rows of ``table`` the user sees: ALL_ROWS, a user id or None (the pool).

    Each scope is read by its own query, which walks the (scope_owner, seq)
    index in order. One query with ``scope_owner = ? OR scope_owner IS NULL``
    made SQLite collect and sort every visible row for each page, so a rep's
    first pull of n customers read about n²/2000 rows.
    """
    if role in SEES_EVERYTHING or table.name in PUBLIC_TABLES:
        return [ALL_ROWS]
    if table.name == POOL_TABLE:
        return [user_id, None]
    return [user_id]


def _table_rows(conn, table: Table, scope, cursor: int, limit: int):
    """Return a stream's next rows as (seq, "change", EncodedChange), in seq order.

    The page comes back as one aggregate row, which SQLite builds in one
    call without the interpreter lock. Reading it row by row passed the lock
    between threads once per row when many devices pulled at once. JSON
    text and ids (UUIDs) contain no raw control character, so the record
    separator (char 30) splits the lists exactly.
    """
    where = "seq > ?"
    params: list = [cursor]
    if scope is None:
        where += " AND scope_owner IS NULL"
    elif scope is not ALL_ROWS:
        where += " AND scope_owner = ?"
        params.append(scope)
    params.append(limit)
    page = (f"SELECT seq, id, {change_json(table)} AS change FROM {table.name} "
            f"WHERE {where} ORDER BY seq LIMIT ?")
    seqs, ids, texts = conn.execute(
        "SELECT group_concat(seq), group_concat(id, char(30)), CAST(group_concat(change, char(30)) AS BLOB) "
        f"FROM ({page})", params).fetchone()
    if seqs is None:
        return []
    name = table.name
    rows = [(seq, "change", EncodedChange(name, record_id, text))
            for seq, record_id, text in zip(map(int, seqs.split(",")), ids.split("\x1e"), texts.split(b"\x1e"))]
    rows.sort(key=lambda row: row[0])  # an aggregate's order is not guaranteed
    return rows


@cache
def change_json(table: Table) -> str:
    """Return the SQL expression of a stored row's wire change as compact JSON text.

    A field is on the wire when it has a dot, whatever its value; a cleared
    field goes as null. Stored JSON values are checked and minified by
    ``json()``, so a damaged value fails the pull instead of sending bad JSON.
    """
    fields = " || ".join(
        f"CASE WHEN json_type(dots, '$.{f.name}') IS NOT NULL "
        f"THEN ',{dumps(f.name)}:' || {_value_json(f)} ELSE '' END"
        for f in table.fields)
    head = '{"table":' + dumps(table.name) + ',"id":'
    return (f"'{head}' || json_quote(id) || ',\"clock\":' || clock || ',\"dots\":' || dots"
            f" || ',\"fields\":{{' || substr({fields}, 2) || '}},\"deleted\":'"
            f" || CASE WHEN deleted THEN 'true' ELSE 'false' END || '}}'")


def _value_json(f) -> str:
    if f.kind == BOOLEAN:
        return f"CASE WHEN {f.name} IS NULL THEN 'null' WHEN {f.name} THEN 'true' ELSE 'false' END"
    if f.kind in (JSON, LOCATION, SCORES):
        return f"coalesce(json({f.name}), 'null')"
    return f"json_quote({f.name})"


def _revocations(conn, role: str, user_id: str, cursor: int, limit: int,
                 only: frozenset[str] | None, pulled: dict[str, int]):
    if role in SEES_EVERYTHING:
        return []
    where = ["seq > ?", "(audience = ? OR (audience IS NULL AND coalesce(except_user, '') != ?))"]
    params: list = [cursor, user_id, user_id]
    if only is not None:
        where.append(f"record_table IN ({', '.join('?' * len(only))})")
        params.extend(sorted(only))
    for table_name, seq in pulled.items():
        where.append("NOT (record_table = ? AND seq <= ?)")
        params.extend((table_name, seq))
    rows = conn.execute(
        f"SELECT seq, record_table, record_id FROM revocations WHERE {' AND '.join(where)} "
        "ORDER BY seq LIMIT ?", (*params, limit))
    return [(row[0], "revoked", {"table": row[1], "id": row[2]}) for row in rows]
