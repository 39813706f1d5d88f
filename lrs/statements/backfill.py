"""Sequence numbers at start-up: numbering the store of an earlier version (the upgrade), and a
counter found behind its statements.

Earlier versions ordered statements by (`stored`, `_id`), indexed them by `stored` and kept
hourly counts in `statement_hours`. At the first start of this version on such a store (it has
those indexes and no sequence counter yet), every statement gets its number in that order, the
counter is set after the last one, and what only the old reads needed is dropped. `lrs serve`
does this before it answers any request, logging its progress.

One process numbers at a time (a claim in the meta collection, renewed as it goes); others
starting meanwhile wait for the counter, and take over a claim left stale by a process that
died. Numbering is deterministic and only fills in missing numbers, so a numbering begun again
gives every statement the number it would have had. Processes of the earlier version must be
stopped before the upgrade: what they store meanwhile gets no number and is never listed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError, OperationFailure

from lrs.datatypes import as_utc
from lrs.db import META, Database
from lrs.statements.sequence import BLOCK, MARKS, SEQUENCE_ID, find_sequence
from lrs.statements.store import (
    ACTIVITIES,
    AGENTS,
    AUTHORITY,
    REGISTRATIONS,
    RELATED_ACTIVITIES,
    RELATED_AGENTS,
    SEQ,
    STATEMENTS,
    STORED,
    VERB_ACTIVITIES,
    VERBS,
    VOIDED,
    verb_activity_keys,
)

log = logging.getLogger(__name__)

LEGACY_HOURS = "statement_hours"
LEGACY_ORDER_INDEX = f"{VOIDED}_1_{STORED}_-1__id_-1"
LEGACY_INDEXES = [LEGACY_ORDER_INDEX] + [
    f"{field}_1_{LEGACY_ORDER_INDEX}"
    for field in (AUTHORITY, AGENTS, RELATED_AGENTS, VERBS, ACTIVITIES, RELATED_ACTIVITIES, REGISTRATIONS)
]
CLAIM_ID = "statement-sequence-backfill"
HOUR = timedelta(hours=1)
MILLISECOND = timedelta(milliseconds=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
SLICE = 2_000  # statements one read of the old order aims at
UPDATES_PER_WRITE = 1_000
STALE_AFTER = timedelta(seconds=120)  # a claim not renewed for this long belongs to a dead process
WAIT_SECONDS = 1.0
PROBE = 4_096  # numbers read at a time above the counter
PROBES_PAST_END = 4


async def ensure_sequence_numbers(database: Database) -> None:
    """Number the statements of an earlier version's store, once; then return.

    Runs before the statement indexes are created: numbering drops them all but the old order
    and `_id` (the embedded database rewrites every index entry of a document it updates), and
    the start-up builds the new ones afterwards, which costs less than keeping them up to date.
    """
    while True:
        names = {index["name"] async for index in await database[STATEMENTS].list_indexes()}
        if LEGACY_ORDER_INDEX not in names:
            await ensure_counter_ahead(database)  # a new store, or one numbered already
            return
        top, _ = await find_sequence(database)
        if top:
            await drop_legacy(database)  # numbered by a process that stopped before this step
            return
        claim = await _claim(database)
        if claim is None:
            await asyncio.sleep(WAIT_SECONDS)  # another process is numbering: wait for its counter
            continue
        try:
            await number_statements(database, claim)
        finally:
            await database[META].delete_one({"_id": CLAIM_ID, "owner": claim})
        return


async def ensure_counter_ahead(database: Database) -> None:
    """Move the counter past the highest number stored, if it is behind.

    It is behind only when `meta` was restored from an older backup than `statements` (or
    lost): it would hand out numbers again, and new statements would sort among old ones.
    Normally this is a few empty index range reads: PROBES_PAST_END windows above the counter,
    of live and of voided statements.
    """
    top, _ = await find_sequence(database)
    highest, latest, low, empty = top, None, top, 0
    while empty < PROBES_PAST_END:  # holes of a few thousand numbers (failed batches) are walked over
        found = []
        for voided in (False, True):
            found += (
                await database[STATEMENTS]
                .find({VOIDED: voided, SEQ: {"$gt": low, "$lte": low + PROBE}}, [SEQ, STORED])
                .to_list()
            )
        empty = 0 if found else empty + 1
        if found:
            last = max(found, key=lambda d: d[SEQ])
            highest, latest = last[SEQ], last[STORED]
        low += PROBE
    if highest > top:
        top, _ = await find_sequence(database)  # other processes may be writing meanwhile
    if highest > top:
        log.warning("the statement sequence counter was at %d, behind stored number %d: moved past it", top, highest)
        await database[META].update_one({"_id": SEQUENCE_ID}, {"$max": {"n": highest, "stored": latest}}, upsert=True)


async def _claim(database: Database) -> str | None:
    owner = uuid.uuid4().hex
    now = datetime.now(UTC)
    try:
        await database[META].insert_one({"_id": CLAIM_ID, "owner": owner, "renewed": now})
        return owner
    except DuplicateKeyError:
        pass
    # Taken over only if it is still the same stale claim: of several waiters, one wins.
    result = await database[META].update_one(
        {"_id": CLAIM_ID, "renewed": {"$lt": now - STALE_AFTER}}, {"$set": {"owner": owner, "renewed": now}}
    )
    if result.modified_count:
        log.warning("taking over the numbering of statements from a process that stopped")
        return owner
    return None


async def _renew(database: Database, owner: str) -> None:
    result = await database[META].update_one(
        {"_id": CLAIM_ID, "owner": owner}, {"$set": {"renewed": datetime.now(UTC)}}
    )
    if not result.matched_count:
        raise RuntimeError("another process took over the numbering of statements")


async def number_statements(database: Database, owner: str) -> int:
    hours = sorted((as_utc(d["_id"]), d["n"]) for d in await database[LEGACY_HOURS].find().to_list() if d["n"] > 0)
    total = sum(n for _, n in hours)
    log.info("numbering %d statements stored by an earlier version (sequence numbers)", total)
    async for index in await database[STATEMENTS].list_indexes():
        if index["name"] not in ("_id_", LEGACY_ORDER_INDEX):
            await database[STATEMENTS].drop_index(index["name"])
    number, latest = 0, None
    for start, end in time_slices(hours):
        documents = await _read_slice(database, start, end)
        updates, marks = [], []
        for document in documents:
            number += 1
            if document.get(SEQ) != number:
                # Earlier versions had no verb-activity keys either.
                pairs = verb_activity_keys(document[VERBS], document[RELATED_ACTIVITIES])
                updates.append(UpdateOne({"_id": document["_id"]}, {"$set": {SEQ: number, VERB_ACTIVITIES: pairs}}))
            if number % BLOCK == 0:
                marks.append(UpdateOne({"_id": number // BLOCK}, {"$set": {STORED: document[STORED]}}, upsert=True))
        for first in range(0, len(updates), UPDATES_PER_WRITE):
            await database[STATEMENTS].bulk_write(updates[first : first + UPDATES_PER_WRITE], ordered=False)
        if marks:
            await database[MARKS].bulk_write(marks, ordered=False)
        if documents:
            latest = as_utc(documents[-1][STORED])
            await _renew(database, owner)
            if (number - len(documents)) * 10 // max(total, 1) != number * 10 // max(total, 1):
                log.info("numbered %d of %d statements", number, total)  # every tenth
    if number:
        await database[META].update_one({"_id": SEQUENCE_ID}, {"$max": {"n": number, "stored": latest}}, upsert=True)
    await drop_legacy(database)
    log.info("numbered %d statements; building the new indexes", number)
    return number


async def _read_slice(database: Database, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The statements stored in [start, end), in the old order: `stored`, then `_id`."""
    # The range asked of the database is a millisecond wider at each end: the embedded
    # database can miss a value equal to a bound when more index fields follow it.
    wider = {"$gt": start - MILLISECOND, "$lt": end + MILLISECOND}
    documents = []
    for voided in (False, True):
        fields = [STORED, SEQ, VERBS, RELATED_ACTIVITIES]
        found = await database[STATEMENTS].find({VOIDED: voided, STORED: wider}, fields).to_list()
        documents += [d for d in found if start <= as_utc(d[STORED]) < end]
    return sorted(documents, key=lambda d: (d[STORED], d["_id"]))


def time_slices(hours: list[tuple[datetime, int]]) -> list[tuple[datetime, datetime]]:
    """Contiguous [start, end) ranges of `stored`, from before the first statement to after the
    last, each expected to hold about SLICE statements by the hourly counts (each hour read as
    evenly filled). Contiguous, so a statement whose hour went uncounted is numbered too."""
    bounds = [EARLIEST]
    held = 0
    for hour, count in hours:
        if count > SLICE:
            parts = -(-count // SLICE)
            bounds += [hour + HOUR * part / parts for part in range(parts)] + [hour + HOUR]
            held = 0
            continue
        if held + count > SLICE:
            bounds.append(hour)
            held = 0
        held += count
    bounds.append(LATEST)
    increasing = [bounds[0]]
    for bound in bounds[1:]:
        if bound > increasing[-1]:
            increasing.append(bound)
    return list(itertools.pairwise(increasing))


async def drop_legacy(database: Database) -> None:
    """Drop what only the reads of earlier versions used."""
    for name in LEGACY_INDEXES:
        with contextlib.suppress(OperationFailure):  # never created, or dropped already
            await database[STATEMENTS].drop_index(name)
    await database[LEGACY_HOURS].drop()
