"""SQLite connections and transactions.

The database runs in WAL mode, so Datasette and the read side of a sync read
while one transaction writes. Writers take the write lock up front with
``BEGIN IMMEDIATE`` and wait for it (``busy_timeout``) instead of failing, so
``genzong import`` or ``genzong user`` can run beside ``genzong serve``.
"""

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BUSY_TIMEOUT_MS = 30_000
WAL_SWITCH_ATTEMPTS = 300  # 10 ms apart


def connect(path: Path | str, *, read_only: bool = False) -> sqlite3.Connection:
    """Open ``path`` with Genzong's settings and return the connection.

    The connection is in autocommit mode: callers group writes with
    ``transaction``. It may be used from another thread, but by one thread
    at a time.
    """
    if read_only:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not read_only:
        _use_wal(conn)
        # FULL syncs the WAL at every commit, so an acknowledged sync
        # survives a power cut as well as a killed process.
        conn.execute("PRAGMA synchronous = FULL")
    from .sqlfunctions import register_functions
    register_functions(conn)
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the database to WAL mode, waiting for other connections doing the same.

    Connections that open a new file at once race to switch it. SQLite
    fails the losers with "database is locked" at once, without calling the
    busy handler, so the switch is retried here for up to 3 s.
    """
    for attempt in range(WAL_SWITCH_ATTEMPTS):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                raise
            time.sleep(0.01)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one write transaction: all of it commits, or none.

    ``BEGIN IMMEDIATE`` takes the write lock before the first read, so two
    writers never read the same state and then both write.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class ConnectionPool:
    """One connection per thread to the same database file.

    Starlette runs blocking handlers in a thread pool, and a sqlite3
    connection must not be used by two threads at once. The pool's threads
    come and go (AnyIO ends a worker after 10 s idle), so a thread's
    connection goes back to the pool when the thread ends, and the next new
    thread takes it, warm caches included, instead of opening another.
    """

    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        lease = getattr(self._local, "lease", None)
        if lease is None:
            lease = self._local.lease = _Lease(self, self._take())
        return lease.conn

    @property
    def open_count(self) -> int:
        """The number of open connections, in use or idle."""
        with self._lock:
            return len(self._all)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = connect(self.path, read_only=self.read_only)
        with self._lock:
            self._all.append(conn)
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if conn not in self._all:  # close() closed it meanwhile
                return
            if conn.in_transaction:  # its thread ended inside a transaction
                conn.execute("ROLLBACK")
            self._idle.append(conn)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._idle.clear()
        self._local = threading.local()


class _Lease:
    """A thread's hold on a pooled connection: dropped with the thread's locals when the thread ends."""

    def __init__(self, pool: ConnectionPool, conn: sqlite3.Connection):
        self.pool = pool
        self.conn = conn

    def __del__(self):
        self.pool._give_back(self.conn)
