"""The writing rule: how a replica stamps its own edit of a record."""

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from .merge import Version

ZERO = timedelta(0)


def format_stamp(moment: datetime) -> str:
    """Format a time as ``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC."""
    if moment.utcoffset() != ZERO:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_stamp(stamp: str) -> datetime:
    """Parse a stamp made by ``format_stamp``; raise ValueError otherwise."""
    if len(stamp) != 24 or stamp[-1] != "Z" or stamp[10] != "T":
        raise ValueError(f"not a UTC timestamp of the form YYYY-MM-DDTHH:MM:SS.sssZ: {stamp!r}")
    return datetime.fromisoformat(stamp)


def next_stamp(version: Version | None, now: datetime) -> str:
    """Return the ``edited_at`` for a new write to ``version`` at ``now``.

    The stamp is ``now``, or 1 ms after the latest dot the record carries when
    that is later, so a write always wins over every write its author had
    seen, whatever the device clocks say.
    """
    stamp = format_stamp(now)
    if version is not None and version.dots:
        latest = max(dot[2] for dot in version.dots.values())
        if latest >= stamp:
            stamp = format_stamp(parse_stamp(latest) + timedelta(milliseconds=1))
    return stamp


def write(version: Version | None, device: str, changes: Mapping[str, Any],
          now: datetime, counter: int | None = None, *, every: bool = False) -> Version:
    """Return a copy of ``version`` with ``changes`` written by ``device``.

    The device's clock entry goes up by one (or to ``counter`` when given,
    which must be higher: the server uses the current time in milliseconds)
    and each changed field gets the dot of this write. Fields whose value is
    unchanged keep their dot, unless ``every`` is set, and when nothing
    changes the copy is returned as it was. The input is not modified.
    """
    result = version.copy() if version is not None else Version({}, {}, {})
    changed = {name: value for name, value in changes.items()
               if every or name not in result.dots or result.fields.get(name) != value}
    if not changed:
        return result
    current = result.clock.get(device, 0)
    if counter is None:
        counter = current + 1
    elif counter <= current:
        raise ValueError(f"counter {counter} for {device} is not above the record's {current}")
    stamp = next_stamp(version, now)
    result.clock[device] = counter
    result.clock = dict(sorted(result.clock.items()))
    dot = (device, counter, stamp)  # one tuple shared by every field of this write
    for name, value in changed.items():
        result.fields[name] = value
        result.dots[name] = dot
    return result
