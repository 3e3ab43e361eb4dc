"""The rules by which the server accepts or rejects one incoming change.

Each rule guards an assumption the merge relies on. A change that breaks one
is rejected whole, before anything of it is merged, and the caller reports
the ``Rejection`` to the device that sent it.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import covers, dot_key
from .merge import Version
from .write import format_stamp

CLOCK_AHEAD_LIMIT_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class Rejection:
    """Why a change was rejected: a stable ``code`` and the facts behind it."""

    code: str
    field: str | None = None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


def latest_allowed_stamp(server_now: datetime) -> str:
    """Return the latest ``edited_at`` the server accepts at ``server_now``."""
    return format_stamp(server_now + timedelta(milliseconds=CLOCK_AHEAD_LIMIT_MS))


def check_change(
    stored: Version | None,
    incoming: Version,
    sender: str,
    latest_stamp: str,
    server_fields: frozenset[str] = frozenset(),
    resending_after_reset: bool = False,
) -> Rejection | None:
    """Return why ``incoming`` must be rejected, or None to accept it.

    ``stored`` is the server's version (None for a new record), ``sender`` the
    device that sent the change, ``latest_stamp`` the value of
    ``latest_allowed_stamp`` for the server's current time and
    ``server_fields`` the fields only the server writes. While a device
    resends after a restore from backup, writes the backup lost are expected:
    counters of other devices above the server's and server-written values
    are then accepted.
    """
    checks = _CHECKS_WHILE_RESENDING if resending_after_reset else _CHECKS
    for check in checks:
        rejection = check(stored or _NO_VERSION, incoming, sender, latest_stamp, server_fields)
        if rejection is not None:
            return rejection
    return None


def _dots_inside_clock(stored, incoming, sender, latest_stamp, server_fields):
    # A dot names a write the version has seen, so its own clock covers it.
    clock = incoming.clock
    for name, dot in incoming.dots.items():
        if clock.get(dot[0], 0) < dot[1]:  # covers(clock, dot), inlined: this runs for every field
            return Rejection("invalid_dot", name, {
                "dot": list(dot), "clock": incoming.clock,
                "detail": f"write {dot[1]} of device {dot[0]} is not in the change's clock"})
    return None


def _stamped_in_future(stored, incoming, sender, latest_stamp, server_fields):
    # A device clock far ahead would otherwise win every later conflict.
    for name, dot in incoming.dots.items():
        if dot[2] > latest_stamp:
            return Rejection("clock_ahead", name, {"edited_at": dot[2], "latest_allowed": latest_stamp})
    return None


def _forged_counter(stored, incoming, sender, latest_stamp, server_fields):
    # Every write of another device reaches a device through the server, so
    # a counter above the server's for another device cannot be genuine.
    for device, counter in incoming.clock.items():
        known = stored.clock.get(device, 0)
        if device != sender and counter > known:
            return Rejection("forged_counter", None, {"device": device, "counter": counter, "known": known})
    return None


def _dot_mismatch(stored, incoming, sender, latest_stamp, server_fields):
    # One write has one value and one stamp; anything else is a corrupted replica.
    for name, dot in incoming.dots.items():
        known = stored.dots.get(name)
        if known is None or known[:2] != dot[:2]:
            continue
        if known[2] != dot[2] or stored.fields[name] != incoming.fields[name]:
            return Rejection("dot_mismatch", name, {"dot": list(dot), "stored_dot": list(known)})
    return None


def _dot_not_later(stored, incoming, sender, latest_stamp, server_fields):
    # A writer that had seen the stored write must stamp its own write later.
    for name, dot in incoming.dots.items():
        known = stored.dots.get(name)
        if known is None or known == dot or not covers(incoming.clock, known):
            continue
        if dot_key(dot) <= dot_key(known):
            return Rejection("dot_not_later", name, {"dot": list(dot), "stored_dot": list(known)})
    return None


def _server_field(stored, incoming, sender, latest_stamp, server_fields):
    for name in server_fields:
        dot = incoming.dots.get(name)
        if dot is not None and stored.dots.get(name) != dot:
            return Rejection("server_field", name, {"dot": list(dot)})
    return None


# The checks in the order they run; they only read the versions they get.
_CHECKS = (_dots_inside_clock, _stamped_in_future, _forged_counter, _dot_mismatch, _dot_not_later, _server_field)
_CHECKS_WHILE_RESENDING = (_dots_inside_clock, _stamped_in_future, _dot_mismatch, _dot_not_later)
_NO_VERSION = Version({}, {}, {})  # what a new record is checked against
