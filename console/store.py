"""The console's own collections: sign-in sessions, failed sign-ins, rollups, test learners.

Nothing here touches the collections of lrs, cmi5 or the bridge; those are read and written
through their service functions only.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError

from lrs.db import IndexSpec

SESSIONS = "console_sessions"
FAILURES = "console_sign_in_failures"
ROLLUPS = "console_rollups"
TEST_LEARNERS = "console_test_learners"

# Rollup kinds (field `kind`); see console.rollups.
HOUR = "hour"              # statements per hour of their timestamp: at, n
DAY = "day"                # statements per day of their timestamp: at, n
MINUTE = "minute"          # statements stored per minute (ingest rate): at, n
VERB = "verb"              # statements per day and verb: at, key, n, name
ACTIVITY = "activity"      # statements per day and activity: at, key, n, name
LEARNER = "learner"        # per actor: key, actor, name, last (timestamp), n
REGISTRATION = "registration"  # per cmi5 registration: key, actor_key, actor, course, last, n
OUTCOME = "outcome"        # per course and verb (completed, passed, failed): course, key, n

INDEXES = [
    IndexSpec(SESSIONS, IndexModel([("key", ASCENDING)])),
    # Expired entries are removed by the database where it runs TTL monitors; reads check expiry anyway.
    IndexSpec(SESSIONS, IndexModel([("expires", ASCENDING)], expireAfterSeconds=0)),
    IndexSpec(FAILURES, IndexModel([("until", ASCENDING)], expireAfterSeconds=0)),
    IndexSpec(ROLLUPS, IndexModel([("kind", ASCENDING), ("at", ASCENDING)])),
    IndexSpec(ROLLUPS, IndexModel([("kind", ASCENDING), ("last", DESCENDING)])),
    IndexSpec(ROLLUPS, IndexModel([("kind", ASCENDING), ("actor_key", ASCENDING), ("last", DESCENDING)])),
    IndexSpec(ROLLUPS, IndexModel([("kind", ASCENDING), ("course", ASCENDING), ("last", DESCENDING)])),
]


# --- sign-in sessions ---------------------------------------------------------------------------

async def insert_session(database, document: dict) -> None:
    await database[SESSIONS].insert_one(document)


async def find_session(database, token_hash: str) -> dict | None:
    return await database[SESSIONS].find_one({"_id": token_hash})


async def update_session_seen(database, token_hash: str, idle_until: datetime) -> None:
    await database[SESSIONS].update_one({"_id": token_hash}, {"$set": {"idle_until": idle_until}})


async def delete_session(database, token_hash: str) -> None:
    await database[SESSIONS].delete_one({"_id": token_hash})


async def delete_sessions_of(database, key: str) -> None:
    await database[SESSIONS].delete_many({"key": key})


# --- failed sign-ins ----------------------------------------------------------------------------

async def find_failures(database, ids: list[str], now: datetime) -> list[dict]:
    return await database[FAILURES].find({"_id": {"$in": ids}, "until": {"$gt": now}}).to_list()


async def update_failures(database, ids: list[str], now: datetime, until: datetime) -> None:
    """Count one more failure under each id, in a window that starts at the first failure."""
    for failure_id in ids:
        await database[FAILURES].delete_one({"_id": failure_id, "until": {"$lte": now}})
        try:
            await database[FAILURES].update_one(
                {"_id": failure_id}, {"$inc": {"n": 1}, "$setOnInsert": {"until": until}}, upsert=True
            )
        except DuplicateKeyError:  # two first failures at once: the other one inserted it
            await database[FAILURES].update_one({"_id": failure_id}, {"$inc": {"n": 1}})


async def delete_failures(database, failure_id: str) -> None:
    await database[FAILURES].delete_one({"_id": failure_id})


# --- rollups ------------------------------------------------------------------------------------

def count_update(rollup_id: str, fields: dict, n: int, names: dict | None = None) -> UpdateOne:
    """Add `n`; `names` (such as the display name last seen) replace what was there."""
    update = {"$inc": {"n": n}, "$setOnInsert": fields}
    if names:
        update["$set"] = names
    return UpdateOne({"_id": rollup_id}, update, upsert=True)


def latest_update(rollup_id: str, fields: dict, last: datetime, n: int) -> UpdateOne:
    """Keep the newest `last` and the fields that came with it (such as the name last used)."""
    return UpdateOne({"_id": rollup_id}, {"$inc": {"n": n}, "$max": {"last": last}, "$set": fields}, upsert=True)


async def update_rollups(database, operations: list[UpdateOne]) -> None:
    if operations:
        await database[ROLLUPS].bulk_write(operations, ordered=False)


async def find_rollups_between(database, kind: str, low: datetime, high: datetime | None = None) -> list[dict]:
    bounds = {"$gte": low} if high is None else {"$gte": low, "$lt": high}
    return await database[ROLLUPS].find({"kind": kind, "at": bounds}).to_list()


async def count_recent(database, kind: str, since: datetime) -> int:
    return await database[ROLLUPS].count_documents({"kind": kind, "last": {"$gte": since}})


async def find_latest(database, kind: str, limit: int, before: tuple[datetime, str] | None = None,
                      **equal: str) -> list[dict]:
    """Newest `last` first; `before` = (last, _id) of the previous page's end."""
    condition: dict = {"kind": kind, **equal}
    if before is not None:
        condition["$or"] = [{"last": {"$lt": before[0]}}, {"last": before[0], "_id": {"$gt": before[1]}}]
    cursor = database[ROLLUPS].find(condition).sort([("last", DESCENDING), ("_id", ASCENDING)]).limit(limit)
    return await cursor.to_list()


async def find_rollup(database, rollup_id: str) -> dict | None:
    return await database[ROLLUPS].find_one({"_id": rollup_id})


async def find_outcomes(database) -> list[dict]:
    return await database[ROLLUPS].find({"kind": OUTCOME}).to_list()


async def delete_rollups_before(database, kind: str, before: datetime) -> None:
    await database[ROLLUPS].delete_many({"kind": kind, "at": {"$lt": before}})


# --- the test learner's registrations -----------------------------------------------------------

async def find_test_registration(database, course: str, key: str) -> str | None:
    document = await database[TEST_LEARNERS].find_one({"_id": f"{course}|{key}"})
    return document["registration"] if document else None


async def update_test_registration(database, course: str, key: str, registration: str) -> None:
    await database[TEST_LEARNERS].update_one(
        {"_id": f"{course}|{key}"}, {"$set": {"registration": registration}}, upsert=True
    )
