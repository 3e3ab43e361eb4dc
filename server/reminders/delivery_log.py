"""The ``notifications`` table: which reminder went to which target, and which failed.

A target is ``push:<subscription id>`` or ``chat``. A row with status
``sent`` means the push service or chat robot accepted the message, so no
later pass (nor a restarted server) sends it again. A ``failed`` row is
tried again from ``next_attempt_at``, with a delay that doubles per attempt,
and becomes ``abandoned`` after MAX_ATTEMPTS passes; the device still shows
the item, because the PWA computes reminders itself.
"""

import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...sync import format_stamp
from ..db import transaction
from .items import DueItem

SENT, FAILED, ABANDONED = "sent", "failed", "abandoned"
MAX_ATTEMPTS = 6
MAX_RETRY_DELAY = timedelta(hours=1)
KEY_BATCH = 400


def push_target(subscription_id: str) -> str:
    return f"push:{subscription_id}"


CHAT_TARGET = "chat"


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending ``items`` (one, or several in a summary or chat message) to ``target``."""
    items: tuple[DueItem, ...]
    target: str
    title: str
    sent: bool
    error: str | None = None


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before the next pass tries again after ``attempts`` failures."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_RETRY_DELAY)


class DeliveryLog:
    def __init__(self, conn: sqlite3.Connection, write_lock=None):
        self.conn = conn
        self.write_lock = write_lock

    def unsent(self, due: list[DueItem], target: str, now: datetime) -> list[DueItem]:
        """Return the items of ``due`` that ``target`` should get now, in order.

        That is every item with no row for the target, and every failed one
        whose retry time has come.
        """
        now_text = format_stamp(now)
        blocked: set[str] = set()
        keys = [item.key for item in due]
        for start in range(0, len(keys), KEY_BATCH):
            chunk = keys[start:start + KEY_BATCH]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                    f"SELECT item_key, status, next_attempt_at FROM notifications "
                    f"WHERE target = ? AND item_key IN ({marks})", (target, *chunk)):
                if row["status"] != FAILED or (row["next_attempt_at"] or "") > now_text:
                    blocked.add(row["item_key"])
        return [item for item in due if item.key not in blocked]

    def record(self, deliveries: list[Delivery], now: datetime) -> list[tuple[DueItem, str]]:
        """Store the outcome of ``deliveries`` in one transaction; return the (item, target) pairs abandoned."""
        now_text = format_stamp(now)
        abandoned = []
        with self.write_lock or nullcontext(), transaction(self.conn):
            for delivery in deliveries:
                for item in delivery.items:
                    if self._record_one(item, delivery, now, now_text) == ABANDONED:
                        abandoned.append((item, delivery.target))
        return abandoned

    def _record_one(self, item: DueItem, delivery: Delivery, now: datetime, now_text: str) -> str:
        row = self.conn.execute("SELECT attempts FROM notifications WHERE item_key = ? AND target = ?",
                                (item.key, delivery.target)).fetchone()
        attempts = (row["attempts"] if row else 0) + 1
        if delivery.sent:
            status, next_attempt = SENT, None
        elif attempts >= MAX_ATTEMPTS:
            status, next_attempt = ABANDONED, None
        else:
            status, next_attempt = FAILED, format_stamp(now + retry_delay(attempts))
        self.conn.execute(
            "INSERT INTO notifications (item_key, target, user_id, kind, record_table, record_id, title, "
            "status, attempts, last_error, next_attempt_at, first_attempt_at, last_attempt_at, sent_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(item_key, target) DO UPDATE SET title = excluded.title, status = excluded.status, "
            "attempts = excluded.attempts, last_error = excluded.last_error, "
            "next_attempt_at = excluded.next_attempt_at, last_attempt_at = excluded.last_attempt_at, "
            "sent_at = excluded.sent_at",
            (item.key, delivery.target, item.recipient_id, item.kind, item.record_table, item.record_id,
             delivery.title, status, attempts, delivery.error, next_attempt, now_text, now_text,
             now_text if delivery.sent else None))
        return status
