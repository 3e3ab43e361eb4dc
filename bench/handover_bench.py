"""Time a hand-over of one demo rep's customers to another rep.

Run: .venv/bin/python bench/handover_bench.py [customers ...]

For each size it fills a fresh data folder with demo data, where a quarter
of the customers belong to zhangwei. It then hands zhangwei's customers,
open tickets, projects and risks to lina with the code of ``genzong
handover``, and prints the wall time and what moved.
"""

import argparse
import tempfile
import time
from pathlib import Path

from genzong.server.demo import fill_demo
from genzong.server.handover import hand_over
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir


def measure(customers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        state = open_data_dir(DataDir(Path(folder) / "data"))
        try:
            fill_demo(state, customers)
            accounts = state.accounts()
            manager, giver, taker = (accounts.by_username(name) for name in ("jingli", "zhangwei", "lina"))
            conn = state.records.get()
            started = time.perf_counter()
            result = hand_over(conn, giver.id, taker.id, manager.id)
            elapsed = time.perf_counter() - started
        finally:
            state.close()
    moved = ", ".join(f"{count} {table}" for table, count in result.moved.items())
    print(f"{customers} demo customers: hand-over of {moved} took {elapsed:.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", nargs="*", type=int, default=[2000, 8000])
    for customers in parser.parse_args().customers:
        measure(customers)


if __name__ == "__main__":
    main()
