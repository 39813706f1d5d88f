"""The verbs of the State, Agent Profile and Activity Profile resources (Communication 2.2-2.7, 3.1).

Every write is a conditional write in the database: If-Match / If-None-Match become part of the
write's filter, and a JSON merge (POST) replaces the document only if its version is still the
one that was merged, retrying otherwise. So concurrent writers never lose each other's keys and a
failed precondition never changes anything. No HTTP here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from lrs.charsets import charset_problem
from lrs.datatypes import parse_json_text
from lrs.db import Database
from lrs.documents import store
from lrs.documents.store import Content, Place, StoredDocument
from lrs.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, ServiceUnavailable

JSON_TYPE = "application/json"
DEFAULT_TYPE = "application/octet-stream"
# A database document holds at most 16 MiB; leave room for the keys.
MAX_CONTENT_BYTES = 15 * 1024 * 1024
# Merges that lose a race are retried; past this many attempts the client is asked to retry.
MAX_MERGE_ATTEMPTS = 200


@dataclass(frozen=True)
class Preconditions:
    """Parsed If-Match / If-None-Match: None when absent, else the ETags (or ["*"])."""

    if_match: list[str] | None = None
    if_none_match: list[str] | None = None

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def hold_for(self, current: StoredDocument | None) -> bool:
        if self.if_match is not None and (
            current is None or ("*" not in self.if_match and current.etag not in self.if_match)
        ):
            return False
        return not (
            self.if_none_match is not None
            and current is not None
            and ("*" in self.if_none_match or current.etag in self.if_none_match)
        )


class UnconditionalPut(Enum):
    """What a PUT with neither If-Match nor If-None-Match does (Communication 3.1; which one
    applies to which resource is the version table's, `lrs.versions`)."""

    # 1.0.3 State: such writes are permitted; the last writer wins.
    REPLACE = "replace"
    # 1.0.3 profiles: 409 when the document exists (3.1.s4.b13); 400 when it does not, which the
    # spec leaves open but the ADL 1.0.3 conformance suite tests, as the ADL LRS and Learning Locker do.
    REJECT = "reject"
    # 2.0 (9274.1.1 4.1.4), and 1.0.3 profiles when configured: 409 when the document exists,
    # else it is created. TinCanPython saves a new profile document this way.
    CREATE = "create"


def unconditional_put(rule: UnconditionalPut, profiles: UnconditionalPut) -> UnconditionalPut:
    """The version's `rule` for a PUT without concurrency headers, where the configured choice for
    profiles (LRS_UNCONDITIONAL_PROFILE_PUT) may turn 1.0.3's 400 for a new document into a create."""
    return profiles if rule is UnconditionalPut.REJECT else rule


@dataclass(frozen=True)
class DocumentIds:
    ids: list[str]
    last_modified: datetime | None


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    return media_type(content_type) == JSON_TYPE


def parse_json_object(content: bytes) -> dict[str, Any] | None:
    """The JSON object in `content`, or None when it is not one."""
    try:
        value = parse_json_text(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def serialize_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def now() -> datetime:
    # BSON keeps milliseconds; cut here so `updated` reads back exactly as written.
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def sha1(content: bytes) -> str:
    """The ETag of `content` (Communication 3.1: SHA-1, lower-case hex)."""
    return hashlib.sha1(content).hexdigest()


def new_content(content: bytes, content_type: str | None) -> Content:
    if len(content) > MAX_CONTENT_BYTES:
        raise PayloadTooLarge(f"a document holds at most {MAX_CONTENT_BYTES} bytes")
    return Content(content, content_type or DEFAULT_TYPE, sha1(content), now())


def precondition_failed(document_id: str) -> PreconditionFailed:
    return PreconditionFailed(f"document {document_id!r} does not match If-Match / If-None-Match; it was not changed")


def document_exists(document_id: str) -> Conflict:
    return Conflict(
        f"document {document_id!r} already exists: GET it to check its current state, "
        "then PUT again with If-Match set to its ETag"
    )


def state_place(activity_id: str, agent_key: str, registration: str | None) -> Place:
    """Where the State documents of an activity, agent (IFI key) and registration live."""
    return Place(store.STATE, activity_id=activity_id, agent=agent_key, registration=registration)


# --- reading -------------------------------------------------------------------------------


async def get_document(database: Database, place: Place, document_id: str) -> StoredDocument:
    document = await store.find_document(database, place, document_id)
    if document is None:
        raise NotFound(f"no document with id {document_id!r} here")
    return document


async def list_document_ids(database: Database, place: Place, since: datetime | None) -> DocumentIds:
    found = await store.find_document_ids(database, place, since)
    # Without a registration, one id may be used under several registrations: list it once.
    ids = list(dict.fromkeys(document_id for document_id, _ in found))
    last_modified = max((updated for _, updated in found), default=None)
    return DocumentIds(ids, last_modified)


# --- writing -------------------------------------------------------------------------------


async def put_document(
    database: Database,
    place: Place,
    document_id: str,
    content: bytes,
    content_type: str | None,
    preconditions: Preconditions,
    unconditional: UnconditionalPut = UnconditionalPut.REPLACE,
) -> str:
    """Store `content` as the whole document; return its ETag.

    Without If-Match or If-None-Match, `unconditional` says what happens (the request's version
    decides it, `lrs.versions`; the LMS's own writes replace); a refused write writes nothing.
    """
    new = new_content(content, content_type)
    if_match, if_none_match = preconditions.if_match, preconditions.if_none_match
    if not preconditions.given:
        return await put_unconditionally(database, place, document_id, new, unconditional)
    if if_none_match is not None and "*" in if_none_match:
        # Exists or not, one of the two conditions fails when both are given.
        if if_match is None and await store.insert_document(database, place, document_id, new):
            return new.etag
        raise precondition_failed(document_id)
    etags = store.etag_filter(if_match, if_none_match)
    # If-Match needs an existing document; If-None-Match with ETags alone may create one.
    if await store.update_document_matching(database, place, document_id, new, etags, create=if_match is None):
        return new.etag
    raise precondition_failed(document_id)


async def put_unconditionally(
    database: Database,
    place: Place,
    document_id: str,
    new: Content,
    rule: UnconditionalPut,
) -> str:
    if rule is UnconditionalPut.REPLACE:
        # Last writer wins; a False here is only a race between two first writers: try again.
        for _ in range(MAX_MERGE_ATTEMPTS):
            if await store.update_document_matching(database, place, document_id, new, {}, create=True):
                return new.etag
        raise ServiceUnavailable(f"document {document_id!r} could not be written; try again")
    if rule is UnconditionalPut.CREATE:
        if await store.insert_document(database, place, document_id, new):
            return new.etag
    elif await store.find_document(database, place, document_id) is None:
        raise BadRequest(
            "PUT to this resource needs an If-Match header (to replace a document) or If-None-Match: * (to create one)"
        )
    raise document_exists(document_id)


async def merge_document(
    database: Database,
    place: Place,
    document_id: str,
    content: bytes,
    content_type: str | None,
    preconditions: Preconditions,
) -> str:
    """POST: merge a JSON object into the stored one, or create the document; return its ETag.

    Both documents must be JSON objects sent as application/json, else 400 and no change. A
    merge is written only on the version it was computed from; a lost race is retried.
    """
    content_type = content_type or DEFAULT_TYPE
    if is_json(content_type) and (problem := charset_problem(content_type)):
        raise BadRequest(f"Content-Type {content_type!r}: {problem}")
    posted = parse_json_object(content) if is_json(content_type) else None
    if is_json(content_type) and posted is None:
        raise BadRequest("the posted document is sent as application/json but is not a JSON object")
    for attempt in range(MAX_MERGE_ATTEMPTS):
        current = await store.find_document(database, place, document_id)
        if not preconditions.hold_for(current):
            raise precondition_failed(document_id)
        if current is None:
            new = new_content(content, content_type)
            if await store.insert_document(database, place, document_id, new):
                return new.etag
        else:
            stored = parse_json_object(current.content) if is_json(current.content_type) else None
            if posted is None or stored is None:
                raise BadRequest(
                    "POST merges JSON objects only: the stored and the posted document must both be "
                    "application/json objects (use PUT to replace a document)"
                )
            stored.update(posted)
            new = new_content(serialize_json(stored), JSON_TYPE)
            if await store.update_document_version(database, current, new):
                return new.etag
        # Another writer got there first: back off a little (more each time) and merge again.
        await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** min(attempt, 6))))
    raise ServiceUnavailable(
        f"document {document_id!r} is being changed by many clients at once; try again",
        **{"Retry-After": "1"},
    )


async def delete_document(database: Database, place: Place, document_id: str, preconditions: Preconditions) -> None:
    """Delete one document; with If-Match only if it matches (412 otherwise)."""
    if preconditions.if_none_match is not None:
        # Deleting what must not exist: only a check, there is nothing to delete if it holds.
        current = await store.find_document(database, place, document_id)
        if not preconditions.hold_for(current):
            raise precondition_failed(document_id)
        return
    etags = store.etag_filter(preconditions.if_match, None)
    deleted = await store.delete_document(database, place, document_id, etags)
    if preconditions.if_match is not None and not deleted:
        raise precondition_failed(document_id)


async def delete_documents(database: Database, place: Place) -> int:
    """Delete every document of `place` (State: an Activity and Agent, maybe one registration)."""
    return await store.delete_documents(database, place)
