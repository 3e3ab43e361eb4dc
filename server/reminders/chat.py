"""Copy reminders to a team chat robot: a 企业微信 or 钉钉 group robot webhook.

Web Push needs the browser vendor's push service and a phone that lets the
browser run in the background, which many phones sold in China restrict. A
group robot reaches the same people through the chat app they already have
open. One pass sends few Markdown messages: each lists the new items of
every rep, grouped by rep, so the robots' rate limits (about 20 messages a
minute for both) are not reached.

The webhook URL carries the robot's key, so it is kept in ``private.db`` and
logged by host name only.
"""

import base64
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus, urlsplit

import httpx

from ..timeutil import zone
from .items import DueItem
from .push import FAILED, SENT, Outcome, RetryPolicy
from .text import chat_line, markdown_text

log = logging.getLogger("genzong.chat")

WECOM, DINGTALK = "wecom", "dingtalk"
KIND_BY_HOST = {"qyapi.weixin.qq.com": WECOM, "oapi.dingtalk.com": DINGTALK}
# 企业微信 takes Markdown content of at most 4096 bytes of UTF-8; 钉钉 takes
# more. Messages stay below this for both.
MAX_MESSAGE_BYTES = 4000
# Items beyond this many messages in one pass wait for the next pass.
MAX_MESSAGES_PER_PASS = 10
# errcode values that mean "too many messages, slow down".
RATE_LIMIT_CODES = {45009, 130101}


@dataclass(frozen=True)
class ChatMessage:
    markdown: str
    items: tuple[DueItem, ...]


def detect_kind(url: str, configured: str | None) -> str | None:
    """Return the robot kind: the configured one, else the one the URL's host implies."""
    if configured:
        return configured
    return KIND_BY_HOST.get((urlsplit(url).hostname or "").lower())


def compose(due: list[DueItem], names: dict[str, str], kind: str, time_zone: str,
            now: datetime) -> list[ChatMessage]:
    """Pack ``due`` into Markdown messages of at most MAX_MESSAGE_BYTES, grouped by rep.

    A rep's section split over two messages repeats its heading, marked 续.
    At most MAX_MESSAGES_PER_PASS messages are returned; the items left out
    are not in any message, so a later pass sends them.
    """
    newline = "\n\n" if kind == DINGTALK else "\n"
    local = now.astimezone(zone(time_zone))
    heading = f"### 跟踪提醒 · {local.month}月{local.day}日 {local:%H:%M}"
    by_rep: dict[str, list[DueItem]] = {}
    for item in due:
        by_rep.setdefault(item.owner_id, []).append(item)

    messages: list[ChatMessage] = []
    lines: list[str] = [heading]
    packed: list[DueItem] = []
    for owner_id in sorted(by_rep, key=lambda o: (names.get(o, ""), o)):
        rep_items = by_rep[owner_id]
        rep_name = markdown_text(names.get(owner_id, "—"), 30)
        section = [f"**{rep_name}**（{len(rep_items)} 项）"]
        for item in rep_items:
            addition = section + [chat_line(item, time_zone, now)]
            if packed and len(newline.join(lines + addition).encode()) > MAX_MESSAGE_BYTES:
                messages.append(ChatMessage(newline.join(lines), tuple(packed)))
                if len(messages) == MAX_MESSAGES_PER_PASS:
                    return messages
                lines, packed = [heading], []
                addition = [f"**{rep_name}**（续）", addition[-1]]
            lines += addition
            packed.append(item)
            section = []
    if packed:
        messages.append(ChatMessage(newline.join(lines), tuple(packed)))
    return messages


class ChatRobot:
    """Posts Markdown messages to one group robot webhook."""

    def __init__(self, url: str, kind: str, secret: str | None = None,
                 policy: RetryPolicy | None = None, stop: threading.Event | None = None):
        self.url = url
        self.kind = kind
        self.secret = secret
        self.policy = policy or RetryPolicy()
        self.stop = stop or threading.Event()
        self.host = urlsplit(url).hostname

    def body(self, markdown: str) -> dict:
        if self.kind == DINGTALK:
            return {"msgtype": "markdown", "markdown": {"title": "跟踪提醒", "text": markdown}}
        return {"msgtype": "markdown", "markdown": {"content": markdown}}

    def signed_url(self) -> str:
        """Return the URL to post to: with 钉钉's timestamp and HMAC-SHA256 sign when a secret is set."""
        if self.kind != DINGTALK or not self.secret:
            return self.url
        timestamp = str(int(time.time() * 1000))
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        joiner = "&" if urlsplit(self.url).query else "?"
        return f"{self.url}{joiner}timestamp={timestamp}&sign={quote_plus(base64.b64encode(digest))}"

    def send(self, markdown: str, client: httpx.Client) -> Outcome:
        """Post one message, retrying network errors, 429, 5xx and the robots' rate-limit codes."""
        policy = self.policy
        outcome = Outcome(FAILED, None, "not sent")
        for attempt in range(1, policy.attempts + 1):
            outcome, retryable = self._try(markdown, client)
            if outcome.status == SENT or not retryable or attempt == policy.attempts:
                break
            delay = policy.base_delay * 2 ** (attempt - 1)
            log.warning("chat robot at %s failed (%s); retry %d of %d in %.1f s",
                        self.host, outcome.error, attempt, policy.attempts - 1, delay)
            if self.stop.wait(delay):
                break
        if outcome.status == FAILED:
            log.error("chat robot at %s failed: %s", self.host, outcome.error)
        return outcome

    def _try(self, markdown: str, client: httpx.Client) -> tuple[Outcome, bool]:
        try:
            response = client.post(self.signed_url(), json=self.body(markdown), timeout=self.policy.timeout)
        except httpx.HTTPError as error:
            return Outcome(FAILED, None, f"network error: {type(error).__name__}"), True
        status = response.status_code
        if status != 200:
            return Outcome(FAILED, status, f"HTTP {status}"), status == 429 or status >= 500
        try:
            answer = response.json()
            errcode = answer.get("errcode")
        except (ValueError, AttributeError):
            return Outcome(FAILED, status, "the answer is not the robot's JSON"), False
        if errcode == 0:
            return Outcome(SENT, status), False
        detail = f"errcode {errcode}: {str(answer.get('errmsg', ''))[:200]}"
        return Outcome(FAILED, status, detail), errcode in RATE_LIMIT_CODES
