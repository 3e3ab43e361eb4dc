"""A restore from backup starts a new epoch; devices resend what the backup lost."""

import pytest
from starlette.testclient import TestClient

from device import Device
from genzong.server.app import create_app
from genzong.server.backup import BackupError, check_backup, make_backup, restore_backup
from genzong.server.state import open_data_dir

from conftest import PASSWORD


def login(http, user):
    return http.post("/api/login", json={"username": user.username, "password": PASSWORD}).json()["token"]


def test_restore_then_resend_brings_back_lost_writes(data_dir, tmp_path):
    state = open_data_dir(data_dir)
    accounts = state.accounts()
    rep = accounts.add("zhangwei", PASSWORD, "sales", "张伟")
    other_rep = accounts.add("lina", PASSWORD, "sales", "李娜")
    with TestClient(create_app(data_dir, state)) as http:
        device = Device(http, login(http, rep))
        kept = device.edit("customers", name="备份前的客户", phone="1")
        device.sync()
        make_backup(data_dir, tmp_path / "backup")
        assert (tmp_path / "backup" / "secret.key").read_bytes() == data_dir.secret_key.read_bytes()
        assert oct((tmp_path / "backup" / "secret.key").stat().st_mode & 0o777) == "0o600"

        lost = device.edit("customers", name="备份后的客户")
        device.edit("customers", kept, phone="2")
        ticket = device.edit("tickets", kind="投诉", subject="地板起拱", customer_id=lost)
        device.sync()
        lost_code = device.get("customers", lost)["code"]
        old_epoch = device.epoch
    state.close()

    restore_backup(data_dir, tmp_path / "backup")
    state = open_data_dir(data_dir)
    with TestClient(create_app(data_dir, state)) as http:
        device.http = http
        newcomer = Device(http, login(http, other_rep))
        fresh = newcomer.edit("customers", name="恢复后新建的客户")
        newcomer.sync()
        assert newcomer.get("customers", fresh)["code"] == lost_code  # given out again after the restore
        assert newcomer.epoch != old_epoch

        bodies = device.sync()
        assert bodies[0]["reset"] is True
        assert device.rejected == {}
        device.sync()

        conn = state.records.get()
        rows = {row["id"]: row for row in conn.execute("SELECT id, code, phone, name FROM customers")}
        assert rows[kept]["phone"] == "2"
        assert rows[lost]["name"] == "备份后的客户"
        assert rows[lost]["code"] != lost_code
        assert len({row["code"] for row in rows.values()}) == 3
        assert device.get("customers", lost)["code"] == rows[lost]["code"]
        number = conn.execute("SELECT number FROM tickets WHERE id = ?", (ticket,)).fetchone()[0]
        assert number == "GD000001"
        newer = newcomer.edit("tickets", kind="问题", subject="发票抬头错误")
        newcomer.sync()
        assert newcomer.get("tickets", newer)["number"] == "GD000002"
    state.close()


def test_device_from_another_database_cannot_forge(data_dir, make_user, http, login_as):
    user, token = login_as("sales")
    stranger = Device(http, token)
    stranger.epoch = "e-not-this-database"
    stranger.cursor = 50
    stranger.records[("customers", "1b7d1d58-0000-4000-8000-0000000000aa")] = __import__(
        "genzong.sync", fromlist=["Version"]).Version(
        {"elsewhere": 4, stranger.id: 1},
        {"name": (stranger.id, 1, "2026-12-04T08:00:00.000Z")}, {"name": "外来客户"})
    stranger.outbox.add(("customers", "1b7d1d58-0000-4000-8000-0000000000aa"))
    body = stranger.sync_once()
    assert body["reset"] is True
    assert body["results"][0]["code"] == "forged_counter"


def test_restore_refuses_damaged_backup(data_dir, state, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "genzong.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(BackupError, match="not a Genzong database"):
        check_backup(folder)
    with pytest.raises(BackupError, match="not empty"):
        make_backup(data_dir, folder)
