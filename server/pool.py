"""The public pool (公海): idle customers return to it, and owners are warned first.

A customer with no follow-up for a number of days that depends on its kind
(the ``pool_days`` setting, by default 直接 30, 间接 60, 潜在 15 days) goes
back to the pool. Its owner is cleared by a server write, so the customer
appears to every rep and its children leave the former owner's devices.
The clock starts at the later of the last follow-up and the moment the
current owner got the customer, so a fresh claim is never returned at once.

The server runs the return once a day (``return_due_today``, called by the
reminder scheduler every minute): the day of the last run is kept in the
``meta`` table and written in the same transaction as the returns, so a
restart or a second process never runs it twice on one day.
"""

import logging
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .db import transaction
from .migrations import read_meta, write_meta
from .records import Batch
from .settings import read_synced
from .timeutil import day_start_stamp, local_date, now_stamp, today as org_today

log = logging.getLogger("genzong.pool")

UNKNOWN_KIND_DAYS = 30  # a customer without a kind returns after this many days
LAST_RUN_KEY = "pool_return_day"  # meta key: the last day (YYYY-MM-DD) the daily return ran


@dataclass(frozen=True)
class IdleCustomer:
    id: str
    name: str
    owner_id: str
    last_activity: date  # the day of the last follow-up or of getting the owner, whichever is later
    returns_on: date
    kind: str | None = None
    company: str | None = None
    phone: str | None = None


def idle_customers(conn: sqlite3.Connection, today: date, time_zone: str | None,
                   within_days: int = 0) -> list[IdleCustomer]:
    """Return owned customers that return to the pool on or before ``today + within_days``."""
    pool_days = read_synced(conn, "pool_days")
    last_day = today + timedelta(days=within_days)
    # A customer active on or after this bound cannot return by last_day,
    # whatever its kind, so the query leaves it out.
    shortest = min(days for days in (*pool_days.values(), UNKNOWN_KIND_DAYS) if days > 0)
    bound = day_start_stamp((last_day - timedelta(days=shortest - 1)).isoformat(), time_zone)
    rows = conn.execute("""
        SELECT c.id, c.name, c.owner_id, c.kind, c.company, c.phone,
               json_extract(c.dots, '$.owner_id[2]') AS owned_since,
               (SELECT max(f.happened_at) FROM follow_ups f
                 WHERE f.customer_id = c.id AND f.deleted = 0) AS last_follow_up
          FROM customers c
         WHERE c.owner_id IS NOT NULL AND c.deleted = 0
           -- the later of the two stamps, either of which may be NULL
           AND max(coalesce(owned_since, last_follow_up), coalesce(last_follow_up, owned_since)) < ?""",
                        (bound,))
    found = []
    for row in rows:
        stamps = [s for s in (row["owned_since"], row["last_follow_up"]) if s]
        if not stamps:
            continue
        last = local_date(max(stamps), time_zone)
        days = pool_days.get(row["kind"], UNKNOWN_KIND_DAYS)
        if days == 0:
            continue  # 0 switches the rule off for that kind
        returns_on = last + timedelta(days=days)
        if returns_on <= last_day:
            found.append(IdleCustomer(row["id"], row["name"], row["owner_id"], last, returns_on,
                                      row["kind"], row["company"], row["phone"]))
    return found


def return_idle_customers(conn: sqlite3.Connection, today: date, time_zone: str | None,
                          write_lock=None) -> list[IdleCustomer]:
    """Return every customer due back by ``today`` to the pool in one transaction, and list them.

    Runs whatever the day of the last run, and records ``today`` as that day.
    """
    with write_lock or nullcontext(), transaction(conn):
        returned = _return_due(conn, today, time_zone)
        write_meta(conn, LAST_RUN_KEY, today.isoformat())
    _log_returned(today, returned)
    return returned


def run_daily_return(conn: sqlite3.Connection, now: datetime | None = None,
                     write_lock=None) -> list[IdleCustomer] | None:
    """Run the pool return unless it already ran today, and list the customers it returned.

    "Today" is the date in the ``time_zone`` setting at ``now`` (an aware
    datetime, by default the current time). Returns None when the return
    already ran on that day (or a later one, after the clock was set back).
    """
    if _ran_on_or_after(conn, org_today(read_synced(conn, "time_zone"), now)):
        return None  # the usual case, decided without taking the write lock
    with write_lock or nullcontext(), transaction(conn):
        time_zone = read_synced(conn, "time_zone")
        day = org_today(time_zone, now)
        if _ran_on_or_after(conn, day):
            return None  # another process ran it meanwhile
        returned = _return_due(conn, day, time_zone)
        write_meta(conn, LAST_RUN_KEY, day.isoformat())
    _log_returned(day, returned)
    return returned


def return_due_today(state, now: datetime | None = None) -> list[IdleCustomer] | None:
    """Run ``run_daily_return`` on the server's database, logging a database error as None.

    The reminder scheduler calls this before every pass, so a database error
    here never stops the reminders, and the next pass tries again.
    """
    try:
        return run_daily_return(state.records.get(), now, state.write_lock)
    except sqlite3.Error as error:
        log.error("daily pool return failed, retrying at the next reminder pass: %s", error)
        return None


def pool_warn_days(conn: sqlite3.Connection) -> int:
    return read_synced(conn, "pool_warn_days")


def _ran_on_or_after(conn: sqlite3.Connection, day: date) -> bool:
    last = read_meta(conn, LAST_RUN_KEY)
    return last is not None and last >= day.isoformat()


def _return_due(conn: sqlite3.Connection, today: date, time_zone: str | None) -> list[IdleCustomer]:
    """Clear the owner of every customer due back by ``today``, in the caller's transaction."""
    due = idle_customers(conn, today, time_zone)
    batch = Batch(conn, now_stamp(), None, "server")
    batch.preload("customers", [c.id for c in due])
    for customer in due:
        batch.server_write("customers", customer.id, {"owner_id": None})
    batch.flush()
    return due


def _log_returned(day: date, returned: list[IdleCustomer]) -> None:
    log.info("pool return for %s: %d customers returned to the pool", day.isoformat(), len(returned))
    for customer in returned:
        log.info("customer %s returned to the pool from owner %s (last activity %s)",
                 customer.id, customer.owner_id, customer.last_activity.isoformat())
