"""CPU time and resident memory of processes, read from /proc.

The peer benchmark samples resident memory every 50 ms and reads CPU time
from ``/proc/<pid>/stat``; this module measures the same way, and also
reads the kernel's own peak (``VmHWM``), which no sampling interval misses.
"""

import os
import threading
import time
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_SECONDS = 0.05


def cpu_seconds(pid: int) -> float:
    """Return the user plus system CPU seconds process ``pid`` has used."""
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    # The command name may contain spaces, so the fields are counted after its ")".
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (current resident MB, peak resident MB since the process started)."""
    rss = hwm = 0.0
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


@dataclass
class Measure:
    seconds: float
    client_cpu_s: float
    server_cpu_s: float
    client_peak_rss_mb: float
    server_peak_rss_mb: float

    def as_dict(self) -> dict:
        return {key: round(value, 3) for key, value in self.__dict__.items()}


class Meter:
    """Measures one phase: wall time, CPU of client and server, sampled peak memory.

    Use as a context manager; ``result`` is the Measure afterwards.
    """

    def __init__(self, server_pid: int, client_pid: int | None = None):
        self.server_pid = server_pid
        self.client_pid = client_pid or os.getpid()
        self.result: Measure | None = None
        self._stop = threading.Event()
        self._peaks = [0.0, 0.0]

    def _sample(self) -> None:
        while True:
            for slot, pid in enumerate((self.client_pid, self.server_pid)):
                try:
                    self._peaks[slot] = max(self._peaks[slot], memory_mb(pid)[0])
                except (FileNotFoundError, ProcessLookupError):
                    pass
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> "Meter":
        self._client_cpu = cpu_seconds(self.client_pid)
        self._server_cpu = cpu_seconds(self.server_pid)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        seconds = time.perf_counter() - self._started
        self._stop.set()
        self._thread.join()
        self.result = Measure(
            seconds=seconds,
            client_cpu_s=cpu_seconds(self.client_pid) - self._client_cpu,
            server_cpu_s=cpu_seconds(self.server_pid) - self._server_cpu,
            client_peak_rss_mb=self._peaks[0],
            server_peak_rss_mb=self._peaks[1],
        )
