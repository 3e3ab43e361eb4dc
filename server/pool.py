"""The public pool (公海): idle customers return to it, and owners are warned first.

A customer with no follow-up for a number of days that depends on its kind
(the ``pool_days`` setting, by default 直接 30, 间接 60, 潜在 15 days) goes
back to the pool: its owner is cleared by a server write, so the customer
appears to every rep and its children leave the former owner's devices.
The clock starts at the later of the last follow-up and the moment the
current owner got the customer, so a fresh claim is never returned at once.
"""

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from .db import transaction
from .records import Batch
from .settings import read_synced
from .timeutil import local_date, now_stamp

UNKNOWN_KIND_DAYS = 30  # a customer without a kind returns after this many days


@dataclass(frozen=True)
class IdleCustomer:
    id: str
    name: str
    owner_id: str
    last_activity: date
    returns_on: date


def idle_customers(conn: sqlite3.Connection, today: date, time_zone: str | None,
                   within_days: int = 0) -> list[IdleCustomer]:
    """Return owned customers that return to the pool on or before ``today + within_days``."""
    pool_days = read_synced(conn, "pool_days")
    rows = conn.execute("""
        SELECT c.id, c.name, c.owner_id, c.kind, json_extract(c.dots, '$.owner_id[2]') AS owned_since,
               (SELECT max(f.happened_at) FROM follow_ups f
                 WHERE f.customer_id = c.id AND f.deleted = 0) AS last_follow_up
          FROM customers c
         WHERE c.owner_id IS NOT NULL AND c.deleted = 0""")
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
        if returns_on <= today + timedelta(days=within_days):
            found.append(IdleCustomer(row["id"], row["name"], row["owner_id"], last, returns_on))
    return found


def return_idle_customers(conn: sqlite3.Connection, today: date, time_zone: str | None,
                          write_lock=None) -> list[IdleCustomer]:
    """Return every customer due back today to the pool, in one transaction; return them."""
    from contextlib import nullcontext
    with write_lock or nullcontext(), transaction(conn):
        due = idle_customers(conn, today, time_zone)
        batch = Batch(conn, now_stamp(), None, "server")
        batch.preload("customers", [c.id for c in due])
        for customer in due:
            batch.server_write("customers", customer.id, {"owner_id": None})
        batch.flush()
    return due


def pool_warn_days(conn: sqlite3.Connection) -> int:
    return read_synced(conn, "pool_warn_days")
