"""Helpers for the browser tests: the server site, logging in, waiting for sync."""

import json
import re
import shutil
import sqlite3
import time
import uuid
from pathlib import Path

from genzong.server.db import transaction
from genzong.server.paths import DataDir
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp
from servers import REPO, ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
PASSWORD = "secret-pw"
SCREENSHOTS = REPO / "tests" / "artifacts" / "screenshots"
TIMEOUT_MS = 15_000
# A saved customer's screen; the form's own URL ends in /new.
SAVED_CUSTOMER = re.compile(r"#/customer/[0-9a-f-]{36}$")


class Site:
    """A `genzong serve` process with its data folder, restartable on the same port."""

    def __init__(self, root: Path, env: dict | None = None):
        self.root = Path(root)
        self.data = DataDir(self.root / "data")
        self.env = env or {}
        self.server: ServerProcess | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "Site":
        self.server = ServerProcess(self.data.root, port=self.port, env=self.env).start()
        self.port = self.server.port
        return self

    def stop(self) -> None:
        if self.server:
            self.server.stop()

    def kill(self) -> None:
        self.server.kill()

    def add_user(self, role: str = "sales", name: str | None = None, username: str | None = None):
        """Create a user through the state API (the server may be running); return it."""
        state = open_data_dir(self.data)
        try:
            username = username or f"{role}{uuid.uuid4().hex[:6]}"
            return state.accounts().add(username, PASSWORD, role, name or username)
        finally:
            state.close()

    def query(self, sql: str, params=()) -> list[dict]:
        """Read the SQLite file the server writes."""
        conn = sqlite3.connect(f"file:{self.data.database}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, params)]
        finally:
            conn.close()

    def copy_database(self, target: Path) -> None:
        """Take a consistent copy of the database, as a backup would."""
        source = sqlite3.connect(self.data.database)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()


def log_in(page, user, password: str = PASSWORD, path: str = "/") -> None:
    """Log in through the login screen and wait for the first sync to finish."""
    page.goto(path)
    page.fill("#username", user.username)
    page.fill("#password", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_function("() => !location.hash.startsWith('#/login')", timeout=TIMEOUT_MS)
    wait_synced(page, after=0)


def last_sync(page) -> int:
    return int(page.evaluate("() => document.documentElement.dataset.lastSync || '0'"))


def wait_synced(page, after: int | None = None, timeout: int = TIMEOUT_MS) -> None:
    """Wait until a sync that finished after ``after`` left nothing pending."""
    after = last_sync(page) if after is None else after
    page.wait_for_function(
        """(after) => {
            const root = document.documentElement.dataset;
            return root.syncState === 'idle' && root.pending === '0' && Number(root.lastSync || 0) > after;
        }""", arg=after, timeout=timeout)


def go_online(context, page, timeout: int = TIMEOUT_MS) -> None:
    """Reconnect the context and wait for the sync its 'online' event starts."""
    before = last_sync(page)  # read first: that sync may finish before a later read
    context.set_offline(False)
    wait_synced(page, after=before, timeout=timeout)


def sync_now(page) -> None:
    """Press 立即同步 on the sync screen and wait for that sync to finish."""
    before = last_sync(page)
    if not page.url.endswith("#/sync"):
        page.goto("/#/sync")
    page.click("#sync-now")
    wait_synced(page, after=before)


def wait_for_service_worker(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                           timeout=TIMEOUT_MS)


def pending(page) -> int:
    """The actions waiting to be sent, as the chip counts them."""
    return int(page.evaluate("() => document.documentElement.dataset.pending || '0'"))


def queued(page) -> int:
    """The records in the outbox; records saved in one action count once in ``pending``."""
    return page.evaluate("async () => (await import('/js/context.js')).app.store.outbox.size")


def create_customer(page, name: str, phone: str | None = None) -> str:
    """Save a new customer through the form and return its id."""
    page.goto("/#/customer/new")
    page.fill("#field-name", name)
    if phone is not None:
        page.fill("#field-phone", phone)
    save_form(page)
    page.wait_for_url(SAVED_CUSTOMER, timeout=TIMEOUT_MS)
    return page.url.rsplit("/", 1)[1]


def save_form(page) -> None:
    page.click("form.form button[type=submit]")


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Write a screenshot of the viewport (375×812) to tests/artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_selector(".toast-shown", state="detached", timeout=TIMEOUT_MS)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def dots(row: dict) -> dict:
    return json.loads(row["dots"])


def copy_checkout_shell(target: Path) -> Path:
    """Copy what the server reads from the checkout (pwa/ and Datasette's
    files) into ``target``, so a test can change it as a new deployment would."""
    shutil.copytree(REPO / "pwa", target / "pwa")
    for name in ("datasette-metadata.yml", "datasette-metadata-en.yml", "datasette-templates"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.is_file():
            shutil.copy2(source, target / name)
    return target


def wait_until(page, condition, timeout: float = 10.0, interval_ms: int = 50):
    """Poll ``condition()`` until it returns a true value; return that value.

    It waits through the page, so Playwright keeps dispatching route
    handlers and events meanwhile (time.sleep would stall them).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        page.wait_for_timeout(interval_ms)


def seed_customers(site, customers: list[dict]) -> list[str]:
    """Store customers as server writes; return their new ids."""
    ids = [str(uuid.uuid4()) for _ in customers]
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            for customer_id, fields in zip(ids, customers):
                batch.server_write("customers", customer_id, fields)
            batch.flush()
    finally:
        state.close()
    return ids
