"""Benchmarks of Genzong: sync against the PouchDB peer and a SQLite baseline, and concurrency.

``python -m bench`` (``make bench``) runs them all and writes its results
under ``bench/results/``. The benchmarks drive a real ``genzong serve``
process on 127.0.0.1 with the reference device of ``tests/device.py``.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

# The reference device and the server runner live with the tests.
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))
