"""The server keeps dated daily backups and deletes the oldest."""

import time
from datetime import date, timedelta

from device import Device
from genzong.server.backup import check_backup
from genzong.server.daily_backup import run_daily_backup
from genzong.server.records import Batch
from genzong.server.db import transaction


def set_keep_days(state, days):
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, "2026-12-04T00:00:00.000Z", None, "server")
        batch.server_write("settings", "1b7d1d58-0000-4000-8000-0000000000b1", {"key": "backup_keep_days",
                                                                              "value": days})
        batch.flush()


def test_daily_backups_are_made_once_and_pruned(state, make_device):
    device = make_device("sales")
    device.edit("customers", name="张伟")
    device.sync()
    set_keep_days(state, 3)
    made_on_start = sorted(p.name for p in state.data.backups.iterdir())  # the server's own, for today
    start = date(2020, 1, 1)
    for offset in range(5):
        assert run_daily_backup(state, on=start + timedelta(days=offset)) is not None
    assert run_daily_backup(state, on=start + timedelta(days=4)) is None  # already made that day
    kept = sorted(p.name for p in state.data.backups.iterdir())
    assert kept == ["2020-01-04", "2020-01-05", *made_on_start]
    info = check_backup(state.data.backups / "2020-01-05")
    assert info.customers == 1


def test_server_makes_todays_backup_on_start(state, http):
    deadline = time.monotonic() + 20
    folders = []
    while not folders and time.monotonic() < deadline:  # the backup runs in the background
        folders = [p for p in state.data.backups.glob("*") if p.is_dir() and not p.name.endswith(".partial")]
        time.sleep(0.05)
    assert len(folders) == 1
    assert check_backup(folders[0]).epoch
