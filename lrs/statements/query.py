"""Statement reads: one small filter function per GET parameter, combined, then keyset paging."""

from __future__ import annotations

from lrs.db import Database

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from lrs.ifi import ifi_key
from lrs.statements.store import (
    ACTIVITIES, AGENTS, ATTACHMENTS, AUTHORITY, BODY, ID, REGISTRATIONS, RELATED_ACTIVITIES, RELATED_AGENTS,
    STATEMENTS, STORED, VERBS, VOIDED, from_document,
)
from lrs.statements.density import HOUR, HourCounts, load_hour_counts


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


FILTERS = (match_agent, match_verb, match_activity, match_registration, match_authority)
# Most selective first: the database is given one of these, the others are checked here.
SELECTIVITY_ORDER = (REGISTRATIONS, AGENTS, ACTIVITIES, AUTHORITY, RELATED_AGENTS, RELATED_ACTIVITIES, VERBS)


@dataclass(frozen=True)
class Filter:
    """One equality the database evaluates through its index, and the rest, checked in Python.

    The embedded database plans an index only for `{key: value, voided, stored range}`; any
    further condition (a second key, even `_id`) turns the query into a collection scan.
    """

    indexed: dict
    others: dict
    after: Position | None
    ascending: bool

    def accepts(self, document: dict) -> bool:
        for name, value in self.others.items():
            held = document.get(name)
            if held != value and not (isinstance(held, list) and value in held):
                return False
        if self.after and document[STORED] == self.after.stored:
            # Same `stored` as the previous page's last statement: `_id` breaks the tie.
            beyond = document["_id"] > self.after.object_id
            return beyond if self.ascending else document["_id"] < self.after.object_id
        return True


def build_filter(q: StatementQuery) -> Filter:
    keys: dict = {}
    for match in FILTERS:
        keys.update(match(q))
    primary = next((name for name in SELECTIVITY_ORDER if name in keys), None)
    indexed = {primary: keys.pop(primary)} if primary else {}
    return Filter({**indexed, VOIDED: False}, keys, q.after, q.ascending)


def sort_order(q: StatementQuery) -> list[tuple[str, int]]:
    direction = ASCENDING if q.ascending else DESCENDING
    return [(STORED, direction), ("_id", direction)]


# --- windows over `stored` ----------------------------------------------------------------
#
# The embedded database sorts every document a query matches before it applies the limit, so
# one query over the whole collection costs in proportion to the collection. Reads therefore
# walk over `stored` in windows, from the newest end (or the oldest, ascending). The hourly
# counts (lrs.statements.density) say how many statements each window holds; the share of
# them the filter matched so far says how many it will match. Each query then matches little
# more than a page. On MongoDB each window is an index range scan.

MARGIN = 1.5           # aim a little wide, so one more query is rarely needed
MOST_GROWTH = 8        # a window holds at most this many times the statements of the last
MOST_READ = 2_000      # nor more than the database should read for one window (indexed key)


@dataclass
class Walk:
    """Where a read stands in `stored` and what it has learned of its filter's selectivity."""

    low: datetime           # exclusive bound of the whole read
    high: datetime | None   # inclusive bound, None when open
    size: float = 0.0       # statements the last window held
    held: float = 0.0       # statements all windows held
    read: int = 0           # of which the database read (they had the indexed key)
    matched: int = 0        # of which every condition matched
    missing: int = 0        # statements the page still needs

    def record(self, held: float) -> None:
        self.size = held
        self.held += held

    def next_size(self, missing: int) -> float:
        """How many statements the next window should hold.

        Enough for the page at the share matched so far, but no more than the database can
        read quickly at the share it read so far: a sparse key may span a year in one query,
        a common key with a rare second condition is read a few thousand at a time.
        """
        if self.held < 1:
            return missing * MARGIN
        matched_share = min(1.0, max(self.matched, 0.5) / self.held)
        read_share = min(1.0, max(self.read, 0.5) / self.held)
        size = min(missing * MARGIN / matched_share, MOST_READ / read_share, self.size * MOST_GROWTH)
        return max(size, missing * MARGIN)


def stored_range(q: StatementQuery, first: datetime) -> tuple[datetime, datetime | None]:
    """The part of `stored` this query can match: (low exclusive, high inclusive or open)."""
    low = first - timedelta(milliseconds=1)
    if q.since and q.since > low:
        low = q.since
    high = q.until
    if q.after and not q.ascending:
        high = q.after.stored if high is None else min(high, q.after.stored)
    if q.after and q.ascending:
        low = max(low, q.after.stored - timedelta(milliseconds=1))
    return low, high


def windows(counts: HourCounts, walk: Walk, ascending: bool):
    """Yield `stored` conditions, newest (or oldest) first; send back (matched, missing)."""
    latest = (counts.hours[-1] + HOUR) if counts.hours else datetime.now(timezone.utc)
    end = walk.high or max(latest, datetime.now(timezone.utc))
    if ascending:
        start = walk.low
        while start < end:
            stop = counts.span_forward(start, end, walk.next_size(walk.missing))
            stop = end if stop <= start else stop
            open_end = stop >= end and walk.high is None
            yield {"$gt": start} if open_end else {"$gt": start, "$lte": stop}
            walk.record(counts.count_between(start, stop))
            start = stop
        return
    top, first = end, True
    while top > walk.low:
        bottom = counts.span_back(top, walk.low, walk.next_size(walk.missing))
        bottom = walk.low if bottom >= top else bottom
        open_top = first and walk.high is None
        yield {"$gt": bottom} if open_top else {"$gt": bottom, "$lte": top}
        walk.record(counts.count_between(bottom, top))
        top, first = bottom, False


async def find_statements(database: Database, q: StatementQuery, limit: int) -> Page:
    counts = await load_hour_counts(database)
    documents: list[dict] = []
    if counts.first is not None:
        low, high = stored_range(q, counts.first)
        documents = await _find_in_windows(database, q, limit + 1, counts, Walk(low, high))
    more = len(documents) > limit
    documents = documents[:limit]
    hashes: list[str] = []
    for document in documents:
        hashes += [h for h in document.get(ATTACHMENTS, ()) if h not in hashes]
    last = Position(documents[-1][STORED], documents[-1]["_id"]) if more else None
    return Page([from_document(d) for d in documents], hashes, last)


BODY_FIELDS = [BODY, STORED, ATTACHMENTS]


async def _find_in_windows(database: Database, q: StatementQuery, wanted: int, counts: HourCounts, walk: Walk) -> list[dict]:
    condition = build_filter(q)
    # With conditions checked here, windows are read for their keys only, and the statements
    # that pass are fetched afterwards: most of what such a window holds is left behind.
    two_steps = bool(condition.others)
    fields = [STORED, *condition.others] if two_steps else BODY_FIELDS
    collection = database[STATEMENTS]
    found: list[dict] = []
    walk.missing = wanted
    for bounds in windows(counts, walk, q.ascending):
        # No limit: the embedded database reads the whole window anyway, and some of it may
        # fail the conditions checked here. Windows are sized to about a page.
        window = await collection.find({**condition.indexed, STORED: bounds}, fields).sort(sort_order(q)).to_list()
        batch = [d for d in window if condition.accepts(d)][: wanted - len(found)]
        if two_steps and batch:
            bodies = {d["_id"]: d for d in await collection.find(
                {"_id": {"$in": [d["_id"] for d in batch]}}, BODY_FIELDS).to_list()}
            batch = [bodies[d["_id"]] for d in batch if d["_id"] in bodies]
        found += batch
        walk.read += len(window)
        walk.matched += len(batch)
        walk.missing = wanted - len(found)
        if walk.missing <= 0:
            break
    return found


async def find_statement(
    database: Database, statement_id: str, voided: bool, authority_key: str | None = None
) -> tuple[dict, list[str]] | None:
    """One statement by id: a voided one only when `voided`, a live one only when not; when
    `authority_key` is given, only if that credential stored it."""
    document = await database[STATEMENTS].find_one(
        {ID: statement_id.lower(), VOIDED: voided}, [BODY, ATTACHMENTS, AUTHORITY]
    )
    if document is None or (authority_key and document[AUTHORITY] != authority_key):
        return None
    return from_document(document), document.get(ATTACHMENTS, [])
