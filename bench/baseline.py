"""The floor for a Python server: decode the push bodies and insert the rows.

What any Python server speaking this protocol must do at least for a push
is parse each request body with ``json.loads`` and store the resulting rows
(field columns, the clock and dots as JSON text, a seq) with one
``executemany`` in one transaction. The table is the real ``customers``
table with its indexes and search-index triggers, on a connection with the
server's settings (WAL, ``synchronous = FULL``), so only the sync logic is
left out. ``search_triggers=False`` drops the triggers as well, which
leaves what storing the rows costs in any schema with these indexes.

``staged=True`` stores the same rows the way the server does: bound into a
TEMP table, then copied with one ``INSERT … SELECT``. With the search
triggers that is much faster than ``executemany``, because SQLite runs
each statement that fires triggers in a savepoint and FTS5 writes its
pending terms to disk at every savepoint, so ``executemany`` writes one
index segment per row.
"""

import json
import tempfile
import time
from pathlib import Path

from genzong.server.db import connect, transaction
from genzong.server.migrations import upgrade
from genzong.server.schema import CUSTOMERS
from genzong.server.search import drop_search_triggers


def insert_statement() -> tuple[str, list[str]]:
    names = [f.name for f in CUSTOMERS.fields]
    columns = ["id", *names, "deleted", "clock", "dots", "seq", "updated_at", "scope_owner"]
    sql = f"INSERT INTO customers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return sql, names


def time_baseline(bodies: list[bytes], search_triggers: bool = True, staged: bool = False) -> float:
    """Return the seconds to decode ``bodies`` and insert their customers into a new database."""
    sql, names = insert_statement()
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with tempfile.TemporaryDirectory(prefix="genzong-baseline-") as folder:
        conn = connect(Path(folder) / "baseline.db")
        try:
            upgrade(conn)
            if not search_triggers:
                drop_search_triggers(conn)
            stamp = "2026-01-01T00:00:00.000Z"
            started = time.perf_counter()
            rows = []
            seq = 0
            for body in bodies:
                for change in json.loads(body)["changes"]:
                    seq += 1
                    fields = change["fields"]
                    rows.append((change["id"], *[fields.get(name) for name in names], int(change["deleted"]),
                                 encode(change["clock"]), encode(change["dots"]), seq, stamp,
                                 fields.get("owner_id")))
            with transaction(conn):
                if staged:
                    copy_staged(conn, sql, rows)
                else:
                    conn.executemany(sql, rows)
            return time.perf_counter() - started
        finally:
            conn.close()


def copy_staged(conn, sql: str, rows: list[tuple]) -> None:
    """Bind ``rows`` into a TEMP table, then insert them with one ``INSERT … SELECT``."""
    columns = sql[sql.index("(") + 1:sql.index(")")]
    conn.execute(f"CREATE TEMP TABLE staging ({columns})")
    conn.executemany(f"INSERT INTO temp.staging VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.execute(f"INSERT INTO customers ({columns}) SELECT {columns} FROM temp.staging ORDER BY rowid")


def load_bodies(folder: Path) -> list[bytes]:
    """Return the saved push bodies that carry changes, in the order they were sent."""
    bodies = [path.read_bytes() for path in sorted(folder.glob("body-*.json"))]
    return [body for body in bodies if b'"changes":[]' not in body]
