"""One sync request: accept and merge the device's changes, then pull.

All accepted changes of a request merge in one write transaction, parents
before children, so a payment may arrive in the same request as its
receivable and a failure stores nothing of the request. The pull then
reads in its own snapshot.
"""

import logging
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from ..sync import Rejection, Version, check_change, latest_allowed_stamp, merge, write
from ..sync.write import format_stamp
from . import pull as pulling
from .auth import User
from .db import transaction
from .failpoints import failpoint
from .messages import Detail, message
from .migrations import earlier_epochs, read_meta
from .numbers import NUMBERED, NumberCounter
from .records import SERVER_DEVICE, Batch, server_counter
from .settings import read_synced
from .timeutil import today, zone
from .schema import TABLES, Table, title_pair
from .visibility import SEES_EVERYTHING, can_see
from .wire import ChangeRejection, ParsedChange, RequestError, SyncRequest, parse_change

log = logging.getLogger("genzong.sync")

OWNER_FIELDS = {"customers": "owner_id", "tickets": "owner_id", "projects": "owner_id", "risks": "owner_id"}

# Reasons for rejecting a change, shown in the messages of permission_denied and invalid_value.
NOT_YOURS = Detail("该记录不属于你", "the record is not yours")
NOT_YOURS_CUSTOMER = Detail("该客户不属于你；公海客户需先认领",
                            "the customer is not yours; claim a pool customer first")
NOT_YOURS_PARENT_CUSTOMER = Detail("它所属的客户不属于你；公海客户需先认领",
                                   "its customer is not yours; claim a pool customer first")
NEW_RECORD_OWNER = Detail("新记录的负责人只能是你自己", "a new record's owner can only be yourself")
OWNER_CHANGE = Detail("只有经理或管理员可以更改负责人", "only a manager or admin may change the owner")
NO_SUCH_USER = Detail("没有这个用户", "there is no such user")
USER_DISABLED = Detail("该用户已停用", "the user is disabled")


@dataclass
class SyncStats:
    received: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: int = 0
    sent: int = 0
    revoked: int = 0
    reset: bool = False
    rejections: list[tuple[str, str, str]] = field(default_factory=list)


def handle_sync(conn: sqlite3.Connection, user: User, request: SyncRequest,
                now: datetime, write_lock=None) -> tuple[dict, SyncStats]:
    """Carry out a sync request for ``user`` and return (response body, stats).

    ``write_lock``, when given, is held around the write transaction so the
    server's own threads queue for it instead of polling SQLite's lock. A
    request without changes from a known device writes nothing, so pulls
    keep working when the database cannot be written. ``request.changes`` is
    emptied once the changes are parsed.
    Raises RequestError when the device id belongs to another user.
    """
    stats = SyncStats(received=len(request.changes))
    epoch = read_meta(conn, "epoch")
    reset = request.epoch != epoch and (request.epoch is not None or request.cursor > 0)
    # A device that sends `pulled` has the rows up to those seqs that its earlier role could see,
    # as a device with a cursor above 0 has.
    if (request.cursor > 0 or request.pulled) and _full_pull_needed(conn, request.device, user):
        reset = True  # the device resends what it holds and pulls from the start
    omit: dict = {}
    results: list[dict] = []
    device = None if request.changes else _device_row(conn, user, request.device)
    if request.changes or reset or (device is not None and device["resending_after_reset"]):
        with write_lock or nullcontext(), transaction(conn):
            results, omit = _write_changes(conn, user, request, now, stats, reset)
            failpoint("sync.before_commit")
        failpoint("sync.after_commit")
    elif device is None:
        _add_device(conn, user, request.device, format_stamp(now))

    cursor = 0 if reset else request.cursor
    # After a reset the seqs of `pulled` may name other rows, so they are ignored.
    pulled = {} if reset else request.pulled
    page = pulling.pull(conn, user.role, user.id, cursor, omit, only=request.only, pulled=pulled)
    in_page = {(change.table, change.id) for change in page.changes}
    page.changes.extend(change for change in pulling.fetch(conn, user.role, user.id, request.fetch)
                        if (change.table, change.id) not in in_page)
    stats.sent, stats.revoked, stats.reset = len(page.changes), len(page.revoked), reset
    body = {
        "epoch": epoch, "cursor": page.cursor, "more": page.more, "reset": reset,
        "server_time": format_stamp(datetime.now(now.tzinfo)),
        "results": results, "changes": page.changes, "revoked": page.revoked,
    }
    return body, stats


def _device_row(conn, user: User, device: str) -> sqlite3.Row | None:
    """Return the device's row, None for a new device; raise RequestError when another user has it."""
    row = conn.execute("SELECT user_id, resending_after_reset FROM devices WHERE id = ?", (device,)).fetchone()
    if row is not None and row["user_id"] != user.id:
        raise RequestError(403, "device_taken", device=device)
    return row


def _add_device(conn, user: User, device: str, now_stamp: str) -> None:
    """Bind a new device to ``user`` on its first pull.

    One autocommit statement, outside the write lock: when many devices
    start at once, their first pulls no longer queue for the lock behind
    each other and behind large pushes. SQLite still serialises the insert
    with other writers. Raises RequestError when another user took the id
    in the meantime.
    """
    conn.execute("INSERT INTO devices (id, user_id, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (id) DO NOTHING", (device, user.id, now_stamp, now_stamp))
    _device_row(conn, user, device)


def _full_pull_needed(conn, device: str, user: User) -> bool:
    """Return whether the device must pull everything again (its user's role now sees more)."""
    row = conn.execute("SELECT full_pull_needed FROM devices WHERE id = ? AND user_id = ?",
                       (device, user.id)).fetchone()
    return bool(row and row[0])


def _write_changes(conn, user: User, request: SyncRequest, now: datetime, stats: SyncStats, reset: bool):
    """Merge the request's changes in the open transaction; return (results, omit map)."""
    now_stamp = format_stamp(now)
    resending = _register_device(conn, user, request.device, now_stamp)
    if reset:
        conn.execute("UPDATE devices SET full_pull_needed = 0 WHERE id = ?", (request.device,))
    if reset and request.epoch in earlier_epochs(conn):
        resending = True
        conn.execute("UPDATE devices SET resending_after_reset = 1 WHERE id = ?", (request.device,))
    elif not reset and not request.changes and request.only is None and resending:
        # A pull of some tables alone (a first pull's first part) sends no changes while the
        # device's resend waits for it, so only a pull of every table ends the resend.
        resending = False
        conn.execute("UPDATE devices SET resending_after_reset = 0 WHERE id = ?", (request.device,))

    parsed = [parse_change(i, change) for i, change in enumerate(request.changes)]
    # The decoded JSON of 5,000 changes is about twice the size of the parsed
    # changes, which share its strings, so it is dropped now rather than when
    # the request ends.
    request.changes = []
    results: list[dict | None] = [None] * len(parsed)
    for item in parsed:
        if isinstance(item, ChangeRejection):
            results[item.index] = _rejected(item.table, item.id, item.code, item.values)
    applier = ChangeApplier(conn, user, request.device, now, resending)
    accepted = [item for item in parsed if isinstance(item, ParsedChange)]
    results_by_index, omit = applier.apply(accepted)
    for index, result in results_by_index.items():
        results[index] = result
    _count_results(stats, results)
    if stats.received or reset:
        conn.execute(
            "INSERT INTO sync_log (at, user_id, device, received, merged, unchanged, rejected, reset) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now_stamp, user.id, request.device, stats.received, stats.merged,
             stats.unchanged, stats.rejected, int(reset)))
    return results, omit


def _count_results(stats: SyncStats, results: list[dict]) -> None:
    for result in results:
        status = result["status"]
        if status == "merged":
            stats.merged += 1
        elif status == "unchanged":
            stats.unchanged += 1
        else:
            stats.rejected += 1
            stats.rejections.append((result.get("table"), result.get("id"), result["code"]))


def _register_device(conn, user: User, device: str, now_stamp: str) -> bool:
    """Bind a new device id to ``user``; return whether it is resending after a reset."""
    row = conn.execute("SELECT user_id, resending_after_reset FROM devices WHERE id = ?", (device,)).fetchone()
    if row is None:
        conn.execute("INSERT INTO devices (id, user_id, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                     (device, user.id, now_stamp, now_stamp))
        return False
    if row[0] != user.id:
        raise RequestError(403, "device_taken", device=device)
    conn.execute("UPDATE devices SET last_seen = ? WHERE id = ?", (now_stamp, device))
    return bool(row[1])


def _rejected(table: str | None, record_id: str | None, code: str, values: dict) -> dict:
    result = {"table": table, "id": record_id, "status": "rejected", "code": code,
              "message": message(code, "zh", **values), "message_en": message(code, "en", **values)}
    if values.get("field"):
        result["field"] = values["field"]
    return result


class ChangeApplier:
    """Checks, merges and stages the accepted changes of one request."""

    def __init__(self, conn: sqlite3.Connection, user: User, device: str, now: datetime, resending: bool):
        self.conn = conn
        self.user = user
        self.device = device
        self.now = now
        self.now_stamp = format_stamp(now)
        self.latest_stamp = latest_allowed_stamp(now)
        self.resending = resending
        self.batch = Batch(conn, self.now_stamp, user.id, device)
        self.sees_everything = user.role in SEES_EVERYTHING
        self._users: dict[str, bool] = {}
        self._stored_seqs: dict[tuple[str, str], int] = {}
        # The message values of changes of this request rejected as
        # reassigned, by record. Their children get the same rejection.
        self._reassigned: dict[tuple[str, str], dict] = {}
        self.numbers = NumberCounter(conn)

    def apply(self, changes: list[ParsedChange]):
        """Apply ``changes``; return ({index: result}, omit map for the pull)."""
        self._preload(changes)
        results: dict[int, dict] = {}
        echoes: dict[tuple[str, str], bool] = {}
        for change in sorted(changes, key=lambda c: (c.table.rank, c.index)):
            outcome = self._apply_one(change)
            if outcome[0] not in ("merged", "unchanged"):
                code, values = outcome
                if code == "reassigned":
                    self._reassigned[(change.table.name, change.id)] = values
                results[change.index] = _rejected(change.table.name, change.id, code, values)
                log.info("rejected change user=%s device=%s table=%s id=%s code=%s field=%s",
                         self.user.username, self.device, change.table.name, change.id, code,
                         values.get("field"))
                continue
            status, echoed = outcome
            results[change.index] = {"table": change.table.name, "id": change.id, "status": status}
            echoes[(change.table.name, change.id)] = echoed
        self.numbers.save()
        seqs = self.batch.flush()
        omit = {}
        for key, echoed in echoes.items():
            stored = self._stored_seqs.get(key)
            seq = seqs.get(key, stored)
            if echoed and seq is not None:
                omit[key] = seq
        return results, omit

    def _preload(self, changes: list[ParsedChange]) -> None:
        by_table: dict[str, set[str]] = {}
        for change in changes:
            by_table.setdefault(change.table.name, set()).add(change.id)
            if change.table.parent:
                parent_field, parent_table = change.table.parent
                parent_id = change.version.fields.get(parent_field)
                if isinstance(parent_id, str):
                    by_table.setdefault(parent_table, set()).add(parent_id)
        for table_name in sorted(by_table, key=lambda name: TABLES[name].rank):
            self.batch.preload(table_name, by_table[table_name])

    def _apply_one(self, change: ParsedChange):
        """Return (status, echoed) for a stored change, or (code, values) to reject it.

        ``echoed`` is True when the stored state ends up exactly as the device
        sent it, so the pull need not send it back.
        """
        table, incoming = change.table, change.version
        found = self.batch.current(table.name, change.id)
        base, base_scope = found if found else (None, None)
        stored = self.batch.stored(table.name, change.id)
        if stored is not None:
            self._stored_seqs[(table.name, change.id)] = stored.seq

        if not table.device_writable and not self.resending:
            # Server-written tables come back from devices only after a
            # restore, when they may hold rows the backup lost.
            return "read_only_table", {"value": title_pair(table.name)}
        if table.write_roles and self.user.role not in table.write_roles and not self.resending:
            english_title = title_pair(table.name).en.lower()
            return "permission_denied", {"detail": Detail(f"只有经理或管理员可以修改{table.title}",
                                                          f"only a manager or admin may change a {english_title}")}
        # Permission first: the checks below compare the change with the
        # stored version, so their outcome would tell a user about a record
        # they may not see (its clock counters, its dots, its values).
        allowed = (self._may_edit(base_scope) if table.device_writable
                   else can_see(self.user.role, self.user.id, table.name, base_scope))
        if found is not None and not allowed:
            if self._taken_from_user(table.name, change.id):
                return "reassigned", self._moved_to(base_scope)
            return "permission_denied", {"detail": NOT_YOURS_CUSTOMER if table.name == "customers" else NOT_YOURS}
        rejection = check_change(base, incoming, self.device, self.latest_stamp,
                                 table.server_fields, self.resending)
        if rejection is not None:
            return _explain(table, rejection)

        result = merge(base, incoming)
        merged = result.version
        server_changes = self._owner_default(table, base, merged)
        problem = self._check_final(table, base, {**merged.fields, **server_changes})
        if problem is not None:
            return problem
        server_changes.update(self._server_number(table, change.id, merged))
        if table.name == "pool_claims" and base is None:
            settled = self._settle_claim(merged)
            if isinstance(settled, tuple):
                return settled
            server_changes.update(settled)
        final = merged
        if server_changes:
            # One server write per record: a new customer's owner and code
            # share one dot.
            final = write(merged, SERVER_DEVICE, server_changes, self.now, counter=server_counter(merged))

        if base is not None and _same(final, base):
            return "unchanged", _same(final, incoming)
        self.batch.put(table.name, change.id, final)
        self.batch.add_conflicts(table.name, change.id, result.conflicts)
        # The batch may have written the record again (a ticket takes its
        # customer's owner), and then the device must pull that version.
        staged = self.batch.current(table.name, change.id)[0]
        return "merged", _same(staged, incoming)

    def _may_edit(self, scope_owner: str | None) -> bool:
        return self.sees_everything or scope_owner == self.user.id

    def _owner_default(self, table: Table, base: Version | None, merged: Version) -> dict:
        """Return the server's owner for a new record that names none: the sender."""
        owner_field = OWNER_FIELDS.get(table.name)
        if base is None and owner_field and owner_field not in merged.dots:
            return {owner_field: self.user.id}
        return {}

    def _check_final(self, table: Table, base: Version | None, fields: dict):
        """Return (code, values) when the merged record may not be stored."""
        for name in table.required_fields:
            if fields.get(name) is None:
                return "missing_field", {"field": name, "title": title_pair(table.name, name)}

        owner_field = OWNER_FIELDS.get(table.name)
        if owner_field and not self.sees_everything:
            owner = fields.get(owner_field)
            if base is None and owner != self.user.id:
                return "permission_denied", {"field": owner_field, "detail": NEW_RECORD_OWNER}
            if base is not None and owner != base.fields.get(owner_field):
                return "permission_denied", {"field": owner_field, "detail": OWNER_CHANGE}

        for spec in table.user_references:
            value = fields.get(spec.name)
            changed = base is None or base.fields.get(spec.name) != value
            if value is not None and changed and not self._active_user(value):
                # The name, not the id, because the app shows users by name.
                name = self._user_name(value)
                return "invalid_value", {"field": spec.name, "title": title_pair(table.name, spec.name),
                                         "value": name or value, "detail": USER_DISABLED if name else NO_SUCH_USER}

        if table.parent:
            parent_field, parent_table = table.parent
            parent_id = fields.get(parent_field)
            if parent_id is not None:
                parent = self.batch.current(parent_table, parent_id)
                # A new claim is settled by _settle_claim, which tells a late
                # claimer who owns the customer now.
                claiming = table.name == "pool_claims" and base is None and parent is not None
                if parent is None or not (self._may_edit(parent[1]) or claiming):
                    moved = self._reassigned.get((parent_table, parent_id))
                    if moved is None and parent is not None and self._taken_from_user(parent_table, parent_id):
                        moved = self._moved_to(parent[1])
                    if moved is not None:
                        return "reassigned", {**moved, "field": parent_field}
                    # A pool customer is on the rep's devices, so "not found" would mislead.
                    if parent is not None and can_see(self.user.role, self.user.id, parent_table, parent[1]):
                        return "permission_denied", {"field": parent_field, "detail": NOT_YOURS_PARENT_CUSTOMER}
                    return "parent_not_found", {"field": parent_field, "value": parent_id,
                                                "title": _in_sentence(title_pair(parent_table))}
        return None

    def _moved_to(self, scope_owner: str | None) -> dict:
        """Return the values of a ``reassigned`` message: where the record went, and who enters the change.

        That is the new owner, by name, or a manager when the customer went
        back to the public pool.
        """
        if scope_owner is None:
            return {"moved": Detail("退回公海", "returned to the public pool"), "contact": Detail("经理", "a manager")}
        name = self._user_name(scope_owner)
        if name is None:
            return {"moved": Detail("转给其他人负责", "handed over to someone else"),
                    "contact": Detail("现在的负责人或经理", "its new owner or a manager")}
        return {"moved": Detail(f"转给{name}负责", f"handed over to {name}"),
                "contact": Detail(f"{name}或经理", f"{name} or a manager")}

    def _taken_from_user(self, table_name: str, record_id: str) -> bool:
        """Return whether a revocation took the record from this user's devices.

        Only then is a rejection reported as reassigned, so a user never learns
        that a record they never had exists.
        """
        row = self.conn.execute(
            "SELECT 1 FROM revocations WHERE record_id = ? AND record_table = ? "
            "AND (audience = ? OR (audience IS NULL AND except_user IS NOT ?)) LIMIT 1",
            (record_id, table_name, self.user.id, self.user.id)).fetchone()
        return row is not None

    def _settle_claim(self, claim: Version):
        """Settle a new claim of a pool customer, in the order claims reach the server.

        The first claim makes the claimer the owner (a server write, so the
        customer and its children move to the claimer's devices); a later one
        is rejected naming the owner, and so is a claim beyond the daily limit.
        Returns the claim's server-written fields, or (code, values) to reject.
        """
        customer_id = claim.fields["customer_id"]
        customer, _ = self.batch.current("customers", customer_id)
        owner = customer.fields.get("owner_id")
        if owner is not None and owner != self.user.id:
            row = self.conn.execute("SELECT name, username FROM users WHERE id = ?", (owner,)).fetchone()
            return "already_claimed", {"name": (row[0] or row[1]) if row else owner}
        if owner is None:
            limit = read_synced(self.conn, "pool_claim_daily_limit")
            if self._claims_today() >= limit:
                return "claim_limit", {"limit": limit}
            self.batch.server_write("customers", customer_id, {"owner_id": self.user.id})
        return {"claimed_by": self.user.id, "claimed_at": self.now_stamp, "status": "已认领"}

    def _claims_today(self) -> int:
        time_zone = read_synced(self.conn, "time_zone")
        day = today(time_zone, self.now)
        start = format_stamp(datetime.combine(day, datetime.min.time(), tzinfo=zone(time_zone)))
        stored = self.conn.execute(
            "SELECT count(*) FROM pool_claims WHERE claimed_by = ? AND claimed_at >= ? AND deleted = 0",
            (self.user.id, start)).fetchone()[0]
        staged = sum(1 for s in self.batch.staged() if s.table == "pool_claims"
                     and s.version.fields.get("claimed_by") == self.user.id and s.existed is False)
        return stored + staged

    def _active_user(self, user_id: str) -> bool:
        if user_id not in self._users:
            row = self.conn.execute("SELECT disabled FROM users WHERE id = ?", (user_id,)).fetchone()
            self._users[user_id] = row is not None and not row[0]
        return self._users[user_id]

    def _user_name(self, user_id: str) -> str | None:
        row = self.conn.execute("SELECT coalesce(name, username) FROM users WHERE id = ?", (user_id,)).fetchone()
        return row[0] if row else None

    def _server_number(self, table: Table, record_id: str, merged: Version) -> dict:
        """Return the code of a new customer or the number of a new ticket, if it needs one.

        A resent number can collide with one given out since only while a
        device resends after a restore from backup. The record then gets a new one.
        """
        if table.name not in NUMBERED:
            return {}
        field_name = NUMBERED[table.name][0]
        current = merged.fields.get(field_name)
        if current is not None:
            if not self.resending:
                return {}
            if not self._number_taken(table.name, current, record_id):
                self.numbers.observe(table.name, current)
                return {}
        number = self.numbers.next(table.name)
        while self.resending and self._number_taken(table.name, number, record_id):
            number = self.numbers.next(table.name)
        return {field_name: number}

    def _number_taken(self, table_name: str, number: str, record_id: str) -> bool:
        field_name = NUMBERED[table_name][0]
        if self.numbers.taken(table_name, number, record_id):
            return True
        return any(s.table == table_name and s.id != record_id and s.version.fields.get(field_name) == number
                   for s in self.batch.staged())


def _in_sentence(title: Detail) -> Detail:
    """Return a table's title as it reads inside an English sentence: "the linked customer"."""
    return Detail(title.zh, title.en.lower())


def _same(a: Version, b: Version) -> bool:
    return a.fields == b.fields and a.dots == b.dots and a.clock == b.clock


def _explain(table: Table, rejection: Rejection):
    values = dict(rejection.detail)
    if rejection.field:
        values["field"] = rejection.field
        values["title"] = title_pair(table.name, rejection.field)
    return rejection.code, values
