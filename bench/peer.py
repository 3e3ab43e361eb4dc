"""Run the PouchDB peer benchmark (pouchdb-server on 127.0.0.1) and read its results.

The peer's own script installs pouchdb-server 4.2.0 and pouchdb-node 9.0.0
from npm into a work folder (once; later runs reuse it), starts the server
on a loopback port and replicates the same documents in the same four
phases, median of 3 runs.
"""

import json
import os
import subprocess
from pathlib import Path

from . import REPO

PEER_SCRIPT = REPO.parent / "shared" / "peer-bench" / "run.sh"
PHASES = {"push": "push", "pull": "pull", "noop": "noopSync", "conflict": "conflictSync"}


class PeerBlocked(RuntimeError):
    """The peer benchmark could not run; the message contains the reason and the log's tail."""


def run_peer(sizes: list[int], work: Path, port: int, script: Path = PEER_SCRIPT,
             timeout_s: float = 3600) -> dict:
    """Run the peer benchmark for ``sizes`` and return its results.json as a dict.

    Raises PeerBlocked when npm, node or the benchmark fails.
    """
    if not script.exists():
        raise PeerBlocked(f"the peer benchmark script {script} is missing")
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results.json"
    results.unlink(missing_ok=True)
    env = {**os.environ, "WORK": str(work), "PORT": str(port)}
    completed = subprocess.run(["bash", str(script), ",".join(map(str, sizes))],
                               env=env, capture_output=True, text=True, timeout=timeout_s)
    (work / "run.log").write_text(completed.stdout + completed.stderr)
    if completed.returncode != 0 or not results.exists():
        install_log = work / "npm-install.log"
        tail = install_log.read_text()[-2000:] if install_log.exists() else ""
        raise PeerBlocked(f"run.sh exited with {completed.returncode}: "
                          f"{(completed.stderr or completed.stdout)[-2000:]}\n{tail}")
    return json.loads(results.read_text())


def peer_phase(results: dict, size: int, phase: str) -> dict | None:
    """Return the peer's summary of one phase at one size, or None when it did not run that size."""
    summary = results.get("summary", {}).get(str(size))
    return summary[PHASES[phase]] if summary else None
