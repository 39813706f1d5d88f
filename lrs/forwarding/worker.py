"""Getting statements out: the outbox hook on the write path, and the delivery loop.

The write path (`OutboxHook.before_store`, one insert per batch, only when some forward exists)
records the batch's statement ids in `forward_outbox` right before the statements themselves are
inserted, in the same request; if the batch is refused after all, the entry is taken back. So
every statement that is ever stored has its entry, even if the process dies between the two
writes; an entry whose statements never arrived is skipped once it is `MISSING_GRACE` old.

The delivery loop runs in every `lrs serve` process. Each forward is delivered by one process
at a time (a lease in its document), entry after entry in `stored` order, so a receiver gets
the statements in the order the store holds them (what `GET /statements?ascending=true` shows).
An entry leaves a forward's queue only after the receiver accepted its statements: at least
once. Failures wait 1, 2, 4 ... seconds up to LRS_FORWARD_MAX_BACKOFF between attempts; after
LRS_FORWARD_PAUSE_AFTER failed attempts in a row the forward is paused, with its last error,
until an administrator resumes it. Its queue keeps growing meanwhile; ingest never waits for it.

Reading a queue: the embedded database reads every document a query matches before it sorts and
limits, so a forward's queue is read through a `stored` window that starts at the last entry it
delivered and grows while it finds nothing. The window has no lower bound, so an entry that
became visible late (a concurrent write that took long) is found too, and goes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from lrs.db import Database, is_unavailable
from lrs.forwarding import store
from lrs.forwarding.addresses import CheckedResolver
from lrs.forwarding.delivery import DeliveryFailed, deliver
from lrs.forwarding.model import PAUSED, parse_filter
from lrs.forwarding.service import now
from lrs.hooks import StoreContext
from lrs.keys import database_key, settings_key
from lrs.settings import Settings
from lrs.statements.attachments import find_attachment_bodies
from lrs.statements.records import find_records, matches

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0  # how stale a process's list of forwards may be
POLL_SECONDS = 1.0  # an idle forward looks at its queue this often (sooner when woken)
LEASE_POLL_SECONDS = 5.0  # a process without the lease checks this often whether it is free
MISSING_GRACE = timedelta(seconds=60)
ENTRY_LIMIT = 100  # outbox entries read per round
MAX_STATEMENTS = 500  # statements per delivery (a bigger stored batch goes whole)
FIRST_WINDOW = timedelta(minutes=1)
SMALLEST_WINDOW = timedelta(seconds=1)
CLOCK_SKEW = timedelta(minutes=1)  # entries may carry a `stored` this far ahead (other hosts)
DELETE_GRACE = timedelta(seconds=10)


def stored_time(statement: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(statement["stored"].replace("Z", "+00:00"))


class Forwarding:
    """This process's view of the forwards: which ones a new batch is queued for, and who to wake."""

    def __init__(self) -> None:
        self.since: dict[str, datetime] = {}
        self.refreshed = float("-inf")
        self._lock = asyncio.Lock()
        self.wakeups: set[asyncio.Event] = set()

    def update(self, documents: list[dict[str, Any]]) -> None:
        self.since = {d["_id"]: d["since"] for d in documents if d["status"] != store.DELETED}
        self.refreshed = time.monotonic()

    async def targets(self, database: Database, stored: datetime) -> list[str]:
        """Forwards (active or paused) that take statements stored at `stored`."""
        if time.monotonic() - self.refreshed > REFRESH_SECONDS:
            async with self._lock:
                if time.monotonic() - self.refreshed > REFRESH_SECONDS:
                    self.update(await store.find_forwards(database))
        return [forward_id for forward_id, since in self.since.items() if since <= stored]

    def wake(self) -> None:
        for event in self.wakeups:
            event.set()


class OutboxHook:
    """The statement hook (lrs.hooks) that queues each stored batch for the forwards."""

    def __init__(self, forwarding: Forwarding, database: Callable[[], Database]) -> None:
        self.forwarding = forwarding
        self.database = database  # called at request time: the database exists once the app started

    async def before_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        if not statements:
            return
        database = self.database()
        stored = stored_time(statements[0])
        pending = await self.forwarding.targets(database, stored)
        if not pending:
            return
        ids = [s["id"].lower() for s in statements]
        entry = await store.insert_outbox_entry(database, stored, ids, pending, now())
        ctx.undo.append(lambda: store.delete_outbox_entry(database, entry))

    async def after_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        self.forwarding.wake()


@dataclass
class QueueWindow:
    anchor: datetime
    width: timedelta = FIRST_WINDOW


@dataclass
class Round:
    entries: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    attachment_hashes: list[str]


def log_failure(error: Exception, what: str) -> None:
    """A database outage is expected now and then (the loops retry): one line, no traceback."""
    if is_unavailable(error):
        log.warning("%s: database unavailable (%s)", what, error.__class__.__name__)
    else:
        log.exception(what)


def backoff_seconds(failures: int, longest: float) -> float:
    return min(longest, 2.0 ** (failures - 1)) * random.uniform(0.75, 1.0)


class Worker:
    def __init__(
        self, database: Database, forwarding: Forwarding, settings: Settings, session: aiohttp.ClientSession
    ) -> None:
        self.database = database
        self.forwarding = forwarding
        self.settings = settings
        self.session = session
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=max(60.0, settings.forward_timeout * 2 + 10))
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        """Keep one delivery task per forward; clear the queues of deleted forwards."""
        while True:
            try:
                documents = await store.find_forwards(self.database, with_deleted=True)
                self.forwarding.update(documents)
                live = {d["_id"] for d in documents if d["status"] != store.DELETED}
                for forward_id in live - set(self.tasks):
                    self.tasks[forward_id] = asyncio.create_task(self.run_forward(forward_id))
                for forward_id in set(self.tasks) - live:
                    self.tasks.pop(forward_id).cancel()
                for document in documents:
                    if document["status"] == store.DELETED and document["deleted_at"] < now() - DELETE_GRACE:
                        await store.update_outbox_forward_removed(self.database, document["_id"])
                        await store.delete_forward(self.database, document["_id"])
            except Exception as error:
                log_failure(error, "reading the forwards failed")
            await asyncio.sleep(REFRESH_SECONDS)

    async def stop(self) -> None:
        tasks = list(self.tasks.items())
        self.tasks.clear()
        for _, task in tasks:
            task.cancel()
        await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
        for forward_id, _ in tasks:
            try:
                await store.update_lease_released(self.database, forward_id, self.owner)
            except Exception:  # the lease then simply runs out
                log.warning("could not release the lease of forward %s", forward_id)

    async def run_forward(self, forward_id: str) -> None:
        wake = asyncio.Event()
        self.forwarding.wakeups.add(wake)
        window: QueueWindow | None = None
        try:
            while True:
                try:
                    delay, window = await self.step(forward_id, window)
                except Exception as error:
                    log_failure(error, f"forward {forward_id}: delivery round failed")
                    delay = POLL_SECONDS * 5
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), delay)
                    wake.clear()
        finally:
            self.forwarding.wakeups.discard(wake)

    async def step(self, forward_id: str, window: QueueWindow | None) -> tuple[float, QueueWindow | None]:
        """One round: (seconds to wait before the next, the queue window to go on with)."""
        started = now()
        forward = await store.update_lease(self.database, forward_id, self.owner, started, started + self.lease)
        if forward is None:
            return LEASE_POLL_SECONDS, None
        if forward["status"] == PAUSED:
            return POLL_SECONDS, window
        waiting = forward.get("next_attempt_at")
        if waiting and waiting > started:
            return min((waiting - started).total_seconds(), POLL_SECONDS * 5), window
        window = window or QueueWindow(forward.get("position") or forward["since"])
        entries = await self.read_queue(forward_id, window, started)
        if not entries:
            return POLL_SECONDS, window
        batch = await self.take(forward, entries, started)
        if not batch.entries:
            return POLL_SECONDS, window  # the oldest batch is still being stored
        if batch.statements:
            try:
                await self.send(forward, batch)
            except DeliveryFailed as failure:
                await self.record_failure(forward, str(failure), started)
                return 0, window
        await store.update_outbox_delivered(self.database, forward_id, [e["_id"] for e in batch.entries])
        window.anchor = batch.entries[-1]["stored"]
        if batch.statements:
            await store.update_forward_delivered(
                self.database,
                forward_id,
                self.owner,
                {"last_delivery_at": now(), "position": window.anchor},
                len(batch.statements),
            )
        return 0, window

    async def read_queue(self, forward_id: str, window: QueueWindow, moment: datetime) -> list[dict[str, Any]]:
        end = moment + CLOCK_SKEW
        while True:
            entries = await store.find_outbox_entries(
                self.database, forward_id, window.anchor + window.width, ENTRY_LIMIT
            )
            if entries or window.anchor + window.width >= end:
                break
            window.width *= 4
        if not entries:
            window.anchor, window.width = moment, FIRST_WINDOW  # idle: start small from now on
        elif len(entries) == ENTRY_LIMIT:
            window.width = max(window.width / 2, SMALLEST_WINDOW)
        return entries

    async def take(self, forward: dict[str, Any], entries: list[dict[str, Any]], moment: datetime) -> Round:
        """The oldest entries, whole, up to MAX_STATEMENTS, with the statements the filter lets through."""
        # Only as many entries as one delivery can hold are read (a stored batch may hold 1000s).
        counted = 0
        for end, entry in enumerate(entries):
            counted += len(entry["ids"])
            if counted >= MAX_STATEMENTS:
                entries = entries[: end + 1]
                break
        records = await find_records(self.database, [i for entry in entries for i in entry["ids"]])
        conditions = parse_filter(forward["filter"]).conditions()
        batch = Round([], [], [])
        for entry in entries:
            found = [records.get(i) for i in entry["ids"]]
            if None in found and entry["created"] > moment - MISSING_GRACE:
                break
            chosen = [r for r in found if r is not None and matches(r, conditions)]
            if batch.entries and len(batch.statements) + len(chosen) > MAX_STATEMENTS:
                break
            batch.entries.append(entry)
            batch.statements += [r.statement for r in chosen]
            batch.attachment_hashes += [
                h for r in chosen for h in r.attachment_hashes if h not in batch.attachment_hashes
            ]
        return batch

    async def send(self, forward: dict[str, Any], batch: Round) -> None:
        attachments = []
        if forward["kind"] == "lrs" and batch.attachment_hashes:
            attachments = await find_attachment_bodies(self.database, batch.attachment_hashes)
        await deliver(self.session, forward, batch.statements, attachments, self.settings.forward_timeout)
        log.info("forward %s: delivered %d statement(s)", forward["_id"], len(batch.statements))

    async def record_failure(self, forward: dict[str, Any], message: str, moment: datetime) -> None:
        failures = forward.get("failures", 0) + 1
        fields = {
            "last_error": message,
            "last_error_at": moment,
            "next_attempt_at": moment + timedelta(seconds=backoff_seconds(failures, self.settings.forward_max_backoff)),
        }
        if failures >= self.settings.forward_pause_after:
            fields.update(status=PAUSED, paused_at=moment)
            log.warning("forward %s paused after %d failed attempts: %s", forward["_id"], failures, message)
        else:
            log.warning("forward %s: attempt %d failed: %s", forward["_id"], failures, message)
        await store.update_forward_failed(self.database, forward["_id"], self.owner, fields)


forwarding_key: web.AppKey[Forwarding] = web.AppKey("forwarding", Forwarding)


async def run_worker(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: registered after the database client, so it stops before the client closes."""
    database = app[database_key]
    forwarding = app[forwarding_key]
    forwarding.update(await store.find_forwards(database))  # known before the first request
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=CheckedResolver()))
    worker = Worker(database, forwarding, app[settings_key], session)
    supervisor = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        supervisor.cancel()
        await asyncio.gather(supervisor, return_exceptions=True)
        await worker.stop()
        await session.close()
