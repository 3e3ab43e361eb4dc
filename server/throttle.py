"""Slow down password guessing: lock an account or address after repeated failures.

Failures are counted per username and per client address in ``private.db``.
After ``ACCOUNT_LIMIT`` failures of one account (or ``ADDRESS_LIMIT`` from
one address) within ``WINDOW_SECONDS``, logins are refused for a lockout that
starts at one minute and doubles with each further failure, up to fifteen
minutes. A successful login clears the account's count.
"""

import sqlite3
import time
from dataclasses import dataclass

from .db import transaction

WINDOW_SECONDS = 15 * 60
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
FIRST_LOCKOUT_SECONDS = 60
MAX_LOCKOUT_SECONDS = 15 * 60

SCHEMA = """CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_at REAL NOT NULL, locked_until REAL NOT NULL)"""


@dataclass(frozen=True)
class Lockout:
    seconds: int


class LoginThrottle:
    def __init__(self, private: sqlite3.Connection, clock=time.time):
        self.private = private
        self.clock = clock

    def check(self, username: str, address: str) -> Lockout | None:
        """Return the lockout in force for this account or address, or None."""
        now = self.clock()
        rows = self.private.execute(
            "SELECT locked_until FROM login_failures WHERE key IN (?, ?)",
            (_account(username), _address(address))).fetchall()
        remaining = max((row[0] - now for row in rows), default=0)
        return Lockout(int(remaining) + 1) if remaining > 0 else None

    def failed(self, username: str, address: str) -> None:
        """Count a failed login for the account and the address."""
        now = self.clock()
        with transaction(self.private):
            for key, limit in ((_account(username), ACCOUNT_LIMIT), (_address(address), ADDRESS_LIMIT)):
                row = self.private.execute("SELECT failures, first_at FROM login_failures WHERE key = ?",
                                           (key,)).fetchone()
                failures, first_at = (row[0], row[1]) if row and now - row[1] < WINDOW_SECONDS else (0, now)
                failures += 1
                locked_until = 0.0
                if failures >= limit:
                    lockout = min(FIRST_LOCKOUT_SECONDS * 2 ** (failures - limit), MAX_LOCKOUT_SECONDS)
                    locked_until = now + lockout
                self.private.execute(
                    "INSERT INTO login_failures (key, failures, first_at, locked_until) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at, "
                    "locked_until = excluded.locked_until", (key, failures, first_at, locked_until))

    def succeeded(self, username: str) -> None:
        with transaction(self.private):
            self.private.execute("DELETE FROM login_failures WHERE key = ?", (_account(username),))


def _account(username: str) -> str:
    return "user:" + username.strip().lower()[:64]


def _address(address: str) -> str:
    return "addr:" + address
