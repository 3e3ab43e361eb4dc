"""Named points where a test can make the server process die at once.

Crash tests start ``genzong serve`` with ``GENZONG_FAILPOINT=<name>`` so the
process kills itself (SIGKILL, as a power cut would) exactly there, for
instance between a sync's commit and its response. Without the variable a
failpoint does nothing.
"""

import os
import signal

_ARMED = os.environ.get("GENZONG_FAILPOINT")


def failpoint(name: str) -> None:
    if _ARMED == name:
        os.kill(os.getpid(), signal.SIGKILL)
