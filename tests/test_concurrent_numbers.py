"""Codes and numbers stay unique when many devices sync at once."""

import subprocess
import sys
import threading

import httpx

from device import Device
from servers import ServerProcess


def test_codes_unique_under_concurrent_syncs(tmp_path):
    folder = tmp_path / "data"
    for name in ("rep1", "rep2", "rep3", "rep4"):
        subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", name, "--role", "sales",
                        "--password", "pw123456", "--data-dir", str(folder)], check=True, capture_output=True)
    server = ServerProcess(folder).start()
    errors, devices = [], []
    try:
        def work(name):
            try:
                with httpx.Client(base_url=server.url, timeout=60) as http:
                    token = http.post("/api/login", json={"username": name, "password": "pw123456"}).json()["token"]
                    for round_ in range(3):
                        device = Device(http, token)
                        for i in range(20):
                            device.edit("customers", name=f"{name}-{round_}-{i}")
                        for i in range(5):
                            device.edit("tickets", kind="问题", subject=f"{name}-{round_}-{i}")
                        device.sync()
                        devices.append(device)
            except Exception as error:  # reported below, with the thread's name
                errors.append((name, repr(error)))

        threads = [threading.Thread(target=work, args=(f"rep{i}",)) for i in range(1, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert errors == [], server.log()

    import sqlite3
    conn = sqlite3.connect(folder / "genzong.db")
    codes = [row[0] for row in conn.execute("SELECT code FROM customers")]
    numbers = [row[0] for row in conn.execute("SELECT number FROM tickets")]
    assert len(codes) == 240
    assert len(set(codes)) == 240
    assert sorted(codes) == [f"KH{i:06d}" for i in range(1, 241)]
    assert len(set(numbers)) == 60
    for device in devices:
        mine = device.rows("customers")
        assert all(row["code"] for row in mine.values())


def test_simultaneous_logins_all_answer(tmp_path):
    """Logins at the same moment each get their own database connections, so all succeed."""
    folder = tmp_path / "data"
    names = [f"rep{i}" for i in range(1, 9)]
    for name in names:
        subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", name, "--role", "manager",
                        "--password", "pw123456", "--data-dir", str(folder)], check=True, capture_output=True)
    server = ServerProcess(folder).start()
    statuses = []
    try:
        start = threading.Barrier(len(names))

        def log_in(name):
            with httpx.Client(base_url=server.url, timeout=60) as http:
                for _ in range(5):
                    start.wait()
                    response = http.post("/api/login", json={"username": name, "password": "pw123456"})
                    statuses.append((response.status_code, response.headers.get("content-type")))

        threads = [threading.Thread(target=log_in, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert statuses == [(200, "application/json")] * (len(names) * 5), server.log()
