"""Killing the server in the middle of a sync loses nothing and stores nothing twice."""

import random
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest

from device import Device
from servers import ServerProcess

PASSWORD = "pw123456"


def add_user(folder, name, role="sales"):
    subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", name, "--role", role,
                    "--password", PASSWORD, "--data-dir", str(folder)], check=True, capture_output=True)


def login(url, name):
    return httpx.post(url + "/api/login", json={"username": name, "password": PASSWORD}).json()["token"]


def fill(device, customers):
    """Write customers, each with a follow-up and a receivable paid in part; return the expected rows."""
    expected = {"customers": set(), "follow_ups": set(), "receivables": set(), "payments": set()}
    for i in range(customers):
        customer = device.edit("customers", name=f"客户{i}", phone=f"138{i:08d}")
        expected["customers"].add(customer)
        expected["follow_ups"].add(device.edit(
            "follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z", content=f"拜访{i}"))
        receivable = device.edit("receivables", customer_id=customer, amount_fen=100_000 + i)
        expected["receivables"].add(receivable)
        expected["payments"].add(device.edit("payments", receivable_id=receivable, paid_on="2026-12-02",
                                             amount_fen=50_000))
    return expected


def check_stored_once(folder, expected):
    conn = sqlite3.connect(folder / "genzong.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table, ids in expected.items():
            stored = [row[0] for row in conn.execute(f"SELECT id FROM {table}")]
            assert len(stored) == len(ids), table
            assert set(stored) == ids, table
        codes = [row[0] for row in conn.execute("SELECT code FROM customers")]
        assert len(set(codes)) == len(codes)
        assert None not in codes
        assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 0
        paid = conn.execute("SELECT sum(amount_fen) FROM payments").fetchone()[0]
        assert paid == 50_000 * len(expected["payments"])
    finally:
        conn.close()


def sync_until_done(device, server, attempts=5):
    for _ in range(attempts):
        try:
            device.sync()
            return
        except httpx.HTTPError:
            if server.process.poll() is not None:
                server.start()
    raise AssertionError("the device could not finish syncing")


@pytest.mark.parametrize("point", ["sync.before_commit", "sync.after_commit"])
def test_kill_at_failpoint_then_retry(tmp_path, point):
    folder = tmp_path / "data"
    add_user(folder, "rep")
    port_server = ServerProcess(folder, env={"GENZONG_FAILPOINT": point}).start()
    device = Device(httpx.Client(base_url=port_server.url, timeout=60), login(port_server.url, "rep"))
    device.batch_size = 2000
    expected = fill(device, 600)  # 2,400 changes
    with pytest.raises(httpx.HTTPError):
        device.sync_once()
    port_server.process.wait(10)
    assert port_server.process.returncode == -9
    assert len(device.outbox) == 2400  # no response: everything is still to be sent

    server = ServerProcess(folder, port=port_server.port).start()
    try:
        sync_until_done(device, server)
    finally:
        server.stop()
    check_stored_once(folder, expected)
    assert all(row["code"] for row in device.rows("customers").values())


def test_kill_at_random_moments_then_retry(tmp_path):
    folder = tmp_path / "data"
    add_user(folder, "rep")
    server = ServerProcess(folder).start()
    device = Device(httpx.Client(base_url=server.url, timeout=60), login(server.url, "rep"))
    device.batch_size = 1500
    expected = fill(device, 1500)  # 6,000 changes in four requests
    rng = random.Random(4)
    kills = 0
    try:
        for delay in (0.02, 0.08, 0.2, 0.4, 0.7):
            killer = threading.Timer(delay + rng.random() * 0.05, server.kill)
            killer.start()
            try:
                device.sync()
            except httpx.HTTPError:
                kills += 1
            killer.join()
            if server.process.poll() is not None:
                server.start()
            if not device.outbox:
                break
        sync_until_done(device, server)
    finally:
        server.stop()
    assert kills >= 1
    check_stored_once(folder, expected)
