"""Forwards and their outbox in the database. Every write of lrs.forwarding is here.

`forwards`: one document per forward, its definition, delivery state and lease.
`forward_outbox`: one entry per stored statement batch while some forward still has to deliver
it: the batch's `stored` time, its statement ids in order, and the forwards it is `pending` for.
An entry holds ids only; the statements are read from the store at delivery, so an entry never
copies personal data (an erased statement is simply gone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument

from lrs.db import Database, IndexSpec

FORWARDS = "forwards"
OUTBOX = "forward_outbox"

STATUS = "status"
DELETED = "deleted"
PENDING = "pending"
STORED = "stored"

INDEXES = [
    # A forward's queue is read in `stored` order within a bounded `stored` range (see worker.py).
    IndexSpec(OUTBOX, IndexModel([(PENDING, ASCENDING), (STORED, ASCENDING), ("_id", ASCENDING)])),
]


# --- forwards ------------------------------------------------------------------------------


async def insert_forward(database: Database, document: dict[str, Any]) -> None:
    await database[FORWARDS].insert_one(document)


async def find_forwards(database: Database, with_deleted: bool = False) -> list[dict[str, Any]]:
    query = {} if with_deleted else {STATUS: {"$ne": DELETED}}
    return await database[FORWARDS].find(query).sort("created", ASCENDING).to_list()


async def find_forward(database: Database, forward_id: str) -> dict[str, Any] | None:
    return await database[FORWARDS].find_one({"_id": forward_id, STATUS: {"$ne": DELETED}})


async def update_forward(
    database: Database, forward_id: str, fields: dict[str, Any], only_if: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Set fields of a forward (not deleted, and matching `only_if`); the forward after, or None."""
    return await database[FORWARDS].find_one_and_update(
        {"_id": forward_id, STATUS: {"$ne": DELETED}, **(only_if or {})},
        {"$set": fields},
        return_document=ReturnDocument.AFTER,
    )


async def update_forward_delivered(
    database: Database, forward_id: str, owner: str, fields: dict[str, Any], count: int
) -> None:
    """Record a delivery by the lease holder: resets failures, counts what went."""
    await database[FORWARDS].update_one(
        {"_id": forward_id, "lease_owner": owner},
        {"$set": {**fields, "failures": 0, "next_attempt_at": None}, "$inc": {"delivered": count}},
    )


async def update_forward_failed(
    database: Database, forward_id: str, owner: str, fields: dict[str, Any]
) -> dict[str, Any] | None:
    return await database[FORWARDS].find_one_and_update(
        {"_id": forward_id, "lease_owner": owner, STATUS: {"$ne": DELETED}},
        {"$set": fields, "$inc": {"failures": 1}},
        return_document=ReturnDocument.AFTER,
    )


async def update_lease(
    database: Database, forward_id: str, owner: str, now: datetime, until: datetime
) -> dict[str, Any] | None:
    """Take or renew the forward's lease: one process at a time delivers a forward, so its
    order holds. Returns the forward when this owner holds the lease."""
    return await database[FORWARDS].find_one_and_update(
        {
            "_id": forward_id,
            STATUS: {"$ne": DELETED},
            "$or": [{"lease_owner": owner}, {"lease_until": {"$lt": now}}, {"lease_until": None}],
        },
        {"$set": {"lease_owner": owner, "lease_until": until}},
        return_document=ReturnDocument.AFTER,
    )


async def update_lease_released(database: Database, forward_id: str, owner: str) -> None:
    await database[FORWARDS].update_one(
        {"_id": forward_id, "lease_owner": owner}, {"$set": {"lease_owner": None, "lease_until": None}}
    )


async def delete_forward(database: Database, forward_id: str) -> None:
    await database[FORWARDS].delete_one({"_id": forward_id, STATUS: DELETED})


# --- outbox --------------------------------------------------------------------------------


async def insert_outbox_entry(
    database: Database, stored: datetime, ids: list[str], pending: list[str], now: datetime
) -> ObjectId:
    result = await database[OUTBOX].insert_one(
        {STORED: stored, "ids": ids, "count": len(ids), PENDING: pending, "created": now}
    )
    entry_id: ObjectId = result.inserted_id
    return entry_id


async def delete_outbox_entry(database: Database, entry_id: ObjectId) -> None:
    await database[OUTBOX].delete_one({"_id": entry_id})


async def find_outbox_entries(database: Database, forward_id: str, below: datetime, limit: int) -> list[dict[str, Any]]:
    """The forward's pending entries stored before `below`, oldest first. No lower bound: an entry
    that became visible late (a concurrent write) is still found, and comes first."""
    cursor = database[OUTBOX].find({PENDING: forward_id, STORED: {"$lt": below}})
    return await cursor.sort([(STORED, ASCENDING), ("_id", ASCENDING)]).limit(limit).to_list()


async def find_outbox_entry_between(
    database: Database, forward_id: str, low: datetime, high: datetime
) -> dict[str, Any] | None:
    return await database[OUTBOX].find_one({PENDING: forward_id, STORED: {"$gte": low, "$lt": high}}, {STORED: 1})


async def update_outbox_delivered(database: Database, forward_id: str, entry_ids: list[ObjectId]) -> None:
    """The forward is done with these entries; an entry no forward waits for goes."""
    if not entry_ids:
        return
    await database[OUTBOX].update_many({"_id": {"$in": entry_ids}}, {"$pull": {PENDING: forward_id}})
    await database[OUTBOX].delete_many({"_id": {"$in": entry_ids}, PENDING: {"$size": 0}})


async def update_outbox_forward_removed(database: Database, forward_id: str) -> None:
    await database[OUTBOX].update_many({PENDING: forward_id}, {"$pull": {PENDING: forward_id}})
    await database[OUTBOX].delete_many({PENDING: {"$size": 0}})


async def count_outbox_pending(database: Database, forward_id: str) -> tuple[int, datetime | None]:
    """Statements still to deliver (before filtering) and the `stored` of the oldest. Reads every
    pending entry of the forward: for status pages, not for the delivery loop."""
    rows = await (
        await database[OUTBOX].aggregate(
            [
                {"$match": {PENDING: forward_id}},
                {"$group": {"_id": None, "statements": {"$sum": "$count"}, "oldest": {"$min": f"${STORED}"}}},
            ]
        )
    ).to_list()
    return (rows[0]["statements"], rows[0]["oldest"]) if rows else (0, None)
