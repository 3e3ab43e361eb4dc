"""Customer codes (KH000123) and ticket numbers (GD000123), given out by the server."""

import re
import sqlite3

from .migrations import read_meta

NUMBER_RE = re.compile(r"([A-Z]+)(\d+)\Z")
NUMBERED = {"customers": ("code", "KH", "last_customer_code"),
            "tickets": ("number", "GD", "last_ticket_number")}


class NumberCounter:
    """Hands out numbers inside one write transaction, and stores the counters at ``save``.

    Numbers come from counters in ``meta``, read once and written once per
    transaction, so they are unique without a lookup per record.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._last: dict[str, int] = {}

    def next(self, table_name: str) -> str:
        _, prefix, meta_key = NUMBERED[table_name]
        last = self._current(meta_key) + 1
        self._last[meta_key] = last
        return f"{prefix}{last:06d}"

    def observe(self, table_name: str, number: str) -> None:
        """Move the counter past ``number`` (a code kept from a lost write), if it is ours."""
        _, prefix, meta_key = NUMBERED[table_name]
        match = NUMBER_RE.match(number)
        if match and match.group(1) == prefix:
            self._last[meta_key] = max(self._current(meta_key), int(match.group(2)))

    def taken(self, table_name: str, number: str, record_id: str) -> bool:
        field_name = NUMBERED[table_name][0]
        row = self.conn.execute(f"SELECT 1 FROM {table_name} WHERE {field_name} = ? AND id != ?",
                                (number, record_id)).fetchone()
        return row is not None

    def save(self) -> None:
        for meta_key, last in self._last.items():
            self.conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(last), meta_key))

    def _current(self, meta_key: str) -> int:
        if meta_key not in self._last:
            self._last[meta_key] = int(read_meta(self.conn, meta_key) or 0)
        return self._last[meta_key]
