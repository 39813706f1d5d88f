"""Sequence numbers: the order of the statement store itself, which reads walk in windows.

Each statement gets a number when it is written, from one counter document that every LRS
process increments atomically. The same update keeps the latest `stored` time (never going
backwards, whichever process or clock proposes it) and hands both out together, so the numbers
are unique across processes, dense, and in `stored` order: a higher number never has an earlier
`stored`. A read can then cut the store into windows of a few hundred numbers, and a window
holds as many statements whether they arrived over a year or within a minute.

Every BLOCK numbers, the `stored` time at the start of the block is written down (a mark, one
small write per BLOCK statements). `since` and `until` are times: the marks turn them into
ranges of numbers that are at most a block too wide at each end; the rest is checked on
`stored` itself.
"""

from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument, UpdateOne

from lrs.coalescing import Coalescer
from lrs.datatypes import as_utc
from lrs.db import META, Database
from lrs.scopes import database_scope

SEQUENCE_ID = "statement-sequence"
MARKS = "statement_marks"
BLOCK = 64
# Marks this close to the end may still be being written (by other processes too): looked for
# again on every refresh until they are found.
UNSETTLED_BLOCKS = 4
ATTEMPTS = 5
# Past this many new blocks, the whole list of marks is read again rather than named one by one.
MOST_NAMED = 1024


@dataclass(frozen=True)
class Allocation:
    """Numbers `first` to `first + count - 1`, all stored at `stored`."""

    first: int
    count: int
    stored: datetime


async def update_sequence(database: Database, count: int, proposed: datetime) -> Allocation:
    """Take `count` numbers and the `stored` time that goes with them (>= `proposed`, and >= any
    time handed out before)."""
    return await _allocations.call(database, (count, proposed))


async def _allocate_together(database: Database, requests: list[tuple[int, datetime]]) -> list[Allocation]:
    """One update of the counter for several requests: consecutive numbers, one `stored`."""
    total = sum(count for count, _ in requests)
    for _ in range(ATTEMPTS):
        document = await database[META].find_one_and_update(
            {"_id": SEQUENCE_ID},
            {"$inc": {"n": total}, "$max": {"stored": max(proposed for _, proposed in requests)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        if document is not None:
            break
        # The first writers of a new store race to create the counter, and the embedded
        # database answers the loser with no document: ask again (a number lost is a hole).
    else:
        raise RuntimeError("the statement sequence counter could not be updated")
    stored = as_utc(document["stored"])
    first = document["n"] - total + 1
    await insert_marks(database, Allocation(first, total, stored))
    allocations = []
    for count, _ in requests:
        allocations.append(Allocation(first, count, stored))
        first += count
    return allocations


async def insert_marks(database: Database, allocation: Allocation) -> None:
    last = allocation.first + allocation.count - 1
    first_block = -(-allocation.first // BLOCK)  # the first block starting inside the allocation
    marks = [
        UpdateOne({"_id": block}, {"$setOnInsert": {"stored": allocation.stored}}, upsert=True)
        for block in range(first_block, last // BLOCK + 1)
    ]
    if marks:
        await database[MARKS].bulk_write(marks, ordered=False)


_allocations = Coalescer(_allocate_together)


async def find_sequence(database: Database) -> tuple[int, datetime | None]:
    """The last number handed out, and its `stored` time (0 and None before the first write)."""
    document = await database[META].find_one({"_id": SEQUENCE_ID})
    if document is None:
        return 0, None
    return document["n"], as_utc(document["stored"])


@dataclass
class Marks:
    """Block number -> `stored` at the block's first number, sorted; kept per process."""

    blocks: list[int] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    checked_through: int = -1  # the last block looked for

    def merge(self, documents: list[dict[str, Any]]) -> None:
        for document in documents:
            block, moment = document["_id"], as_utc(document["stored"])
            index = bisect.bisect_left(self.blocks, block)
            if index < len(self.blocks) and self.blocks[index] == block:
                continue
            self.blocks.insert(index, block)
            self.times.insert(index, moment)

    def after(self, since: datetime) -> int:
        """A number below every statement stored after `since` (since is exclusive)."""
        # The last mark at or before `since`: everything before its block was stored at or before it.
        index = bisect.bisect_right(self.times, since) - 1
        return self.blocks[index] * BLOCK - 1 if index >= 0 else 0

    def through(self, until: datetime, top: int) -> int:
        """A number at or above every statement stored at or before `until`."""
        # The first mark after `until`: everything from its block on was stored after it.
        index = bisect.bisect_right(self.times, until)
        return min(self.blocks[index] * BLOCK - 1, top) if index < len(self.blocks) else top


# Per database scope (lrs.scopes): read whole once, then only the new ones.
_cache: dict[tuple[int, str], Marks] = {}


async def load_marks(database: Database, top: int) -> Marks:
    """The marks up to the block of number `top`: read whole once per process, then only new ones."""
    scope = database_scope(database)
    marks = _cache.get(scope)
    if marks is None:
        # Gone with the client: a process that opens many (tests, commands) keeps none of theirs.
        weakref.finalize(database.client, _cache.pop, scope, None)
    top_block = top // BLOCK
    if marks is None or top_block - marks.checked_through > MOST_NAMED:
        marks = Marks()
        marks.merge(await database[MARKS].find().to_list())
        marks.checked_through = top_block
        _cache[scope] = marks
        return marks
    wanted = [
        block
        for block in range(max(marks.checked_through - UNSETTLED_BLOCKS, 0), top_block + 1)
        if block not in marks.blocks[-UNSETTLED_BLOCKS - 1 :]
    ]
    if wanted:
        # Named one by one: the embedded database serves `$in` on `_id` from its index but
        # answers a range on `_id` with a collection scan.
        marks.merge(await database[MARKS].find({"_id": {"$in": wanted}}).to_list())
    marks.checked_through = max(marks.checked_through, top_block)
    return marks
