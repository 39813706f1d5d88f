"""Graceful shutdown: requests in flight finish, and a write that has started runs to its end.

On SIGTERM `lrs serve` (lrs.runner) stops listening and waits up to `LRS_SHUTDOWN_TIMEOUT`
for the requests in flight, still reading their bodies; during that time responses carry
`Connection: close` and `/ready` answers 503, so a load balancer moves on. Requests still
running after that are cancelled.

A statement batch takes several database operations (insert, then voiding and StatementRef
keys); cancelling it between two of them would leave it half applied. So writes run as
shielded tasks: a cancelled request stops waiting, but its write carries on, and
`drain_writes` (a cleanup context whose teardown runs before the database client closes)
waits for every write still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aiohttp import web

from lrs.keys import drain_key, settings_key

log = logging.getLogger(__name__)
T = TypeVar("T")

# Writes still running when the request wait is over get at least this long before the database closes.
WRITE_GRACE_SECONDS = 30.0


class Drain:
    """The requests and writes in flight in one app, and the waits for them at shutdown."""

    def __init__(self) -> None:
        self.requests = 0
        self.draining = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._writes: set[asyncio.Task[Any]] = set()

    @contextmanager
    def request(self) -> Iterator[None]:
        self.requests += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.requests -= 1
            if not self.requests:
                self._idle.set()

    def start(self) -> None:
        self.draining = True

    async def wait_for_requests(self, timeout: float) -> bool:
        """True when every request finished within `timeout` seconds."""
        if self.requests:
            log.info("waiting for %d request(s) in flight", self.requests)
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            log.warning("%d request(s) still running after %.0fs; cancelling them", self.requests, timeout)
            return False

    async def run_write(self, write: Coroutine[Any, Any, T]) -> T:
        """Run `write` to its end even if the caller is cancelled; return its result."""
        task = asyncio.ensure_future(write)
        self._writes.add(task)
        task.add_done_callback(self._write_finished)
        return await asyncio.shield(task)

    def _write_finished(self, task: asyncio.Task[Any]) -> None:
        self._writes.discard(task)
        # Retrieve the outcome, so a write whose caller was cancelled leaves no unretrieved error.
        if not task.cancelled() and task.exception() is not None:
            log.debug("write ended with %s", task.exception().__class__.__name__)

    @property
    def writes(self) -> int:
        return len(self._writes)

    async def wait_for_writes(self, timeout: float) -> None:
        if not self._writes:
            return
        log.info("waiting for %d write(s) to finish", len(self._writes))
        _, pending = await asyncio.wait(set(self._writes), timeout=timeout)
        if pending:
            log.warning("%d write(s) still running after %.0fs; closing the database anyway", len(pending), timeout)


class StopRequest:
    """What ends `lrs serve` (lrs.runner): a signal (exit code 0), or the app itself when it
    cannot go on, such as an embedded database that keeps dying (non-zero, so that a
    supervisor restarts the process)."""

    def __init__(self) -> None:
        self._requested = asyncio.Event()
        self.exit_code = 0
        self.reason = ""

    def request(self, exit_code: int = 0, reason: str = "") -> None:
        if not self._requested.is_set():
            self.exit_code, self.reason = exit_code, reason
            self._requested.set()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    async def wait(self) -> None:
        await self._requested.wait()


async def drain_writes(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context registered after the database client: its teardown runs before the client's."""
    yield
    timeout = max(float(app[settings_key].shutdown_timeout), WRITE_GRACE_SECONDS)
    await app[drain_key].wait_for_writes(timeout)


async def guarded_write(request: web.Request, write: Coroutine[Any, Any, T]) -> T:
    return await request.app[drain_key].run_write(write)
