"""One run of the sync workload at one size, in its own process.

Run as ``python -m bench.sync_run --size N --run R --work DIR``: it starts a
fresh ``genzong serve`` on 127.0.0.1 with a new data folder, times the four
phases of the peer benchmark with two devices, checks the outcome of each
phase, and prints one JSON object. A process of its own per run makes the
client's peak memory that of this run alone.

Devices A and B belong to two managers, so each sees every customer, as
every PouchDB replica sees every document. The documents' owners
sales-0 … sales-16 are sales users, named in ``owner_id``.
"""

import argparse
import json
import os
import sqlite3
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import httpx

from . import workload
from .clients import KINDS, held_ids, held_version, make_device
from .meter import Meter, memory_mb

from genzong.server.paths import DataDir  # noqa: E402  (after bench puts tests/ on the path)
from genzong.server.schema import TABLES
from genzong.server.state import open_data_dir
from genzong.server.store import load_records
from servers import ServerProcess

PASSWORD = "bench-pw-123"
CONFLICT_ROUNDS = 2
PHASES = ("push", "pull", "noop", "conflict")


class Traffic:
    """Counts the requests and bytes of an httpx client and can save the request bodies."""

    def __init__(self):
        self.requests = 0
        self.sent = 0
        self.received = 0
        self.keep_dir: Path | None = None

    def on_request(self, request: httpx.Request) -> None:
        self.requests += 1
        self.sent += len(request.content)
        if self.keep_dir is not None and request.url.path == "/api/sync":
            path = self.keep_dir / f"body-{self.requests:05d}.json"
            path.write_bytes(request.content)

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.received += len(response.content)

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.sent, self.received


def make_users(data: DataDir) -> dict[str, str]:
    """Create the benchmark's users in a new data folder; return username → id."""
    state = open_data_dir(data)
    try:
        accounts = state.accounts()
        ids = {}
        for name in ("manager-a", "manager-b"):
            ids[name] = accounts.add(name, PASSWORD, "manager").id
        for k in range(workload.OWNER_COUNT):
            ids[f"sales-{k}"] = accounts.add(f"sales-{k}", PASSWORD, "sales").id
        return ids
    finally:
        state.close()


def login(url: str, username: str) -> str:
    response = httpx.post(url + "/api/login", json={"username": username, "password": PASSWORD}, timeout=60)
    response.raise_for_status()
    return response.json()["token"]


def phase(meter_for, traffic: Traffic, body, around=None) -> dict:
    """Run ``body`` under a Meter and return its measures with the traffic it caused.

    ``around``, when given, is a context manager entered just outside the Meter
    (the profiler uses it).
    """
    before = traffic.snapshot()
    with around or nullcontext(), meter_for() as meter:
        body()
    after = traffic.snapshot()
    result = meter.result.as_dict()
    result.update(requests=after[0] - before[0], sent_bytes=after[1] - before[1],
                  received_bytes=after[2] - before[2])
    return result


def run(size: int, run_number: int, work: Path, client_kind: str, keep_bodies: Path | None = None,
        around_phase=None) -> dict:
    """Run the four phases once and return their measures and checks.

    ``around_phase(name, server_pid)``, when given, returns a context manager
    to enter around the phase ``name``.
    """
    data = DataDir(work / f"data-n{size}-r{run_number}-{client_kind}")
    user_ids = make_users(data)
    owner_ids = [user_ids[f"sales-{k}"] for k in range(workload.OWNER_COUNT)]
    server = ServerProcess(data.root, log_dir=work).start()
    traffic = Traffic()
    hooks = {"request": [traffic.on_request], "response": [traffic.on_response]}
    try:
        def client() -> httpx.Client:
            return httpx.Client(base_url=server.url, timeout=600, event_hooks=hooks)

        device_a = make_device(client_kind, client(), login(server.url, "manager-a"))
        device_b = make_device(client_kind, client(), login(server.url, "manager-b"))
        meter_for = lambda: Meter(server.process.pid)  # noqa: E731

        docs = workload.make_docs(size, run_number)
        average_doc_bytes = sum(workload.doc_bytes(doc) for doc in docs) / size
        ids = [workload.record_id(doc["_id"]) for doc in docs]

        def write_locally():
            for record_id, doc in zip(ids, docs):
                device_a.edit("customers", record_id, **workload.to_customer(doc, owner_ids))

        result = {"size": size, "run": run_number, "client": client_kind,
                  "average_doc_bytes": round(average_doc_bytes, 1)}
        result["local_write"] = phase(meter_for, traffic, write_locally)
        around = (lambda name: around_phase(name, server.process.pid)) if around_phase else (lambda name: None)
        del docs

        # 1. Push: A sends its N new records. The device is done when its
        #    outbox is empty and the server has nothing more, which includes
        #    receiving each record back with the code the server gave it.
        traffic.keep_dir = keep_bodies
        result["push"] = phase(meter_for, traffic, device_a.sync, around("push"))
        traffic.keep_dir = None
        _check_pushed(device_a, size)

        # 2. Pull: a fresh device B downloads everything.
        result["pull"] = phase(meter_for, traffic, device_b.sync, around("pull"))
        _check_holds(device_b, ids)

        # 3. No-op sync: A syncs again with nothing changed.
        bodies = []
        result["noop"] = phase(meter_for, traffic, lambda: bodies.extend(device_a.sync()), around("noop"))
        if len(bodies) != 1 or bodies[0]["changes"]:
            raise AssertionError(f"no-op sync took {len(bodies)} requests and received changes")

        # 4. Conflicting edits: A and B edit the same 10% on different fields,
        #    then sync at the same time, twice.
        edited = workload.edited_ids(size)
        for record_id in edited:
            device_a.edit("customers", record_id, **workload.EDIT_A)
            device_b.edit("customers", record_id, **workload.EDIT_B)

        def sync_both():
            for _ in range(CONFLICT_ROUNDS):
                errors = []

                def sync(device):
                    try:
                        device.sync()
                    except Exception as error:  # reported below, after both threads end
                        errors.append(error)
                threads = [threading.Thread(target=sync, args=(d,)) for d in (device_a, device_b)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                if errors:
                    raise errors[0]

        conflict = phase(meter_for, traffic, sync_both, around("conflict"))
        conflict.update(edited_per_device=len(edited), **_check_converged(data, device_a, device_b, ids, edited))
        result["conflict"] = conflict
        result["server_lifetime_peak_rss_mb"] = round(memory_mb(server.process.pid)[1], 1)
        result["client_lifetime_peak_rss_mb"] = round(memory_mb(os.getpid())[1], 1)
    finally:
        server.stop()
    return result


def _check_pushed(device, size: int) -> None:
    if device.outbox or device.rejected:
        raise AssertionError(f"push left {len(device.outbox)} unsent and {len(device.rejected)} rejected records")
    coded = sum(1 for record_id in held_ids(device, "customers")
                if held_version(device, ("customers", record_id)).fields.get("code"))
    if coded != size:
        raise AssertionError(f"after the push {coded} of {size} records have a server code")


def _check_holds(device, ids: list[str]) -> None:
    held = held_ids(device, "customers")
    missing = [record_id for record_id in ids if record_id not in held]
    if missing:
        raise AssertionError(f"the fresh device lacks {len(missing)} of {len(ids)} records")


def _check_converged(data: DataDir, device_a, device_b, ids: list[str], edited: list[str]) -> dict:
    """Compare every record on A, B and the server; count kept edits and conflict rows."""
    conn = sqlite3.connect(f"file:{data.database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        stored = load_records(conn, TABLES["customers"], ids)
        marks = ",".join("?" * len(edited))
        conflict_rows = conn.execute(
            f"SELECT count(*) FROM conflicts WHERE record_table = 'customers' AND record_id IN ({marks})",
            edited).fetchone()[0] if edited else 0
    finally:
        conn.close()
    differing = 0
    for record_id in ids:
        key = ("customers", record_id)
        a, b, server = held_version(device_a, key), held_version(device_b, key), stored.get(record_id)
        if server is None or a is None or b is None or not (_same(a, server.version) and _same(b, server.version)):
            differing += 1
    both_edits = 0
    for record_id in edited:
        fields = stored[record_id].version.fields
        if all(fields.get(k) == v for k, v in {**workload.EDIT_A, **workload.EDIT_B}.items()):
            both_edits += 1
    return {"records_differing": differing, "kept_both_edits": both_edits, "conflict_rows": conflict_rows}


def _same(a, b) -> bool:
    return a.fields == b.fields and a.dots == b.dots and a.clock == b.clock


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="number of records N")
    parser.add_argument("--run", type=int, required=True, help="run number; the documents' seed is 1000 + run")
    parser.add_argument("--work", type=Path, required=True, help="folder for data folders and server logs")
    parser.add_argument("--client", default="reference", choices=KINDS,
                        help="the device implementation (default: tests/device.py)")
    parser.add_argument("--keep-bodies", type=Path, help="save the push phase's request bodies in this folder")
    args = parser.parse_args(argv)
    if args.keep_bodies:
        args.keep_bodies.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = run(args.size, args.run, args.work, args.client, args.keep_bodies)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
