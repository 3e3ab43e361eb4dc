"""Property tests: replicas editing at random, synced at random, converge.

Several replicas edit a few records (including deletes and restores) and
sync a random subset of their changes at random moments, with clocks skewed
by minutes. After a final full sync every replica must hold the server's
records. An oracle that tracks, as plain sets, which writes each replica
had seen when it wrote checks the merge rule independently of vector clocks:

* a write that another write had already seen is never the final value;
* every write that was overwritten only by writers that had not seen it
  left a conflict record, and every conflict record names such a write;
* resending a request adds no conflict record.

The same scenario runs against a model server built from ``genzong.sync``
alone and against the real app over HTTP.
"""

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from device import Device, edit_version, version_to_change
from genzong.sync import DELETED, Version, check_change, merge, write
from genzong.sync.write import parse_stamp

FIELDS = ("name", "phone", "notes")
RECORDS = ("1b7d1d58-0000-4000-8000-000000000001", "1b7d1d58-0000-4000-8000-000000000002",
           "1b7d1d58-0000-4000-8000-000000000003")
START = datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)


@dataclass
class Write:
    record: str
    field: str
    value: object
    dot: tuple
    seen: frozenset  # dots the writer's replica had seen when it wrote


@dataclass
class Oracle:
    """What each replica and the server have seen, as sets of (device, counter)."""

    writes: list[Write] = field(default_factory=list)
    replica_seen: dict = field(default_factory=dict)  # (replica, record) -> set
    server_seen: dict = field(default_factory=dict)  # record -> set

    def wrote(self, replica, record, version_before, version_after):
        seen = frozenset(self.replica_seen.get((replica, record), set()))
        for name, dot in version_after.dots.items():
            if version_before is None or version_before.dots.get(name) != dot:
                self.writes.append(Write(record, name, version_after.fields[name], dot[:2], seen))
                self.replica_seen.setdefault((replica, record), set()).add(dot[:2])

    def pushed(self, replica, record):
        self.server_seen.setdefault(record, set()).update(self.replica_seen.get((replica, record), set()))

    def pulled(self, replica, record, seen=None):
        seen = self.server_seen.get(record, set()) if seen is None else seen
        self.replica_seen.setdefault((replica, record), set()).update(seen)

    def server_knowledge(self, record) -> frozenset:
        return frozenset(self.server_seen.get(record, set()))


operation = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 4), st.sampled_from(RECORDS), st.sampled_from(FIELDS)),
    st.tuples(st.just("delete"), st.integers(0, 4), st.sampled_from(RECORDS)),
    st.tuples(st.just("restore"), st.integers(0, 4), st.sampled_from(RECORDS)),
    st.tuples(st.just("sync"), st.integers(0, 4), st.sets(st.sampled_from(RECORDS))),
    st.tuples(st.just("retry"), st.integers(0, 4)),
)
scenario = st.tuples(
    st.integers(3, 5),
    st.lists(st.integers(-180_000, 180_000), min_size=5, max_size=5),  # clock skew in ms
    st.lists(operation, max_size=40),
)


class ModelServer:
    """A server made only of genzong.sync: acceptance rules, merge and conflict rows."""

    def __init__(self):
        self.records: dict[str, Version] = {}
        self.conflicts: dict[tuple, dict] = {}

    def push(self, sender: str, versions: dict[str, Version]) -> dict[str, bool]:
        accepted = {}
        for record, incoming in versions.items():
            stored = self.records.get(record)
            rejection = check_change(stored, incoming, sender, "9999-12-31T23:59:59.999Z")
            assert rejection is None, f"a valid history was rejected: {rejection}"
            result = merge(stored, incoming)
            self.records[record] = result.version
            for conflict in result.conflicts:
                key = (record, conflict.field, conflict.other_dot[:2])
                self.conflicts.setdefault(key, {"kept_dot": conflict.kept_dot, "field": conflict.field})
            accepted[record] = True
        return accepted

    def conflict_rows(self):
        return [(record, f, dot, row["kept_dot"]) for (record, f, dot), row in self.conflicts.items()]


class ModelReplica:
    def __init__(self, name: str, skew_ms: int):
        self.name = name
        self.skew = timedelta(milliseconds=skew_ms)
        self.records: dict[str, Version] = {}
        self.outbox: set[str] = set()
        self.last_push: dict[str, Version] = {}
        self.deferred: dict[str, Version] = {}


def run_model(replica_count, skews, operations):
    server = ModelServer()
    oracle = Oracle()
    replicas = [ModelReplica(f"r{i}", skews[i]) for i in range(replica_count)]
    tick = itertools.count(1)

    def now(replica):
        return START + timedelta(milliseconds=next(tick)) + replica.skew

    def edit(replica, record, changes):
        own = replica.records.get(record)
        pulled, seen = replica.deferred.pop(record, (None, None))
        after, kept_aside = edit_version(own, pulled, replica.name, changes, now(replica))
        if kept_aside is not None:
            replica.deferred[record] = (kept_aside, seen)
            before = own
        elif pulled is not None:
            oracle.pulled(replica.name, record, seen)
            before = merge(own, pulled).version
        else:
            before = own
        oracle.wrote(replica.name, record, before, after)
        replica.records[record] = after
        replica.outbox.add(record)

    def sync(replica, records):
        pushing = {r: replica.records[r] for r in records & replica.outbox}
        server.push(replica.name, pushing)
        for record in pushing:
            oracle.pushed(replica.name, record)
        replica.outbox -= set(pushing)
        replica.last_push = pushing
        for record in pushing:
            if record in replica.deferred:
                version, seen = replica.deferred.pop(record)
                replica.records[record] = merge(replica.records[record], version).version
                oracle.pulled(replica.name, record, seen)
        # The pull returns every record, also those whose unsynced writes
        # were not pushed this time: the replica keeps those aside.
        for record in RECORDS:
            if record not in server.records:
                continue
            if record in replica.outbox:
                replica.deferred[record] = (server.records[record], oracle.server_knowledge(record))
                continue
            replica.records[record] = merge(replica.records.get(record), server.records[record]).version
            oracle.pulled(replica.name, record)

    creator = replicas[0]
    for record in RECORDS:
        edit(creator, record, {"name": f"客户-{record[-1]}"})
    for replica in replicas:
        sync(replica, set(RECORDS))

    values = itertools.count()
    for op in operations:
        replica = replicas[op[1] % replica_count]
        if op[0] == "edit":
            edit(replica, op[2], {op[3]: f"{replica.name}-{next(values)}"})
        elif op[0] in ("delete", "restore"):
            edit(replica, op[2], {DELETED: op[0] == "delete"})
        elif op[0] == "sync":
            sync(replica, op[2])
        elif replica.last_push:
            before = dict(server.conflicts)
            server.push(replica.name, replica.last_push)
            assert server.conflicts == before, "a retried request added conflict records"

    for _ in range(2):
        for replica in replicas:
            sync(replica, set(RECORDS))
    return server.records, [r.records for r in replicas], server.conflict_rows(), oracle


def check_outcome(final, replica_states, conflict_rows, oracle):
    for state in replica_states:
        assert state == final, "a replica differs from the server after a full sync"

    by_field: dict[tuple, list[Write]] = {}
    for w in oracle.writes:
        if w.dot in oracle.server_seen.get(w.record, set()):
            by_field.setdefault((w.record, w.field), []).append(w)
    recorded = {(record, f, tuple(dot[:2])) for record, f, dot, _ in conflict_rows}

    for (record, name), writes in by_field.items():
        final_dot = final[record].dots[name][:2]
        for w in writes:
            if w.dot == final_dot:
                assert not any(w.dot in other.seen for other in writes), \
                    f"{record} {name}: the final write {w.dot} had been seen by a later write"
        if name == DELETED:
            continue  # two values only; the delete rule is checked by the example tests
        for w in writes:
            knowingly_overwritten = any(w.dot in other.seen for other in writes)
            if w.dot != final_dot and not knowingly_overwritten:
                assert (record, name, w.dot) in recorded, \
                    f"{record} {name}: write {w.dot} was overwritten unseen but left no conflict"

    seen_by = {(w.record, w.dot): w.seen for w in oracle.writes}  # counters are per record
    for record, name, other_dot, kept_dot in conflict_rows:
        if name == DELETED:
            continue
        assert tuple(other_dot[:2]) not in seen_by[(record, tuple(kept_dot[:2]))], \
            f"{record} {name}: conflict recorded although {kept_dot} had seen {other_dot}"


# Derandomized, so CI runs the same 500 cases every time.
@settings(max_examples=500, deadline=None, derandomize=True)
@given(scenario)
def test_model_replicas_converge(case):
    replica_count, skews, operations = case
    check_outcome(*run_model(replica_count, skews, operations))


SECOND = "1b7d1d58-0000-4000-8000-000000000002"


# Found by the random search: r0 has an unsynced phone write, r1's later
# phone write reaches r0 in a pull, and r0 then edits the name. Merging the
# pull into that edit would drop r0's phone on the device, so no conflict
# row would keep it.
def test_kept_aside_merge_records_conflict():
    operations = [("edit", 0, SECOND, "phone"), ("edit", 1, SECOND, "phone"),
                  ("sync", 1, set(RECORDS)), ("sync", 0, set()), ("edit", 0, SECOND, "name")]
    check_outcome(*run_model(3, [0, 0, 0, 0, 0], operations))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario)
def test_http_replicas_converge(http, make_user, login_as, state, case):
    replica_count, skews, operations = case
    conn = state.records.get()
    for table in ("customers", "conflicts", "history", "devices"):
        conn.execute(f"DELETE FROM {table}")
    user, token = login_as("manager")
    oracle = Oracle()
    devices = [Device(http, token, clock_offset=timedelta(milliseconds=skews[i])) for i in range(replica_count)]
    last_request = {}

    deferred_seen = {}  # (device, record) -> what the server had seen when the device set a pull aside

    def edit(device, record, changes):
        key = ("customers", record)
        own, pulled = device.records.get(key), device.deferred.get(key)
        device.edit("customers", record, **changes)
        if pulled is not None and key not in device.deferred:  # the edit merged the pull kept aside
            oracle.pulled(device.id, record, deferred_seen.pop((device.id, record)))
            before = merge(own, pulled).version
        else:
            before = own
        oracle.wrote(device.id, record, before, device.records[key])

    def sync(device, records):
        keys = [("customers", r) for r in sorted(records) if ("customers", r) in device.outbox]
        body = device.request(keys)
        response = device.post(body)
        assert response.status_code == 200, response.text
        reply = response.json()
        for (_, record), result in zip(keys, reply["results"]):
            assert result["status"] != "rejected", result
            oracle.pushed(device.id, record)
        folding = [k for k in keys if k in device.deferred]
        device.apply_response(keys, reply)
        for _, record in folding:
            if ("customers", record) not in device.deferred:
                oracle.pulled(device.id, record, deferred_seen.pop((device.id, record)))
        for change in reply["changes"]:
            if change["table"] != "customers":
                continue
            if ("customers", change["id"]) in device.deferred:
                seen = deferred_seen.setdefault((device.id, change["id"]), set())
                seen.update(oracle.server_knowledge(change["id"]))
            else:
                oracle.pulled(device.id, change["id"])
        last_request[device.id] = body

    for record in RECORDS:
        edit(devices[0], record, {"name": f"客户-{record[-1]}"})
    for device in devices:
        sync(device, set(RECORDS))
        while device.cursor < _last_seq(conn):
            sync(device, set())

    values = itertools.count()
    for op in operations:
        device = devices[op[1] % replica_count]
        if op[0] == "edit":
            edit(device, op[2], {op[3]: f"{device.id}-{next(values)}"})
        elif op[0] in ("delete", "restore"):
            edit(device, op[2], {DELETED: op[0] == "delete"})
        elif op[0] == "sync":
            sync(device, op[2])
        elif device.id in last_request:
            before = conn.execute("SELECT count(*) FROM conflicts").fetchone()[0]
            body = dict(last_request[device.id], cursor=device.cursor)
            assert device.post(body).status_code == 200
            assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == before

    for _ in range(2):
        for device in devices:
            sync(device, set(RECORDS))
            while device.cursor < _last_seq(conn):
                sync(device, set())

    stored = {row["id"]: Version(_json(row["clock"]), {k: tuple(v) for k, v in _json(row["dots"]).items()}, {})
              for row in conn.execute("SELECT id, clock, dots FROM customers")}
    for device in devices:
        mine = {rid: v for (t, rid), v in device.records.items() if t == "customers"}
        assert {rid: (v.clock, v.dots) for rid, v in mine.items()} == \
            {rid: (v.clock, v.dots) for rid, v in stored.items()}
    final = {rid: v for (t, rid), v in devices[0].records.items() if t == "customers"}
    rows = [(r["record_id"], r["field"], tuple(_json(r["other_dot"])), tuple(_json(r["kept_dot"])))
            for r in conn.execute("SELECT record_id, field, other_dot, kept_dot FROM conflicts")]
    check_outcome(final, [final], rows, oracle)


def _last_seq(conn):
    return int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])


def _json(text):
    import json
    return json.loads(text)
