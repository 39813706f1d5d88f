"""The console's own collections: sign-in sessions, failed sign-ins, rollups, test learners.

Nothing here touches the collections of lrs, cmi5 or the bridge; those are read and written
through their service functions only.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError

from lrs.db import IndexSpec
from lrs.ifi import actor_keys

SESSIONS = "console_sessions"
FAILURES = "console_sign_in_failures"
# Rollups (console.rollups), one collection per shape so that each upsert keeps few indexes.
COUNTS = "console_counts"  # counters: kind, at (and key), n
LEARNERS = "console_learners"  # per actor key: actor, name, last activity
REGISTRATIONS = "console_registrations"  # per cmi5 registration: actor_key, actor, course, last activity
TEST_LEARNERS = "console_test_learners"

# Counter kinds (field `kind` of COUNTS).
HOUR = "hour"  # statements per hour of their timestamp
DAY = "day"  # statements per day of their timestamp
MINUTE = "minute"  # statements stored per minute (ingest rate)
VERB = "verb"  # statements per day and verb (key), with its display name
ACTIVITY = "activity"  # statements per day and activity (key), with its name
OUTCOME = "outcome"  # per course and verb (completed, passed, failed): course, key

INDEXES = [
    IndexSpec(SESSIONS, IndexModel([("key", ASCENDING)])),
    # Expired entries are removed by the database where it runs TTL monitors; reads check expiry anyway.
    IndexSpec(SESSIONS, IndexModel([("expires", ASCENDING)], expireAfterSeconds=0)),
    IndexSpec(FAILURES, IndexModel([("until", ASCENDING)], expireAfterSeconds=0)),
    IndexSpec(COUNTS, IndexModel([("kind", ASCENDING), ("at", ASCENDING)])),
    IndexSpec(LEARNERS, IndexModel([("last", DESCENDING)])),
    IndexSpec(REGISTRATIONS, IndexModel([("last", DESCENDING)])),
    IndexSpec(REGISTRATIONS, IndexModel([("actor_key", ASCENDING), ("last", DESCENDING)])),
    IndexSpec(REGISTRATIONS, IndexModel([("course", ASCENDING), ("last", DESCENDING)])),
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


def latest_update(key: str, fields: dict, last: datetime) -> UpdateOne:
    """Keep the newest `last`; the other fields are those last written."""
    return UpdateOne({"_id": key}, {"$max": {"last": last}, "$set": fields}, upsert=True)


def later_update(key: str, last: datetime) -> UpdateOne:
    """Move an existing document's `last` on; never creates one."""
    return UpdateOne({"_id": key}, {"$max": {"last": last}})


async def update_rollups(database, collection: str, operations: list[UpdateOne]) -> None:
    if operations:
        await database[collection].bulk_write(operations, ordered=False)


async def find_counts_between(database, kind: str, low: datetime, high: datetime | None = None) -> list[dict]:
    bounds = {"$gte": low} if high is None else {"$gte": low, "$lt": high}
    return await database[COUNTS].find({"kind": kind, "at": bounds}).to_list()


async def find_outcomes(database) -> list[dict]:
    return await database[COUNTS].find({"kind": OUTCOME}).to_list()


async def delete_counts_before(database, kind: str, before: datetime) -> None:
    await database[COUNTS].delete_many({"kind": kind, "at": {"$lt": before}})


async def count_learners_since(database, since: datetime) -> int:
    return await database[LEARNERS].count_documents({"last": {"$gte": since}})


async def find_latest(
    database, collection: str, limit: int, before: tuple[datetime, str] | None = None, **equal: str
) -> list[dict]:
    """Newest `last` first; `before` = (last, _id) of the previous page's end."""
    condition: dict = dict(equal)
    if before is not None:
        condition["$or"] = [{"last": {"$lt": before[0]}}, {"last": before[0], "_id": {"$gt": before[1]}}]
    cursor = database[collection].find(condition).sort([("last", DESCENDING), ("_id", ASCENDING)]).limit(limit)
    return await cursor.to_list()


async def find_registration_courses(database, registrations: list[str]) -> dict[str, str]:
    """Registration -> course, for those of `registrations` the console has seen launched."""
    if not registrations:
        return {}
    found = database[REGISTRATIONS].find({"_id": {"$in": registrations}}, {"course": 1})
    return {document["_id"]: document["course"] async for document in found}


async def find_learner(database, key: str) -> dict | None:
    return await database[LEARNERS].find_one({"_id": key})


async def find_learner_ids_naming(database, keys: set[str]) -> list[str]:
    """Learners that are one of these identifiers, or Groups with such a member."""
    found = {document["_id"] async for document in database[LEARNERS].find({"_id": {"$in": sorted(keys)}}, {"_id": 1})}
    groups = database[LEARNERS].find({"actor.member": {"$exists": True}}, {"actor": 1})
    found |= {document["_id"] async for document in groups if keys & set(actor_keys(document["actor"]))}
    return sorted(found)


async def find_registration_ids_of(database, keys: set[str]) -> list[str]:
    cursor = database[REGISTRATIONS].find({"actor_key": {"$in": sorted(keys)}}, {"_id": 1})
    return [document["_id"] async for document in cursor]


async def delete_by_ids(database, collection: str, ids: list[str]) -> None:
    if ids:
        await database[collection].delete_many({"_id": {"$in": ids}})


# --- the test learner's registrations -----------------------------------------------------------


async def find_test_registration(database, course: str, key: str) -> str | None:
    document = await database[TEST_LEARNERS].find_one({"_id": f"{course}|{key}"})
    return document["registration"] if document else None


async def update_test_registration(database, course: str, key: str, registration: str) -> None:
    await database[TEST_LEARNERS].update_one(
        {"_id": f"{course}|{key}"}, {"$set": {"registration": registration}}, upsert=True
    )
