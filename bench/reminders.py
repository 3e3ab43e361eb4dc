"""Time one reminder pass over demo data of several sizes.

Run: .venv/bin/python bench/reminders.py [customers ...]

For each size it fills a fresh data folder with demo data and registers one
subscription per user at a local push service (tests/stand_ins.py). It then
times due_items alone, the first pass (which sends a summary per rep and
records every item) and a second pass (which finds everything sent).
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from genzong.server import settings  # noqa: E402
from genzong.server.demo import fill_demo  # noqa: E402
from genzong.server.paths import DataDir  # noqa: E402
from genzong.server.reminders import subscriptions  # noqa: E402
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


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [1_000, 10_000]
    service = PushService().start()
    try:
        for size in sizes:
            measure(size, service)
    finally:
        service.stop()


if __name__ == "__main__":
    main()
