"""A simulated device that speaks the sync protocol, as the PWA does.

It keeps its records as sync Versions, an outbox of the ids it changed, its
cursor and epoch, and follows the writing rule for its own edits. Tests and
benchmarks use it over HTTP (an httpx client against the real app).
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from genzong.server.schema import TABLES
from genzong.sync import DELETED, Version, format_stamp, merge, write
from genzong.sync.write import parse_stamp


def new_id() -> str:
    return str(uuid.uuid4())


def version_to_change(table: str, record_id: str, version: Version) -> dict:
    return {
        "table": table, "id": record_id, "clock": dict(version.clock),
        "dots": {name: list(dot) for name, dot in version.dots.items()},
        "fields": {name: value for name, value in version.fields.items() if name != DELETED},
        "deleted": bool(version.fields.get(DELETED, False)),
    }


def edit_version(own: Version | None, pulled: Version | None, device: str,
                 changes: dict, now: datetime) -> tuple[Version, Version | None]:
    """Return the record after the person's ``changes``, and the pulled version still aside.

    ``own`` is the device's version and ``pulled`` a version pulled while
    ``own`` had unsynced writes. The person edits what they see, the two
    merged. When that merge loses no write unseen, it becomes the base and
    nothing stays aside. Otherwise the merge would hide a lost write from the
    server. So the write goes on ``own``, stamped after every dot of the
    merge, and ``pulled`` stays aside until the server acknowledges the
    device's writes.
    """
    if pulled is None:
        return write(own, device, changes, now), None

    merged = merge(own, pulled)
    changes = {name: value for name, value in changes.items()
               if name not in merged.version.dots or merged.version.fields[name] != value}
    if not merged.conflicts:
        return write(merged.version, device, changes, now), None
    if not changes:
        return own, pulled

    latest = parse_stamp(max(dot[2] for dot in merged.version.dots.values()))
    now = max(now, latest + timedelta(milliseconds=1))
    return write(own, device, changes, now, every=True), pulled


def change_to_version(change: dict) -> Version:
    fields = dict(change["fields"])
    dots = {name: tuple(dot) for name, dot in change["dots"].items()}
    if DELETED in dots:
        fields[DELETED] = change["deleted"]
    return Version(dict(change["clock"]), dots, fields)


@dataclass
class Device:
    """One device of one user. ``http`` is an httpx client pointed at the server."""

    http: Any
    token: str
    id: str = field(default_factory=lambda: "d-" + uuid.uuid4().hex[:12])
    records: dict[tuple[str, str], Version] = field(default_factory=dict)
    outbox: set[tuple[str, str]] = field(default_factory=set)
    cursor: int = 0
    epoch: str | None = None
    clock_offset: timedelta = timedelta(0)  # device clock minus true time
    server_offset: timedelta = timedelta(0)  # correction learnt from server_time
    rejected: dict[tuple[str, str], dict] = field(default_factory=dict)
    revoked: list[tuple[str, str]] = field(default_factory=list)
    acked: dict[tuple[str, str], int] = field(default_factory=dict)  # own counter the server has
    # Pulled versions of records that still have unsynced writes, merged once
    # those writes are acknowledged (see apply_response).
    deferred: dict[tuple[str, str], Version] = field(default_factory=dict)
    batch_size: int = 5000

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.clock_offset - self.server_offset

    # Local edits -----------------------------------------------------------

    def edit(self, table: str, record_id: str | None = None, **changes) -> str:
        """Write ``changes`` to a record (a new one when ``record_id`` is None); return its id."""
        record_id = record_id or new_id()
        key = (table, record_id)
        version, pulled = edit_version(self.records.get(key), self.deferred.pop(key, None),
                                       self.id, changes, self.now())
        if pulled is not None:
            self.deferred[key] = pulled
        self.records[key] = version
        self.outbox.add(key)
        return record_id

    def delete(self, table: str, record_id: str) -> None:
        self.edit(table, record_id, **{DELETED: True})

    def get(self, table: str, record_id: str) -> dict | None:
        key = (table, record_id)
        version = self.records.get(key)
        if key in self.deferred:
            version = merge(version, self.deferred[key]).version
        return dict(version.fields) if version else None

    def rows(self, table: str) -> dict[str, dict]:
        return {rid: self.get(t, rid) for (t, rid) in self.records if t == table}

    # Syncing -----------------------------------------------------------------

    def request(self, keys) -> dict:
        changes = [version_to_change(t, rid, self.records[(t, rid)]) for t, rid in keys]
        return {"device": self.id, "epoch": self.epoch, "cursor": self.cursor, "changes": changes}

    def post(self, body: dict):
        return self.http.post("/api/sync", json=body, headers={"Authorization": f"Bearer {self.token}"})

    def sync_once(self, keys=None) -> dict:
        """Send the outbox (or ``keys``) in one request and apply the response.

        Parents go before children, also across requests: a payment sent
        before its receivable reached the server would be rejected.
        """
        if keys is None:
            keys = sorted(self.outbox, key=lambda key: (TABLES[key[0]].rank, key))[: self.batch_size]
        response = self.post(self.request(keys))
        response.raise_for_status()
        body = response.json()
        self.apply_response(keys, body)
        return body

    def sync(self, max_rounds: int = 1000) -> list[dict]:
        """Sync until the outbox is empty and the server has nothing more."""
        bodies = []
        for _ in range(max_rounds):
            body = self.sync_once()
            bodies.append(body)
            if not self.outbox and not body["more"]:
                return bodies
        raise RuntimeError(f"sync did not finish in {max_rounds} rounds")

    def apply_response(self, sent_keys, body: dict) -> None:
        server_now = parse_stamp(body["server_time"])
        self.server_offset = datetime.now(timezone.utc) + self.clock_offset - server_now
        for key, result in zip(sent_keys, body["results"]):
            status = result["status"]
            if status == "rejected" and result["code"] == "clock_ahead":
                self.restamp(key)  # stays in the outbox and goes again
                continue
            self.outbox.discard(key)
            if status == "rejected":
                self.rejected[key] = result
            else:
                self.rejected.pop(key, None)
                self.acked[key] = self.records[key].clock.get(self.id, 0)
            if key in self.deferred:
                self.records[key] = merge(self.records.get(key), self.deferred.pop(key)).version
        for change in body["changes"]:
            key = (change["table"], change["id"])
            incoming = change_to_version(change)
            if key in self.outbox:
                # Merging now would put the pulled writes into the clock of
                # this device's unsynced writes, and the server would then
                # take them for writes made after seeing the pulled ones, so
                # a concurrent overwrite would leave no conflict record.
                self.deferred[key] = merge(self.deferred.get(key), incoming).version
                continue
            self.records[key] = merge(self.records.get(key), incoming).version
            self.acked[key] = max(self.acked.get(key, 0), incoming.clock.get(self.id, 0))
        for item in body["revoked"]:
            key = (item["table"], item["id"])
            self.revoked.append(key)
            self.records.pop(key, None)
            self.deferred.pop(key, None)
            if key in self.outbox:
                self.outbox.discard(key)
                self.rejected[key] = {"status": "rejected", "code": "revoked"}
        self.cursor = body["cursor"]
        self.epoch = body["epoch"]
        if body["reset"]:
            # The server's database was restored: resend everything held.
            self.outbox = set(self.records)

    def restamp(self, key) -> None:
        """Re-stamp this device's unsynced writes of a record after ``clock_ahead``.

        The counters stay; the stamps move to the clock corrected by the last
        ``server_time``, still 1 ms after every other dot of the record and of
        a pulled version kept aside.
        """
        version = self.records[key]
        acked = self.acked.get(key, 0)
        unsynced = {name for name, dot in version.dots.items() if dot[0] == self.id and dot[1] > acked}
        others = [dot[2] for name, dot in version.dots.items() if name not in unsynced]
        if key in self.deferred:  # the writes were made after what the screen showed
            others += [dot[2] for dot in self.deferred[key].dots.values()]
        stamp = self.now()
        if others:
            stamp = max(stamp, parse_stamp(max(others)) + timedelta(milliseconds=1))
        text = format_stamp(stamp)
        version.dots = {name: ((dot[0], dot[1], text) if name in unsynced else dot)
                        for name, dot in version.dots.items()}
