"""A full disk or a read-only data folder fails the sync whole, and reads go on.

The data folder sits on a small tmpfs that the test mounts, fills and
remounts read-only, so SQLite meets the real errors (SQLITE_FULL and a
read-only file system). Mounting needs root; elsewhere the tests skip.
"""

import sqlite3
import subprocess
import sys

import httpx
import pytest

from device import Device
from servers import ServerProcess

PASSWORD = "pw123456"


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def remount(mount_point, options):
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount_point)], check=True)


@pytest.fixture
def server_on_disk(small_disk):
    folder = small_disk / "data"
    subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", "rep", "--role", "sales",
                    "--password", PASSWORD, "--data-dir", str(folder)], check=True, capture_output=True)
    server = ServerProcess(folder, log_dir=small_disk.parent).start()
    http = httpx.Client(base_url=server.url, timeout=60)
    token = http.post("/api/login", json={"username": "rep", "password": PASSWORD}).json()["token"]
    device = Device(http, token)
    device.sync()
    yield small_disk, server, device
    server.stop()


def stored_ids(folder, table):
    conn = sqlite3.connect(f"file:{folder / 'genzong.db'}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
    finally:
        conn.close()


def test_full_disk_fails_request_whole(server_on_disk):
    mount_point, server, device = server_on_disk
    first = device.edit("customers", name="第一位客户")
    device.sync()
    notes = "很长的备注。" * 1500
    batch = [device.edit("customers", name=f"客户{i}", notes=notes) for i in range(150)]  # about 4 MB
    response = device.post(device.request([("customers", i) for i in batch]))

    assert response.status_code == 503
    assert response.json()["error"] == "storage_failed"
    assert "未做任何修改" in response.json()["message"]
    assert server.process.poll() is None
    assert stored_ids(mount_point / "data", "customers") == {first}

    pull = device.post(device.request([]))
    assert pull.status_code == 200
    remount(mount_point, "size=40m")
    device.sync()
    assert stored_ids(mount_point / "data", "customers") == {first, *batch}


def test_read_only_folder_serves_reads_only(small_disk, tmp_path):
    folder = small_disk / "data"
    subprocess.run([sys.executable, "-m", "genzong.server.cli", "user", "add", "rep", "--role", "sales",
                    "--password", PASSWORD, "--data-dir", str(folder)], check=True, capture_output=True)
    server = ServerProcess(folder, log_dir=tmp_path).start()
    http = httpx.Client(base_url=server.url, timeout=60)
    token = http.post("/api/login", json={"username": "rep", "password": PASSWORD}).json()["token"]
    device = Device(http, token)
    kept = device.edit("customers", name="只读之前的客户")
    device.sync()
    server.stop()

    remount(small_disk, "ro")
    server = ServerProcess(folder, port=server.port, log_dir=tmp_path).start()
    try:
        assert "read-only: serving reads only" in server.log()
        assert http.post("/api/login", json={"username": "rep", "password": PASSWORD}).status_code == 200
        blocked = device.edit("customers", name="只读期间的客户")
        response = device.post(device.request([("customers", blocked)]))
        assert response.status_code == 503
        assert response.json()["error"] == "storage_failed"
        assert "只读" in response.json()["message"]
        reader = Device(http, token, id=device.id)  # a device the server knows pulls without writing
        body = reader.sync_once(keys=[])
        assert kept in {change["id"] for change in body["changes"]}
    finally:
        server.stop()
    remount(small_disk, "rw")
    server = ServerProcess(folder, port=server.port, log_dir=tmp_path).start()
    try:
        device.sync()
    finally:
        server.stop()
    assert stored_ids(folder, "customers") == {kept, blocked}
