"""Twenty devices edit the same records at once and end with the server's records.

Devices of two reps and a manager make random edits (many to the same
customers), create follow-ups, delete and restore, and sync at random for a
bounded time, all against one real server process. Afterwards every
request must have succeeded, every device must hold exactly the server's
copy of what it may see, and the conflicts table must explain every
concurrent overwrite: a write overwritten only by writers that had not seen
it has a conflict row, and no conflict row names a write its winner had seen.
"""

import json
import random
import sqlite3
import subprocess
import sys
import threading
import time

import httpx

from device import Device
from genzong.sync import covers
from servers import ServerProcess

PASSWORD = "pw123456"
RUN_SECONDS = 12
FIELDS = ("phone", "notes", "address", "stage")


def add_user(folder, name, role):
    subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", name, "--role", role,
                    "--password", PASSWORD, "--data-dir", str(folder)], check=True, capture_output=True)


def test_twenty_devices_converge(tmp_path):
    folder = tmp_path / "data"
    add_user(folder, "boss", "manager")
    add_user(folder, "rep1", "sales")
    add_user(folder, "rep2", "sales")
    server = ServerProcess(folder).start()
    statuses, errors = [], []
    writes = []  # (record, field, value, dot, writer clock before the write)
    lock = threading.Lock()

    def client():
        return httpx.Client(base_url=server.url, timeout=60)

    def token(name):
        return httpx.post(server.url + "/api/login", json={"username": name, "password": PASSWORD}).json()["token"]

    try:
        owners = {name: token(name) for name in ("boss", "rep1", "rep2")}
        ids = {row["id"]: row["username"] for row in _users(folder)}
        creator = Device(client(), owners["boss"])
        customers = {}
        for i in range(30):
            owner = "rep1" if i % 2 else "rep2"
            owner_id = next(uid for uid, name in ids.items() if name == owner)
            customers[creator.edit("customers", name=f"共享客户{i}", owner_id=owner_id)] = owner
        creator.sync()

        devices = [("boss", Device(client(), owners["boss"])) for _ in range(4)]
        devices += [("rep1", Device(client(), owners["rep1"])) for _ in range(8)]
        devices += [("rep2", Device(client(), owners["rep2"])) for _ in range(8)]
        deadline = time.monotonic() + RUN_SECONDS

        def work(index, user, device):
            rng = random.Random(index)
            visible = [c for c, owner in customers.items() if user == "boss" or owner == user]
            counter = 0
            try:
                device.sync()
                while time.monotonic() < deadline:
                    for _ in range(rng.randint(1, 6)):
                        customer = rng.choice(visible)
                        key = ("customers", customer)
                        before = device.records.get(key)
                        if rng.random() < 0.08:
                            change = {"deleted": not (before and before.fields.get("deleted", False))}
                        elif rng.random() < 0.15:
                            device.edit("follow_ups", customer_id=customer, content=f"{device.id} 拜访",
                                        happened_at="2026-12-01T02:00:00.000Z")
                            continue
                        else:
                            field = rng.choice(FIELDS)
                            counter += 1
                            value = rng.choice(["线索", "跟进中", "已成交"]) if field == "stage" \
                                else f"{device.id}-{counter}"
                            change = {field: value}
                        clock_before = dict(before.clock) if before else {}
                        device.edit("customers", customer, **change)
                        after = device.records[key]
                        with lock:
                            for name, dot in after.dots.items():
                                if before is None or before.dots.get(name) != dot:
                                    writes.append((customer, name, after.fields[name], dot, clock_before))
                    for body in _sync_statuses(device):
                        with lock:
                            statuses.append(body)
                    time.sleep(rng.random() * 0.05)
            except Exception as error:  # reported with the device below
                with lock:
                    errors.append((device.id, repr(error)))

        threads = [threading.Thread(target=work, args=(i, user, device))
                   for i, (user, device) in enumerate(devices)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for _ in range(2):
            for _, device in devices:
                device.sync()
    finally:
        server.stop()

    assert statuses
    assert set(statuses) == {200}
    assert "database is locked" not in server.log()
    assert all(device.rejected == {} for _, device in devices)

    conn = sqlite3.connect(folder / "genzong.db")
    stored = {}
    for table in ("customers", "follow_ups"):
        for row in conn.execute(f"SELECT id, clock, dots FROM {table}"):
            stored[(table, row[0])] = (json.loads(row[1]), {k: list(v) for k, v in json.loads(row[2]).items()})
    for user, device in devices:
        mine = {key: (v.clock, {k: list(d) for k, d in v.dots.items()}) for key, v in device.records.items()
                if key[0] in ("customers", "follow_ups")}
        expected = {key: value for key, value in stored.items()
                    if user == "boss" or _owner_of(key, customers, conn) == user}
        assert mine == expected, device.id

    final = {row[0]: {k: tuple(v) for k, v in json.loads(row[1]).items()}
             for row in conn.execute("SELECT id, dots FROM customers")}
    conflicts = {(row[0], row[1], tuple(json.loads(row[2])[:2])): tuple(json.loads(row[3]))
                 for row in conn.execute("SELECT record_id, field, other_dot, kept_dot FROM conflicts")}
    clock_of = {(record, dot[:2]): clock for record, _, _, dot, clock in writes}  # counters are per record
    by_field = {}
    for record, name, value, dot, clock in writes:
        by_field.setdefault((record, name), []).append((dot, clock))
    for (record, name), field_writes in by_field.items():
        if name in ("deleted", "stage"):
            continue  # few distinct values: equal concurrent values are rightly no conflict
        for dot, _ in field_writes:
            if dot[:2] == final[record][name][:2]:
                continue
            seen_later = any(covers(clock, dot) for _, clock in field_writes)
            if not seen_later:
                assert (record, name, dot[:2]) in conflicts, (record, name, dot)
    for (record, name, other), kept in conflicts.items():
        if name != "deleted" and kept[0] != "server":
            assert not covers(clock_of[(record, kept[:2])], other + ("",)), (record, name, other, kept)


def _sync_statuses(device):
    statuses = []
    for _ in range(20):
        keys = sorted(device.outbox)[:500]
        response = device.post(device.request(keys))
        statuses.append(response.status_code)
        if response.status_code != 200:
            return statuses
        body = response.json()
        device.apply_response(keys, body)
        if not device.outbox and not body["more"]:
            break
    return statuses


def _users(folder):
    conn = sqlite3.connect(folder / "genzong.db")
    conn.row_factory = sqlite3.Row
    return list(conn.execute("SELECT id, username FROM users"))


def _owner_of(key, customers, conn):
    table, record_id = key
    if table == "customers":
        return customers.get(record_id)
    customer = conn.execute("SELECT customer_id FROM follow_ups WHERE id = ?", (record_id,)).fetchone()[0]
    return customers.get(customer)
