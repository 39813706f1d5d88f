"""One database call for the concurrent requests that need the same kind of call.

Under load many requests make the same small call at once: look up a credential, check a few
statement ids, take sequence numbers, insert a statement. Each is a round trip whose cost is
mostly the driver's and the kernel's, not the database's work, and single-statement requests
(what cmi5 AUs and most xAPI clients send) pay several of them. A Coalescer runs one call at a
time per database; the calls that arrive while it is in flight wait and then go together as
the next one, which answers each of them. Alone, a call goes at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from lrs.scopes import database_scope

if TYPE_CHECKING:  # lrs.db coalesces its journal syncs with this module
    from lrs.db import Database

Item = TypeVar("Item")
Result = TypeVar("Result")

# Runs the call for several requests' items; returns, in their order, each one's result or the
# exception that request should raise.
Run: TypeAlias = "Callable[[Database, list[Item]], Awaitable[Sequence[Result | BaseException]]]"


class Coalescer(Generic[Item, Result]):
    def __init__(self, run: Run[Item, Result]) -> None:
        self._run = run
        self._waiting: dict[tuple[int, str], list[tuple[Item, asyncio.Future[Result]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def call(self, database: Database, item: Item) -> Result:
        key = database_scope(database)
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.get(key)
        if waiting is None:
            # Nothing in flight for this database: start a round, which this call opens.
            self._waiting[key] = [(item, future)]
            task = asyncio.ensure_future(self._rounds(database, key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            waiting.append((item, future))
        return await future

    async def _rounds(self, database: Database, key: tuple[int, str]) -> None:
        """Run calls while requests wait; each round takes all that arrived during the last."""
        try:
            while batch := self._waiting.get(key):
                self._waiting[key] = []
                try:
                    results = await self._run(database, [item for item, _ in batch])
                    if len(results) != len(batch):  # a bug in the run; answer every request with it
                        raise RuntimeError(f"{len(results)} results for {len(batch)} calls")
                except asyncio.CancelledError:
                    for _, future in batch:
                        future.cancel()
                    raise
                except Exception as error:  # every request of the round gets it
                    results = [error] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its request was cancelled
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            leftover = self._waiting.pop(key, [])
            for _, future in leftover:  # only when this task itself was cancelled
                if not future.done():
                    future.cancel()


class Turns:
    """Concurrent requests through a stretch of calls in groups, so that their calls coalesce.

    Requests that are each a few round trips long rarely make the same call at the same moment:
    one is checking ids while another inserts. A request that finds a turn in progress waits,
    and every request that waited enters the next turn together; they then reach each call
    together and share its round trips. A request that finds no turn in progress goes at once.
    """

    def __init__(self) -> None:
        self._turns: dict[tuple[int, str], _Turn] = {}

    @asynccontextmanager
    async def turn(self, database: Database) -> AsyncIterator[None]:
        if _in_turn.get():  # already inside one (a nested write): never wait for itself
            yield
            return
        key = database_scope(database)
        turn = self._turns.setdefault(key, _Turn())
        await turn.enter()
        marker = _in_turn.set(True)
        try:
            yield
        finally:
            _in_turn.reset(marker)
            turn.leave()
            if not turn.inside and not turn.waiting:
                self._turns.pop(key, None)


_in_turn: ContextVar[bool] = ContextVar("in_turn", default=False)


class _Turn:
    def __init__(self) -> None:
        self.inside = 0  # requests in the current turn
        self.waiting: list[asyncio.Future[None]] = []  # requests for the next one

    async def enter(self) -> None:
        if not self.inside and not self.waiting:
            self.inside = 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.leave()  # let in, but cancelled before it could go
            elif future in self.waiting:  # not yet handed over by a leave()
                self.waiting.remove(future)
            raise

    def leave(self) -> None:
        self.inside -= 1
        if self.inside or not self.waiting:
            return
        # A waiter cancelled in the same step as this leave is done already: it does not enter.
        entering = [future for future in self.waiting if not future.done()]
        self.waiting = []
        self.inside = len(entering)
        for future in entering:
            future.set_result(None)


class BulkWrites:
    """Unordered bulk writes of concurrent requests to one collection, sent as one bulk write.

    For upserts whose order between requests does not matter (names seen for an agent, activity
    definitions): requests leaving a turn together reach them together.
    """

    def __init__(self, collection: str) -> None:
        self.collection = collection
        self._writes: Coalescer[list[UpdateOne], None] = Coalescer(self._write_together)

    async def write(self, database: Database, operations: list[UpdateOne]) -> None:
        """Called with no operations too, by requests that keep to a turn (lrs.statements.service)."""
        await self._writes.call(database, operations)

    async def _write_together(self, database: Database, requests: list[list[UpdateOne]]) -> list[None | BaseException]:
        operations = [op for ops in requests for op in ops]
        if not operations:
            return [None] * len(requests)
        try:
            await database[self.collection].bulk_write(operations, ordered=False)
            return [None] * len(requests)
        except BulkWriteError:
            if len(requests) == 1:
                raise
        # One request's upsert failed (a document grown too large, say): each request writes its
        # own again, alone, so that only that one is answered with the error. Upserts of names
        # and definitions are idempotent, so what the first write did is done again unchanged.
        results: list[None | BaseException] = []
        for ops in requests:
            try:
                if ops:
                    await database[self.collection].bulk_write(ops, ordered=False)
                results.append(None)
            except BulkWriteError as error:
                results.append(error)
        return results
