"""SQL functions registered on every connection that reads Genzong's data.

SQLite has no time zones, so views and canned queries call these to decide
"today" and the local date of a timestamp in the organisation's time zone.
The server's and Datasette's connections both register them.
"""

import sqlite3
from functools import lru_cache
from urllib.parse import quote

from . import search, timeutil


def _org_today(time_zone):
    return timeutil.today(time_zone).isoformat()


def _org_date(stamp, time_zone):
    if not stamp:
        return None
    try:
        return timeutil.local_date(stamp, time_zone).isoformat()
    except ValueError:
        return None


def _org_datetime(stamp, time_zone):
    if not stamp:
        return None
    try:
        return timeutil.local_datetime(stamp, time_zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return None


# Reports compare many rows with the same few days, so the bounds are cached.
@lru_cache(maxsize=4096)
def _org_day_start(day, time_zone):
    if not day:
        return None
    try:
        return timeutil.day_start_stamp(day, time_zone)
    except (TypeError, ValueError):
        return None


# The search calls page_url for each result with the same few parameter names.
@lru_cache(maxsize=256)
def _quoted_name(name):
    return quote(str(name), safe="")


def _page_url(path, *names_and_values):
    if len(names_and_values) % 2 or any(item is None for item in names_and_values):
        return None
    pairs = [f"{_quoted_name(names_and_values[index])}={quote(str(names_and_values[index + 1]), safe='')}"
             for index in range(0, len(names_and_values), 2)]
    return f"{path}?{'&'.join(pairs)}" if pairs else path


def register_functions(conn: sqlite3.Connection) -> None:
    """Register Genzong's SQL functions on ``conn``.

    ``org_today(tz)``, ``org_date(timestamp, tz)`` and
    ``org_datetime(timestamp, tz)`` (local ``YYYY-MM-DD HH:MM``) take NULL
    for the default zone. ``org_day_start(day, tz)`` is the UTC stamp at
    which the local date ``day`` begins (NULL for a malformed date), for
    comparing stamps with a local date through an index. An unknown zone name makes ``org_today`` raise, so
    a wrong setting shows instead of a wrong date. ``page_url(path, name, value, ...)``
    returns ``path`` with a percent-encoded query string of the pairs, or
    NULL when a value is NULL or a name has no value. ``search_terms(...)`` and
    ``search_query(text)`` build and query the full-text indexes (see
    ``server.search``); the indexes' triggers need ``search_terms``.
    """
    conn.create_function("org_today", 1, _org_today)
    conn.create_function("org_date", 2, _org_date, deterministic=True)
    conn.create_function("org_datetime", 2, _org_datetime, deterministic=True)
    conn.create_function("org_day_start", 2, _org_day_start, deterministic=True)
    conn.create_function("page_url", -1, _page_url, deterministic=True)
    conn.create_function("search_terms", -1, search.search_terms, deterministic=True)
    conn.create_function("search_query", 1, search.search_query, deterministic=True)
