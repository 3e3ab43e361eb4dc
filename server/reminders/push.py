"""Send one Web Push message with pywebpush, retrying what is worth retrying.

Answers are sorted as the Web Push protocol (RFC 8030) means them: 404 and
410 say the subscription no longer exists, 429 and 5xx (and network errors)
are passing trouble worth a retry after a pause, and any other error will
not get better by retrying now.
"""

import logging
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import requests
from pywebpush import WebPushException, webpush
from py_vapid import Vapid, VapidException

from .subscriptions import Subscription

log = logging.getLogger("genzong.push")

# How long a push service keeps a message for a phone that is offline. A
# reminder is still worth showing later the same day, not a week later.
TTL_SECONDS = 12 * 3600

SENT, GONE, FAILED = "sent", "gone", "failed"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3          # tries per message within one pass
    base_delay: float = 1.0    # seconds before the second try; doubles per try
    max_wait: float = 10.0     # a longer Retry-After leaves the message to a later pass
    timeout: float = 10.0      # seconds to connect, and to wait for the answer


@dataclass(frozen=True)
class Outcome:
    status: str                # SENT, GONE or FAILED
    http_status: int | None = None
    error: str | None = None


def _retry_after(response) -> float | None:
    """Return the seconds a Retry-After header asks for, or None when absent or unreadable."""
    value = response.headers.get("retry-after") if response is not None else None
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(timezone.utc)).total_seconds(), 0.0)


class PushSender:
    """Sends payloads to subscriptions, signed with the server's VAPID key."""

    def __init__(self, vapid: Vapid, contact: str, policy: RetryPolicy | None = None,
                 stop: threading.Event | None = None):
        self.vapid = vapid
        self.contact = contact
        self.policy = policy or RetryPolicy()
        self.stop = stop or threading.Event()

    def send(self, subscription: Subscription, payload: bytes, session: requests.Session) -> Outcome:
        """Send ``payload`` to ``subscription``, retrying 429, 5xx and network errors.

        Never raises for a failed send; the outcome says what happened. Logs
        name the subscription by id only, never its endpoint or keys.
        """
        policy = self.policy
        outcome = Outcome(FAILED, None, "not sent")
        for attempt in range(1, policy.attempts + 1):
            outcome, retryable, wait = self._try(subscription, payload, session)
            if outcome.status != FAILED or not retryable or attempt == policy.attempts:
                break
            delay = wait if wait is not None else policy.base_delay * 2 ** (attempt - 1)
            if delay > policy.max_wait:
                log.warning("push to subscription %s failed (%s); the service asks to wait %.0f s, "
                            "so a later pass retries", subscription.id, outcome.error, delay)
                return outcome
            log.warning("push to subscription %s failed (%s); retry %d of %d in %.1f s",
                        subscription.id, outcome.error, attempt, policy.attempts - 1, delay)
            if self.stop.wait(delay):
                break
        if outcome.status == FAILED:
            log.error("push to subscription %s failed: %s", subscription.id, outcome.error)
        return outcome

    def _try(self, subscription: Subscription, payload: bytes,
             session: requests.Session) -> tuple[Outcome, bool, float | None]:
        """Make one attempt; return (outcome, whether a retry may help, Retry-After seconds)."""
        try:
            response = webpush(
                subscription.info(), data=payload, vapid_private_key=self.vapid,
                # pywebpush writes aud and exp into the claims it is given, so
                # every send gets a fresh dict: a reused one would carry the
                # audience of another push service.
                vapid_claims={"sub": self.contact},
                content_encoding="aes128gcm", ttl=TTL_SECONDS,
                timeout=self.policy.timeout, requests_session=session)
            return Outcome(SENT, response.status_code), False, None
        except WebPushException as error:
            response = error.response
            status = response.status_code if response is not None else None
            if status in (404, 410):
                return Outcome(GONE, status, f"HTTP {status}"), False, None
            retryable = status is not None and (status == 429 or status >= 500)
            reason = f"HTTP {status}" if status is not None else "no response"
            return Outcome(FAILED, status, reason), retryable, _retry_after(response)
        except requests.RequestException as error:
            return Outcome(FAILED, None, f"network error: {type(error).__name__}"), True, None
        except VapidException as error:
            # py_vapid rejects the contact address or the endpoint's origin
            # (it takes host names and IPv4 addresses only).
            return Outcome(FAILED, None, f"VAPID signing failed: {error}"), False, None
        except ValueError as error:
            # Encryption rejected the subscription's keys, so retrying cannot help.
            return Outcome(FAILED, None, f"invalid subscription keys: {type(error).__name__}"), False, None
