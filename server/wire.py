"""Parse and validate sync requests before anything touches the database.

``parse_envelope`` checks the request as a whole and raises ``RequestError``
(the server returns 4xx and stores nothing). ``parse_change`` checks one
change and returns either a ``ParsedChange`` or a ``ChangeRejection``, so one
bad change never stops the others of the request.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from ..sync import DELETED, Version
from .messages import Detail
from .schema import (BOOLEAN, CHOICE, DATE, INTEGER, JSON, LOCATION, REFERENCE, SCORES, TABLES,
                     TEXT, TIMESTAMP, ENGLISH_CHOICES, Field, Table, title_pair)

MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_CHANGES = 5000
MAX_COUNTER = 2**53 - 1  # the largest integer a JavaScript number represents exactly
MAX_CLOCK_ENTRIES = 1000
# Records one request may fetch by id (`fetch`): a device requests the few it discarded.
MAX_FETCH = 100

DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
STAMP_RE = re.compile(r"(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z\Z")
# JSON may escape lone UTF-16 surrogates ("\ud800"), which no UTF-8 text can hold.
SURROGATE_RE = re.compile("[\ud800-\udfff]")
SERVER_DEVICE = "server"


class RequestError(Exception):
    """The request as a whole is invalid; the server responds with ``status`` and ``code``."""

    def __init__(self, status: int, code: str, **values):
        super().__init__(code)
        self.status = status
        self.code = code
        self.values = values


@dataclass
class SyncRequest:
    device: str
    epoch: str | None
    cursor: int
    changes: list[Any]
    # The tables to pull, or None for all. A device's first pull reads the
    # small tables alone first, so its lists are whole before the follow-ups arrive.
    only: frozenset[str] | None = None
    # Table name to the seq up to which the device pulled that table with
    # `only`. The pull leaves out those rows and revocations.
    pulled: dict[str, int] = field(default_factory=dict)
    # (table, id) of records to send whatever the cursor, because the device
    # dropped its own version of them.
    fetch: tuple[tuple[str, str], ...] = ()


@dataclass
class ParsedChange:
    index: int
    table: Table
    id: str
    version: Version


@dataclass
class ChangeRejection:
    index: int
    table: str | None
    id: str | None
    code: str
    values: dict[str, Any] = field(default_factory=dict)


def parse_json_body(body: bytes) -> Any:
    """Decode a request body; raise RequestError for anything but valid JSON."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(413, "body_too_large", size=len(body), limit=MAX_BODY_BYTES)
    try:
        return json.loads(body)
    except RecursionError:
        raise RequestError(400, "invalid_json", detail="nested too deeply")
    except UnicodeDecodeError:
        raise RequestError(400, "invalid_json", detail="not UTF-8")
    except ValueError as error:
        raise RequestError(400, "invalid_json", detail=str(error)[:200])


def parse_envelope(body: bytes) -> SyncRequest:
    """Check the envelope of a sync request; raise RequestError when it is invalid."""
    data = parse_json_body(body)
    if not isinstance(data, dict):
        raise RequestError(400, "invalid_request", detail="the body must be a JSON object")
    device = data.get("device")
    if not isinstance(device, str) or not DEVICE_RE.match(device) or device == SERVER_DEVICE:
        raise RequestError(400, "invalid_request",
                           detail=f"device must be 1-64 characters of A-Z a-z 0-9 _ - and not 'server', got {_show(device)}")
    epoch = data.get("epoch")
    if epoch is not None and (not isinstance(epoch, str) or len(epoch) > 100):
        raise RequestError(400, "invalid_request", detail=f"epoch must be a string, got {_show(epoch)}")
    cursor = data.get("cursor")
    if not _is_int(cursor) or not 0 <= cursor <= MAX_COUNTER:
        raise RequestError(400, "invalid_request", detail=f"cursor must be a whole number from 0, got {_show(cursor)}")
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise RequestError(400, "invalid_request", detail=f"changes must be a list, got {_show(changes)}")
    if len(changes) > MAX_CHANGES:
        raise RequestError(413, "too_many_changes", count=len(changes), limit=MAX_CHANGES)
    return SyncRequest(device, epoch, cursor, changes, _parse_only(data.get("only")), _parse_pulled(data.get("pulled")),
                       _parse_fetch(data.get("fetch")))


def _parse_only(only: Any) -> frozenset[str] | None:
    if only is None:
        return None
    if not isinstance(only, list) or not only or not all(isinstance(name, str) for name in only):
        raise RequestError(400, "invalid_request", detail=f"only must be a list of table names, got {_show(only)}")
    unknown = [name for name in only if name not in TABLES]
    if unknown:
        raise RequestError(400, "invalid_request",
                           detail=f"only names unknown tables {_show(unknown)}; known: {', '.join(TABLES)}")
    return frozenset(only)


def _parse_fetch(fetch: Any) -> tuple[tuple[str, str], ...]:
    if fetch is None:
        return ()
    if not isinstance(fetch, list) or len(fetch) > MAX_FETCH:
        raise RequestError(400, "invalid_request",
                           detail=f"fetch must be a list of at most {MAX_FETCH} {{table, id}} objects, got {_show(fetch)}")
    records = []
    for item in fetch:
        table, record_id = (item.get("table"), item.get("id")) if isinstance(item, dict) else (None, None)
        if table not in TABLES or not isinstance(record_id, str) or not UUID_RE.match(record_id):
            raise RequestError(400, "invalid_request",
                               detail=f"fetch entries must be {{table, id}} with a known table and a UUID, got {_show(item)}")
        records.append((table, record_id))
    return tuple(records)


def _parse_pulled(pulled: Any) -> dict[str, int]:
    if pulled is None:
        return {}
    if not isinstance(pulled, dict):
        raise RequestError(400, "invalid_request", detail=f"pulled must map table names to seqs, got {_show(pulled)}")
    for name, seq in pulled.items():
        if name not in TABLES:
            raise RequestError(400, "invalid_request",
                               detail=f"pulled names an unknown table {_show(name)}; known: {', '.join(TABLES)}")
        if not _is_int(seq) or not 0 <= seq <= MAX_COUNTER:
            raise RequestError(400, "invalid_request",
                               detail=f"pulled[{_show(name)}] must be a whole number from 0, got {_show(seq)}")
    return dict(pulled)


def parse_change(index: int, change: Any) -> ParsedChange | ChangeRejection:
    """Validate one change and return it as a Version, or why it is rejected."""
    if not isinstance(change, dict):
        return ChangeRejection(index, None, None, "invalid_change", {"detail": "a change must be a JSON object"})
    table_name, record_id = change.get("table"), change.get("id")
    # Echoed in the results, so lone surrogates (valid JSON, not UTF-8) are replaced.
    shown_table = SURROGATE_RE.sub("\ufffd", table_name) if isinstance(table_name, str) else None
    shown_id = SURROGATE_RE.sub("\ufffd", record_id) if isinstance(record_id, str) else None

    def reject(code, **values):
        return ChangeRejection(index, shown_table, shown_id, code, values)

    table = TABLES.get(table_name) if isinstance(table_name, str) else None
    if table is None:
        return reject("unknown_table", value=_show_text(table_name))
    if not isinstance(record_id, str) or not UUID_RE.match(record_id):
        return reject("invalid_id", value=_show_text(record_id))

    clock = change.get("clock")
    problem = _clock_problem(clock)
    if problem:
        return reject("invalid_clock", detail=problem)

    fields, dots, deleted = change.get("fields"), change.get("dots"), change.get("deleted", False)
    if not isinstance(fields, dict):
        return reject("invalid_change", detail="fields must be a JSON object")
    if not isinstance(dots, dict):
        return reject("invalid_change", detail="dots must be a JSON object")
    if not isinstance(deleted, bool):
        return reject("invalid_change", detail=f"deleted must be true or false, got {_show(deleted)}")

    values: dict[str, Any] = {}
    for name, value in fields.items():
        spec = table.field_map.get(name)
        if spec is None:
            return reject("unknown_field", table=table.name, field=_show_text(name))
        problem = value_problem(spec, value)
        if problem:
            return reject("invalid_value", field=name, title=title_pair(table.name, name), value=_show(value),
                          detail=problem)
        values[name] = value

    parsed_dots = {}
    # One write sets many fields: each distinct dot is checked once, and its
    # fields share one tuple.
    checked: dict[tuple, tuple] = {}
    for name, dot in dots.items():
        if name != DELETED and name not in values:
            return reject("invalid_dot", field=_show_text(name), detail="a dot for a field the change does not carry")
        if not _dot_shaped(dot):
            return reject("invalid_dot", field=name, detail=_dot_problem(dot))
        key = tuple(dot)  # [str, int, str], so hashable
        if key not in checked:
            problem = _dot_problem(dot)
            if problem:
                return reject("invalid_dot", field=name, detail=problem)
            checked[key] = key
        parsed_dots[name] = checked[key]
    for name in values:
        if name not in parsed_dots:
            return reject("invalid_dot", field=name, detail="every field needs the dot of the write that set it")
    if DELETED in parsed_dots:
        values[DELETED] = deleted
    elif deleted:
        return reject("invalid_dot", field=DELETED, detail="a deleted record needs the dot of the delete")
    return ParsedChange(index, table, record_id, Version(dict(clock), parsed_dots, values))


def value_problem(spec: Field, value: Any) -> Detail | None:
    """Return why ``value`` does not fit field ``spec``, in Chinese and English, or None when it does.

    Every field may be null (cleared); required fields are checked on the
    merged record instead, because a change may leave them to the stored one.
    """
    if value is None:
        return None
    kind = spec.kind
    if kind == TEXT:
        if not isinstance(value, str):
            return Detail("必须是文本", "must be text")
        if len(value) > spec.max_length:
            return Detail(f"最多 {spec.max_length} 个字符，收到 {len(value)} 个",
                          f"at most {spec.max_length} characters, got {len(value)}")
        if "\x00" in value:
            return Detail("不能包含 NUL 字符", "must not contain NUL characters")
        if SURROGATE_RE.search(value):
            return Detail("不能包含不成对的 UTF-16 代理项", "must not contain unpaired UTF-16 surrogates")
    elif kind == INTEGER:
        if not _is_int(value):
            return Detail("必须是整数", "must be a whole number")
        if spec.minimum is not None and value < spec.minimum:
            return Detail(f"不能小于 {spec.minimum}", f"must be at least {spec.minimum}")
        if spec.maximum is not None and value > spec.maximum:
            return Detail(f"不能大于 {spec.maximum}", f"must be at most {spec.maximum}")
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            return Detail("必须是 true 或 false", "must be true or false")
    elif kind == CHOICE:
        if value not in spec.choices:
            english = ", ".join(f"{choice} ({ENGLISH_CHOICES[choice]})" if choice in ENGLISH_CHOICES else choice
                                for choice in spec.choices)
            return Detail(f"必须是 {'/'.join(spec.choices)} 之一", f"must be one of {english}")
    elif kind == DATE:
        if not isinstance(value, str) or not _valid_date(value):
            return Detail("必须是存在的日期，格式为 YYYY-MM-DD", "must be a real date in the form YYYY-MM-DD")
    elif kind == TIMESTAMP:
        if not isinstance(value, str) or not valid_stamp(value):
            return Detail("必须是 YYYY-MM-DDTHH:MM:SS.sssZ 格式的 UTC 时间",
                          "must be a UTC time YYYY-MM-DDTHH:MM:SS.sssZ")
    elif kind == REFERENCE:
        if not isinstance(value, str) or not UUID_RE.match(value):
            return Detail("必须是一条记录的编号（小写 UUID）",
                          "must be the id (a lowercase UUID) of a record")
    elif kind == LOCATION:
        return _location_problem(value)
    elif kind == SCORES:
        return _scores_problem(value)
    elif kind == JSON:
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError, ValueError):
            return Detail("必须是能用 UTF-8 保存的 JSON，不能含不成对的代理项或 NaN",
                          "must be JSON that UTF-8 can hold, without unpaired surrogates or NaN")
    return None


def valid_stamp(value: str) -> bool:
    match = STAMP_RE.match(value)
    return bool(match) and _valid_date(match.group(1))


@lru_cache(maxsize=4096)
def _valid_date(value: str) -> bool:
    if not DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _location_problem(value: Any) -> Detail | None:
    if not isinstance(value, dict) or not {"lat", "lng"} <= value.keys() <= {"lat", "lng", "accuracy"}:
        return Detail('必须是 {"lat": …, "lng": …}，可另带 "accuracy"',
                      'must be {"lat": …, "lng": …} with an optional "accuracy"')
    for key, low, high in (("lat", -90, 90), ("lng", -180, 180), ("accuracy", 0, 10_000_000)):
        number = value.get(key)
        if key == "accuracy" and number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not low <= number <= high:
            return Detail(f"{key} 必须是 {low} 到 {high} 之间的数",
                          f"{key} must be a number from {low} to {high}")
    return None


MAX_SCORED_QUESTIONS = 50


def _scores_problem(value: Any) -> Detail | None:
    if not isinstance(value, dict) or len(value) > MAX_SCORED_QUESTIONS:
        return Detail(f'必须是 {{"问题键": 分数}}，最多 {MAX_SCORED_QUESTIONS} 个问题',
                      f'must be {{"question key": score}} with at most {MAX_SCORED_QUESTIONS} questions')
    for key, score in value.items():
        if not key or len(key) > 50 or SURROGATE_RE.search(key):
            return Detail(f"问题键 {_show(key)} 必须是 1–50 个字符",
                          f"question key {_show(key)} must be 1-50 characters")
        if score is not None and (not _is_int(score) or not 1 <= score <= 5):
            return Detail(f"{_show(key)} 的分数必须是 1 到 5 的整数，未回答时为 null",
                          f"the score of {_show(key)} must be a whole number from 1 to 5, or null when unanswered")
    return None


def _clock_problem(clock: Any) -> str | None:
    if not isinstance(clock, dict):
        return "clock must be a JSON object of device id to counter"
    if len(clock) > MAX_CLOCK_ENTRIES:
        return f"at most {MAX_CLOCK_ENTRIES} devices per clock"
    for device, counter in clock.items():
        if not _valid_device(device):
            return f"device id {_show(device)} is not 1-64 characters of A-Z a-z 0-9 _ -"
        if not _is_int(counter) or not 1 <= counter <= MAX_COUNTER:
            return f"counter of {device} must be a whole number from 1 to 2^53-1, got {_show(counter)}"
    return None


def _dot_shaped(dot: Any) -> bool:
    """Return whether ``dot`` is a list of a string, a whole number and a string, as every dot is."""
    return (isinstance(dot, list) and len(dot) == 3 and isinstance(dot[0], str)
            and _is_int(dot[1]) and isinstance(dot[2], str))


def _dot_problem(dot: Any) -> str | None:
    if not isinstance(dot, list) or len(dot) != 3:
        return "a dot is [device, counter, edited_at]"
    device, counter, stamp = dot
    if not isinstance(device, str) or not _valid_device(device):
        return f"device id {_show(device)} is invalid"
    if not _is_int(counter) or not 1 <= counter <= MAX_COUNTER:
        return f"counter must be a whole number from 1 to 2^53-1, got {_show(counter)}"
    if not isinstance(stamp, str) or not valid_stamp(stamp):
        return f"edited_at must be YYYY-MM-DDTHH:MM:SS.sssZ in UTC, got {_show(stamp)}"
    return None


@lru_cache(maxsize=4096)
def _valid_device(device: str) -> bool:
    return DEVICE_RE.match(device) is not None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show_text(value: Any, limit: int = 60) -> str:
    """Return a received name or id as it is, shortened, for a message that puts it in quotes.

    Values other than text, and text with lone surrogates, are shown as by ``_show``.
    """
    if not isinstance(value, str):
        return _show(value, limit)
    text = SURROGATE_RE.sub("\ufffd", value)
    return text if len(text) <= limit else text[:limit] + "…"


def _show(value: Any, limit: int = 60) -> str:
    """Return a short printable form of a received value for an error message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = type(value).__name__
    text = SURROGATE_RE.sub("\ufffd", text)
    return text if len(text) <= limit else text[:limit] + "…"
