"""The merge rule: two versions of one record merge field by field.

Each field takes the value whose dot wins by ``dot_key``; the clock takes the
pointwise maximum. Because every part of the result is a maximum, merging is
commutative, associative and idempotent, so replicas that have seen the same
writes hold the same record whatever order the writes arrived in.

``deleted`` is an ordinary field (a tombstone keeps the row and its fields),
with its dot stored under ``"deleted"`` like any other field.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

from .clock import Dot, covers, dot_key, merge_clocks

DELETED = "deleted"


@dataclass
class Version:
    """One replica's state of a record.

    ``fields`` maps each field name to its value (``deleted`` included, when
    it has been written) and ``dots`` maps the same names to the dot of the
    write that set them. Every key of ``fields`` has a dot and every dot has a
    value; callers check that before merging.
    """

    clock: dict[str, int]
    dots: dict[str, Dot]
    fields: dict[str, Any]

    @property
    def deleted(self) -> bool:
        return bool(self.fields.get(DELETED, False))

    def copy(self) -> "Version":
        return Version(dict(self.clock), dict(self.dots), dict(self.fields))


@dataclass(frozen=True)
class Conflict:
    """A write that was overwritten by a writer that had not seen it.

    For a delete that was concurrent with an edit, ``field`` is ``deleted``,
    ``kept_value`` is True and ``other_value`` maps each field the edit wrote
    to the value it wrote.
    """

    field: str
    kept_value: Any
    kept_dot: Dot
    other_value: Any
    other_dot: Dot


@dataclass
class MergeResult:
    version: Version
    changed: bool
    conflicts: list[Conflict] = dataclasses.field(default_factory=list)


def merge(local: Version | None, remote: Version) -> MergeResult:
    """Merge ``remote`` into ``local`` and return the merged version.

    ``changed`` is True when the merged version differs from ``local``.
    ``conflicts`` lists each write that lost to a write whose side had not
    seen it, in a fixed order (field name, then the losing dot). A retry of
    a version already merged adds none, because by then the local clock
    covers every dot it carries.

    Precondition: where both versions carry the same dot for a field they
    carry the same value (the server rejects a change that breaks this
    with ``dot_mismatch``), otherwise ``local`` keeps its value.
    """
    if local is None:
        return MergeResult(remote.copy(), changed=True)

    dots: dict[str, Dot] = {}
    values: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for name in sorted(local.dots.keys() | remote.dots.keys()):
        mine = local.dots.get(name)
        theirs = remote.dots.get(name)
        if theirs is None or mine == theirs:
            dots[name], values[name] = mine, local.fields[name]
            continue
        if mine is None:
            dots[name], values[name] = theirs, remote.fields[name]
            continue
        if dot_key(theirs) > dot_key(mine):
            winner, loser = remote, local
        else:
            winner, loser = local, remote
        dots[name], values[name] = winner.dots[name], winner.fields[name]
        if name == DELETED and winner.fields[name] is True:
            continue  # a winning delete is judged by _delete_conflicts below
        if _overwrote_unseen(winner, loser, name):
            conflicts.append(Conflict(
                name, winner.fields[name], winner.dots[name],
                loser.fields[name], loser.dots[name]))

    merged = Version(merge_clocks(local.clock, remote.clock), dots, values)
    conflicts.extend(_delete_conflicts(local, remote, merged))
    conflicts.sort(key=lambda c: (c.field, dot_key(c.other_dot)))
    changed = merged.clock != local.clock or dots != local.dots or values != local.fields
    return MergeResult(merged, changed, conflicts)


def _overwrote_unseen(winner: Version, loser: Version, name: str) -> bool:
    """Return True when the winning side overwrote a value it had not seen.

    Equal values are no conflict: nothing is lost whichever write is kept.
    """
    if winner.fields[name] == loser.fields[name]:
        return False
    return not covers(winner.clock, loser.dots[name])


def _delete_conflicts(local: Version, remote: Version, merged: Version) -> list[Conflict]:
    """Return a conflict for each edit that was concurrent with a winning delete.

    The delete's side had not seen the edit, and the edit's side had not seen
    the delete (it lacks the delete's dot). Each concurrent write gives one
    conflict whose other value contains every field that write set, so the edit
    stays visible for review even though the record is now deleted.
    """
    if not merged.deleted:
        return []
    delete_dot = merged.dots[DELETED]
    if local.dots.get(DELETED) == delete_dot and remote.dots.get(DELETED) == delete_dot:
        return []
    deleter, editor = (local, remote) if local.dots.get(DELETED) == delete_dot else (remote, local)

    edits: dict[Dot, dict[str, Any]] = {}
    for name, dot in editor.dots.items():
        if not covers(deleter.clock, dot):
            edits.setdefault(dot, {})[name] = editor.fields[name]
    return [
        Conflict(DELETED, True, delete_dot, dict(sorted(written.items())), dot)
        for dot, written in edits.items()
    ]
