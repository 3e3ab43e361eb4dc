"""Measure what the search-index triggers add to a sync push of new customers.

Each run pushes new customers (default 10,000, in requests of 5,000) from a
simulated device (tests/device.py) to the real app served in-process. Both
setups, with the search triggers and with them dropped, push the same
customers in a round, and rounds alternate between them. The timed part is
the device's sync: the requests, the merge, the write transaction and the
pull of the stored records. Times are wall-clock seconds and CPU seconds of
this process; the app runs in it, so CPU time leaves out waits for the disk
and for other programs on a shared machine.

    .venv/bin/python bench/fts_write_overhead.py [--customers 10000] [--rounds 3]
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from starlette.testclient import TestClient  # noqa: E402

from device import Device  # noqa: E402
from genzong.server import demo, search  # noqa: E402
from genzong.server.app import create_app  # noqa: E402
from genzong.server.paths import DataDir  # noqa: E402
from genzong.server.state import open_data_dir  # noqa: E402

PASSWORD = "bench-password"


def customer_fields(rng: random.Random, index: int) -> dict:
    """Return the fields of a plausible new customer, like the demo's."""
    city, districts, _ = rng.choice(demo.CITIES)
    return {
        "name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN),
        "company": city[:-1] + rng.choice(demo.COMPANY_HEADS) + rng.choice(demo.COMPANY_TAILS),
        "title": rng.choice([t for t in demo.TITLES if t]),
        "phone": "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
        "email": f"kh{index:05d}@example.cn",
        "address": f"{city}{rng.choice(districts)}{rng.choice(demo.STREETS)}{rng.randint(1, 999)}号",
        "source": rng.choice(demo.SOURCES),
        "notes": rng.choice(["对价格比较敏感", "重视环保等级", "装修工期紧", "老客户，信誉好", None]),
    }


def push_once(customers: int, with_triggers: bool, seed: int) -> dict:
    """Push ``customers`` new customers into a fresh data folder; return timings and sizes."""
    with tempfile.TemporaryDirectory() as folder:
        data = DataDir(Path(folder) / "data")
        state = open_data_dir(data)
        state.accounts().add("rep", PASSWORD, "sales")
        if not with_triggers:
            search.drop_search_triggers(state.records.get())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            client = TestClient(create_app(data, state, daily_backups=False))
        with client:
            token = client.post("/api/login", json={"username": "rep", "password": PASSWORD}).json()["token"]
            device = Device(client, token)
            rng = random.Random(seed)
            for index in range(customers):
                device.edit("customers", **customer_fields(rng, index))
            started, started_cpu = time.perf_counter(), time.process_time()
            device.sync()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            conn = state.records.get()
            stored = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
            indexed = conn.execute(
                "SELECT count(*) FROM customers_search WHERE customers_search MATCH search_query('公司')"
            ).fetchone()[0]
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = data.database.stat().st_size
    if stored != customers:
        raise RuntimeError(f"stored {stored} customers, pushed {customers}")
    return {"seconds": elapsed, "cpu_seconds": cpu, "indexed": indexed, "bytes": size}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000, help="new customers per push (default 10000)")
    parser.add_argument("--rounds", type=int, default=3, help="pushes per setup (default 3)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    runs = {"without triggers": [], "with triggers": []}
    for round_number in range(args.rounds):
        for label, with_triggers in (("without triggers", False), ("with triggers", True)):
            result = push_once(args.customers, with_triggers, seed=round_number)
            runs[label].append(result)
            print(f"round {round_number + 1} {label:>16}: {result['seconds']:.2f} s, "
                  f"CPU {result['cpu_seconds']:.2f} s, database {result['bytes'] / 1e6:.1f} MB, "
                  f"index hits {result['indexed']}", flush=True)

    print(f"\n{args.customers} new customers, median of {args.rounds}:")
    for key, unit in (("seconds", "wall"), ("cpu_seconds", "CPU")):
        base = statistics.median(r[key] for r in runs["without triggers"])
        indexed = statistics.median(r[key] for r in runs["with triggers"])
        print(f"  {unit:>4}: {base:.2f} s without search triggers, {indexed:.2f} s with them "
              f"(+{(indexed / base - 1) * 100:.1f} %)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"customers": args.customers, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
