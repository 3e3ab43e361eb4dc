"""Stage the writes of one transaction and store them together.

A ``Batch`` collects every record a request or a server task changes, with
the history rows, conflict rows and revocations those changes imply, and
``flush`` writes them with one ``executemany`` per table. Change sequence
numbers are given out at flush, parents before children, so a device that
pulls in ``seq`` order meets a customer before its follow-ups.
"""

import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from ..sync import DELETED, Conflict, Version, write
from ..sync.write import parse_stamp
from . import store, visibility
from .schema import RECORD_ATTACHED, TABLES, children_of

CLOSED_TICKET_STATUSES = ("已解决", "已回访")

SERVER_DEVICE = "server"
CONFLICT_NAMESPACE = uuid.UUID("6f1c8f9e-3a57-4c1e-9a53-1c0ad0e6b7a2")


def conflict_id(table_name: str, record_id: str, field: str, losing_dot) -> str:
    """Return the id of the conflict row for one losing write.

    Derived from the record, the field and the losing dot, so a retried
    request finds the row it made before instead of adding another.
    """
    device, counter, _ = losing_dot
    return str(uuid.uuid5(CONFLICT_NAMESPACE, f"{table_name}\n{record_id}\n{field}\n{device}\n{counter}"))


def server_counter(version: Version | None) -> int:
    """Return the counter for a server write: at least the time in milliseconds.

    Time-based counters keep rising across a restore from backup, so two
    different server writes never share a dot.
    """
    now_ms = time.time_ns() // 1_000_000
    known = version.clock.get(SERVER_DEVICE, 0) if version else 0
    return max(now_ms, known + 1)


@dataclass
class Staged:
    table: str
    id: str
    version: Version
    scope_owner: str | None
    original_scope: str | None  # scope before this batch; None for a new row
    existed: bool
    # The row, or a parent above it, moved to another parent record in this
    # batch, so the row is credited to its new scope owner (see server.schema).
    moved: bool = False


def _parent_changed(table_name: str, before: Version, after: Version) -> bool:
    """Return whether a row's parent reference differs between two versions."""
    parent = TABLES[table_name].parent
    return parent is not None and before.fields.get(parent[0]) != after.fields.get(parent[0])


def _belongs_to(table_name: str, version: Version) -> list[tuple]:
    """Return the keys under which a staged row is found: its parent's id, or its record's."""
    table = TABLES[table_name]
    keys = []
    if table.parent:
        keys.append((table_name, table.parent[0], version.fields.get(table.parent[0])))
    if table_name in RECORD_ATTACHED:
        keys.append((table_name, version.fields.get("record_table"), version.fields.get("record_id")))
    return keys


class Batch:
    """The pending writes of one write transaction on ``conn``."""

    def __init__(self, conn: sqlite3.Connection, now: str, user_id: str | None, device: str):
        self.conn = conn
        self.now = now
        self.user_id = user_id
        self.device = device
        self._loaded: dict[tuple[str, str], store.StoredRecord | None] = {}
        self._staged: dict[tuple[str, str], Staged] = {}
        # The staged rows' ids by what they belong to (see _belongs_to). A scope
        # change looks up a record's staged children here, because scanning
        # every staged row made a large hand-over quadratic.
        self._staged_members: dict[tuple, dict[str, None]] = {}
        self._device_users: dict[str, str | None] = {}

    # Reading -------------------------------------------------------------

    def preload(self, table_name: str, ids: Iterable[str]) -> None:
        """Load the stored records among ``ids`` in one query."""
        wanted = [i for i in set(ids) if (table_name, i) not in self._loaded]
        found = store.load_records(self.conn, TABLES[table_name], wanted)
        for record_id in wanted:
            self._loaded[(table_name, record_id)] = found.get(record_id)

    def stored(self, table_name: str, record_id: str) -> store.StoredRecord | None:
        """Return the record as the database held it before this batch."""
        key = (table_name, record_id)
        if key not in self._loaded:
            self.preload(table_name, [record_id])
        return self._loaded[key]

    def current(self, table_name: str, record_id: str) -> tuple[Version, str | None] | None:
        """Return (version, scope owner) with this batch's writes applied, or None."""
        staged = self._staged.get((table_name, record_id))
        if staged is not None:
            return staged.version, staged.scope_owner
        stored = self.stored(table_name, record_id)
        return (stored.version, stored.scope_owner) if stored else None

    def scope_of(self, table_name: str, record_id: str) -> str | None:
        found = self.current(table_name, record_id)
        return found[1] if found else None

    def staged(self) -> list[Staged]:
        return list(self._staged.values())

    def user_of_device(self, device: str) -> str | None:
        if device not in self._device_users:
            row = self.conn.execute("SELECT user_id FROM devices WHERE id = ?", (device,)).fetchone()
            self._device_users[device] = row[0] if row else None
        return self._device_users[device]

    # Staging -------------------------------------------------------------

    def put(self, table_name: str, record_id: str, version: Version, *,
            history: bool = True, parent_moved: bool = False) -> str | None:
        """Stage ``version`` as the new state of a record and return its scope.

        Records one history row per changed field (none for a new record, whose
        first version is itself the record of its creation). When the scope
        changes, the record's children and their history and conflict rows
        move with it. A record that moves to another parent record, or whose
        parent did (``parent_moved``), is marked ``moved``, and so are the
        children that move with it.
        """
        key = (table_name, record_id)
        previous = self.current(table_name, record_id)
        stored = self.stored(table_name, record_id)
        scope = visibility.scope_for(table_name, version, self.scope_of)
        replaced = self._staged.get(key)
        if replaced is not None:
            for parent_key in _belongs_to(table_name, replaced.version):
                self._staged_members[parent_key].pop(record_id, None)
        moved = (parent_moved or (replaced is not None and replaced.moved)
                 or (previous is not None and _parent_changed(table_name, previous[0], version)))
        self._staged[key] = Staged(table_name, record_id, version, scope,
                                   stored.scope_owner if stored else None, stored is not None, moved)
        for parent_key in _belongs_to(table_name, version):
            self._staged_members.setdefault(parent_key, {})[record_id] = None
        if table_name == "tickets":
            self._follow_customer_owner(record_id, version)
        if previous is None:
            return scope
        old_version, old_scope = previous
        if history:
            self._record_history(table_name, record_id, old_version, version, scope)
        if old_scope != scope:
            self._rescope_dependents(table_name, [record_id], moved)
        return scope

    def server_write(self, table_name: str, record_id: str, changes: dict[str, Any],
                     *, history: bool = True) -> Version:
        """Stage a write by the server itself (device ``server``) and return the new version."""
        found = self.current(table_name, record_id)
        base = found[0] if found else None
        version = write(base, SERVER_DEVICE, changes, parse_stamp(self.now), counter=server_counter(base))
        self.put(table_name, record_id, version, history=history)
        return version

    def add_conflicts(self, table_name: str, record_id: str, conflicts: list[Conflict]) -> int:
        """Stage one conflict row per losing write not recorded before; return how many."""
        added = 0
        for conflict in conflicts:
            row_id = conflict_id(table_name, record_id, conflict.field, conflict.other_dot)
            if self.current("conflicts", row_id) is not None:
                continue
            fields = {
                "record_table": table_name, "record_id": record_id, "field": conflict.field,
                "kept_value": conflict.kept_value, "kept_dot": list(conflict.kept_dot),
                "kept_user": self.user_of_device(conflict.kept_dot[0]),
                "other_value": conflict.other_value, "other_dot": list(conflict.other_dot),
                "other_user": self.user_of_device(conflict.other_dot[0]),
                "detected_at": self.now,
            }
            self._put_server_row("conflicts", row_id, fields)
            added += 1
        return added

    def _put_server_row(self, table_name: str, record_id: str, fields: dict[str, Any]) -> None:
        version = write(None, SERVER_DEVICE, fields, parse_stamp(self.now), counter=server_counter(None))
        self.put(table_name, record_id, version, history=False)

    def _record_history(self, table_name, record_id, old: Version, new: Version, scope) -> None:
        if table_name in RECORD_ATTACHED:
            return
        for name in sorted(new.fields.keys() | old.fields.keys()):
            before = old.fields.get(name, False if name == DELETED else None)
            after = new.fields.get(name, False if name == DELETED else None)
            if before == after:
                continue
            dot = new.dots.get(name)
            device = dot[0] if dot else self.device
            self._put_server_row("history", str(uuid.uuid4()), {
                "record_table": table_name, "record_id": record_id, "field": name,
                "old_value": before, "new_value": after,
                # The server writes for the user whose request it serves (none for its own jobs).
                "user_id": (self.user_id if device in (self.device, SERVER_DEVICE)
                            else self.user_of_device(device)),
                # When the value was written, on the device: an edit made
                # offline in the morning is dated then, not at the evening's sync.
                "device": device, "changed_at": dot[2] if dot else self.now,
            })

    def _rescope_dependents(self, table_name: str, record_ids: list[str], moved: bool) -> None:
        """Restage the rows that take their scope from these records, as moved when ``moved``."""
        for child in children_of(table_name):
            parent_field = child.parent[0]
            rows = self._select_ids(child.name, parent_field, record_ids)
            for row_id in rows:
                found = self.current(child.name, row_id)
                if found is not None:
                    self.put(child.name, row_id, found[0], history=False, parent_moved=moved)
        if table_name in RECORD_ATTACHED:
            return
        for attached in RECORD_ATTACHED:
            for row_id in self._select_attached(attached, table_name, record_ids):
                found = self.current(attached, row_id)
                if found is not None:
                    self.put(attached, row_id, found[0], history=False)

    def _follow_customer_owner(self, ticket_id: str, version: Version) -> None:
        """Make an open ticket of a customer take the customer's owner as 负责人, by a server write.

        Only the customer's owner can open its tickets, so reports and reminders
        would otherwise name a rep who no longer can. This runs whenever a
        ticket is staged: when its customer moves (the customer's children
        are staged again), when it is reopened, or written with another
        owner. Closed tickets keep the rep who handled them.
        """
        fields = version.fields
        customer_id = fields.get("customer_id")
        if not customer_id or fields.get(DELETED) or fields.get("status") in CLOSED_TICKET_STATUSES:
            return
        customer = self.current("customers", customer_id)
        if customer is None:
            return
        owner = customer[0].fields.get("owner_id")
        if fields.get("owner_id") != owner:
            self.server_write("tickets", ticket_id, {"owner_id": owner})

    def _select_ids(self, table_name: str, column: str, values: list[str]) -> list[str]:
        staged = [row_id for value in values
                  for row_id in self._staged_members.get((table_name, column, value), ())]
        marks = ",".join("?" * len(values))
        stored = [row[0] for row in self.conn.execute(
            f"SELECT id FROM {table_name} WHERE {column} IN ({marks})", values)]
        return list(dict.fromkeys(stored + staged))

    def _select_attached(self, attached: str, table_name: str, record_ids: list[str]) -> list[str]:
        staged = [row_id for record_id in record_ids
                  for row_id in self._staged_members.get((attached, table_name, record_id), ())]
        marks = ",".join("?" * len(record_ids))
        stored = [row[0] for row in self.conn.execute(
            f"SELECT id FROM {attached} WHERE record_table = ? AND record_id IN ({marks})",
            [table_name, *record_ids])]
        return list(dict.fromkeys(stored + staged))

    # Storing -------------------------------------------------------------

    def flush(self) -> dict[tuple[str, str], int]:
        """Store every staged row and revocation; return each row's new seq.

        Must run inside the caller's write transaction, which also commits it.
        """
        if not self._staged:
            return {}
        ordered = sorted(self._staged.values(), key=lambda s: TABLES[s.table].rank)
        revocations = [(s, visibility.revocation_for(s.table, s.original_scope, s.scope_owner))
                       for s in ordered if s.existed]
        revocations = [(s, r) for s, r in revocations if r is not None]
        first = store.allocate_seqs(self.conn, len(ordered) + len(revocations))
        seqs: dict[tuple[str, str], int] = {}
        by_table: dict[str, list] = {}
        moved: dict[str, list[str]] = {}
        for offset, staged in enumerate(ordered):
            seq = first + offset
            seqs[(staged.table, staged.id)] = seq
            by_table.setdefault(staged.table, []).append(
                (staged.id, staged.version, seq, self.now, staged.scope_owner))
            if staged.moved:
                moved.setdefault(staged.table, []).append(staged.id)
        for table_name, rows in by_table.items():
            store.upsert_records(self.conn, TABLES[table_name], rows)
        for table_name, ids in moved.items():
            store.credit_to_scope_owner(self.conn, TABLES[table_name], ids)
        next_seq = first + len(ordered)
        self.conn.executemany(
            "INSERT INTO revocations (seq, audience, except_user, record_table, record_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(next_seq + i, aud, except_user, s.table, s.id, self.now)
             for i, (s, (aud, except_user)) in enumerate(revocations)])
        self._staged.clear()
        self._staged_members.clear()
        self._loaded.clear()
        return seqs
