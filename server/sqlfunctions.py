"""SQL functions registered on every connection that reads Genzong's data.

SQLite has no time zones, so views and canned queries call these to decide
"today" and the local date of a timestamp in the organisation's time zone.
The server's and Datasette's connections both register them.
"""

import sqlite3

from . import timeutil


def _org_today(time_zone):
    return timeutil.today(time_zone).isoformat()


def _org_date(stamp, time_zone):
    if not stamp:
        return None
    try:
        return timeutil.local_date(stamp, time_zone).isoformat()
    except ValueError:
        return None


def register_functions(conn: sqlite3.Connection) -> None:
    """Register ``org_today(tz)`` and ``org_date(timestamp, tz)`` on ``conn``.

    ``tz`` may be NULL for the default zone. An unknown zone name makes
    ``org_today`` raise, so a wrong setting shows instead of a wrong date.
    """
    conn.create_function("org_today", 1, _org_today)
    conn.create_function("org_date", 2, _org_date, deterministic=True)
