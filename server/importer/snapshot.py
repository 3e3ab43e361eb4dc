"""The database state an import plans against, and the rules for finding duplicate customers.

The snapshot is read in one read transaction and keeps the change
sequence it saw, so the write transaction can detect a record the plan
relied on that changed in between.
"""

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..schema import TABLES
from ..settings import read_synced
from ..store import decode_value
from .values import fold, parse_phones

COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "慕容", "令狐", "夏侯", "公孙", "长孙", "宇文")
HONORIFICS = ("先生", "女士", "小姐", "太太", "夫人", "老板娘", "老板", "总经理", "总", "经理", "老师", "校长", "主任",
              "工", "师傅", "姐", "哥", "阿姨", "叔叔", "叔", "董", "局长", "处长", "科长", "院长", "医生", "律师",
              "同学", "客户", "业主", "老总")
GENERIC_NAME = re.compile(
    r"^(?P<surname>" + "|".join(COMPOUND_SURNAMES) + r"|[\u4e00-\u9fff])?(?:" + "|".join(HONORIFICS) + r")$")
FAMILIAR_NAME = re.compile(r"^[老小阿](?P<surname>[\u4e00-\u9fff])$")


@lru_cache(maxsize=65536)
def _folded_key(text: str) -> str:
    return fold(text).lower()


def name_key(text: str | None) -> str:
    """Return the form names, codes and companies are compared in: folded, lower case."""
    return _folded_key(text) if text else ""


def generic_surname(name: str) -> str | None:
    """Return the surname of a generic name (先生 → "", 李总 → "李", 老王 → "王"), or None for a real name."""
    folded = name_key(name)
    match = GENERIC_NAME.match(folded) or FAMILIAR_NAME.match(folded)
    if not match:
        return None
    return match.group("surname") or ""


def is_generic(name: str | None) -> bool:
    return bool(name) and generic_surname(name) is not None


def names_compatible(name: str | None, other_name: str | None, other_company: str | None = None) -> bool:
    """Return False when two names clearly belong to different people.

    Equal names, one containing the other (张伟 / 张伟（老板）), a generic
    name whose surname fits the other (王总 / 王建国) and a ledger name that
    is the other's company are compatible.
    """
    a, b = name_key(name), name_key(other_name)
    if not a or not b or a == b:
        return True
    if other_company and a == name_key(other_company):
        return True
    if min(len(a), len(b)) >= 2 and (a in b or b in a):
        return True
    for generic, full in ((a, b), (b, a)):
        surname = generic_surname(generic)
        if surname is not None and (surname == "" or full.startswith(surname)):
            return True
    return False


@dataclass(eq=False, slots=True)
class CustomerEntry:
    """A customer the import can match: a stored one, or one an earlier row of the file creates."""

    id: str
    fields: dict[str, Any]
    phone_keys: set[str]
    row: int | None = None  # the file row that creates it, or None for a stored customer

    @property
    def label(self) -> str:
        code = self.fields.get("code") or self.fields.get("legacy_code") or ""
        return f"{self.fields.get('name') or ''}（{code}）" if code else (self.fields.get("name") or "")


@dataclass
class Match:
    entry: CustomerEntry | None
    how: str | None = None  # "code", "phone", "name" or "company"
    flag: str | None = None  # why a possible duplicate was not merged
    other: CustomerEntry | None = None


class CustomerIndex:
    """Customers by code, phone, name and company, for finding duplicates."""

    def __init__(self):
        # Each index maps a key to the entries having it, as {id: entry} in insertion order.
        self.by_id: dict[str, CustomerEntry] = {}
        self.by_code: dict[str, dict[str, CustomerEntry]] = defaultdict(dict)
        self.by_phone: dict[str, dict[str, CustomerEntry]] = defaultdict(dict)
        self.by_name_company: dict[tuple[str, str], dict[str, CustomerEntry]] = defaultdict(dict)
        self.by_name: dict[str, dict[str, CustomerEntry]] = defaultdict(dict)
        self.by_company: dict[str, dict[str, CustomerEntry]] = defaultdict(dict)

    def add(self, entry: CustomerEntry) -> None:
        self.by_id[entry.id] = entry
        self._index(entry)

    def refresh(self, entry: CustomerEntry) -> None:
        """Index new values of an entry (a later row added a phone). Old keys stay, which only helps matching."""
        entry.phone_keys |= parse_phones(entry.fields.get("phone")).keys
        self._index(entry)

    def _index(self, entry: CustomerEntry) -> None:
        def put(table, key):
            if key:
                table[key][entry.id] = entry
        for code_field in ("code", "legacy_code"):
            put(self.by_code, name_key(entry.fields.get(code_field)))
        for key in entry.phone_keys:
            put(self.by_phone, key)
        name, company = name_key(entry.fields.get("name")), name_key(entry.fields.get("company"))
        if name:
            put(self.by_name_company, (name, company))
            put(self.by_name, name)
        put(self.by_company, company)

    @staticmethod
    def first(table: dict, key) -> CustomerEntry | None:
        found = table.get(key)
        return next(iter(found.values())) if found else None

    def by_code_or_name(self, text: str) -> CustomerEntry | None:
        """Find a customer by its code, legacy code, or a name only one customer has."""
        key = name_key(text)
        found = self.first(self.by_code, key)
        if found:
            return found
        code = re.match(r"(KH\d+)", text.strip(), re.IGNORECASE)
        if code and self.first(self.by_code, name_key(code.group(1))):
            return self.first(self.by_code, name_key(code.group(1)))
        named = self.by_name.get(key, {})
        return next(iter(named.values())) if len(named) == 1 else None

    def match(self, code: str | None, name: str | None, company: str | None, phones: set[str],
              name_may_be_company: bool = False) -> Match:
        """Find the customer a row describes, following the duplicate rules.

        The rules, in order: the customer number matches, unless the names
        clearly differ. Then the same normalised phone matches, unless the
        names clearly differ, in which case a new customer is made and
        flagged. Then the same name and company matches, but never for a
        generic name such as 李总, and not when both have different phones
        and neither has a company. ``name_may_be_company`` lets a
        receivables ledger's 客户名称 match a customer's company.
        """
        if code:
            found = self.first(self.by_code, name_key(code))
            # Codes from another database can name someone else here: a code
            # match counts only when the names do not clearly differ.
            if found and names_compatible(name, found.fields.get("name"), found.fields.get("company")):
                return Match(found, "code")
        candidates: dict[str, CustomerEntry] = {}
        for key in sorted(phones):
            candidates.update(self.by_phone.get(key, {}))
        candidates = list(candidates.values())
        for entry in candidates:
            if names_compatible(name, entry.fields.get("name"),
                                entry.fields.get("company") if name_may_be_company else None):
                return Match(entry, "phone")
        if candidates:
            return Match(None, flag="phone_name_differs", other=candidates[0])
        if not name:
            return Match(None)
        key = (name_key(name), name_key(company))
        same = list(self.by_name_company.get(key, {}).values())
        if is_generic(name):
            return Match(None, flag="generic_name", other=same[0]) if same else Match(None)
        if same:
            entry = same[0]
            if phones and entry.phone_keys and not company and not entry.fields.get("company"):
                return Match(None, flag="same_name_other_phone", other=entry)
            return Match(entry, "name")
        if name_may_be_company and not company:
            companies = list(self.by_company.get(name_key(name), {}).values())
            if len(companies) == 1:
                return Match(companies[0], "company")
        return Match(None)


@dataclass
class Snapshot:
    """The database state an import plan is based on."""

    seq: int
    time_zone: str
    customers: CustomerIndex
    users: list[dict[str, Any]]
    receivables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by customer id
    payments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by receivable id
    follow_ups: dict[str, set[tuple]] = field(default_factory=dict)  # by customer id: (happened_at, content)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    dealers: list[dict[str, Any]] = field(default_factory=list)

    def find_dealer(self, text: str) -> dict | None:
        """Return the dealer (经销点) called ``text``, if exactly one has that name."""
        key = name_key(text)
        named = [dealer for dealer in self.dealers if name_key(dealer["name"]) == key]
        return named[0] if len(named) == 1 else None

    def find_user(self, text: str) -> dict | None:
        """Return the active user whose username, or else whose name (if only one has it), is ``text``."""
        key = name_key(text)
        for user in self.users:
            if name_key(user["username"]) == key:
                return user
        named = [user for user in self.users if name_key(user["name"]) == key]
        return named[0] if len(named) == 1 else None


def read_rows(conn: sqlite3.Connection, table_name: str, where: str = "deleted = 0") -> list[dict[str, Any]]:
    table = TABLES[table_name]
    names = [f.name for f in table.fields]
    rows = []
    for row in conn.execute(f"SELECT id, {', '.join(names)} FROM {table_name} WHERE {where}"):
        record = {"id": row[0]}
        for offset, spec in enumerate(table.fields, start=1):
            record[spec.name] = decode_value(spec.kind, row[offset])
        rows.append(record)
    return rows


def load_snapshot(conn: sqlite3.Connection, kind: str) -> Snapshot:
    """Read what planning an import of ``kind`` needs, in one consistent read."""
    conn.execute("BEGIN")
    try:
        seq = int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
        time_zone = organisation_time_zone(conn)
        index = CustomerIndex()
        for record in read_rows(conn, "customers"):
            record_id = record.pop("id")
            index.add(CustomerEntry(record_id, record, parse_phones(record.get("phone")).keys))
        users = [u for u in read_rows(conn, "users") if not u.get("disabled")]
        snapshot = Snapshot(seq, time_zone, index, users, dealers=read_rows(conn, "dealers"))
        if kind == "customers":
            for row in conn.execute("SELECT customer_id, happened_at, content FROM follow_ups WHERE deleted = 0"):
                snapshot.follow_ups.setdefault(row[0], set()).add((row[1], row[2]))
        if kind == "receivables":
            for record in read_rows(conn, "receivables"):
                snapshot.receivables.setdefault(record["customer_id"], []).append(record)
            for record in read_rows(conn, "payments"):
                snapshot.payments.setdefault(record["receivable_id"], []).append(record)
        if kind == "tickets":
            snapshot.tickets = read_rows(conn, "tickets")
    finally:
        conn.execute("COMMIT")
    return snapshot


def organisation_time_zone(conn: sqlite3.Connection) -> str:
    """Return the organisation's time zone (the ``time_zone`` setting, or its default)."""
    return read_synced(conn, "time_zone")
