"""cmi5's own collections: courses, package files, registrations and sessions. Every write is here.

Rules that must hold under concurrency are conditional updates: a fetch URL gives one token
(`update_session_fetched`), a session's state moves only from the version it was read at
(`update_session_state`), completed/passed are claimed once per registration and AU
(`update_registration_claims`), and each block or course is marked satisfied once.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from cmi5 import vocab
from cmi5.moveon import AUFacts
from cmi5.rules import RegistrationAU, SessionState
from lrs.db import IndexSpec
from lrs.files import PackageFiles

COURSES = "cmi5_courses"
REGISTRATIONS = "cmi5_registrations"
SESSIONS = "cmi5_sessions"
PACKAGE_FILES = PackageFiles("cmi5_content")

# Registration fields.
AUS = "aus"  # {"<au index>": {completed, passed, failed, waived, session, score, seconds}}
SATISFIED_BLOCKS = "satisfied_blocks"
COURSE_SATISFIED = "course_satisfied"
# Session fields.
STATE = "state"
VERSION = "version"
STATUS = "status"  # launched, initialized, terminated, abandoned
FETCH_HASH = "fetch_hash"
TOKEN_HASH = "token_hash"
FETCHED_AT = "fetched_at"

INDEXES = [
    IndexSpec(COURSES, IndexModel([("created", DESCENDING)])),
    IndexSpec(REGISTRATIONS, IndexModel([("actor_key", ASCENDING), ("course", ASCENDING)])),
    # Course reports aggregate a course's registrations; deleting a course finds them, and its sessions.
    IndexSpec(REGISTRATIONS, IndexModel([("course", ASCENDING)])),
    IndexSpec(SESSIONS, IndexModel([("registration", ASCENDING), ("launched_at", ASCENDING)])),
    IndexSpec(SESSIONS, IndexModel([("course", ASCENDING)])),
    *PACKAGE_FILES.indexes,
]

VERB_IRIS = {name: iri for iri, name in vocab.VERB_NAMES.items()}


# --- courses and package content ------------------------------------------------------------


async def insert_course(database, document: dict) -> None:
    await database[COURSES].insert_one(document)


async def find_course(database, key: str) -> dict | None:
    return await database[COURSES].find_one({"_id": key})


async def find_courses(database) -> list[dict]:
    cursor = database[COURSES].find({}, {"structure": 0}).sort("created", DESCENDING)
    return await cursor.to_list()


async def insert_package_files(database, package: str, files: dict[str, tuple[Path, str]]) -> None:
    await PACKAGE_FILES.insert_files(database, package, files)


async def find_package_file(database, package: str, path: str):
    return await PACKAGE_FILES.find_file(database, package, path)


async def delete_course(database, key: str) -> bool:
    return (await database[COURSES].delete_one({"_id": key})).deleted_count == 1


async def delete_package_files(database, package: str) -> int:
    return await PACKAGE_FILES.delete_files(database, package)


# --- registrations --------------------------------------------------------------------------


async def insert_registration(database, document: dict) -> bool:
    """False when a registration with that id exists already."""
    try:
        await database[REGISTRATIONS].insert_one(document)
    except DuplicateKeyError:
        return False
    return True


async def find_registration(database, registration: str, au: int | None = None) -> dict | None:
    projection = None
    if au is not None:
        projection = {f"{AUS}.{au}": 1, "course": 1, "actor": 1, SATISFIED_BLOCKS: 1, COURSE_SATISFIED: 1}
    return await database[REGISTRATIONS].find_one({"_id": registration}, projection)


async def delete_registrations(database, *, registration: str | None = None, course: str | None = None) -> int:
    query = {"_id": registration} if registration is not None else {"course": course}
    return (await database[REGISTRATIONS].delete_many(query)).deleted_count


def registration_au(document: dict, au: int) -> dict:
    return (document.get(AUS) or {}).get(str(au)) or {}


def registration_facts(document: dict) -> dict[int, AUFacts]:
    """What moveOn is evaluated on: each AU's completed, passed and waived, by AU index."""
    return {
        int(index): AUFacts(bool(entry.get("completed")), bool(entry.get("passed")), bool(entry.get("waived")))
        for index, entry in (document.get(AUS) or {}).items()
    }


def to_registration_au(entry: dict) -> RegistrationAU:
    return RegistrationAU(completed=entry.get("completed"), passed=entry.get("passed"))


def _unset_or(field: str, value: str) -> dict:
    return {"$or": [{field: {"$exists": False}}, {field: None}, {field: value}]}


async def update_registration_claims(database, registration: str, au: int, claims: dict[str, str]) -> bool:
    """Set completed/passed to their statement ids unless another statement set them first."""
    if not claims:
        return True
    conditions = [_unset_or(f"{AUS}.{au}.{name}", sid) for name, sid in claims.items()]
    result = await database[REGISTRATIONS].update_one(
        {"_id": registration, "$and": conditions},
        {"$set": {f"{AUS}.{au}.{name}": sid for name, sid in claims.items()}},
    )
    return result.matched_count == 1


async def update_registration_unclaim(database, registration: str, au: int, claims: dict[str, str]) -> None:
    """Undo claims of a batch that was refused after all."""
    for name, sid in claims.items():
        await database[REGISTRATIONS].update_one(
            {"_id": registration, f"{AUS}.{au}.{name}": sid}, {"$unset": {f"{AUS}.{au}.{name}": ""}}
        )


async def update_registration_failed(database, registration: str, au: int, sid: str) -> None:
    await database[REGISTRATIONS].update_one({"_id": registration}, {"$set": {f"{AUS}.{au}.failed": sid}})


async def update_registration_progress(
    database, registration: str, au: int, score: float | None, seconds: float
) -> None:
    """Keep what reports average: the latest scaled score of a passed/failed, and the time spent
    in the AU (durations of its terminated and abandoned sessions, added up)."""
    update: dict = {}
    if score is not None:
        update["$set"] = {f"{AUS}.{au}.score": score}
    if seconds:
        update["$inc"] = {f"{AUS}.{au}.seconds": seconds}
    if update:
        await database[REGISTRATIONS].update_one({"_id": registration}, update)


async def update_current_session(database, registration: str, au: int, session: str) -> str | None:
    """Make `session` the AU's open session; return the one it replaces (atomically)."""
    before = await database[REGISTRATIONS].find_one_and_update(
        {"_id": registration},
        {"$set": {f"{AUS}.{au}.session": session}},
        projection={f"{AUS}.{au}.session": 1},
        return_document=ReturnDocument.BEFORE,
    )
    return registration_au(before or {}, au).get("session")


async def update_waived(database, registration: str, au: int, waived: dict) -> bool:
    result = await database[REGISTRATIONS].update_one(
        {"_id": registration, f"{AUS}.{au}.waived": {"$exists": False}},
        {"$set": {f"{AUS}.{au}.waived": waived}},
    )
    return result.modified_count == 1


async def update_block_satisfied(database, registration: str, block: int) -> bool:
    result = await database[REGISTRATIONS].update_one(
        {"_id": registration, SATISFIED_BLOCKS: {"$ne": block}}, {"$push": {SATISFIED_BLOCKS: block}}
    )
    return result.modified_count == 1


async def update_course_satisfied(database, registration: str) -> bool:
    result = await database[REGISTRATIONS].update_one(
        {"_id": registration, COURSE_SATISFIED: {"$ne": True}}, {"$set": {COURSE_SATISFIED: True}}
    )
    return result.modified_count == 1


# --- sessions -------------------------------------------------------------------------------


def state_to_document(state: SessionState) -> dict:
    document = asdict(state)
    document["verbs"] = {vocab.VERB_NAMES[iri]: sid for iri, sid in state.verbs.items()}
    return document


def state_from_document(document: dict) -> SessionState:
    values = dict(document)
    values["verbs"] = {VERB_IRIS[name]: sid for name, sid in (document.get("verbs") or {}).items()}
    return SessionState(**values)


def status_of(state: SessionState) -> str:
    if state.abandoned:
        return "abandoned"
    if state.terminated_at is not None:
        return "terminated"
    if state.initialized_at is not None:
        return "initialized"
    return "launched"


async def insert_session(database, document: dict) -> None:
    document.setdefault(STATE, state_to_document(SessionState()))
    document.setdefault(VERSION, 0)
    document.setdefault(STATUS, "launched")
    await database[SESSIONS].insert_one(document)


async def find_session(database, session: str) -> dict | None:
    return await database[SESSIONS].find_one({"_id": session})


async def find_sessions(database, registration: str) -> list[dict]:
    cursor = (
        database[SESSIONS]
        .find({"registration": registration}, {FETCH_HASH: 0, TOKEN_HASH: 0, "context_template": 0})
        .sort("launched_at", ASCENDING)
    )
    return await cursor.to_list()


async def find_open_session_ids(database, *, registration: str | None = None, course: str | None = None) -> list[str]:
    query = {"registration": registration} if registration is not None else {"course": course}
    cursor = database[SESSIONS].find({**query, STATUS: {"$in": ["launched", "initialized"]}}, {"_id": 1})
    return [session["_id"] for session in await cursor.to_list()]


async def delete_sessions(database, *, registration: str | None = None, course: str | None = None) -> int:
    query = {"registration": registration} if registration is not None else {"course": course}
    return (await database[SESSIONS].delete_many(query)).deleted_count


async def update_session_state(database, session: str, version: int, state: SessionState) -> bool:
    """Store the session's new state if nobody changed it since `version` was read."""
    result = await database[SESSIONS].update_one(
        {"_id": session, VERSION: version},
        {"$set": {STATE: state_to_document(state), STATUS: status_of(state)}, "$inc": {VERSION: 1}},
    )
    return result.modified_count == 1


async def update_session_fetched(database, session: str, fetch_hash: str, token_hash: str, at: datetime) -> bool:
    """Attach the auth token to the session; true only for the one call that gets it."""
    result = await database[SESSIONS].update_one(
        {"_id": session, FETCH_HASH: fetch_hash, TOKEN_HASH: None},
        {"$set": {TOKEN_HASH: token_hash, FETCHED_AT: at}},
    )
    return result.modified_count == 1


async def update_session_preferences_read(database, session: str) -> None:
    """Note that the AU asked for its learner's preferences; a rules judgement of the version
    before this (still without it) cannot be stored after it."""
    await database[SESSIONS].update_one(
        {"_id": session, f"{STATE}.preferences_read": {"$ne": True}},
        {"$set": {f"{STATE}.preferences_read": True}, "$inc": {VERSION: 1}},
    )


async def update_session_abandoned(database, session: str, at: datetime) -> dict | None:
    """Mark an open session abandoned; return it as it was, or None if it had ended already."""
    return await database[SESSIONS].find_one_and_update(
        {"_id": session, f"{STATE}.abandoned": False, f"{STATE}.terminated_at": None},
        {"$set": {f"{STATE}.abandoned": True, STATUS: "abandoned", "ended_at": at}, "$inc": {VERSION: 1}},
        return_document=ReturnDocument.BEFORE,
    )


# --- erasure (lrs.erasure hook) -------------------------------------------------------------


async def find_registration_ids_of(database, actor_keys: list[str]) -> list[str]:
    cursor = database[REGISTRATIONS].find({"actor_key": {"$in": actor_keys}}, {"_id": 1})
    return [document["_id"] for document in await cursor.to_list()]


async def count_sessions_of(database, registrations: list[str]) -> int:
    return await database[SESSIONS].count_documents({"registration": {"$in": registrations}})


async def delete_registrations_by_id(database, registrations: list[str]) -> tuple[int, int]:
    """Registrations and their sessions; (registrations, sessions) deleted."""
    sessions = await database[SESSIONS].delete_many({"registration": {"$in": registrations}})
    deleted = await database[REGISTRATIONS].delete_many({"_id": {"$in": registrations}})
    return deleted.deleted_count, sessions.deleted_count


# --- reports (cmi5.reports) -----------------------------------------------------------------


async def aggregate_registrations(database, pipeline: list[dict]) -> list[dict]:
    return await (await database[REGISTRATIONS].aggregate(pipeline)).to_list()


async def find_registrations_of(database, actor_key: str) -> list[dict]:
    cursor = database[REGISTRATIONS].find({"actor_key": actor_key}).sort("created", ASCENDING)
    return await cursor.to_list()
