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

    queries = {
        "customers": "SELECT id FROM customers WHERE owner_id = ? AND deleted = 0",
        "tickets": f"SELECT id FROM tickets WHERE owner_id = ? AND deleted = 0 AND ({OPEN_TICKET})",
        "projects": f"SELECT id FROM projects WHERE owner_id = ? AND deleted = 0 AND ({OPEN_PROJECT})",
        "risks": f"SELECT id FROM risks WHERE owner_id = ? AND deleted = 0 AND ({OPEN_RISK})",
    }
    result = HandoverResult()
    with _locked(write_lock), transaction(conn):
        batch = Batch(conn, now_stamp(), acting_user, "server")
        for table_name, sql in queries.items():
            ids = [row[0] for row in conn.execute(sql, (from_user,))]
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


def _locked(lock):
    from contextlib import nullcontext
    return lock if lock is not None else nullcontext()
