"""Genzong's merge engine: vector clocks, per-field dots and the merge rule.

Pure functions over plain dicts and tuples, with no I/O and no logging, so
the server, the tests and the shared test vectors all run the same code.
"""

from .accept import CLOCK_AHEAD_LIMIT_MS, Rejection, check_change, latest_allowed_stamp
from .clock import covers, dot_key, is_later, merge_clocks
from .merge import DELETED, Conflict, MergeResult, Version, merge
from .write import format_stamp, next_stamp, parse_stamp, write

__all__ = [
    "CLOCK_AHEAD_LIMIT_MS", "Rejection", "check_change", "latest_allowed_stamp",
    "covers", "dot_key", "is_later", "merge_clocks",
    "DELETED", "Conflict", "MergeResult", "Version", "merge",
    "format_stamp", "next_stamp", "parse_stamp", "write",
]
