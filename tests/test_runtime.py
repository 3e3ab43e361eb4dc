"""Process settings of genzong serve."""

import gc
import platform

import pytest

from genzong.server import runtime


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_malloc_arena_limit_is_accepted():
    assert runtime.limit_malloc_arenas(runtime.MALLOC_ARENAS) is True


def test_tune_for_serving_sets_gc_thresholds():
    before = gc.get_threshold()
    try:
        runtime.tune_for_serving()
        assert gc.get_threshold() == runtime.GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)
