"""What one running Genzong server holds: its data folder, connections and secret."""

import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .auth import Accounts, load_or_create_secret, prepare_private_db
from .db import ConnectionPool, connect
from .file_modes import create_private_file, make_private_folder, tighten_data_folder
from .migrations import SCHEMA_VERSION, upgrade
from .paths import DataDir
from .reminders import subscriptions
from .reminders.vapid import load_or_create_key
from . import settings

log = logging.getLogger("genzong.server")


class DataDirError(RuntimeError):
    """The data folder cannot be served; the message says why and what to do."""


@dataclass
class ServerState:
    data: DataDir
    secret: bytes
    records: ConnectionPool
    private: ConnectionPool
    # Held around every write transaction of this process, so request threads
    # queue in order instead of polling SQLite's lock with growing sleeps.
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    read_only: bool = False  # the folder is on a read-only file system: reads only
    copy_folder: Path | None = None  # where a read-only folder's databases were copied

    def accounts(self, acting_user_id: str | None = None) -> Accounts:
        """Return the accounts on this thread's connections; ``acting_user_id`` is recorded in their history."""
        return Accounts(self.records.get(), self.private.get(), self.secret, acting_user_id)

    def close(self) -> None:
        self.records.close()
        self.private.close()
        if self.copy_folder is not None:
            shutil.rmtree(self.copy_folder, ignore_errors=True)


def open_data_dir(data: DataDir) -> ServerState:
    """Open (creating on first use) the databases and secret of a data folder.

    Upgrades the database schema in place. A new folder is made 0700 and its
    databases 0600, and group and other permissions found on an existing
    folder's private files are removed (see ``file_modes``). A folder on a read-only file
    system is opened for reading only: syncs that change something then
    fail whole with ``storage_failed`` while pulls, logins and Datasette go
    on. Raises DataDirError when the folder cannot be served at all.
    """
    if data.root.exists() and folder_is_read_only(data.root):
        return _open_read_only(data)
    make_private_folder(data.root)
    tighten_data_folder(data.root)
    create_private_file(data.database)
    create_private_file(data.private_database)
    conn = connect(data.database)
    try:
        upgrade(conn)
    except RuntimeError as error:
        raise DataDirError(f"the data folder {data.root} cannot be opened: {error}") from error
    finally:
        conn.close()
    private = connect(data.private_database)
    prepare_private_db(private)
    subscriptions.prepare_private_db(private)
    settings.prepare_private_db(private)
    private.close()
    secret = load_or_create_secret(data.secret_key)
    load_or_create_key(data.vapid_private_key)
    return ServerState(data, secret, ConnectionPool(data.database), ConnectionPool(data.private_database))


def open_existing_data_dir(data: DataDir) -> ServerState:
    """Open a data folder that already contains a team; raise DataDirError, creating nothing, when it does not.

    Commands that read or change a team use this, so a mistyped
    ``--data-dir`` fails instead of quietly starting an empty team.
    """
    require_existing_data_dir(data)
    return open_data_dir(data)


def require_existing_data_dir(data: DataDir) -> None:
    """Raise DataDirError naming the folder and how to start a team there unless it contains genzong.db."""
    if not data.database.is_file():
        raise DataDirError(
            f"no Genzong data folder at {data.root} (genzong.db not found); check --data-dir or "
            f"$GENZONG_DATA_DIR, or start a new team there with 'genzong user add USERNAME --role admin "
            f"--password PASSWORD --data-dir {data.root}'")


def folder_is_read_only(folder) -> bool:
    return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)


def _open_read_only(data: DataDir) -> ServerState:
    """Serve a copy of a read-only folder's databases, for reading only.

    SQLite cannot open a WAL database where it cannot create the shared
    memory file, and ``immutable`` would ignore a WAL file left by a crash.
    A copy of the files, WAL included, in a private temporary folder reads
    exactly what the folder holds.
    """
    for path in (data.database, data.private_database, data.secret_key):
        if not path.exists():
            raise DataDirError(f"the data folder {data.root} is read-only and lacks {path.name}; "
                               f"make it writable so Genzong can create it")
    copy = Path(tempfile.mkdtemp(prefix="genzong-read-only-"))
    for path in data.root.iterdir():
        if path.name.startswith(("genzong.db", "private.db")) and not path.name.endswith("-shm"):
            shutil.copyfile(path, copy / path.name)
    conn = connect(copy / "genzong.db", read_only=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    if version != SCHEMA_VERSION:
        shutil.rmtree(copy, ignore_errors=True)
        raise DataDirError(f"the data folder {data.root} is read-only and its database needs an upgrade "
                           f"(schema {version}, expected {SCHEMA_VERSION}); make it writable and start again")
    log.warning("data folder %s is read-only: serving reads only; syncs with changes will fail", data.root)
    return ServerState(data, data.secret_key.read_bytes().strip(),
                       ConnectionPool(copy / "genzong.db", read_only=True),
                       ConnectionPool(copy / "private.db", read_only=True),
                       read_only=True, copy_folder=copy)
