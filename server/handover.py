"""Handover: a departing rep's customers and open items move to another rep in one step.

Every move is a server write with the acting manager as the user of its
history rows, so each record's history keeps who owned it before. Moving a
customer moves its follow-ups, receivables, tickets, projects and their
history with it, through the ordinary scope change (see ``records.Batch``).
"""

import sqlite3
from dataclasses import dataclass, field

from .db import transaction
from .records import Batch
from .timeutil import now_stamp

OPEN_PROJECT = "status IS NULL OR status NOT IN ('已完成', '已取消')"
OPEN_RISK = "status IS NULL OR status != '已关闭'"
OPEN_TICKET = "status IS NULL OR status NOT IN ('已解决', '已回访')"


# The rows a hand-over moves, as a condition per table: every customer, and
# open tickets, projects and risks.
MOVED_WORK = {
    "customers": "1",
    "tickets": OPEN_TICKET,
    "projects": OPEN_PROJECT,
    "risks": OPEN_RISK,
}


class HandoverError(ValueError):
    """The handover cannot be made. ``code`` names the reason for the API, the
    message gives it in English with the user concerned."""

    def __init__(self, code: str, message: str, username: str = ""):
        super().__init__(message)
        self.code = code
        self.username = username


@dataclass
class HandoverResult:
    moved: dict[str, int] = field(default_factory=dict)


def hand_over(conn: sqlite3.Connection, from_user: str, to_user: str, acting_user: str | None,
              write_lock=None) -> HandoverResult:
    """Move everything ``from_user`` owns to ``to_user`` in one transaction.

    Moves every customer, tickets without a customer, and open projects and
    risks (open tickets of moved customers follow their customer). Raises
    HandoverError when a user is unknown, the same, or the receiver is
    disabled or not a sales rep, manager or admin.
    """
    users = {row[0]: row for row in conn.execute("SELECT id, username, disabled FROM users WHERE id IN (?, ?)",
                                                 (from_user, to_user))}
    if from_user not in users:
        raise HandoverError("handover_unknown_user", f"no user with id {from_user!r}", from_user)
    if to_user not in users:
        raise HandoverError("handover_unknown_user", f"no user with id {to_user!r}", to_user)
    if from_user == to_user:
        raise HandoverError("handover_same_user", "the two users are the same; choose another receiving rep")
    if users[to_user][2]:
        raise HandoverError("handover_disabled_user",
                            f"user {users[to_user][1]!r} is disabled and cannot receive customers",
                            users[to_user][1])

    result = HandoverResult()
    with _locked(write_lock), transaction(conn):
        batch = Batch(conn, now_stamp(), acting_user, "server")
        for table_name, condition in MOVED_WORK.items():
            ids = [row[0] for row in conn.execute(
                f"SELECT id FROM {table_name} WHERE owner_id = ? AND deleted = 0 AND ({condition})", (from_user,))]
            batch.preload(table_name, ids)
            for record_id in ids:
                found = batch.current(table_name, record_id)
                # An open ticket of a moved customer has moved with it already.
                if found is not None and found[0].fields.get("owner_id") == to_user:
                    continue
                batch.server_write(table_name, record_id, {"owner_id": to_user})
            result.moved[table_name] = len(ids)
        batch.flush()
    return result


def owned_work(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Count, per owner id, the rows of each table that a hand-over from that owner would move.

    Owners with nothing to move are left out, and so are tables with no rows for an owner.
    """
    counts: dict[str, dict[str, int]] = {}
    for table_name, condition in MOVED_WORK.items():
        for owner_id, count in conn.execute(
                f"SELECT owner_id, count(*) FROM {table_name} WHERE owner_id IS NOT NULL AND deleted = 0 "
                f"AND ({condition}) GROUP BY owner_id"):
            counts.setdefault(owner_id, {})[table_name] = count
    return counts


def _locked(lock):
    from contextlib import nullcontext
    return lock if lock is not None else nullcontext()
