"""Profile the real server during one phase of the sync workload with py-spy.

Run as ``python -m bench.profile_server --size 10000 --phase push``. py-spy
(``pip install py-spy``, not a project dependency) samples the
``genzong serve`` process from outside, so the profile has no
instrumentation overhead. The listing shows, for the sampled server
threads, the share of samples spent in each function and its callees
(inclusive) and in the function itself (self).
"""

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .clients import KINDS
from .sync_run import PHASES, run

# Frames that every request passes through: left out of the inclusive table.
PLUMBING = ("threading.py", "<frozen runpy>", "cli.py", "main.py", "server.py", "runners.py", "_compat.py",
            "base_events.py", "events.py", "h11_impl.py", "proxy_headers.py", "applications.py", "errors.py",
            "exceptions.py", "_exception_handler.py", "routing.py", "security.py", "_asyncio.py")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is not installed: run .venv/bin/pip install py-spy")
    return found


@contextmanager
def recording(output: Path, pid: int, rate: int):
    process = subprocess.Popen([py_spy(), "record", "--pid", str(pid), "--format", "raw",
                                "--rate", str(rate), "--output", str(output)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        process.wait(60)


def frame_name(frame: str) -> str:
    """Shorten ``function (path/to/file.py:123)`` to ``function (file.py)``."""
    function, _, location = frame.partition(" (")
    return f"{function} ({location.split(':')[0].rsplit('/', 1)[-1]}" + (")" if location else "")


def summarize(raw: Path, top: int) -> str:
    inclusive, own = collections.Counter(), collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frames = [frame_name(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"--- {title}")
        listed = 0
        for name, samples in counter.most_common():
            if title == "inclusive" and name.endswith(tuple(f"({file})" for file in PLUMBING)):
                continue
            lines.append(f"{100 * samples / total:5.1f}%  {name}")
            listed += 1
            if listed == top:
                break
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="number of records N (default 10000)")
    parser.add_argument("--phase", choices=PHASES, default="push", help="the phase to profile (default push)")
    parser.add_argument("--client", choices=KINDS, default="lean", help="the device implementation (default lean)")
    parser.add_argument("--rate", type=int, default=250, help="samples per second (default 250)")
    parser.add_argument("--top", type=int, default=40, help="functions listed per table (default 40)")
    parser.add_argument("--raw", type=Path, help="also keep py-spy's raw output in this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="genzong-profile-") as folder:
        output = args.raw or Path(folder) / "profile.txt"

        def around(name, pid):
            return recording(output, pid, args.rate) if name == args.phase else None

        result = run(args.size, 1, Path(folder), args.client, around_phase=around)
        print(summarize(output, args.top))
        print(f"{args.phase}: {result[args.phase]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
