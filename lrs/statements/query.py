"""Statement reads: one small filter function per GET parameter, combined, then keyset paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from lrs.db import Database
from lrs.ifi import ifi_key
from lrs.statements.sequence import find_sequence, load_marks
from lrs.statements.store import (
    ACTIVITIES,
    AGENTS,
    ATTACHMENTS,
    AUTHORITY,
    BODY,
    ID,
    REGISTRATIONS,
    RELATED_ACTIVITIES,
    RELATED_AGENTS,
    SEQ,
    STATEMENTS,
    STORED,
    VERB_ACTIVITIES,
    VERBS,
    VOIDED,
    from_document,
    verb_activity_keys,
)


@dataclass(frozen=True)
class Position:
    """Where a page ended: the sequence number of its last statement."""

    seq: int


@dataclass(frozen=True)
class StatementQuery:
    agent: dict[str, Any] | None = None
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
    statements: list[dict[str, Any]]
    attachment_hashes: list[str]
    last: Position | None  # set when more statements follow


def match_agent(q: StatementQuery) -> dict[str, Any]:
    if q.agent is None:
        return {}
    return {RELATED_AGENTS if q.related_agents else AGENTS: ifi_key(q.agent)}


def match_verb(q: StatementQuery) -> dict[str, Any]:
    return {VERBS: q.verb} if q.verb else {}


def match_activity(q: StatementQuery) -> dict[str, Any]:
    if not q.activity:
        return {}
    return {RELATED_ACTIVITIES if q.related_activities else ACTIVITIES: q.activity}


def match_verb_and_activity(q: StatementQuery) -> dict[str, Any]:
    # A verb within a course: one key (the pair) rather than two common ones.
    if q.verb and q.activity and q.related_activities:
        return {VERB_ACTIVITIES: verb_activity_keys([q.verb], [q.activity])[0]}
    return {**match_verb(q), **match_activity(q)}


def match_registration(q: StatementQuery) -> dict[str, Any]:
    return {REGISTRATIONS: q.registration.lower()} if q.registration else {}


def match_authority(q: StatementQuery) -> dict[str, Any]:
    return {AUTHORITY: q.authority_key} if q.authority_key else {}


FILTERS = (match_agent, match_verb_and_activity, match_registration, match_authority)
# Most selective first: the database is given one of these, the others are checked here.
SELECTIVITY_ORDER = (
    REGISTRATIONS,
    AGENTS,
    ACTIVITIES,
    AUTHORITY,
    VERB_ACTIVITIES,
    RELATED_AGENTS,
    RELATED_ACTIVITIES,
    VERBS,
)


@dataclass(frozen=True)
class Filter:
    """One equality the database evaluates through its index, and the rest, checked in Python.

    The embedded database plans an index only for `{key: value, voided, seq range}`; any
    further condition (a second key, even `_id`) turns the query into a collection scan.
    `since` and `until` bound the numbers read (through the marks), and are checked here on
    `stored` at the two ends.
    """

    indexed: dict[str, Any]
    others: dict[str, Any]
    since: datetime | None
    until: datetime | None

    def accepts(self, document: dict[str, Any]) -> bool:
        """Whether a document the database returned meets the conditions checked here."""
        for name, value in self.others.items():
            held = document.get(name)
            if held != value and not (isinstance(held, list) and value in held):
                return False
        return True

    def in_time(self, document: dict[str, Any]) -> bool:
        stored = document[STORED]
        return (self.since is None or stored > self.since) and (self.until is None or stored <= self.until)


def build_filter(q: StatementQuery) -> Filter:
    keys: dict[str, Any] = {}
    for match in FILTERS:
        keys.update(match(q))
    primary = next((name for name in SELECTIVITY_ORDER if name in keys), None)
    indexed = {primary: keys.pop(primary)} if primary else {}
    return Filter({**indexed, VOIDED: False}, keys, q.since, q.until)


# --- windows of sequence numbers ----------------------------------------------------------
#
# The embedded database sorts every document a query matches before it applies the limit, so
# one query over the whole collection costs in proportion to the collection. Reads therefore
# walk the sequence numbers in windows, from the newest end (or the oldest, ascending): the
# numbers are dense, so a window of N numbers holds at most N statements however they arrived
# in time, and the share of them the filter matched so far says how wide the next window must
# be for a page. On MongoDB each window is an index range scan.

MARGIN = 1.25  # aim a little wide, so one more query is rarely needed
MOST_GROWTH = 16  # a window spans at most this many times the numbers of the last,
BLIND_GROWTH = 64  # or this many when nothing was read yet (a sparse key: no share to go by)
MOST_READ = 1_000  # nor more than the database should read for one window (indexed key)


@dataclass
class Walk:
    """Where a read stands in the numbers and what it has learned of its filter's selectivity."""

    low: int  # exclusive bound of what is left to read
    high: int  # inclusive bound of what is left to read
    ascending: bool = False
    span: int = 0  # numbers the windows covered so far
    last_span: int = 0  # numbers the last window covered
    read: int = 0  # statements the database returned (they had the indexed key)
    matched: int = 0  # of which every condition matched

    @property
    def done(self) -> bool:
        return self.low >= self.high

    def next_span(self, missing: int) -> int:
        """How many numbers the next window should cover.

        Enough for the page at the share matched so far, but no more than the database can
        read quickly at the share it read so far: a sparse key may span the whole store in one
        query, a common key with a rare second condition is read a few hundred at a time.
        """
        if self.span <= 0:
            # A page and a few numbers more (holes, voided statements): what a read without
            # filters needs; a filtered read learns its share of the numbers from it.
            return missing + max(8, missing // 20)
        matched_share = min(1.0, max(self.matched, 0.5) / self.span)
        read_share = min(1.0, max(self.read, 0.5) / self.span)
        growth = MOST_GROWTH if self.read else BLIND_GROWTH
        span = min(missing * MARGIN / matched_share, MOST_READ / read_share, self.last_span * growth)
        return max(round(span), missing)

    def next_window(self, missing: int) -> dict[str, Any]:
        """The condition on SEQ of the next window, nearest numbers first."""
        span = self.next_span(missing)
        if self.ascending:
            return {"$gt": self.low, "$lte": min(self.low + span, self.high)}
        return {"$gt": max(self.high - span, self.low), "$lte": self.high}

    def covered(self, window: dict[str, Any], last: int | None) -> None:
        """Move past `window`, or only up to number `last` when the window was cut short."""
        if self.ascending:
            through = window["$lte"] if last is None else last
            self.last_span, self.low = through - self.low, through
        else:
            through = window["$gt"] if last is None else last - 1
            self.last_span, self.high = self.high - through, through
        self.span += self.last_span


async def number_range(database: Database, q: StatementQuery) -> tuple[int, int]:
    """The numbers this query can match: (low exclusive, high inclusive)."""
    top, _ = await find_sequence(database)
    low, high = 0, top
    if q.since or q.until:
        marks = await load_marks(database, top)
        if q.since:
            low = marks.after(q.since)
        if q.until:
            high = marks.through(q.until, top)
    if q.after and q.ascending:
        low = max(low, q.after.seq)
    elif q.after:
        high = min(high, q.after.seq - 1)
    return low, high


async def find_statements(database: Database, q: StatementQuery, limit: int) -> Page:
    low, high = await number_range(database, q)
    documents = await _find_in_windows(database, q, limit + 1, Walk(low, high, q.ascending))
    more = len(documents) > limit
    documents = documents[:limit]
    hashes: list[str] = []
    for document in documents:
        hashes += [h for h in document.get(ATTACHMENTS, ()) if h not in hashes]
    last = Position(documents[-1][SEQ]) if more else None
    return Page([from_document(d) for d in documents], hashes, last)


BODY_FIELDS = [BODY, SEQ, STORED, ATTACHMENTS]


async def _find_in_windows(database: Database, q: StatementQuery, wanted: int, walk: Walk) -> list[dict[str, Any]]:
    condition = build_filter(q)
    direction = ASCENDING if q.ascending else DESCENDING
    # With conditions checked here, windows are read for their keys only, and the statements
    # that pass are fetched afterwards: most of what such a window holds is left behind.
    two_steps = bool(condition.others)
    fields = [SEQ, STORED, *condition.others] if two_steps else BODY_FIELDS
    collection = database[STATEMENTS]
    found: list[dict[str, Any]] = []
    while not walk.done and len(found) < wanted:
        missing = wanted - len(found)
        bounds = walk.next_window(missing)
        cursor = collection.find({**condition.indexed, SEQ: bounds}, fields).sort(SEQ, direction)
        if not two_steps:
            # All of the window matches but `stored` at the ends of a since/until range: a
            # limit spares MongoDB the rest (the embedded database reads the window anyway).
            cursor = cursor.limit(missing)
        window = await cursor.to_list()
        cut_short = not two_steps and len(window) == missing
        walk.covered(bounds, window[-1][SEQ] if cut_short else None)
        # Statements before `since` or after `until` (the ends of the range are known only to
        # a block of numbers) say nothing of how selective the filter is.
        in_time = [d for d in window if condition.in_time(d)]
        walk.span -= len(window) - len(in_time)
        batch = [d for d in in_time if condition.accepts(d)][:missing]
        if two_steps and batch:
            bodies = {
                d["_id"]: d
                for d in await collection.find({"_id": {"$in": [d["_id"] for d in batch]}}, BODY_FIELDS).to_list()
            }
            batch = [bodies[d["_id"]] for d in batch if d["_id"] in bodies]
        found += batch
        walk.read += len(in_time)
        walk.matched += len(batch)
        if window and _beyond_time(condition, window[-1], q.ascending):
            break  # `stored` follows the numbers: nothing further can be in time
    return found


def _beyond_time(condition: Filter, document: dict[str, Any], ascending: bool) -> bool:
    if ascending:
        return condition.until is not None and document[STORED] > condition.until
    return condition.since is not None and document[STORED] <= condition.since


async def find_statement(
    database: Database, statement_id: str, voided: bool, authority_key: str | None = None
) -> tuple[dict[str, Any], list[str]] | None:
    """One statement by id: a voided one only when `voided`, a live one only when not; when
    `authority_key` is given, only if that credential stored it."""
    document = await database[STATEMENTS].find_one(
        {ID: statement_id.lower(), VOIDED: voided}, [BODY, ATTACHMENTS, AUTHORITY]
    )
    if document is None or (authority_key and document[AUTHORITY] != authority_key):
        return None
    return from_document(document), document.get(ATTACHMENTS, [])
