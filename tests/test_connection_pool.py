"""The connection pool hands a finished thread's connection to the next new thread."""

import sqlite3
import threading

from genzong.server.db import ConnectionPool, connect


def run_in_thread(work):
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=work()))
    thread.start()
    thread.join()
    return result["value"]


def test_pool_reuses_ended_thread_connection(tmp_path):
    pool = ConnectionPool(tmp_path / "pool.db")
    try:
        seen = {run_in_thread(lambda: id(pool.get())) for _ in range(5)}
        assert len(seen) == 1
        assert pool.open_count == 1
    finally:
        pool.close()


def test_pool_concurrent_threads_separate(tmp_path):
    pool = ConnectionPool(tmp_path / "pool.db")
    holding = threading.Barrier(3, timeout=30)  # a failed get() must fail the test, not hang it
    connections = []

    def hold():
        connections.append(pool.get())
        holding.wait()  # all three hold a connection at the same moment

    threads = [threading.Thread(target=hold) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(conn) for conn in connections}) == 3
        assert pool.open_count == 3
        # Later threads reuse those three instead of opening more.
        for _ in range(4):
            run_in_thread(pool.get)
        assert pool.open_count == 3
    finally:
        connections.clear()
        pool.close()


def test_pool_rolls_back_open_transaction(tmp_path):
    pool = ConnectionPool(tmp_path / "pool.db")
    try:
        pool.get().execute("CREATE TABLE notes (text TEXT)")

        def leave_open():
            conn = pool.get()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO notes VALUES ('unfinished')")

        run_in_thread(leave_open)
        conn = run_in_thread(pool.get)
        assert not conn.in_transaction
        assert pool.get().execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    finally:
        pool.close()


def test_pool_same_thread_same_connection(tmp_path):
    pool = ConnectionPool(tmp_path / "pool.db")
    try:
        assert pool.get() is pool.get()
    finally:
        pool.close()


def test_new_file_opened_by_threads_at_once(tmp_path):
    """Connections opening a new file together all get it in WAL mode; none fails as locked."""
    for attempt in range(100):
        path = tmp_path / f"new-{attempt}.db"
        modes, errors = [], []

        def open_new():
            try:
                conn = connect(path)
            except sqlite3.OperationalError as error:
                errors.append(str(error))
                return
            modes.append(conn.execute("PRAGMA journal_mode").fetchone()[0])
            conn.close()

        threads = [threading.Thread(target=open_new) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert modes == ["wal", "wal", "wal"]
