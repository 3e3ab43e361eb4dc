"""Process settings for ``genzong serve``: garbage collection and malloc arenas.

Both trade a little of what a short command needs for the memory and CPU
of a long-running server that decodes sync requests of thousands of
changes. Figures are from ``python -m bench.sync_run`` on a 2-core AMD EPYC.
"""

import ctypes
import gc
import logging

log = logging.getLogger("genzong.server")

# Decoding one sync request of 5,000 changes makes about 100,000 dicts and
# lists at once. With Python's default thresholds (700, 10, 10) each such
# request set off several full collections: the server's CPU time for a
# push of 10,000 records fell by an eighth with these thresholds. The
# server's objects rarely form cycles, so collecting less often costs
# little memory.
GC_THRESHOLDS = (50_000, 10, 10)

# glibc gives each thread that allocates its own malloc arena, and memory
# freed in one is not reused by the others, so every worker thread that
# handled a large request kept its own peak. Two arenas cut the server's
# peak resident memory in the conflicting-edits phase at N = 50,000 from
# 192 MB to 167 MB.
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # the mallopt parameter, from glibc's malloc.h


def tune_for_serving() -> None:
    """Set the collector's thresholds and, under glibc, the malloc arena limit.

    Call before the server starts its threads: arenas already made stay.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    if not limit_malloc_arenas(MALLOC_ARENAS):
        log.info("malloc arena limit not set: mallopt (a glibc function) is not available or failed")


def limit_malloc_arenas(count: int) -> bool:
    """Ask glibc's malloc to use at most ``count`` arenas; return False where that is not possible."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_ARENA_MAX, count) == 1
