"""The devices a benchmark can drive, behind one small interface.

``reference`` is the simulated device of ``tests/device.py``; ``lean`` is
``bench.lean_device.LeanDevice``, which speaks the same protocol with less
work per received record.
"""

from genzong.sync import Version, merge

from .lean_device import LeanDevice

from device import Device  # noqa: E402  (bench puts tests/ on the path)

KINDS = ("reference", "lean")


def make_device(kind: str, http, token: str):
    if kind == "reference":
        return Device(http, token)
    if kind == "lean":
        return LeanDevice(http, token)
    raise ValueError(f"unknown client {kind!r}: expected one of {', '.join(KINDS)}")


def held_version(device, key) -> Version | None:
    """Return the device's copy of the record ``key`` = (table, id) as a Version, as its user sees it."""
    if isinstance(device, LeanDevice):
        return device.version(key)
    version = device.records.get(key)
    kept_aside = device.deferred.get(key)
    return merge(version, kept_aside).version if kept_aside else version


def held_ids(device, table: str) -> set[str]:
    return {record_id for (name, record_id) in device.records if name == table}
