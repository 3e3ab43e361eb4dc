"""What one running Genzong server holds: its data folder, connections and secret."""

import threading
from dataclasses import dataclass, field

from .auth import Accounts, load_or_create_secret, prepare_private_db
from .db import ConnectionPool, connect
from .migrations import upgrade
from .paths import DataDir


@dataclass
class ServerState:
    data: DataDir
    secret: bytes
    records: ConnectionPool
    private: ConnectionPool
    # Held around every write transaction of this process, so request threads
    # queue in order instead of polling SQLite's lock with growing sleeps.
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def accounts(self) -> Accounts:
        return Accounts(self.records.get(), self.private.get(), self.secret)

    def close(self) -> None:
        self.records.close()
        self.private.close()


def open_data_dir(data: DataDir) -> ServerState:
    """Open (creating on first use) the databases and secret of a data folder.

    Upgrades the database schema in place. Raises OSError when the folder
    cannot be created or written.
    """
    data.root.mkdir(parents=True, exist_ok=True)
    conn = connect(data.database)
    try:
        upgrade(conn)
    finally:
        conn.close()
    private = connect(data.private_database)
    prepare_private_db(private)
    private.close()
    secret = load_or_create_secret(data.secret_key)
    return ServerState(data, secret, ConnectionPool(data.database), ConnectionPool(data.private_database))
