"""The data folder, its databases and backups are for the server's user only."""

import logging
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from genzong.server.cli import main
from genzong.server.daily_backup import run_daily_backup
from genzong.server.file_modes import tighten_data_folder
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir


@pytest.fixture(autouse=True)
def usual_umask():
    """Run under the common umask 022, which alone would leave files 0644."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


def database_files(folder):
    return sorted(p for p in folder.iterdir() if p.name.startswith(("genzong.db", "private.db")))


def test_new_data_folder_is_private(tmp_path, capsys):
    folder = tmp_path / "data"
    assert main(["user", "add", "boss", "--role", "admin", "--password", "pw123456",
                 "--data-dir", str(folder)]) == 0

    assert mode_of(folder) == 0o700
    names = [p.name for p in database_files(folder)]
    assert "genzong.db" in names
    assert "private.db" in names
    for path in database_files(folder):
        assert mode_of(path) == 0o600, path.name


def test_wal_files_follow_database_mode(tmp_path):
    state = open_data_dir(DataDir(tmp_path / "data"))
    try:
        state.accounts().add("boss", "pw123456", "admin")
        wal = state.data.root / "genzong.db-wal"
        shm = state.data.root / "genzong.db-shm"
        assert wal.exists()
        assert mode_of(wal) == 0o600
        assert mode_of(shm) == 0o600
    finally:
        state.close()


def test_backup_copies_are_private(tmp_path, capsys):
    folder = tmp_path / "data"
    assert main(["user", "add", "boss", "--role", "admin", "--password", "pw123456",
                 "--data-dir", str(folder)]) == 0
    destination = tmp_path / "copy"
    assert main(["backup", str(destination), "--data-dir", str(folder)]) == 0

    assert mode_of(destination) == 0o700
    for path in destination.iterdir():
        assert mode_of(path) == 0o600, path.name


def test_daily_backup_is_private(state):
    folder = run_daily_backup(state, on=date(2025, 3, 1))

    assert mode_of(state.data.backups) == 0o700
    assert mode_of(folder) == 0o700
    for path in folder.iterdir():
        assert mode_of(path) == 0o600, path.name


def test_start_tightens_existing_folder(tmp_path, caplog):
    root = tmp_path / "data"
    open_data_dir(DataDir(root)).close()
    day = root / "backups" / "2025-03-01"
    day.mkdir(parents=True)
    (day / "genzong.db").write_bytes(b"")
    root.chmod(0o755)
    for path in database_files(root) + [day / "genzong.db"]:
        path.chmod(0o644)
    day.chmod(0o755)

    with caplog.at_level(logging.WARNING, logger="genzong.server"):
        open_data_dir(DataDir(root)).close()

    assert mode_of(root) == 0o700
    assert mode_of(day) == 0o700
    assert mode_of(day / "genzong.db") == 0o600
    for path in database_files(root):
        assert mode_of(path) == 0o600, path.name
    assert f"tightened {root} from mode 755 to 700" in caplog.text


def test_start_never_loosens_a_mode(tmp_path, caplog):
    root = tmp_path / "data"
    open_data_dir(DataDir(root)).close()
    (root / "genzong.db.before-restore").write_bytes(b"")
    (root / "genzong.db.before-restore").chmod(0o440)

    with caplog.at_level(logging.WARNING, logger="genzong.server"):
        open_data_dir(DataDir(root)).close()

    assert mode_of(root / "genzong.db.before-restore") == 0o400
    assert "genzong.db " not in caplog.text


def test_tightening_skips_vanished_backup_file(tmp_path, monkeypatch):
    """A backup that runs meanwhile removes its temporary files; tightening skips them."""
    root = tmp_path / "data"
    partial = root / "backups" / "2026-12-05.partial"
    partial.mkdir(parents=True)
    vanishing = partial / "private.db-shm"
    vanishing.write_bytes(b"")
    database_copy = partial / "private.db"
    database_copy.write_bytes(b"")
    os.chmod(database_copy, 0o644)
    real_stat = Path.stat

    def stat_after_removal(path, *args, **kwargs):
        if path == vanishing and os.path.lexists(path):
            os.unlink(path)  # the backup finishes between the listing and this stat
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat_after_removal)

    changed = tighten_data_folder(root)

    assert database_copy in changed
    assert stat.S_IMODE(os.stat(database_copy).st_mode) == 0o600
    assert not vanishing.exists()
