"""Storage of State, Agent Profile and Activity Profile documents: one collection for all three.

A document is identified by (kind, activity id, agent IFI key, registration, document id); the
parts a kind does not use are stored as "" so that one unique index covers every kind and a race
between two writers can never create the same document twice. Content is kept as bytes with its
content type, its ETag (SHA-1 hex of the bytes) and a version number that grows on every write:
`update_document` only succeeds on the version it was given, which is what makes merges
lost-update free. Nothing outside this module sees field names or `_id`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from lrs.db import Database, IndexSpec

DOCUMENTS = "documents"

KIND = "kind"
ACTIVITY_ID = "activity_id"
AGENT = "agent"
REGISTRATION = "registration"
DOCUMENT_ID = "document_id"
CONTENT = "content"
CONTENT_TYPE = "content_type"
ETAG = "etag"
UPDATED = "updated"
VERSION = "version"

KEY_FIELDS = (KIND, ACTIVITY_ID, AGENT, REGISTRATION, DOCUMENT_ID)

INDEXES = [
    # Also serves every id listing and multiple delete: they filter on a prefix of it.
    IndexSpec(DOCUMENTS, IndexModel([(name, ASCENDING) for name in KEY_FIELDS], unique=True)),
]

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True)
class Place:
    """Where documents live: the kind plus the keys it uses ("" when unused).

    `registration` None means "any registration" for listings and multiple deletes, and "no
    registration" for a single document.
    """

    kind: str
    activity_id: str = ""
    agent: str = ""
    registration: str | None = None

    def key(self, document_id: str) -> dict[str, Any]:
        return {
            KIND: self.kind,
            ACTIVITY_ID: self.activity_id,
            AGENT: self.agent,
            REGISTRATION: self.registration or "",
            DOCUMENT_ID: document_id,
        }

    def prefix(self) -> dict[str, Any]:
        query = {KIND: self.kind, ACTIVITY_ID: self.activity_id, AGENT: self.agent}
        if self.registration is not None:
            query[REGISTRATION] = self.registration
        return query


@dataclass(frozen=True)
class StoredDocument:
    id: ObjectId
    content: bytes
    content_type: str
    etag: str
    updated: datetime
    version: int


@dataclass(frozen=True)
class Content:
    """What a write sets."""

    content: bytes
    content_type: str
    etag: str
    updated: datetime

    def fields(self) -> dict[str, Any]:
        return {CONTENT: self.content, CONTENT_TYPE: self.content_type, ETAG: self.etag, UPDATED: self.updated}


def from_document(document: dict[str, Any]) -> StoredDocument:
    return StoredDocument(
        id=document["_id"],
        content=bytes(document[CONTENT]),
        content_type=document[CONTENT_TYPE],
        etag=document[ETAG],
        updated=document[UPDATED],
        version=document[VERSION],
    )


def etag_filter(if_match: list[str] | None, if_none_match: list[str] | None) -> dict[str, Any]:
    """The ETag conditions (other than "*") of a request as a filter term."""
    condition = {}
    if if_match and "*" not in if_match:
        condition["$in"] = if_match
    if if_none_match and "*" not in if_none_match:
        condition["$nin"] = if_none_match
    return {ETAG: condition} if condition else {}


# --- reads ---------------------------------------------------------------------------------


async def find_document(database: Database, place: Place, document_id: str) -> StoredDocument | None:
    found = await database[DOCUMENTS].find_one(place.key(document_id))
    return from_document(found) if found else None


async def find_document_ids(database: Database, place: Place, since: datetime | None) -> list[tuple[str, datetime]]:
    # `since` is applied here: on the embedded database, a condition beyond the unique index's
    # equality prefix turns the query into a collection scan, and one place holds few documents.
    cursor = database[DOCUMENTS].find(place.prefix(), {DOCUMENT_ID: 1, UPDATED: 1, "_id": 0})
    found = [(d[DOCUMENT_ID], d[UPDATED]) for d in await cursor.to_list()]
    return [(i, updated) for i, updated in found if since is None or updated > since]


# --- writes --------------------------------------------------------------------------------


async def insert_document(database: Database, place: Place, document_id: str, content: Content) -> bool:
    """Create the document; False when it already exists."""
    try:
        await database[DOCUMENTS].insert_one({**place.key(document_id), **content.fields(), VERSION: 1})
    except DuplicateKeyError:
        return False
    return True


async def update_document_version(database: Database, current: StoredDocument, content: Content) -> bool:
    """Replace the content only if nobody changed the document since `current` was read."""
    result = await database[DOCUMENTS].update_one(
        {"_id": current.id, VERSION: current.version},
        {"$set": content.fields(), "$inc": {VERSION: 1}},
    )
    return result.matched_count == 1


async def update_document_matching(
    database: Database, place: Place, document_id: str, content: Content, etags: dict[str, Any], create: bool
) -> bool:
    """Replace the content if the document matches `etags` (an `etag_filter`); with `create`,
    a missing document is created. False when nothing matched (or, creating, the document
    exists with an ETag the filter excludes)."""
    try:
        result = await database[DOCUMENTS].update_one(
            {**place.key(document_id), **etags},
            {"$set": content.fields(), "$inc": {VERSION: 1}},
            upsert=create,
        )
    except DuplicateKeyError:
        # Upserting found the key taken: the existing document did not match the filter
        # (or a concurrent writer created it first; both mean the condition did not hold).
        return False
    return result.matched_count == 1 or result.upserted_id is not None


async def delete_document(database: Database, place: Place, document_id: str, etags: dict[str, Any]) -> bool:
    result = await database[DOCUMENTS].delete_one({**place.key(document_id), **etags})
    return result.deleted_count == 1


async def delete_documents(database: Database, place: Place) -> int:
    result = await database[DOCUMENTS].delete_many(place.prefix())
    return result.deleted_count


# --- erasure (lrs.erasure): every State and Agent Profile document of some agents -----------


async def count_agent_documents(database: Database, agent_keys: list[str]) -> int:
    return await database[DOCUMENTS].count_documents({AGENT: {"$in": agent_keys}})


async def delete_agent_documents(database: Database, agent_keys: list[str]) -> int:
    result = await database[DOCUMENTS].delete_many({AGENT: {"$in": agent_keys}})
    return result.deleted_count


# --- export and import (lrs.transfer) -------------------------------------------------------


async def find_all_documents(
    database: Database,
    agent: str | None = None,
    activity_id: str | None = None,
) -> AsyncIterator[tuple[dict[str, Any], StoredDocument]]:
    """Every document (optionally only of one agent key or activity), as (kind, key fields,
    StoredDocument), in a stable order."""
    query: dict[str, Any] = {}
    if agent is not None:
        query[AGENT] = agent
    if activity_id is not None:
        query[ACTIVITY_ID] = activity_id
    cursor = database[DOCUMENTS].find(query).sort([(name, ASCENDING) for name in KEY_FIELDS])
    async for document in cursor:
        yield {name: document[name] for name in KEY_FIELDS}, from_document(document)


def place_of(key: dict[str, Any]) -> Place:
    return Place(key[KIND], activity_id=key[ACTIVITY_ID], agent=key[AGENT], registration=key[REGISTRATION] or None)
