"""The state-changing requests a page of another site might forge, and a way to see that nothing changed.

Each request is valid: sent with a manager's or admin's bearer token it
changes something (the tests check that too), so a guard that let the
``ds_actor`` cookie stand in for the token would show up as a change.
"""

import base64
import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from genzong.sync import format_stamp
from genzong.sync.write import parse_stamp


@dataclass(frozen=True)
class Forged:
    name: str
    method: str
    path: str
    body: bytes      # the body a token-carrying client would send (JSON or a CSV file)
    role: str        # who may make the request with a bearer token: "manager" or "admin"
    status: int      # its status with that token


def subscription_body() -> dict:
    """A browser's PushSubscription.toJSON() for a loopback endpoint (never contacted)."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return {"endpoint": f"http://127.0.0.1:9/push/{uuid.uuid4().hex}",
            "keys": {"p256dh": encode(key), "auth": encode(uuid.uuid4().bytes)}}


def forged_requests(departing_rep_id: str, receiving_rep_id: str, now: str) -> list[Forged]:
    """Every state-changing API request, each valid for a manager or admin."""
    customer = str(uuid.uuid4())
    device = "d-" + uuid.uuid4().hex[:12]
    stamp = format_stamp(parse_stamp(now))
    sync = {"device": device, "epoch": None, "cursor": 0, "changes": [{
        "table": "customers", "id": customer, "clock": {device: 1},
        "dots": {"name": [device, 1, stamp]}, "fields": {"name": "伪造的客户"}, "deleted": False}]}
    subscription = subscription_body()
    as_json = lambda value: json.dumps(value, ensure_ascii=False).encode()  # noqa: E731
    return [
        Forged("sync", "POST", "/api/sync", as_json(sync), "manager", 200),
        Forged("import", "POST", "/api/import?kind=customers&filename=ledger.csv",
               "客户名称,电话\n伪造导入的客户,13800000009\n".encode(), "manager", 200),
        Forged("handover", "POST", "/api/handover", as_json({"from": departing_rep_id, "to": receiving_rep_id}),
               "manager", 200),
        Forged("change setting", "PUT", "/api/settings/escalation_days", as_json({"value": 9}), "admin", 200),
        Forged("reset setting", "DELETE", "/api/settings/escalation_days", b"", "admin", 200),
        Forged("push subscribe", "POST", "/api/push/subscribe", as_json(subscription), "manager", 201),
        Forged("push unsubscribe", "DELETE", "/api/push/subscribe", as_json({"endpoint": subscription["endpoint"]}),
               "manager", 200),
        Forged("add user", "POST", "/api/users",
               as_json({"username": f"forged-{uuid.uuid4().hex[:8]}", "role": "admin", "password": "forged-pw"}),
               "admin", 201),
        Forged("edit user", "PATCH", f"/api/users/{receiving_rep_id}", as_json({"name": "伪造的名字"}), "admin", 200),
        Forged("set password", "POST", f"/api/users/{receiving_rep_id}/password",
               as_json({"password": "forged-pw"}), "admin", 200),
        Forged("end sessions", "POST", f"/api/users/{receiving_rep_id}/logout-all", b"", "admin", 200),
        # After the hand-over above, so the departing rep owns nothing and may be disabled.
        Forged("disable user", "POST", f"/api/users/{departing_rep_id}/disable", b"", "admin", 200),
        Forged("enable user", "POST", f"/api/users/{departing_rep_id}/enable", b"", "admin", 200),
    ]


# Datasette's paths that Datasette itself would take a POST on: its logout,
# its message debugger, canned queries, a table, the database's SQL page and
# the write API of later versions. Genzong lets only the logout through.
DATASETTE_LOGOUT = "/data/-/logout"
DATASETTE_POSTS = [DATASETTE_LOGOUT, "/data/-/messages", "/data/genzong/overdue_receivables",
                   "/data/genzong/search", "/data/genzong/customers", "/data/genzong",
                   "/data/genzong/customers/-/insert"]


def dump(database: Path) -> str:
    """Return the whole content of a SQLite file as SQL text, read through a read-only connection."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def dump_all(data_dir) -> dict[str, str]:
    """Both databases of a data folder: the records and the private one (accounts, subscriptions)."""
    return {"records": dump(data_dir.database), "private": dump(data_dir.private_database)}
