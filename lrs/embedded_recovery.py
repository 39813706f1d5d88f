"""Keep the embedded database running: restart it when it dies, give up when it keeps dying.

While it is down, requests get a 503 with Retry-After (the database client reconnects by itself
once it is back on the same port) and `/health` answers 503, so a liveness probe sees the truth.
Restarts wait longer each time (`RESTART_DELAYS`); a database that stayed up `STABLE_SECONDS`
earns a fresh start of the count. When every attempt is used up, the app asks `lrs serve` to
stop with a non-zero exit code: a supervisor (systemd, Docker, Kubernetes) then restarts the
whole process, which is all that is left to try. The dead process is reaped every time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from lrs.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from lrs.shutdown import StopRequest

log = logging.getLogger(__name__)

# Seconds before each consecutive restart attempt; their number is the number of attempts.
RESTART_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
STABLE_SECONDS = 60.0
GAVE_UP_EXIT_CODE = 3


@dataclass
class EmbeddedStatus:
    running: bool = True
    restarts: int = 0
    # Counted as soon as an exit is seen, before any new process starts: a request that saw
    # this change may have written to a database process that is gone (lrs.http.durability).
    exits: int = 0
    problem: str = ""


async def keep_running(server: EmbeddedDatabase, status: EmbeddedStatus, stop: StopRequest) -> None:
    attempts = 0
    up_since = time.monotonic()
    while True:
        code = await server.wait_for_exit()
        status.exits += 1
        status.running = False
        status.problem = f"the embedded database exited (code {code})"
        log.error("%s; restarting it", status.problem)
        if time.monotonic() - up_since >= STABLE_SECONDS:
            attempts = 0
        while True:
            if attempts == len(RESTART_DELAYS):
                status.problem = f"the embedded database could not be kept running ({status.problem})"
                stop.request(GAVE_UP_EXIT_CODE, status.problem)
                return
            await asyncio.sleep(RESTART_DELAYS[attempts])
            attempts += 1
            try:
                await server.start()
                break
            except EmbeddedDatabaseError as error:
                status.problem = str(error)
                log.error("restart %d of %d failed: %s", attempts, len(RESTART_DELAYS), error)
        status.running, status.problem = True, ""
        status.restarts += 1
        up_since = time.monotonic()
        log.warning("embedded database restarted (%d restart(s) so far)", status.restarts)
