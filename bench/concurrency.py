"""Many devices syncing at once against one server on 127.0.0.1.

Run as ``python -m bench.concurrency --devices D --work DIR``. A new data
folder gets 10,000 customers of the peer workload spread over the sales
reps, pushed by an admin device before timing starts. Then D devices, one
per user (every tenth a manager's, who sees and edits everyone's
customers; the rest sales reps), run at the same time:

1. initial sync: each device downloads everything it may see;
2. steady sync: each device, ``--rounds`` times, edits two of its
   customers, logs one follow-up and syncs.

Every HTTP request is timed by the device. The server's own time per
request (``ms=`` of its sync log line: decoding, the write lock, the
transaction and the pull, but not the queue before the worker thread) is
read from its log, because the devices share this process and the two
cores with the server, so their latencies also count the devices' own
work. Afterwards each device syncs once more, alone, and must hold exactly
the server's copy of each customer it sees.
"""

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

from . import workload
from .clients import KINDS, held_version, make_device
from .meter import Meter, memory_mb
from .sync_run import PASSWORD, login

from device import Device  # noqa: E402  (bench puts tests/ on the path)
from genzong.server.paths import DataDir
from genzong.server.schema import TABLES
from genzong.server.state import open_data_dir
from genzong.server.store import load_records
from genzong.sync import format_stamp
from servers import ServerProcess

CUSTOMERS = 10_000
CHANNELS = ("电话", "拜访", "微信")
SYNC_LINE_MS = re.compile(r"genzong\.sync: sync user=.* ms=([0-9.]+)")


class TimedClient:
    """Wraps an httpx client and records the latency and status of each POST.

    Both device implementations send every request with ``http.post``.
    """

    def __init__(self, http: httpx.Client, log: list, lock: threading.Lock):
        self.http = http
        self.log = log
        self.lock = lock

    def post(self, *args, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self.http.post(*args, **kwargs)
        except httpx.HTTPError as error:
            with self.lock:
                self.log.append((time.perf_counter() - started, type(error).__name__))
            raise
        with self.lock:
            self.log.append((time.perf_counter() - started, response.status_code))
        return response


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def server_milliseconds(log_path: Path, offset: int) -> list[float]:
    """Return the ``ms=`` of every sync request the server logged after byte ``offset`` of its log."""
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    return [float(match.group(1)) for match in SYNC_LINE_MS.finditer(text)]


def summarize(log: list, seconds: float, measure, server_ms: list[float]) -> dict:
    latencies = [latency for latency, status in log]
    errors = [status for latency, status in log if status != 200]
    return {
        "requests": len(log),
        "seconds": round(seconds, 3),
        "requests_per_s": round(len(log) / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "server_p50_ms": round(percentile(server_ms, 0.50), 1) if server_ms else None,
        "server_p99_ms": round(percentile(server_ms, 0.99), 1) if server_ms else None,
        "server_max_ms": round(max(server_ms), 1) if server_ms else None,
        "errors": len(errors),
        "error_kinds": sorted({str(status) for status in errors}),
        "server_cpu_s": round(measure.server_cpu_s, 2),
        "client_cpu_s": round(measure.client_cpu_s, 2),
        "server_peak_rss_mb": round(measure.server_peak_rss_mb, 1),
    }


def prepare(data: DataDir, devices: int) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Create the users; return (username, role) per device and username → id."""
    managers = max(1, devices // 10)
    people = [(f"manager-{k}", "manager") for k in range(managers)]
    people += [(f"rep-{k}", "sales") for k in range(devices - managers)]
    state = open_data_dir(data)
    try:
        accounts = state.accounts()
        ids = {name: accounts.add(name, PASSWORD, role).id for name, role in people}
        ids["loader"] = accounts.add("loader", PASSWORD, "admin").id
    finally:
        state.close()
    return people, ids


def load_customers(url: str, rep_ids: list[str]) -> None:
    """Push the peer workload's customers, owned round-robin by the reps, as an admin device."""
    with httpx.Client(base_url=url, timeout=600) as http:
        loader = Device(http, login(url, "loader"))
        for doc in workload.make_docs(CUSTOMERS, 1):
            fields = workload.to_customer(doc, rep_ids)
            fields["owner_id"] = rep_ids[int(doc["_id"][5:]) % len(rep_ids)]
            loader.edit("customers", workload.record_id(doc["_id"]), **fields)
        loader.sync()


def run_all(devices: list[Device], work) -> list[BaseException]:
    """Run ``work(index, device)`` for every device at once; return the exceptions raised."""
    failures: list[BaseException] = []
    start = threading.Barrier(len(devices))

    def body(index, device):
        try:
            start.wait()
            work(index, device)
        except BaseException as error:  # counted and reported, never hidden
            failures.append(error)

    threads = [threading.Thread(target=body, args=(i, d)) for i, d in enumerate(devices)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def steady_work(rounds: int, roles: list[str]):
    def work(index: int, device: Device) -> None:
        rng = random.Random(index)
        own = [key[1] for key in device.records if key[0] == "customers"]
        for round_number in range(rounds):
            for record_id in rng.sample(own, 2):
                if roles[index] == "manager":
                    device.edit("customers", record_id, notes=f"经理批注 {index}-{round_number}")
                else:
                    device.edit("customers", record_id, phone=f"139{rng.randrange(10**8):08d}",
                                stage=rng.choice(("跟进中", "已成交")))
            customer = rng.choice(own)
            device.edit("follow_ups", None, customer_id=customer,
                        happened_at=format_stamp(device.now()),
                        channel=rng.choice(CHANNELS), content=f"第{round_number + 1}次联系，客户有意向。")
            device.sync()
    return work


def check_converged(data: DataDir, devices: list[Device]) -> int:
    """Return how many customer copies on the devices differ from the server's."""
    conn = sqlite3.connect(f"file:{data.database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        differing = 0
        for device in devices:
            ids = [key[1] for key in device.records if key[0] == "customers"]
            stored = load_records(conn, TABLES["customers"], ids)
            for record_id in ids:
                mine, theirs = held_version(device, ("customers", record_id)), stored.get(record_id)
                if theirs is None or (mine.fields, mine.dots, mine.clock) != (
                        theirs.version.fields, theirs.version.dots, theirs.version.clock):
                    differing += 1
        return differing
    finally:
        conn.close()


def run(device_count: int, rounds: int, work: Path, client_kind: str = "reference") -> dict:
    data = DataDir(work / f"data-concurrency-{device_count}")
    people, ids = prepare(data, device_count)
    server = ServerProcess(data.root, log_dir=work).start()
    try:
        rep_ids = [ids[name] for name, role in people if role == "sales"]
        load_customers(server.url, rep_ids)
        log: list = []
        lock = threading.Lock()
        limits = httpx.Limits(max_connections=1)
        devices = [make_device(client_kind, TimedClient(httpx.Client(base_url=server.url, timeout=120, limits=limits),
                                                        log, lock), login(server.url, name))
                   for name, _ in people]
        roles = [role for _, role in people]
        result = {"devices": device_count, "managers": roles.count("manager"), "rounds": rounds,
                  "customers": CUSTOMERS, "client": client_kind}

        offset = server.log_path.stat().st_size
        with Meter(server.process.pid) as meter:
            failures = run_all(devices, lambda index, device: device.sync())
        result["initial_sync"] = summarize(log, meter.result.seconds, meter.result,
                                           server_milliseconds(server.log_path, offset))
        result["initial_sync"]["exceptions"] = [repr(f) for f in failures[:5]]

        log.clear()
        offset = server.log_path.stat().st_size
        with Meter(server.process.pid) as meter:
            failures = run_all(devices, steady_work(rounds, roles))
        result["steady_sync"] = summarize(log, meter.result.seconds, meter.result,
                                          server_milliseconds(server.log_path, offset))
        result["steady_sync"]["exceptions"] = [repr(f) for f in failures[:5]]
        result["steady_sync"]["rejected_changes"] = sum(len(d.rejected) for d in devices)

        for device in devices:
            device.sync()
        result["customer_copies_differing"] = check_converged(data, devices)
        result["server_lifetime_peak_rss_mb"] = round(memory_mb(server.process.pid)[1], 1)
    finally:
        server.stop()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, required=True, help="number of devices syncing at once")
    parser.add_argument("--rounds", type=int, default=20, help="edit-and-sync rounds per device (default 20)")
    parser.add_argument("--work", type=Path, required=True, help="folder for the data folder and server log")
    parser.add_argument("--client", default="reference", choices=KINDS,
                        help="the device implementation (default: tests/device.py)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.devices, args.rounds, args.work, args.client)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
