"""One reminder pass: find what is due, send what was not sent, record the outcome.

Passes run one at a time per data folder, whichever process starts them
(the server's scheduler, each of several workers, or ``genzong remind
--once``): an exclusive lock on ``reminders.lock`` in the data folder is
held for the whole pass, and the operating system drops it when a process
dies. Because the outcome of every send is recorded, a pass that follows
another finds nothing left to send.

Each subscription's messages go out in a thread of their own, so a slow or
failing push service delays only its own subscriptions.
"""

import fcntl
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import requests

from .. import settings as org_settings
from ..db import connect
from ..state import ServerState
from ..timeutil import utc_now
from . import chat, subscriptions, text
from .delivery_log import CHAT_TARGET, Delivery, DeliveryLog, push_target
from .items import ESCALATION, DueItem, due_items, load_people
from .push import FAILED, GONE, SENT, Outcome, PushSender, RetryPolicy
from .subscriptions import Subscription
from .vapid import load_or_create_key

log = logging.getLogger("genzong.reminders")

# More new items than this for one subscription in one pass become a single
# summary notification that opens the 今日 screen, instead of a stack of them.
SUMMARY_THRESHOLD = 5
MAX_SENDING_THREADS = 8


@dataclass
class PassResult:
    skipped: bool = False          # another pass held the lock
    no_targets: bool = False       # no push subscription and no chat robot, so nothing was looked up
    due: int = 0                   # items due now, sent before or not
    pushed: int = 0                # push messages the push services accepted
    push_failed: int = 0
    subscriptions_removed: int = 0
    chat_sent: int = 0             # chat robot messages accepted
    chat_failed: int = 0
    abandoned: int = 0             # (item, target) pairs given up after repeated failures

    @property
    def failed(self) -> int:
        return self.push_failed + self.chat_failed

    def describe(self) -> str:
        if self.skipped:
            return "skipped: another reminder pass is running"
        if self.no_targets:
            return "nothing to do: no push subscription and no chat robot"
        return (f"{self.due} items due; {self.pushed} push messages sent, {self.push_failed} failed, "
                f"{self.subscriptions_removed} expired subscriptions removed; "
                f"{self.chat_sent} chat messages sent, {self.chat_failed} failed")


class PassLock:
    """The exclusive lock that makes reminder passes run one at a time."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def hold(self, timeout: float = 0.0) -> Iterator[bool]:
        """Yield True once the lock is held (within ``timeout`` seconds), else False."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a")
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.1)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()


def pass_lock(state: ServerState) -> PassLock:
    return PassLock(state.data.root / "reminders.lock")


def run_pass(state: ServerState, now: datetime | None = None, policy: RetryPolicy | None = None,
             stop: threading.Event | None = None, lock_timeout: float = 0.0) -> PassResult:
    """Run one reminder pass over the data folder of ``state`` and return what it did.

    ``now`` (an aware datetime) defaults to the current time. Setting
    ``stop`` ends the pass early; what was sent by then is recorded. Returns
    a result with ``skipped`` set when another pass holds the lock for longer
    than ``lock_timeout`` seconds. Send failures are logged and counted,
    never raised.
    """
    stop = stop or threading.Event()
    with pass_lock(state).hold(lock_timeout) as held:
        if not held:
            log.info("reminder pass skipped: another pass is running")
            return PassResult(skipped=True)
        conn = connect(state.data.database)
        private = connect(state.data.private_database)
        try:
            return ReminderPass(state, conn, private, now or utc_now(), policy, stop).run()
        finally:
            conn.close()
            private.close()


class ReminderPass:
    def __init__(self, state: ServerState, conn, private, now: datetime,
                 policy: RetryPolicy | None, stop: threading.Event):
        self.state = state
        self.conn = conn
        self.private = private
        self.now = now
        self.policy = policy or RetryPolicy()
        self.stop = stop
        self.settings = org_settings.read_all(conn, private)
        self.deliveries = DeliveryLog(conn, state.write_lock)
        self.result = PassResult()

    def run(self) -> PassResult:
        # Finding what is due takes over a second at 100,000 customers, and a
        # pass runs every minute. Without a target, skip it.
        if not self.settings["chat_webhook_url"] and not subscriptions.any_saved(self.private):
            self.result.no_targets = True
            log.info("reminder pass: %s", self.result.describe())
            return self.result
        due = due_items(self.conn, self.settings, self.now)
        self.result.due = len(due)
        if due:
            self.push(due)
            if self.settings["chat_webhook_url"] and not self.stop.is_set():
                self.chat([item for item in due if item.kind != ESCALATION])
        log.info("reminder pass: %s", self.result.describe())
        return self.result

    # Web Push ---------------------------------------------------------------

    def push(self, due: list[DueItem]) -> None:
        by_user = subscriptions.for_users(self.private, {item.recipient_id for item in due})
        plans = []
        for user_id, subs in by_user.items():
            user_items = [item for item in due if item.recipient_id == user_id]
            for sub in subs:
                unsent = self.deliveries.unsent(user_items, push_target(sub.id), self.now)
                if unsent:
                    plans.append((sub, self._messages(sub, unsent)))
        if not plans:
            return
        sender = PushSender(load_or_create_key(self.state.data.vapid_private_key),
                            self.settings["push_contact"], self.policy, self.stop)
        workers = min(MAX_SENDING_THREADS, len(plans))
        with ThreadPoolExecutor(workers, thread_name_prefix="genzong-push") as pool:
            futures = {pool.submit(self._send_all, sender, sub, messages): sub for sub, messages in plans}
            for future in as_completed(futures):
                self._record_push(futures[future], future.result())

    def _messages(self, sub: Subscription, unsent: list[DueItem]) -> list[tuple[tuple[DueItem, ...], str, bytes]]:
        """Return (items, title, payload) per message: one per item, or one summary for many."""
        tz = self.settings["time_zone"]
        if len(unsent) > SUMMARY_THRESHOLD:
            title, payload = text.summary_payload(unsent, sub.lang)
            return [(tuple(unsent), title, payload)]
        return [((item,), *text.item_payload(item, sub.lang, tz, self.now)) for item in unsent]

    def _send_all(self, sender: PushSender, sub: Subscription, messages) -> list[tuple[Delivery, str]]:
        """Send one subscription's messages in order, in a worker thread; return (delivery, status) each.

        After a failure or a 404/410 the rest are not attempted: they are
        reported with the same outcome, so they wait for the same retry.
        """
        results = []
        target = push_target(sub.id)
        with requests.Session() as session:
            outcome = None
            for items, title, payload in messages:
                if self.stop.is_set():
                    break
                if outcome is None or outcome.status == SENT:
                    outcome = self._send_one(sender, sub, payload, session)
                results.append((Delivery(items, target, title, outcome.status == SENT, outcome.error),
                                outcome.status))
        return results

    @staticmethod
    def _send_one(sender: PushSender, sub: Subscription, payload: bytes, session) -> Outcome:
        """Send one message; an unexpected error fails this subscription only, never the pass."""
        try:
            return sender.send(sub, payload, session)
        except Exception as error:
            # Only the type is logged: messages of HTTP libraries contain the endpoint URL.
            log.error("push to subscription %s failed with an unexpected %s", sub.id, type(error).__name__)
            return Outcome(FAILED, None, f"unexpected {type(error).__name__}")

    def _record_push(self, sub: Subscription, results: list[tuple[Delivery, str]]) -> None:
        if any(status == GONE for _, status in results):
            subscriptions.delete(self.private, sub.id)
            self.result.subscriptions_removed += 1
            log.info("push subscription %s of user %s removed: its push service answered that it is gone",
                     sub.id, sub.user_id)
        recordable = [delivery for delivery, status in results if status != GONE]
        self.result.pushed += sum(1 for _, status in results if status == SENT)
        self.result.push_failed += sum(1 for _, status in results if status == FAILED)
        self._record(recordable)

    def _record(self, deliveries: list[Delivery]) -> None:
        for item, target in self.deliveries.record(deliveries, self.now):
            self.result.abandoned += 1
            log.warning("gave up on reminder %s for %s after repeated failures", item.key, target)

    # Team chat robot ----------------------------------------------------------

    def chat(self, due: list[DueItem]) -> None:
        url = self.settings["chat_webhook_url"]
        kind = chat.detect_kind(url, self.settings["chat_webhook_kind"])
        if kind is None:
            log.error("chat robot at %s skipped: its kind is unknown; set chat_webhook_kind to wecom or dingtalk",
                      urlsplit(url).hostname)
            self.result.chat_failed += 1
            return
        unsent = self.deliveries.unsent(due, CHAT_TARGET, self.now)
        if not unsent:
            return
        names = {person.id: person.name for person in load_people(self.conn).values()}
        messages = chat.compose(unsent, names, kind, self.settings["time_zone"], self.now)
        robot = chat.ChatRobot(url, kind, self.settings["chat_webhook_secret"], self.policy, self.stop)
        with httpx.Client(follow_redirects=False) as client:
            for index, message in enumerate(messages):
                if self.stop.is_set():
                    return
                outcome = robot.send(message.markdown, client)
                if outcome.status == SENT:
                    self.result.chat_sent += 1
                    self._record([Delivery(message.items, CHAT_TARGET, _chat_title(message), True)])
                    continue
                # The robot failed: the messages not yet tried wait for the same retry.
                self.result.chat_failed += len(messages) - index
                self._record([Delivery(rest.items, CHAT_TARGET, _chat_title(rest), False, outcome.error)
                              for rest in messages[index:]])
                return


def _chat_title(message: chat.ChatMessage) -> str:
    return f"{len(message.items)} 项提醒"
