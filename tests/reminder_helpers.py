"""Helpers for reminder tests: records written as the server writes them, and subscriptions."""

import uuid
from datetime import datetime, timezone

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.reminders.push import RetryPolicy
from genzong.server.timeutil import now_stamp

# 10:00 on 10 March 2026 in Asia/Shanghai.
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
TODAY = "2026-03-10"
# Retries without the real pauses, so a test of three tries takes milliseconds.
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_wait=1.0, timeout=5.0)


def seed(state, table: str, **fields) -> str:
    """Store a new record as a server write and return its id."""
    record_id = str(uuid.uuid4())
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write(table, record_id, fields)
        batch.flush()
    return record_id


def subscribe(http, token: str, push_service, lang: str | None = None):
    """Subscribe a new browser of the user behind ``token`` at the stand-in push service."""
    headers = {"Authorization": f"Bearer {token}"}
    key = http.get("/api/push/key", headers=headers).json()["publicKey"]
    sub = push_service.subscribe(key)
    body = dict(sub.info())
    if lang:
        body["lang"] = lang
    response = http.post("/api/push/subscribe", json=body, headers=headers)
    assert response.status_code == 201, response.text
    sub.server_id = response.json()["id"]
    return sub
