"""A leaner device for benchmarks, speaking the same sync protocol as ``tests/device.py``.

The reference device turns every received change into a ``Version`` and
merges it field by field. This one keeps received changes as the dicts the
JSON decoder made, and merges only where merging can change the result:
when the received clock does not cover the held clock. Otherwise the
received state is the merge result, because the server's whole state
covers every write the device holds, and each covered dot loses to the
write that replaced it (the server rejects writes that are not later than
what they replace). Like the reference device, it keeps a pulled version
aside while the record has unsynced writes, and merges it once they are
acknowledged or when the record is edited again.
"""

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from genzong.server.schema import TABLES
from genzong.sync import DELETED, Version, merge, write
from genzong.sync.write import parse_stamp

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def to_version(change: dict) -> Version:
    fields = dict(change["fields"])
    dots = {name: tuple(dot) for name, dot in change["dots"].items()}
    if DELETED in dots:
        fields[DELETED] = change["deleted"]
    return Version(dict(change["clock"]), dots, fields)


def to_change(table: str, record_id: str, version: Version) -> dict:
    return {
        "table": table, "id": record_id, "clock": version.clock,
        "dots": {name: list(dot) for name, dot in version.dots.items()},
        "fields": {name: value for name, value in version.fields.items() if name != DELETED},
        "deleted": bool(version.fields.get(DELETED, False)),
    }


def clock_covers(clock: dict, other: dict) -> bool:
    return all(clock.get(device, 0) >= counter for device, counter in other.items())


class LeanDevice:
    """One device: records as received changes or local Versions, an outbox, a cursor."""

    def __init__(self, http, token: str, batch_size: int = 5000):
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.id = "d-" + uuid.uuid4().hex[:12]
        self.batch_size = batch_size
        self.records: dict[tuple[str, str], Any] = {}  # a received change dict, or a local Version
        self.outbox: dict[tuple[str, str], None] = {}  # insertion-ordered set
        self.rejected: dict[tuple[str, str], dict] = {}
        self.deferred: dict[tuple[str, str], Version] = {}  # pulled while the record had unsynced writes
        self.cursor = 0
        self.epoch: str | None = None
        self.server_offset = None

    def now(self) -> datetime:
        moment = datetime.now(timezone.utc)
        return moment - self.server_offset if self.server_offset is not None else moment

    def stored_version(self, key) -> Version | None:
        """Return the record as this device stores it, without a version kept aside."""
        held = self.records.get(key)
        if held is None or isinstance(held, Version):
            return held
        return to_version(held)

    def version(self, key) -> Version | None:
        """Return the record as the person sees it: with a version kept aside merged in."""
        stored = self.stored_version(key)
        if key in self.deferred:
            return merge(stored, self.deferred[key]).version
        return stored

    def edit(self, table: str, record_id: str | None = None, **changes) -> str:
        record_id = record_id or str(uuid.uuid4())
        key = (table, record_id)
        base = self.stored_version(key)
        if key in self.deferred:
            base = merge(base, self.deferred.pop(key)).version
        self.records[key] = write(base, self.id, changes, self.now())
        self.outbox[key] = None
        return record_id

    def sync(self, max_rounds: int = 100_000) -> list[dict]:
        bodies = []
        for _ in range(max_rounds):
            body = self.sync_once()
            bodies.append(body)
            if not self.outbox and not body["more"]:
                return bodies
        raise RuntimeError(f"sync did not finish in {max_rounds} rounds")

    def sync_once(self) -> dict:
        keys = self._next_keys()
        changes = []
        for key in keys:
            held = self.records[key]
            changes.append(to_change(key[0], key[1], held) if isinstance(held, Version) else held)
        request = {"device": self.id, "epoch": self.epoch, "cursor": self.cursor, "changes": changes}
        response = self.http.post("/api/sync", content=_ENCODE(request).encode(), headers=self.headers)
        response.raise_for_status()
        body = response.json()
        self._apply(keys, body)
        return body

    def _next_keys(self) -> list:
        if len(self.outbox) <= self.batch_size:
            keys = list(self.outbox)
        else:
            keys = []
            for key in self.outbox:
                keys.append(key)
                if len(keys) == self.batch_size:
                    break
        # Parents before children, as the reference device sends them.
        return sorted(keys, key=lambda key: TABLES[key[0]].rank)

    def _apply(self, sent, body: dict) -> None:
        self.server_offset = datetime.now(timezone.utc) - parse_stamp(body["server_time"])
        for key, result in zip(sent, body["results"]):
            if result["status"] == "rejected" and result["code"] == "clock_ahead":
                raise RuntimeError(f"clock_ahead for {key}: the benchmark's clock is off")
            self.outbox.pop(key, None)
            if result["status"] == "rejected":
                self.rejected[key] = result
            if key in self.deferred:
                self.records[key] = merge(self.stored_version(key), self.deferred.pop(key)).version
        records = self.records
        for change in body["changes"]:
            key = (change["table"], change["id"])
            if key in self.outbox:
                # Merged later: the clock of the unsynced writes must not claim the pulled ones as seen.
                self.deferred[key] = merge(self.deferred.get(key), to_version(change)).version
                continue
            held = records.get(key)
            if held is None:
                records[key] = change
                continue
            held_clock = held.clock if isinstance(held, Version) else held["clock"]
            if clock_covers(change["clock"], held_clock):
                records[key] = change
            else:
                current = held if isinstance(held, Version) else to_version(held)
                records[key] = merge(current, to_version(change)).version
        for item in body["revoked"]:
            key = (item["table"], item["id"])
            records.pop(key, None)
            self.deferred.pop(key, None)
            if key in self.outbox:
                del self.outbox[key]
                self.rejected[key] = {"status": "rejected", "code": "revoked"}
        self.cursor = body["cursor"]
        self.epoch = body["epoch"]
        if body["reset"]:
            self.outbox = dict.fromkeys(records)
