"""Statement reads: one small filter function per GET parameter, combined, then keyset paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from lrs.ifi import ifi_key
from lrs.statements.store import (
    ACTIVITIES, AGENTS, AUTHORITY, ID, REGISTRATIONS, RELATED_ACTIVITIES, RELATED_AGENTS,
    STATEMENTS, STORED, VERBS, VOIDED, from_document,
)


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sort key of its last statement."""

    stored: datetime
    object_id: ObjectId


@dataclass(frozen=True)
class StatementQuery:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    # Only statements stored by this credential (scope statements/read/mine).
    authority_key: str | None = None
    after: Position | None = None


@dataclass
class Page:
    statements: list[dict]
    attachment_hashes: list[str]
    last: Position | None  # set when more statements follow


def match_agent(q: StatementQuery) -> dict:
    if q.agent is None:
        return {}
    return {RELATED_AGENTS if q.related_agents else AGENTS: ifi_key(q.agent)}


def match_verb(q: StatementQuery) -> dict:
    return {VERBS: q.verb} if q.verb else {}


def match_activity(q: StatementQuery) -> dict:
    if not q.activity:
        return {}
    return {RELATED_ACTIVITIES if q.related_activities else ACTIVITIES: q.activity}


def match_registration(q: StatementQuery) -> dict:
    return {REGISTRATIONS: q.registration.lower()} if q.registration else {}


def match_authority(q: StatementQuery) -> dict:
    return {AUTHORITY: q.authority_key} if q.authority_key else {}


def match_stored(q: StatementQuery) -> dict:
    bounds = {}
    if q.since:
        bounds["$gt"] = q.since
    if q.until:
        bounds["$lte"] = q.until
    return {STORED: bounds} if bounds else {}


def match_after(q: StatementQuery) -> dict:
    if q.after is None:
        return {}
    beyond = "$gt" if q.ascending else "$lt"
    return {
        "$or": [
            {STORED: {beyond: q.after.stored}},
            {STORED: q.after.stored, "_id": {beyond: q.after.object_id}},
        ]
    }


FILTERS = (match_agent, match_verb, match_activity, match_registration, match_authority, match_stored)


def build_filter(q: StatementQuery) -> dict:
    condition: dict = {VOIDED: False}
    for match in FILTERS:
        condition.update(match(q))
    after = match_after(q)
    if after:
        # Kept apart from the stored range so that both bounds apply.
        condition = {"$and": [condition, after]}
    return condition


def sort_order(q: StatementQuery) -> list[tuple[str, int]]:
    direction = ASCENDING if q.ascending else DESCENDING
    return [(STORED, direction), ("_id", direction)]


async def find_statements(database, q: StatementQuery, limit: int) -> Page:
    cursor = (
        database[STATEMENTS]
        .find(build_filter(q), ["statement", STORED, "attachments"])
        .sort(sort_order(q))
        .limit(limit + 1)
    )
    documents = await cursor.to_list()
    more = len(documents) > limit
    documents = documents[:limit]
    hashes: list[str] = []
    for document in documents:
        hashes += [h for h in document.get("attachments", ()) if h not in hashes]
    last = Position(documents[-1][STORED], documents[-1]["_id"]) if more else None
    return Page([from_document(d) for d in documents], hashes, last)


async def find_statement(database, statement_id: str, voided: bool) -> tuple[dict, list[str]] | None:
    """One statement by id: a voided one only when `voided`, a live one only when not."""
    document = await database[STATEMENTS].find_one(
        {ID: statement_id.lower(), VOIDED: voided}, ["statement", "attachments"]
    )
    if document is None:
        return None
    return from_document(document), document.get("attachments", [])
