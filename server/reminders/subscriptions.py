"""Web Push subscriptions, kept in ``private.db`` with their keys.

A subscription is what a browser's ``PushSubscription.toJSON()`` returns: an
endpoint URL at the browser vendor's push service and the keys that encrypt
messages for it. Anyone with them can push to that browser, so they stay
out of the published database and out of every log line: logs name a
subscription by its id only.
"""

import base64
import binascii
import logging
import re
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric import ec

from ..db import transaction
from ..settings import outbound_url_problem
from ..timeutil import now_stamp

log = logging.getLogger("genzong.push")

MAX_ENDPOINT_LENGTH = 2048
# Browsers renew subscriptions now and then; above this many per user the
# least recently registered ones are dropped.
MAX_PER_USER = 20
LANGUAGES = ("zh", "en")
DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]+={0,2}\Z")

PRIVATE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS push_subscriptions (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL, endpoint TEXT NOT NULL UNIQUE,
        p256dh TEXT NOT NULL, auth TEXT NOT NULL, device TEXT, lang TEXT NOT NULL DEFAULT 'zh',
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS push_subscriptions_user ON push_subscriptions (user_id)",
)


class SubscriptionError(ValueError):
    """A subscription sent by a device is invalid. ``detail`` and ``detail_en`` name the invalid part."""

    def __init__(self, detail: str, detail_en: str):
        super().__init__(detail_en)
        self.detail = detail
        self.detail_en = detail_en


@dataclass(frozen=True)
class Subscription:
    id: str
    user_id: str
    endpoint: str = field(repr=False)
    p256dh: str = field(repr=False)
    auth: str = field(repr=False)
    lang: str = "zh"
    device: str | None = None

    def info(self) -> dict:
        """Return the subscription in the form pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class SubscriptionInput:
    endpoint: str = field(repr=False)
    p256dh: str = field(repr=False)
    auth: str = field(repr=False)
    lang: str
    device: str | None


def prepare_private_db(conn: sqlite3.Connection) -> None:
    for ddl in PRIVATE_SCHEMA:
        conn.execute(ddl)


def parse_subscription(body: Any) -> SubscriptionInput:
    """Check a subscribe request: ``PushSubscription.toJSON()`` plus optional ``device`` and ``lang``.

    Raises SubscriptionError naming the invalid part.
    """
    if not isinstance(body, dict):
        raise SubscriptionError("请求内容必须是 JSON 对象", "the body must be a JSON object")
    endpoint = body.get("endpoint")
    problem = outbound_url_problem(endpoint, MAX_ENDPOINT_LENGTH)
    if problem:
        raise SubscriptionError(f"endpoint：{problem[0]}", f"endpoint: {problem[1]}")
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise SubscriptionError("缺少 keys（p256dh 和 auth）", "keys (p256dh and auth) are missing")
    p256dh = _check_public_key(keys.get("p256dh"))
    auth = _decode_key("auth", keys.get("auth"))
    if len(auth) != 16:
        raise SubscriptionError(f"keys.auth 必须是 16 字节，收到的是 {len(auth)} 字节",
                                f"keys.auth must be 16 bytes, got {len(auth)}")
    lang = body.get("lang", "zh")
    if lang not in LANGUAGES:
        raise SubscriptionError(f"lang 必须是 zh 或 en，收到的是 {str(lang)[:20]!r}",
                                f"lang must be zh or en, got {str(lang)[:20]!r}")
    device = body.get("device")
    if device is not None and (not isinstance(device, str) or not DEVICE_RE.match(device)):
        raise SubscriptionError("device 必须是 1 到 64 个字母、数字、_ 或 -",
                                "device must be 1-64 characters of A-Z a-z 0-9 _ -")
    return SubscriptionInput(endpoint, keys["p256dh"], keys["auth"], lang, device)


def _decode_key(name: str, value: Any) -> bytes:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise SubscriptionError(f"keys.{name} 必须是 base64url 文本", f"keys.{name} must be base64url text")
    unpadded = value.rstrip("=")
    try:
        if not BASE64URL_RE.match(value):
            raise ValueError(value)
        return base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError):
        raise SubscriptionError(f"keys.{name} 不是有效的 base64url", f"keys.{name} is not valid base64url") from None


def _check_public_key(value: Any) -> bytes:
    raw = _decode_key("p256dh", value)
    if len(raw) != 65:
        raise SubscriptionError(f"keys.p256dh 必须是未压缩的 P-256 公钥（65 字节），收到的是 {len(raw)} 字节",
                                f"keys.p256dh must be an uncompressed P-256 public key of 65 bytes, got {len(raw)}")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise SubscriptionError("keys.p256dh 不是有效的 P-256 公钥",
                                "keys.p256dh is not a point on the P-256 curve") from None
    return raw


def save(private: sqlite3.Connection, user_id: str, sub: SubscriptionInput) -> tuple[str, bool]:
    """Store a subscription for ``user_id``; return (id, whether it is new).

    An endpoint registered before keeps its id and moves to this user (the
    browser was logged in as someone else). Above MAX_PER_USER subscriptions
    the user's least recently registered ones are deleted.
    """
    now = now_stamp()
    with transaction(private):
        row = private.execute("SELECT id, user_id FROM push_subscriptions WHERE endpoint = ?",
                              (sub.endpoint,)).fetchone()
        if row is not None:
            private.execute(
                "UPDATE push_subscriptions SET user_id = ?, p256dh = ?, auth = ?, device = ?, lang = ?, "
                "updated_at = ? WHERE id = ?",
                (user_id, sub.p256dh, sub.auth, sub.device, sub.lang, now, row["id"]))
            if row["user_id"] != user_id:
                log.info("push subscription %s moved from user %s to user %s", row["id"], row["user_id"], user_id)
            subscription_id, created = row["id"], False
        else:
            subscription_id, created = str(uuid.uuid4()), True
            private.execute(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, device, lang, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (subscription_id, user_id, sub.endpoint, sub.p256dh, sub.auth, sub.device, sub.lang, now, now))
        surplus = [r[0] for r in private.execute(
            "SELECT id FROM push_subscriptions WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC "
            "LIMIT -1 OFFSET ?", (user_id, MAX_PER_USER))]
        for old_id in surplus:
            private.execute("DELETE FROM push_subscriptions WHERE id = ?", (old_id,))
            log.info("push subscription %s of user %s dropped: more than %d registered",
                     old_id, user_id, MAX_PER_USER)
    return subscription_id, created


def remove(private: sqlite3.Connection, user_id: str, endpoint: str) -> str | None:
    """Delete the user's subscription for ``endpoint``; return its id, or None when there was none."""
    with transaction(private):
        row = private.execute("SELECT id FROM push_subscriptions WHERE endpoint = ? AND user_id = ?",
                              (endpoint, user_id)).fetchone()
        if row is None:
            return None
        private.execute("DELETE FROM push_subscriptions WHERE id = ?", (row["id"],))
    return row["id"]


def delete(private: sqlite3.Connection, subscription_id: str) -> None:
    """Delete exactly one subscription, as when its push service returns 404 or 410."""
    with transaction(private):
        private.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,))


def any_saved(private: sqlite3.Connection) -> bool:
    """Return whether any user has a push subscription."""
    return private.execute("SELECT 1 FROM push_subscriptions LIMIT 1").fetchone() is not None


def for_users(private: sqlite3.Connection, user_ids: Iterable[str]) -> dict[str, list[Subscription]]:
    """Return the subscriptions of each of ``user_ids`` that has any."""
    ids = sorted(set(user_ids))
    found: dict[str, list[Subscription]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in private.execute(
                f"SELECT id, user_id, endpoint, p256dh, auth, lang, device FROM push_subscriptions "
                f"WHERE user_id IN ({marks}) ORDER BY created_at, id", chunk):
            found.setdefault(row["user_id"], []).append(Subscription(
                row["id"], row["user_id"], row["endpoint"], row["p256dh"], row["auth"], row["lang"], row["device"]))
    return found
