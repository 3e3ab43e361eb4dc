"""Time storing follow-ups with and without the index that serves the 沟通方式 facet.

Run: .venv/bin/python bench/follow_up_index_cost.py [--rows 100000] [--rounds 3]

Each round makes two new databases with the current schema, drops the
``follow_ups (channel, deleted, customer_id)`` index from one of them, and
inserts the same follow-ups into each in one transaction. The search
index's triggers fire as they do for every write. It prints the insert
times of each round, without the index first.
"""

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from genzong.server.db import connect, transaction
from genzong.server.migrations import upgrade
from genzong.server.schema import CHANNELS

CHANNEL_INDEX = "follow_ups_channel_deleted_customer_id"
CONTENTS = ("电话沟通报价，客户觉得价格偏高", "上门量房，客厅和卧室共约 86 平方米", "客户到店看样，比较了三款木地板")


def follow_ups(rows: int) -> list[tuple]:
    """Return ``rows`` follow-ups of ``rows // 10`` customers, the same for every call."""
    chooser = random.Random(1)
    customers = [str(uuid.UUID(int=chooser.getrandbits(128))) for _ in range(max(rows // 10, 1))]
    return [(str(uuid.UUID(int=chooser.getrandbits(128))), chooser.choice(customers),
             f"2026-{chooser.randint(1, 12):02d}-{chooser.randint(1, 28):02d}T08:00:00.000Z",
             chooser.choice(CHANNELS), chooser.choice(CONTENTS), seq)
            for seq in range(1, rows + 1)]


def insert_seconds(folder: Path, rows: list[tuple], with_index: bool) -> float:
    conn = connect(folder / f"{'with' if with_index else 'without'}.db")
    try:
        upgrade(conn)
        if not with_index:
            conn.execute(f"DROP INDEX {CHANNEL_INDEX}")
        started = time.perf_counter()
        with transaction(conn):
            conn.executemany("INSERT INTO follow_ups (id, customer_id, happened_at, channel, content, seq, updated_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, '2026-12-05T00:00:00.000Z')", rows)
        return time.perf_counter() - started
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="follow-ups per database (default 100000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both databases (default 3)")
    args = parser.parse_args()
    rows = follow_ups(args.rows)
    for number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as folder:
            without = insert_seconds(Path(folder), rows, with_index=False)
            with_index = insert_seconds(Path(folder), rows, with_index=True)
        print(f"round {number}: {args.rows:,} follow-ups, without the index {without:.2f} s, "
              f"with it {with_index:.2f} s ({with_index / without - 1:+.0%})")


if __name__ == "__main__":
    main()
