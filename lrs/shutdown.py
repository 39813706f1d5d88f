"""Graceful shutdown: a write that has started runs to its end, and the database waits for it.

On SIGTERM aiohttp stops listening, waits up to `LRS_SHUTDOWN_TIMEOUT` for requests in flight,
then cancels the ones still running, and only then tears down the app's resources. A statement
batch takes several database operations (insert, then voiding and StatementRef keys); cancelling
it between two of them would leave it half applied. So writes run as shielded tasks: a cancelled
request stops waiting, but its write carries on, and `drain_writes` (a cleanup context that runs
before the database client closes) waits for every write still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from lrs.keys import settings_key, write_guard_key

log = logging.getLogger(__name__)
T = TypeVar("T")

# Writes still running when the request wait is over get this much longer before the database closes.
WRITE_GRACE_SECONDS = 30.0


class WriteGuard:
    def __init__(self) -> None:
        self._running: set[asyncio.Task] = set()

    async def run(self, write: Coroutine[Any, Any, T]) -> T:
        """Run `write` to its end even if the caller is cancelled; return its result."""
        task = asyncio.ensure_future(write)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        # Retrieve the outcome so that a write whose caller was cancelled is still accounted for.
        if not task.cancelled() and task.exception() is not None:
            log.debug("write ended with %s", task.exception().__class__.__name__)

    @property
    def running(self) -> int:
        return len(self._running)

    async def wait(self, timeout: float) -> None:
        if not self._running:
            return
        log.info("waiting for %d write(s) to finish", len(self._running))
        _, pending = await asyncio.wait(set(self._running), timeout=timeout)
        if pending:
            log.warning("%d write(s) still running after %.0fs; closing the database anyway",
                        len(pending), timeout)


async def drain_writes(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context registered after the database client: its teardown runs before the client's."""
    yield
    timeout = max(float(app[settings_key].shutdown_timeout), WRITE_GRACE_SECONDS)
    await app[write_guard_key].wait(timeout)


async def guarded_write(request: web.Request, write: Coroutine[Any, Any, T]) -> T:
    return await request.app[write_guard_key].run(write)
