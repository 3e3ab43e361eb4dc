"""Time in the organisation's time zone.

Dates such as ``due_date`` are business dates in the organisation's time
zone (``Asia/Shanghai`` unless the ``time_zone`` setting says otherwise), and
timestamps are UTC. "Today", "due" and "overdue" are decided in that zone.
"""

from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..sync import format_stamp

DEFAULT_TIME_ZONE = "Asia/Shanghai"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def now_stamp() -> str:
    return format_stamp(utc_now())


@lru_cache(maxsize=32)
def zone(name: str | None) -> ZoneInfo:
    """Return the time zone called ``name``; raise ValueError for an unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from error


def today(time_zone: str | None = None, now: datetime | None = None) -> date:
    """Return the current date in ``time_zone``."""
    return (now or utc_now()).astimezone(zone(time_zone)).date()


def local_date(stamp: str, time_zone: str | None = None) -> date:
    """Return the date in ``time_zone`` of a UTC timestamp string."""
    return local_datetime(stamp, time_zone).date()


def local_datetime(stamp: str, time_zone: str | None = None) -> datetime:
    """Return a UTC timestamp string as an aware datetime in ``time_zone``."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(zone(time_zone))


def day_start_stamp(day: str, time_zone: str | None = None) -> str:
    """Return the UTC stamp of the first instant of the local date ``day`` in ``time_zone``.

    A stamp ``s`` in ``format_stamp``'s fixed-width form has a local date on
    or after ``day`` exactly when ``s >= day_start_stamp(day)`` as text, so
    queries can compare stamps against this bound and use an index instead of
    converting every row. Where a daylight-saving change skips midnight, the
    day starts at the change. Raises ValueError for a malformed date.
    """
    local = datetime.combine(date.fromisoformat(day), time.min, tzinfo=zone(time_zone))
    try:
        return format_stamp(local.astimezone(timezone.utc))
    except OverflowError:
        # East of UTC, 0001-01-01 begins in year 0, which datetime cannot hold.
        # No stamp is earlier than the first instant of year 1, so that bound
        # keeps the same stamps.
        return "0001-01-01T00:00:00.000Z"
