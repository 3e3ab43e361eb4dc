"""Organisation settings that an admin changes: registry, validation, storage.

Most settings are rows of the synced ``settings`` table (key, JSON value),
written by the server only, so every device receives them read-only and the
PWA computes reminders with the same windows as the server. Settings that
carry a credential or only concern the server (the chat robot webhook, the
push contact address) live in ``private.db`` instead, which neither devices
nor Datasette ever read.

A missing row means "use the default". ``reset`` deletes the row (a synced
tombstone), so a later release that changes a default applies it.
"""

import ipaddress
import json
import logging
import re
import sqlite3
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from .db import transaction
from .records import Batch
from .schema import CUSTOMER_KINDS
from .timeutil import DEFAULT_TIME_ZONE, now_stamp, zone

log = logging.getLogger("genzong.settings")

DEFAULT_KEEP_DAYS = 7
DEFAULT_POOL_DAYS = {"直接": 30, "间接": 60, "潜在": 15}
DEFAULT_WARN_DAYS = 3
DEFAULT_CLAIM_LIMIT = 10
DEFAULT_PROJECT_STAGES = ("需求分析", "项目计划", "模型设计", "系统开发", "系统测试", "实施部署", "运行维护")
DEFAULT_SURVEY_QUESTIONS = (
    {"key": "product", "text": "产品质量"},
    {"key": "install", "text": "安装质量"},
    {"key": "service", "text": "服务态度"},
    {"key": "speed", "text": "响应速度"},
    {"key": "overall", "text": "总体满意度"},
)

SETTINGS_NAMESPACE = uuid.UUID("2b8f6c1e-7d3a-4f5e-9c21-5a0d3e8b7f14")

PRIVATE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS server_settings (
        key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT)""",
)


class SettingError(ValueError):
    """A setting key or value is invalid. ``detail`` and ``detail_en`` say why."""

    def __init__(self, code: str, key: str, title: str = "", value: Any = None,
                 detail: str = "", detail_en: str = ""):
        super().__init__(f"{key}: {detail_en}")
        self.code = code
        self.key = key
        self.title = title
        self.value = value
        self.detail = detail
        self.detail_en = detail_en


class InvalidValue(ValueError):
    """Raised by a validator with the reason in Chinese and English."""

    def __init__(self, detail: str, detail_en: str):
        super().__init__(detail_en)
        self.detail = detail
        self.detail_en = detail_en


@dataclass(frozen=True)
class Setting:
    key: str
    title: str                        # shown to admins, Chinese
    title_en: str
    default: Any
    validate: Callable[[Any], Any]    # returns the normalised value or raises InvalidValue
    help: str                         # CLI help: what it sets and in what unit
    private: bool = False             # kept in private.db, never synced or published
    secret: bool = False              # shown masked when listed


# Validators -----------------------------------------------------------------

def whole_number(minimum: int, maximum: int, unit: str, unit_en: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise InvalidValue(f"必须是 {minimum} 到 {maximum} 之间的整数（{unit}）",
                               f"must be a whole number from {minimum} to {maximum} ({unit_en})")
        return value
    return check


def time_zone_name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidValue("必须是 IANA 时区名，例如 Asia/Shanghai", "must be an IANA time zone name such as Asia/Shanghai")
    try:
        zone(value)
    except ValueError:
        raise InvalidValue(f"未知的时区 {value}，请使用 IANA 时区名，例如 Asia/Shanghai",
                           f"unknown time zone {value}; use an IANA name such as Asia/Shanghai") from None
    return value


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def outbound_url_problem(url: Any, max_length: int = 2048) -> tuple[str, str] | None:
    """Return (reason, reason_en) when the server must not post to ``url``, else None.

    Only ``https`` URLs are accepted, plus ``http`` to a loopback address
    (local test services). An https URL naming an IP address in a private,
    loopback, link-local or reserved range is refused, so a stored URL cannot
    make the server post into its own network.
    """
    if not isinstance(url, str) or not url:
        return "必须是网址", "must be a URL"
    if len(url) > max_length:
        return f"网址超过 {max_length} 个字符", f"the URL is longer than {max_length} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # raises ValueError for a port out of range
    except ValueError:
        return "网址格式不正确", "the URL is malformed"
    if parts.username or parts.password:
        return "网址不能包含用户名或密码", "the URL must not contain a user name or password"
    if not host:
        return "网址缺少主机名", "the URL has no host name"
    if parts.scheme == "http":
        if is_loopback_host(host):
            return None
        return "只接受 https 网址（http 仅限本机测试）", "only https URLs are accepted (http only on loopback, for tests)"
    if parts.scheme != "https":
        return "只接受 https 网址", "only https URLs are accepted"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address.is_global:
        return "不能指向内网或本机地址", "must not point at a private, loopback or reserved address"
    return None


def optional_webhook_url(value: Any) -> str | None:
    if value is None:
        return None
    problem = outbound_url_problem(value, max_length=1000)
    if problem:
        raise InvalidValue(*problem)
    return value


def optional_choice(*choices: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None or value in choices:
            return value
        raise InvalidValue(f"必须是 {' 或 '.join(choices)}，或 null 表示自动判断",
                           f"must be {' or '.join(choices)}, or null to detect it from the URL")
    return check


def optional_text(max_length: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise InvalidValue(f"必须是 1 到 {max_length} 个字符的文本，或 null",
                               f"must be text of 1 to {max_length} characters, or null")
        return value.strip()
    return check


CONTACT_RE = re.compile(r"(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://[^\s/]+\.[^\s]+)\Z")


def contact_address(value: Any) -> str:
    if not isinstance(value, str) or not CONTACT_RE.match(value):
        raise InvalidValue("必须是 mailto:邮箱地址 或 https:// 网址",
                           "must be mailto:address@example.com or an https:// URL")
    return value


def days_by_customer_kind(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise InvalidValue(f"必须是客户类型到天数的对应，如 {{\"直接\": 30, \"间接\": 60, \"潜在\": 15}}",
                           'must map customer kinds to days, such as {"直接": 30, "间接": 60, "潜在": 15}')
    unknown = [kind for kind in value if kind not in CUSTOMER_KINDS]
    if unknown:
        names = "、".join(f"“{kind}”" for kind in unknown)
        names_en = ", ".join(json.dumps(kind, ensure_ascii=False) for kind in unknown)
        raise InvalidValue(f"没有客户类型{names}，可用的客户类型：{'、'.join(CUSTOMER_KINDS)}",
                           f"unknown customer kind {names_en}, valid kinds: {', '.join(CUSTOMER_KINDS)}")
    for kind, days in value.items():
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
            raise InvalidValue(f"{kind} 的天数必须是 0 到 3650 之间的整数（0 表示不退回公海）",
                               f"the days of {kind} must be a whole number from 0 to 3650 (0: never return)")
    return {**DEFAULT_POOL_DAYS, **value}


def _repeated(texts: list[str], noun: tuple[str, str], rule: tuple[str, str]) -> InvalidValue | None:
    """Return the error naming the first text of ``texts`` that repeats, or None.

    ``noun`` names such a text in Chinese and English (问题, question), and
    ``rule`` is the sentence that requires distinct texts.
    """
    repeated = next((text for text in texts if texts.count(text) > 1), None)
    if repeated is None:
        return None
    count = texts.count(repeated)
    times = "两次" if count == 2 else f" {count} 次"
    times_en = "twice" if count == 2 else f"{count} times"
    return InvalidValue(f"{noun[0]}“{repeated}”出现了{times}，{rule[0]}",
                        f"the {noun[1]} {json.dumps(repeated, ensure_ascii=False)} appears {times_en}; {rule[1]}")


def stage_list(value: Any) -> list[str]:
    if isinstance(value, list) and 1 <= len(value) <= 30:
        blank = next((number for number, v in enumerate(value, 1) if isinstance(v, str) and not v.strip()), None)
        if blank is not None:
            raise InvalidValue(f"第 {blank} 个阶段没有名称，请填写或删去这一行",
                               f"stage {blank} has no name; fill it in or remove the row")
    if not isinstance(value, list) or not 1 <= len(value) <= 30 \
            or not all(isinstance(v, str) and 1 <= len(v.strip()) <= 50 for v in value):
        raise InvalidValue("必须是 1 到 30 个互不相同的阶段名称（每个 1 到 50 个字符）",
                           "must be a list of 1 to 30 distinct stage names of 1 to 50 characters")
    # Spaces around a name are cut before it is stored, so " 量房" repeats 量房.
    stages = [v.strip() for v in value]
    error = _repeated(stages, ("阶段", "stage"), ("阶段名称须互不相同", "each stage needs its own name"))
    if error is not None:
        raise error
    return stages


def question_list(value: Any) -> list[dict]:
    problem = ("必须是 1 到 50 个问题，每个形如 {\"key\": \"service\", \"text\": \"服务态度\"}，key 互不相同，"
               "text 有 1 到 200 个字符且不全是空格",
               'must be 1 to 50 questions such as {"key": "service", "text": "服务态度"} with distinct keys '
               "and a text of 1 to 200 characters, not only spaces")
    if not isinstance(value, list) or not 1 <= len(value) <= 50:
        raise InvalidValue(*problem)
    keys = set()
    for question in value:
        if not isinstance(question, dict) or set(question) != {"key", "text"} \
                or not isinstance(question["key"], str) or not re.fullmatch(r"[a-z0-9_]{1,50}", question["key"]) \
                or not isinstance(question["text"], str) or not 1 <= len(question["text"].strip()) <= 200 \
                or question["key"] in keys:
            raise InvalidValue(*problem)
        keys.add(question["key"])
    # Reports and forms show each answer under its question's text, so equal texts would be ambiguous.
    texts = [question["text"].strip() for question in value]
    error = _repeated(texts, ("问题", "question"), ("每个问题的文字须互不相同", "each question needs its own text"))
    if error is not None:
        raise error
    return value


# The registry ---------------------------------------------------------------

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("time_zone", "时区", "Time zone", DEFAULT_TIME_ZONE, time_zone_name,
            "IANA time zone in which 'today', 'due' and 'overdue' are decided"),
    Setting("reminder_receivable_days", "回款提前提醒天数", "Days before a payment is due",
            3, whole_number(0, 60, "天", "days"),
            "remind this many days before a receivable's due date (0: on the due date itself)"),
    Setting("reminder_ticket_hours", "工单答复提前提醒小时数", "Hours before a ticket's reply deadline",
            4, whole_number(1, 168, "小时", "hours"),
            "remind this many hours before a ticket's reply deadline"),
    Setting("escalation_days", "跟进逾期上报天数", "Days overdue before a manager is told",
            3, whole_number(1, 365, "天", "days"),
            "tell the rep's manager when a follow-up is overdue by more than this many days"),
    Setting("backup_keep_days", "备份保留天数", "Daily backups kept",
            DEFAULT_KEEP_DAYS, whole_number(1, 365, "天", "days"),
            "keep this many daily backups in the data folder's backups/ folder"),
    Setting("pool_days", "退回公海天数", "Days without follow-up before the pool",
            DEFAULT_POOL_DAYS, days_by_customer_kind,
            "per customer kind, days without a follow-up after which a customer returns to the pool (0: never)"),
    Setting("pool_warn_days", "退回公海提前提醒天数", "Days of warning before the pool",
            DEFAULT_WARN_DAYS, whole_number(0, 60, "天", "days"),
            "warn the owner this many days before a customer returns to the pool"),
    Setting("pool_claim_daily_limit", "每日认领上限", "Pool claims per rep and day",
            DEFAULT_CLAIM_LIMIT, whole_number(1, 1000, "个", "customers"),
            "how many pool customers one rep may claim per day"),
    Setting("project_stages", "项目阶段", "Project stages",
            list(DEFAULT_PROJECT_STAGES), stage_list,
            "the stages a project goes through, in order, as a JSON list of names"),
    Setting("survey_questions", "满意度调查问题", "Satisfaction survey questions",
            list(DEFAULT_SURVEY_QUESTIONS), question_list,
            'the questions of the satisfaction survey, each {"key", "text"}, scored 1-5'),
    Setting("chat_webhook_url", "群机器人 Webhook 地址", "Team chat robot webhook URL",
            None, optional_webhook_url,
            "企业微信 or 钉钉 group robot webhook URL that also receives each rep's reminders; null turns it off",
            private=True, secret=True),
    Setting("chat_webhook_kind", "群机器人类型", "Team chat robot kind",
            None, optional_choice("wecom", "dingtalk"),
            "wecom (企业微信) or dingtalk (钉钉); null detects it from the webhook URL's host",
            private=True),
    Setting("chat_webhook_secret", "钉钉加签密钥", "DingTalk signing secret",
            None, optional_text(200),
            "the SEC… secret of a 钉钉 robot with 加签 security; null when the robot uses keywords or IP lists",
            private=True, secret=True),
    Setting("push_contact", "推送联系地址", "Push contact address",
            "mailto:admin@localhost", contact_address,
            "mailto: or https: contact sent to push services with every Web Push (the VAPID subject)",
            private=True),
)}


def read_synced(conn: sqlite3.Connection, key: str) -> Any:
    """Return the value of one synced setting, or its default when unset or invalid."""
    setting = lookup(key)
    row = conn.execute("SELECT value FROM settings WHERE key = ? AND deleted = 0", (key,)).fetchone()
    if row is None:
        return setting.default
    try:
        return setting.validate(_decode(row[0]))
    except InvalidValue as error:
        log.warning("stored setting %s is invalid (%s); using the default", key, error.detail_en)
        return setting.default


def lookup(key: str) -> Setting:
    """Return the setting called ``key``; raise SettingError when there is none."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise SettingError("unknown_setting", key, detail=f"没有名为 {key} 的设置",
                           detail_en=f"there is no setting called {key}; known: {', '.join(SETTINGS)}")
    return setting


def validate(key: str, value: Any) -> Any:
    """Return ``value`` normalised for setting ``key``; raise SettingError when invalid."""
    setting = lookup(key)
    try:
        return setting.validate(value)
    except InvalidValue as error:
        raise SettingError("invalid_setting", key, setting.title, value, error.detail, error.detail_en) from None


def prepare_private_db(conn: sqlite3.Connection) -> None:
    for ddl in PRIVATE_SCHEMA:
        conn.execute(ddl)


# Reading --------------------------------------------------------------------

def read_all(conn: sqlite3.Connection, private: sqlite3.Connection) -> dict[str, Any]:
    """Return every setting's current value, the default where none is stored.

    A stored value that no longer passes validation (written by another
    version, or by hand) is logged and replaced by the default, so one bad
    row cannot stop reminders.
    """
    stored: dict[str, Any] = {}
    for row in conn.execute("SELECT key, value FROM settings WHERE deleted = 0"):
        stored[row[0]] = _decode(row[1])
    for key, value in _private_rows(private).items():
        stored[key] = _decode(value)
    values = {}
    for key, setting in SETTINGS.items():
        if key not in stored:
            values[key] = setting.default
            continue
        try:
            values[key] = setting.validate(stored[key])
        except InvalidValue as error:
            log.warning("stored setting %s is invalid (%s); using the default", key, error.detail_en)
            values[key] = setting.default
    return values


def is_stored(conn: sqlite3.Connection, private: sqlite3.Connection, key: str) -> bool:
    setting = lookup(key)
    if setting.private:
        return key in _private_rows(private)
    return conn.execute("SELECT 1 FROM settings WHERE key = ? AND deleted = 0", (key,)).fetchone() is not None


def _private_rows(private: sqlite3.Connection) -> dict[str, str]:
    try:
        return {row[0]: row[1] for row in private.execute("SELECT key, value FROM server_settings")}
    except sqlite3.OperationalError:
        # A read-only folder whose private.db predates this table: defaults apply.
        return {}


def display_value(key: str, value: Any) -> Any:
    """Return ``value`` as it may be listed: secret settings only show whether they are set."""
    if SETTINGS[key].secret and value is not None:
        if key == "chat_webhook_url":
            parts = urlsplit(value)
            return f"{parts.scheme}://{parts.netloc}{parts.path}?…"
        return "********"
    return value


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


# Writing --------------------------------------------------------------------

def write(conn: sqlite3.Connection, private: sqlite3.Connection, key: str, value: Any,
          user_id: str | None = None, write_lock=None) -> Any:
    """Validate and store one setting; return the stored (normalised) value.

    A synced setting is a server write of its ``settings`` row, recorded in
    history with ``user_id`` (the admin, or None from the CLI). Raises
    SettingError and stores nothing when the key or value is invalid.
    """
    value = validate(key, value)
    if SETTINGS[key].private:
        with transaction(private):
            private.execute(
                "INSERT INTO server_settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (key, json.dumps(value, ensure_ascii=False), now_stamp(), user_id))
    else:
        _server_write(conn, key, {"key": key, "value": value, "deleted": False}, user_id, write_lock)
    log.info("setting %s changed by %s", key, user_id or "the command line")
    return value


def reset(conn: sqlite3.Connection, private: sqlite3.Connection, key: str,
          user_id: str | None = None, write_lock=None) -> Any:
    """Remove the stored value of ``key`` so its default applies; return the default."""
    setting = lookup(key)
    if setting.private:
        with transaction(private):
            private.execute("DELETE FROM server_settings WHERE key = ?", (key,))
    elif is_stored(conn, private, key):
        _server_write(conn, key, {"deleted": True}, user_id, write_lock)
    log.info("setting %s reset to its default by %s", key, user_id or "the command line")
    return setting.default


def _server_write(conn, key: str, changes: dict, user_id: str | None, write_lock) -> None:
    with write_lock or nullcontext(), transaction(conn):
        batch = Batch(conn, now_stamp(), user_id, "server")
        batch.server_write("settings", _row_id(conn, key), changes)
        batch.flush()


def _row_id(conn: sqlite3.Connection, key: str) -> str:
    """Return the id of the row holding ``key``: the existing one, else one derived from the key.

    Deriving the id from the key makes two writers of a new key (the server
    and a CLI command beside it) write the same row instead of two rows that
    break the unique index on live keys.
    """
    row = conn.execute("SELECT id FROM settings WHERE key = ? ORDER BY deleted, seq DESC LIMIT 1",
                       (key,)).fetchone()
    return row[0] if row else str(uuid.uuid5(SETTINGS_NAMESPACE, key))
