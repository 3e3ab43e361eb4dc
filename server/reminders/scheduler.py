"""Run a reminder pass every minute inside the server, from start-up to shut-down.

Before each pass the scheduler runs the daily pool return (``server.pool``),
which does nothing after its first run of the day, so the pass already sees
the customers that went back to the pool.

The app's lifespan starts the scheduler and stops it. Passes run in a thread
of their own, so the event loop keeps serving requests while one sends. With
several worker processes each runs a scheduler, and the pass lock lets only
one pass run at a time; the others skip that minute.
"""

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from ..pool import return_due_today
from ..state import ServerState
from .push import RetryPolicy
from .run import run_pass

log = logging.getLogger("genzong.reminders")

INTERVAL_SECONDS = 60.0
# The first pass waits a little after start-up, so a restart loop cannot
# hammer the push services and the server is serving before it sends.
FIRST_DELAY_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 30.0


class ReminderScheduler:
    def __init__(self, state: ServerState, interval: float | None = None,
                 first_delay: float | None = None, policy: RetryPolicy | None = None):
        self.state = state
        self.interval = INTERVAL_SECONDS if interval is None else interval
        self.first_delay = FIRST_DELAY_SECONDS if first_delay is None else first_delay
        self.policy = policy
        self.passes = 0
        self._stop = threading.Event()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """Start the pass loop on the running event loop."""
        self._stop.clear()
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="genzong-reminders")
        self._task = asyncio.get_running_loop().create_task(self._loop())
        log.info("reminder scheduler started: a pass every %.0f s", self.interval)

    async def stop(self) -> None:
        """Stop the loop, letting a pass that is sending end early; wait up to STOP_TIMEOUT_SECONDS."""
        if self._task is None:
            return
        self._stop.set()
        self._wake.set()
        try:
            await asyncio.wait_for(self._task, STOP_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            log.warning("reminder pass still running %.0f s after the stop request; leaving it to finish",
                        STOP_TIMEOUT_SECONDS)
        self._executor.shutdown(wait=False)
        self._task = None
        log.info("reminder scheduler stopped after %d passes", self.passes)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.first_delay
        while not await self._sleep(delay):
            started = loop.time()
            try:
                await loop.run_in_executor(self._executor, self._run_pass)
            except Exception:
                log.exception("reminder pass failed; the next one runs in %.0f s", self.interval)
            self.passes += 1
            delay = max(0.0, self.interval - (loop.time() - started))

    def _run_pass(self) -> None:
        return_due_today(self.state)
        run_pass(self.state, policy=self.policy, stop=self._stop)

    async def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; return True as soon as a stop is requested."""
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            return False
        return True
