"""Pull: the records and revocations a device has not received yet.

Every write gives a row a new ``seq``, strictly increasing across the
database, and a device keeps the highest ``seq`` it has received as its
cursor. A pull returns what the user may see with ``seq > cursor``, in
``seq`` order, one page at a time, so it costs the same whatever the size
of the database when nothing has changed.

A page's changes are encoded as JSON text as they are read: the stored
``clock`` and ``dots`` columns already hold compact JSON, so they go into
the response as they are instead of being decoded and encoded again.
``encode_body`` builds the response body around them.
"""

import heapq
import json
import sqlite3
from dataclasses import dataclass

from .schema import BOOLEAN, JSON, LOCATION, SCORES, TABLES, Table
from .store import dumps
from .visibility import POOL_TABLE, PUBLIC_TABLES, SEES_EVERYTHING

PAGE_SIZE = 1000


@dataclass(frozen=True)
class EncodedChange:
    """One change of a page as the JSON text of the wire object ``{"table", "id", "clock", …}``."""

    table: str
    id: str
    json: str

    def decode(self) -> dict:
        return json.loads(self.json)


@dataclass
class Page:
    changes: list[EncodedChange]
    revoked: list[dict]
    cursor: int
    more: bool


def encode_body(body: dict) -> str:
    """Encode a sync response whose ``changes`` is a list of EncodedChange as JSON text."""
    rest = dumps({key: value for key, value in body.items() if key != "changes"})
    changes = ",".join(change.json for change in body["changes"])
    separator = "," if len(rest) > 2 else ""
    return f'{rest[:-1]}{separator}"changes":[{changes}]}}'


def pull(conn: sqlite3.Connection, role: str, user_id: str, cursor: int,
         omit: dict[tuple[str, str], int] | None = None, page_size: int = PAGE_SIZE) -> Page:
    """Return the next page for a user whose device holds everything up to ``cursor``.

    ``omit`` maps (table, id) to a seq: a row still at that seq is skipped
    (the device sent exactly that state), though the cursor moves past it.
    All queries read one snapshot, so the returned cursor never skips a row.
    """
    omit = omit or {}
    conn.execute("BEGIN")
    try:
        last_seq = int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
        streams, full_streams = [], []
        for table in TABLES.values():
            for scope in _scopes(table, role, user_id):
                rows = _table_rows(conn, table, scope, cursor, page_size)
                streams.append(rows)
                if len(rows) == page_size:
                    full_streams.append(rows[-1][0])
        revocations = _revocations(conn, role, user_id, cursor, page_size)
        streams.append(revocations)
        if len(revocations) == page_size:
            full_streams.append(revocations[-1][0])
    finally:
        conn.execute("COMMIT")

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
    columns = ["id", *(f.name for f in table.fields), "deleted", "clock", "dots", "seq"]
    sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE seq > ?"
    params: list = [cursor]
    if scope is None:
        sql += " AND scope_owner IS NULL"
    elif scope is not ALL_ROWS:
        sql += " AND scope_owner = ?"
        params.append(scope)
    sql += " ORDER BY seq LIMIT ?"
    params.append(limit)
    decoders = [(f.name, f.kind in (JSON, LOCATION, SCORES), f.kind == BOOLEAN) for f in table.fields]
    head = '{"table":' + dumps(table.name) + ',"id":'
    found = []
    for row in conn.execute(sql, params):
        found.append((row["seq"], "change", _encoded(table.name, head, row, decoders)))
    return found


def _encoded(table_name: str, head: str, row: sqlite3.Row, decoders) -> EncodedChange:
    """Encode one stored row as a wire change, splicing in the stored clock and dots text."""
    dots = row["dots"]
    written = json.loads(dots)  # a field is on the wire when it has a dot
    fields = {}
    for name, is_json, is_bool in decoders:
        if name not in written:
            continue
        value = row[name]
        if value is not None:
            if is_json:
                value = json.loads(value)
            elif is_bool:
                value = bool(value)
        fields[name] = value
    deleted = "true" if row["deleted"] else "false"
    text = (f'{head}{dumps(row["id"])},"clock":{row["clock"]},"dots":{dots},'
            f'"fields":{dumps(fields)},"deleted":{deleted}}}')
    return EncodedChange(table_name, row["id"], text)


def _revocations(conn, role: str, user_id: str, cursor: int, limit: int):
    if role in SEES_EVERYTHING:
        return []
    rows = conn.execute(
        "SELECT seq, record_table, record_id FROM revocations WHERE seq > ? "
        "AND (audience = ? OR (audience IS NULL AND coalesce(except_user, '') != ?)) "
        "ORDER BY seq LIMIT ?", (cursor, user_id, user_id, limit))
    return [(row[0], "revoked", {"table": row[1], "id": row[2]}) for row in rows]
