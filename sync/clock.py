"""Vector clocks and dots.

A vector clock maps a device id to the highest counter of that device's
writes to one record. A dot ``(device, counter, edited_at)`` names the write
that set one field: the device, its counter for the record at that write, and
the device's corrected wall time in the fixed-width form
``YYYY-MM-DDTHH:MM:SS.sssZ``, so timestamps compare correctly as strings.
"""

from typing import Mapping

Clock = Mapping[str, int]
Dot = tuple[str, int, str]


def dot_key(dot: Dot) -> tuple[str, str, int]:
    """Return the sort key that decides which of two writes wins.

    Time comes first so that the write made last wins, as a person expects.
    The device id and then the counter only break ties between writes stamped
    in the same millisecond; any fixed order works, provided every replica
    uses the same one.
    """
    device, counter, edited_at = dot
    return (edited_at, device, counter)


def is_later(a: Dot, b: Dot) -> bool:
    """Return True when write ``a`` wins over write ``b``."""
    return dot_key(a) > dot_key(b)


def covers(clock: Clock, dot: Dot) -> bool:
    """Return True when ``clock`` has seen the write named by ``dot``."""
    device, counter, _ = dot
    return clock.get(device, 0) >= counter


def merge_clocks(a: Clock, b: Clock) -> dict[str, int]:
    """Return the pointwise maximum of two clocks, with keys sorted."""
    merged = dict(a)
    for device, counter in b.items():
        if counter > merged.get(device, 0):
            merged[device] = counter
    return dict(sorted(merged.items()))
