"""Time one reminder pass over demo data of several sizes.

Run: .venv/bin/python bench/reminders.py [customers ...]
     .venv/bin/python bench/reminders.py --data FOLDER [--repeat N]

For each size it fills a fresh data folder with demo data and registers one
subscription per user at a local push service (tests/stand_ins.py). It then
times due_items alone, the first pass (which sends a summary per rep and
records every item) and a second pass (which finds everything sent).

With --data it opens an existing data folder read-only, such as the one
bench/datasette_bench.py makes (100,000 customers), and times each kind of
reminder that due_items looks up, as the median of N runs.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from genzong.server import settings  # noqa: E402
from genzong.server.db import connect  # noqa: E402
from genzong.server.demo import fill_demo  # noqa: E402
from genzong.server.paths import DataDir  # noqa: E402
from genzong.server.reminders import subscriptions  # noqa: E402
from genzong.server.reminders import items  # noqa: E402
from genzong.server.reminders.items import due_items  # noqa: E402
from genzong.server.reminders.run import run_pass  # noqa: E402
from genzong.server.reminders.vapid import load_or_create_key, public_key_b64  # noqa: E402
from genzong.server.state import open_data_dir  # noqa: E402
from genzong.server.timeutil import utc_now  # noqa: E402
from stand_ins import PushService  # noqa: E402


def measure(customers: int, service: PushService) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = DataDir(Path(folder) / "data")
        state = open_data_dir(data)
        try:
            fill_demo(state, customers=customers)
            key = public_key_b64(load_or_create_key(data.vapid_private_key))
            for user in state.accounts().all():
                sub = service.subscribe(key)
                subscriptions.save(state.private.get(), user.id, subscriptions.parse_subscription(sub.info()))
            conn, private = state.records.get(), state.private.get()
            values = settings.read_all(conn, private)

            started = time.perf_counter()
            due = due_items(conn, values, utc_now())
            items_seconds = time.perf_counter() - started

            started = time.perf_counter()
            first = run_pass(state)
            first_seconds = time.perf_counter() - started

            started = time.perf_counter()
            second = run_pass(state)
            second_seconds = time.perf_counter() - started
        finally:
            state.close()
    print(f"{customers:>7} customers  {len(due):>6} due  due_items {items_seconds * 1000:7.1f} ms  "
          f"first pass {first_seconds * 1000:7.1f} ms ({first.pushed} sent)  "
          f"second pass {second_seconds * 1000:7.1f} ms ({second.pushed} sent)")


def measure_folder(folder: Path, repeat: int) -> None:
    data = DataDir(folder)
    conn = connect(data.database, read_only=True)
    private = connect(data.private_database, read_only=True)
    try:
        values = settings.read_all(conn, private)
        now = utc_now()
        today = items.org_today(values["time_zone"], now)
        people = items.load_people(conn)
        kinds = {
            "follow-ups": lambda: items._follow_ups(conn, people, today, values["escalation_days"]),
            "receivables": lambda: items._receivables(conn, people, today, values["reminder_receivable_days"]),
            "tickets": lambda: items._tickets(conn, people, now, values["reminder_ticket_hours"]),
            "risks": lambda: items._risks(conn, people, today),
            "pool warnings": lambda: items._pool_warnings(conn, people, today, values["time_zone"],
                                                          values["pool_warn_days"]),
            "due_items": lambda: due_items(conn, values, now),
        }
        customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        print(f"{folder}: {customers} customers, median of {repeat} runs")
        for name, look_up in kinds.items():
            seconds = []
            for _ in range(repeat):
                started = time.perf_counter()
                found = look_up()
                seconds.append(time.perf_counter() - started)
            print(f"  {name:<14} {len(found):>7} items  {statistics.median(seconds) * 1000:8.1f} ms")
    finally:
        conn.close()
        private.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="customers of each demo data folder (default 1000 10000)")
    parser.add_argument("--data", type=Path, help="an existing data folder to time the look-ups on, read-only")
    parser.add_argument("--repeat", type=int, default=5, help="runs per look-up with --data (default 5)")
    args = parser.parse_args()
    if args.data:
        measure_folder(args.data, args.repeat)
        return
    service = PushService().start()
    try:
        for size in args.sizes or [1_000, 10_000]:
            measure(size, service)
    finally:
        service.stop()


if __name__ == "__main__":
    main()
