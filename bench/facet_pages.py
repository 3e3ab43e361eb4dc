"""Time report pages served by ``genzong serve`` and list the facets Datasette gave up on.

Run: .venv/bin/python -m bench.facet_pages --data FOLDER [--repeat 9] [PATH ...]

FOLDER is a data folder made by ``bench/datasette_bench.py``, whose manager
logs in as ``manager``. The server runs on a free port of 127.0.0.1. For
each page (the follow-up log by default) it prints the median and maximum
time of ``--repeat`` requests, and the facets that the page lists as
timed out: Datasette leaves a facet out after ``facet_time_limit_ms``.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import ServerProcess  # noqa: E402  (the tests' helper that runs genzong serve)

from bench.datasette_bench import PASSWORD  # noqa: E402

DEFAULT_PAGES = ("/data/genzong/follow_up_log",)
TIMED_OUT = re.compile(r'class="facets-timed-out">[^:<]*:\s*([^<]*)<')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder made by bench/datasette_bench.py")
    parser.add_argument("--repeat", type=int, default=9, help="requests per page (default 9)")
    parser.add_argument("pages", nargs="*", default=DEFAULT_PAGES, help="paths to request")
    args = parser.parse_args()

    server = ServerProcess(args.data, log_dir=args.data.parent).start(timeout=120)
    try:
        client = httpx.Client(base_url=server.url, timeout=60)
        client.post("/api/login", json={"username": "manager", "password": PASSWORD}).raise_for_status()
        for path in args.pages:
            times, timed_out = [], set()
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                match = TIMED_OUT.search(response.text)
                timed_out.add(match.group(1).strip() if match else "none")
            print(f"{path}: p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms, "
                  f"facets timed out: {' | '.join(sorted(timed_out))}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
