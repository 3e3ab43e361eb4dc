"""Run every benchmark and write the results: ``python -m bench`` (``make bench``).

For each size N the PouchDB peer runs 3 times, then Genzong with each
client (3 runs, one process per run). After each lean-client run the SQLite
baseline is timed on that run's own push bodies. Ratios therefore compare
figures taken minutes apart on the same machine. Then come the concurrency
runs, Datasette at 100,000 customers, the PWA in Chromium, and the other
benchmark scripts in ``bench/`` with their default arguments. Results go
to ``bench/results/results-<time>.json`` and ``report-<time>.md`` (with
each script's output in ``script-<name>-<time>.txt``), and
``latest.json``/``latest.md`` are copies of the last run's.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import REPO, RESULTS
from .baseline import load_bodies, time_baseline
from .clients import KINDS
from .peer import PeerBlocked, run_peer
from .report import render

from servers import free_port  # noqa: E402  (bench puts tests/ on the path)

# This package's modules; every other .py file in bench/ is a script run as it is.
OWN_MODULES = {"__init__", "__main__", "baseline", "clients", "concurrency", "datasette_bench", "lean_device",
               "meter", "peer", "profile_server", "pwa_bench", "report", "slow_phone", "sync_run", "workload"}
# Argument lists for scripts that cover more with more than one run.
SCRIPT_RUNS = {"import_bench": [["--kind", "customers"], ["--kind", "receivables"]]}
PARTS = ("peer", "sync", "concurrency", "datasette", "pwa", "scripts")


def machine() -> dict:
    model = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    node = shutil.which("node")
    return {
        "cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(total_kb / 1024**2, 1),
        "python": platform.python_version(), "sqlite": __import__("sqlite3").sqlite_version,
        "node": subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else None,
        "load_average_at_start": os.getloadavg(),
    }


def python_module(module: str, *args: str, timeout: float = 7200) -> dict:
    """Run ``python -m bench.<module>`` in its own process and return the JSON it prints."""
    completed = subprocess.run([sys.executable, "-m", f"bench.{module}", *args], cwd=REPO,
                               capture_output=True, text=True, timeout=timeout)
    if completed.returncode != 0:
        raise RuntimeError(f"bench.{module} {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def sync_runs(size: int, runs: int, client: str, work: Path, log) -> list[dict]:
    results = []
    for run in range(1, runs + 1):
        args = ["--size", str(size), "--run", str(run), "--work", str(work), "--client", client]
        bodies = work / f"bodies-n{size}-r{run}"
        if client == "lean":
            args += ["--keep-bodies", str(bodies)]
        result = python_module("sync_run", *args)
        if client == "lean":
            saved = load_bodies(bodies)
            result["baseline_s"] = [round(time_baseline(saved), 3) for _ in range(3)]
            result["baseline_without_search_s"] = [round(time_baseline(saved, False), 3) for _ in range(3)]
            result["baseline_staged_s"] = [round(time_baseline(saved, staged=True), 3) for _ in range(3)]
            shutil.rmtree(bodies)
        shutil.rmtree(work / f"data-n{size}-r{run}-{client}", ignore_errors=True)
        log(f"  genzong {client} N={size} run {run}: push {result['push']['seconds']:.2f} s, "
            f"pull {result['pull']['seconds']:.2f} s, no-op {result['noop']['seconds'] * 1000:.1f} ms, "
            f"conflict {result['conflict']['seconds']:.2f} s"
            + (f", baseline {statistics.median(result['baseline_s']):.2f} s" if "baseline_s" in result else ""))
        results.append(result)
    return results


def run_scripts(stamp: str, log) -> dict:
    """Run every benchmark script in bench/ that is not part of this package; return their outcomes."""
    outcomes = {}
    for path in sorted((REPO / "bench").glob("*.py")):
        if path.stem in OWN_MODULES:
            continue
        for args in SCRIPT_RUNS.get(path.stem, [[]]):
            name = "-".join([path.stem, *[a.lstrip("-") for a in args]])
            command = [sys.executable, str(path.relative_to(REPO)), *args]
            log(f"script {' '.join(command[1:])}")
            started = time.perf_counter()
            try:
                completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=3600)
                output, code = completed.stdout + completed.stderr, completed.returncode
            except subprocess.TimeoutExpired as error:
                output, code = f"timed out after {error.timeout} s", None
            saved = RESULTS / f"script-{name}-{stamp}.txt"
            saved.write_text(output)
            outcomes[name] = {"command": "python " + " ".join(command[1:]), "returncode": code,
                              "seconds": round(time.perf_counter() - started, 1), "output": saved.name}
    return outcomes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="record counts N (default 1000,10000,100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; medians are reported (default 3)")
    parser.add_argument("--clients", default="lean,reference",
                        help=f"Genzong devices to measure, of {', '.join(KINDS)} (default both)")
    parser.add_argument("--devices", default="20,50", help="device counts of the concurrency runs (default 20,50)")
    parser.add_argument("--rounds", type=int, default=20, help="edit-and-sync rounds per device (default 20)")
    parser.add_argument("--skip", default="", help=f"parts to leave out, comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--datasette-data", type=Path,
                        help="a data folder made by an earlier Datasette benchmark, to skip generating one")
    parser.add_argument("--work", type=Path, help="work folder (default: a new temporary folder, removed after)")
    args = parser.parse_args(argv)

    sizes = [int(size) for size in args.sizes.split(",") if size]
    clients = [kind for kind in args.clients.split(",") if kind]
    skip = set(args.skip.split(",")) - {""}
    work = args.work or Path(tempfile.mkdtemp(prefix="genzong-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", flush=True)

    results = {"command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
               "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
               "sizes": sizes, "runs": args.runs, "clients": clients,
               "peer": {"status": "skipped"}, "sync": {}, "concurrency": {}, "datasette": None, "pwa": None,
               "scripts": {}}
    peer_work = Path(os.environ.get("PEER_WORK", Path(tempfile.gettempdir()) / "genzong-peer-bench"))
    try:
        for size in sizes:
            if "peer" not in skip:
                log(f"PouchDB peer N={size}: {args.runs} runs (run.sh always makes 3)")
                try:
                    peer = run_peer([size], peer_work, free_port())
                    results["peer"]["status"] = "ran"
                    results["peer"].setdefault("summary", {}).update(peer["summary"])
                    results["peer"].update({k: peer[k] for k in ("node", "adapter", "batch_size", "pouchdb_client")})
                except (PeerBlocked, subprocess.TimeoutExpired) as error:
                    results["peer"] = {"status": "blocked", "error": str(error)}
                    log(f"PouchDB peer blocked: {str(error)[:500]}")
                    skip.add("peer")
            if "sync" not in skip:
                for client in clients:
                    log(f"Genzong N={size} client={client}: {args.runs} runs")
                    results["sync"].setdefault(client, {})[str(size)] = sync_runs(size, args.runs, client, work, log)
        if "concurrency" not in skip:
            for devices in [int(d) for d in args.devices.split(",") if d]:
                log(f"concurrency: {devices} devices, {args.rounds} rounds")
                results["concurrency"][str(devices)] = python_module(
                    "concurrency", "--devices", str(devices), "--rounds", str(args.rounds), "--work", str(work))
        if "datasette" not in skip:
            log("Datasette: 100,000 customers, 1,000,000 follow-ups, 200,000 receivables")
            extra = ["--data", str(args.datasette_data)] if args.datasette_data else []
            results["datasette"] = python_module("datasette_bench", "--work", str(work), *extra)
        if "pwa" not in skip:
            log("PWA in Chromium: fresh login at 10,000 customers, search")
            results["pwa"] = python_module("pwa_bench", "--work", str(work))
        if "scripts" not in skip:
            results["scripts"] = run_scripts(stamp, log)
    finally:
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["machine"]["load_average_at_end"] = os.getloadavg()
        raw = RESULTS / f"results-{stamp}.json"
        raw.write_text(json.dumps(results, indent=1, ensure_ascii=False))
        report = RESULTS / f"report-{stamp}.md"
        report.write_text(render(results))
        shutil.copyfile(raw, RESULTS / "latest.json")
        shutil.copyfile(report, RESULTS / "latest.md")
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        log(f"results: {raw}\nreport: {report}")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
