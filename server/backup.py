"""Consistent backups of a data folder, and restoring one.

A backup copies both databases with SQLite's online backup API, so it is
consistent even while ``genzong serve`` writes. Restoring gives the database
a new epoch and remembers the earlier ones: devices that synced before see
the new epoch, pull from the start, and resend what they hold, which brings
back the writes the backup had lost (see ``sync_service``).
"""

import json
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .db import connect, transaction
from .file_modes import create_private_file, make_private_folder
from .migrations import SCHEMA_VERSION, earlier_epochs, read_meta, upgrade, write_meta
from .paths import DataDir

BACKUP_FILES = ("genzong.db", "private.db")
# Without these a restore on a new machine would log everyone out and void
# every push subscription, so they travel with the databases (mode 0600).
KEY_FILES = ("secret.key", "vapid_private.pem")


class BackupError(RuntimeError):
    """A backup could not be made or restored. The message gives the reason and the fix."""


@dataclass
class BackupInfo:
    folder: Path
    epoch: str
    customers: int
    last_seq: int


def make_backup(data: DataDir, destination: Path) -> BackupInfo:
    """Copy the data folder's databases into ``destination`` (a new or empty folder).

    A new destination folder is made 0700 and the copies 0600, like the data folder.
    """
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; choose a new folder for the backup")
    if not data.database.exists():
        raise BackupError(f"{data.database} does not exist; nothing to back up")
    make_private_folder(destination)
    for name, source in (("genzong.db", data.database), ("private.db", data.private_database)):
        if not source.exists():
            continue
        src = connect(source, read_only=True)
        create_private_file(destination / name)
        dst = sqlite3.connect(destination / name)
        try:
            src.backup(dst)
            # The copy inherits WAL mode from the page it copies; rollback
            # mode keeps it one self-contained file, even once opened read-only.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
    for name in KEY_FILES:
        _copy_key(data.root / name, destination / name)
    return check_backup(destination)


def check_backup(folder: Path) -> BackupInfo:
    """Check a backup folder; raise BackupError naming the problem."""
    path = Path(folder) / "genzong.db"
    if not path.exists():
        raise BackupError(f"{path} not found; pass a folder made by genzong backup, which contains genzong.db and private.db")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        epoch = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        last_seq = int(conn.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Genzong database ({error})") from error
    finally:
        conn.close()
    if verdict != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")
    if version > SCHEMA_VERSION:
        raise BackupError(f"{path} comes from a newer Genzong (schema {version}); upgrade Genzong first")
    return BackupInfo(Path(folder), epoch, customers, last_seq)


def restore_backup(data: DataDir, folder: Path) -> BackupInfo:
    """Replace the data folder's databases with a checked backup and start a new epoch.

    The caller must hold the data folder's serve lock, so no server writes
    meanwhile. The replaced databases are kept beside them with the suffix
    ``.before-restore``.
    """
    info = check_backup(folder)
    live_epochs: list[str] = []
    if data.database.exists():
        live = connect(data.database)
        try:
            live_epochs = [read_meta(live, "epoch"), *earlier_epochs(live)]
        finally:
            live.close()
    for name in BACKUP_FILES:
        target = data.root / name
        if target.exists():
            _copy_database(target, target.with_name(name + ".before-restore"))
        source = Path(folder) / name
        if source.exists():
            _copy_database(source, target)
    for name in KEY_FILES:
        _copy_key(Path(folder) / name, data.root / name)

    conn = connect(data.database)
    try:
        upgrade(conn)
        with transaction(conn):
            known = [info.epoch, *earlier_epochs(conn), *live_epochs]
            write_meta(conn, "earlier_epochs", json.dumps(sorted(set(e for e in known if e))))
            write_meta(conn, "epoch", "e-" + secrets.token_hex(8))
            # Devices bound to users before the backup may be rebound: keep the table.
            conn.execute("UPDATE devices SET resending_after_reset = 0")
    finally:
        conn.close()
    return check_backup(folder)


def _copy_key(source: Path, target: Path) -> None:
    if not source.exists():
        return
    content = source.read_bytes()
    target.touch(mode=0o600, exist_ok=True)
    target.chmod(0o600)
    target.write_bytes(content)


def _copy_database(source: Path, target: Path) -> None:
    create_private_file(target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
