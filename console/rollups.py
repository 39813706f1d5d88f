"""Figures the Overview reads, kept at write time so that reading them never scans statements.

A statement hook counts each stored batch in memory (no database work on the write path),
and a background task adds the counts to the database every few seconds with unordered bulk
writes of `$inc`/`$max` upserts, which commute: any number of LRS processes can add to the same
documents. A flush writes one counter per hour, day and minute touched, per verb and activity
of each day touched, and per course outcome; a learner's (and a cmi5 registration's) last
activity at most once per LATEST_EVERY per process. So the database work grows with what is
distinct in a few seconds of statements, not with their number. What the Overview reads is
bounded by time and by distinct names, never by the number of statements: 48 hour and 30 day
documents, 7 days of verb and activity counters, learners counted by an index on their last
activity, one document per course outcome, and the last minutes stored.

Statements are counted under their `timestamp` (when the learning happened; at most their
`stored` time), ingest under `stored`. Like `lrs_statements_stored`, an identical resend
counts again and a statement voided later stays counted. A process killed with SIGKILL loses
the counts of its last few seconds (the statements themselves are durable); a clean stop
writes them out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from pymongo.errors import PyMongoError

from cmi5 import vocab
from cmi5.auth import LMS_KEY
from cmi5.sessions import get_registration
from console import store
from console.sentences import activity_name, actor_name, verb_name
from lrs.datatypes import parse_timestamp
from lrs.db import Database, is_unavailable
from lrs.errors import NotFound
from lrs.hooks import StoreContext
from lrs.ifi import ifi_key
from lrs.keys import database_key, drain_key, metrics_key, settings_key
from lrs.statements.service import format_timestamp

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
# Counters are kept for timestamps this recent when they arrive (the Overview shows 48 hours,
# 30 days, and the top ten of 7 days), a day more for statements arriving late.
HOURS_KEPT = 49
DAYS_KEPT = 31
TOP_DAYS_KEPT = 8
# A learner's or registration's last activity is written again only once it moved on this much.
LATEST_EVERY = timedelta(minutes=5)
OUTCOME_VERBS = {vocab.COMPLETED: "completed", vocab.PASSED: "passed", vocab.FAILED: "failed"}
# Minute counters older than this are deleted; the ingest rate reads the last few minutes.
MINUTES_KEPT = timedelta(hours=2)
# Registration -> course (None: not a cmi5 registration), remembered per process.
MOST_REMEMBERED = 200_000


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


# `stored` is always written in this form (lrs.statements.service.format_timestamp); a timestamp
# in it too needs no parsing: its leading characters are its UTC hour, day and minute.
CANONICAL_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@dataclass
class Pending:
    """Counts waiting for the next flush, keyed by rollup id (`kind|time` or `kind|day|key`).

    The write path only adds numbers to dicts; the documents' fields are made at flush time.
    """

    counts: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # counter id -> display name
    learners: dict[str, list] = field(default_factory=dict)  # actor key -> [fields, last]
    registrations: dict[str, list] = field(default_factory=dict)  # registration -> [fields, last]
    launched: set[str] = field(default_factory=set)  # registrations launched meanwhile
    outcomes: dict[tuple[str, str], int] = field(default_factory=dict)  # (registration, verb) -> n

    def count(self, rollup_id: str, n: int = 1) -> None:
        self.counts[rollup_id] = self.counts.get(rollup_id, 0) + n

    @staticmethod
    def touch(table: dict, key: str, moment: str, fields) -> None:
        entry = table.get(key)
        if entry is None:
            table[key] = [fields(), moment]
        elif moment > entry[1]:
            entry[1] = moment

    def __bool__(self) -> bool:
        return bool(self.counts or self.learners or self.outcomes or self.registrations or self.launched)


def utc_text(value: str) -> str:
    return value if CANONICAL_UTC.match(value) else format_timestamp(parse_timestamp(value))


@functools.lru_cache(maxsize=64)
def horizons(stored: str) -> tuple[str, str, str]:
    """The earliest timestamps (UTC text) the hour, day and top-ten counters keep, seen from `stored`:
    the spans the Overview shows. A batch shares its `stored`, so this is worked out once per batch."""
    moment = parse_timestamp(stored)
    return (
        format_timestamp(hour_of(moment) - timedelta(hours=HOURS_KEPT)),
        format_timestamp(day_of(moment) - timedelta(days=DAYS_KEPT)),
        format_timestamp(day_of(moment) - timedelta(days=TOP_DAYS_KEPT)),
    )


def add_statement(pending: Pending, statement: dict, from_cmi5: bool = False) -> None:
    """Count one stored statement; `from_cmi5` when the cmi5 LMS or an AU's launch token stored it."""
    stored = statement["stored"]
    # Both in the same UTC form, so the earlier string is the earlier moment (to the second).
    moment = min(utc_text(statement.get("timestamp") or stored), stored)
    day = moment[:10]
    # What happened before the spans the Overview shows (a backfill of last year) is left out
    # of its counters, so that such statements cost no counter writes.
    hours_from, days_from, top_from = horizons(stored)
    if moment >= hours_from:
        pending.count(f"{store.HOUR}|{moment[:13]}")
    if moment >= days_from:
        pending.count(f"{store.DAY}|{day}")
    pending.count(f"{store.MINUTE}|{stored[:16]}")
    verb = statement["verb"]
    obj = statement["object"]
    if moment >= top_from:
        verb_id = f"{store.VERB}|{day}|{verb['id']}"
        pending.count(verb_id)
        if verb_id not in pending.names and verb.get("display"):
            pending.names[verb_id] = verb_name(verb)
        if obj.get("objectType", "Activity") == "Activity":
            activity_id = f"{store.ACTIVITY}|{day}|{obj['id']}"
            pending.count(activity_id)
            if activity_id not in pending.names and (obj.get("definition") or {}).get("name"):
                pending.names[activity_id] = activity_name(obj)
    actor = statement["actor"]
    actor_key = ifi_key(actor)
    if not actor_key:
        return
    pending.touch(pending.learners, actor_key, moment, lambda: {"actor": actor, "name": actor_name(actor)})
    context = statement.get("context") or {}
    registration = (context.get("registration") or "").lower()
    # Registrations are cmi5's (and so the bridge's), known only from statements that cmi5 itself
    # or an AU session stored: any client may name any registration.
    if registration and from_cmi5:
        pending.touch(pending.registrations, registration, moment, lambda: {"actor_key": actor_key, "actor": actor})
        if verb["id"] == vocab.LAUNCHED:
            pending.launched.add(registration)
        outcome = OUTCOME_VERBS.get(verb["id"])
        if outcome:
            pending.outcomes[(registration, outcome)] = pending.outcomes.get((registration, outcome), 0) + 1


TIME_FORMATS = {
    store.HOUR: "%Y-%m-%dT%H",
    store.DAY: "%Y-%m-%d",
    store.MINUTE: "%Y-%m-%dT%H:%M",
    store.VERB: "%Y-%m-%d",
    store.ACTIVITY: "%Y-%m-%d",
}


def fields_of(rollup_id: str) -> dict:
    """The fields a counter document gets when it is created, from its id."""
    kind, time_text, *key = rollup_id.split("|", 2)
    at = datetime.strptime(time_text, TIME_FORMATS[kind]).replace(tzinfo=UTC)
    return {"kind": kind, "at": at, **({"key": key[0]} if key else {})}


class Rollups:
    """The statement hook (lrs.hooks) and the flusher of one app."""

    def __init__(self) -> None:
        self.pending = Pending()
        self.courses: dict[str, str | None] = {}
        # Last activity written per learner and registration (UTC text), to write it seldom.
        self.written: dict[str, str] = {}
        self.minutes_cleaned: datetime | None = None
        self.database: Database | None = None  # set once the app has started (flush_rollups)
        self._lock = asyncio.Lock()

    async def before_store(self, statements: list[dict], ctx: StoreContext) -> None:
        return None

    async def after_store(self, statements: list[dict], ctx: StoreContext) -> None:
        principal = ctx.principal
        # The LMS's own statements, or an AU's (its launch token carries cmi5's access policy).
        from_cmi5 = principal.key == LMS_KEY or principal.policy is not None
        for statement in statements:
            add_statement(self.pending, statement, from_cmi5)

    async def learn_courses(self, registrations: set[str]) -> None:
        """Find the courses of registrations not known yet: those the console saw launched in one
        query, the rest from cmi5 (a statement can name any registration; most are not cmi5's)."""
        unknown = [r for r in registrations if r not in self.courses]
        self.remember(await store.find_registration_courses(self.database, unknown))

    def remember(self, courses: Mapping[str, str | None]) -> None:
        if len(self.courses) + len(courses) >= MOST_REMEMBERED:
            self.courses.clear()
        self.courses.update(courses)

    async def course_of(self, registration: str) -> str | None:
        if registration not in self.courses:
            try:
                found = (await get_registration(self.database, registration))["course"]
            except NotFound:
                found = None
            self.remember({registration: found})
        return self.courses[registration]

    async def flush(self) -> None:
        """Write out what was counted; on failure the counts wait for the next flush."""
        async with self._lock:
            pending, self.pending = self.pending, Pending()
            if not pending:
                return
            try:
                counts = [
                    store.count_update(
                        rollup_id,
                        fields_of(rollup_id),
                        n,
                        {"name": pending.names[rollup_id]} if rollup_id in pending.names else None,
                    )
                    for rollup_id, n in pending.counts.items()
                ]
                await self.learn_courses({registration for registration, _ in pending.outcomes})
                for (registration, outcome), n in pending.outcomes.items():
                    course = await self.course_of(registration)
                    if course is not None:
                        counts.append(
                            store.count_update(
                                f"{store.OUTCOME}|{course}|{outcome}",
                                {"kind": store.OUTCOME, "course": course, "key": outcome},
                                n,
                            )
                        )
                await store.update_rollups(self.database, store.COUNTS, counts)
            except BaseException:
                self.restore(pending)
                raise
            try:
                await store.update_rollups(self.database, store.LEARNERS, self.latest(pending.learners, "learner"))
                await store.update_rollups(self.database, store.REGISTRATIONS, await self.registrations(pending))
            except BaseException:
                # Written again at the next flush: `$max` and `$set` are idempotent.
                self.written.clear()
                self.restore(
                    Pending(learners=pending.learners, registrations=pending.registrations, launched=pending.launched)
                )
                raise
            await self.clean_minutes()

    async def registrations(self, pending: Pending) -> list:
        """A registration's document is made when the LMS launches one of its AUs (the launched
        statement; its course looked up once); any later statement of it moves its last activity on."""
        operations = []
        for registration, (fields, last) in pending.registrations.items():
            if registration in pending.launched:
                course = await self.course_of(registration)
                if course is not None:
                    self.due(f"registration|{registration}", last)
                    operations.append(
                        store.latest_update(registration, {**fields, "course": course}, parse_timestamp(last))
                    )
            elif self.due(f"registration|{registration}", last):
                operations.append(store.later_update(registration, parse_timestamp(last)))
        return operations

    def due(self, key: str, last: str) -> bool:
        """Whether a last activity moved on enough since this process last wrote it."""
        written = self.written.get(key)
        if written is not None and parse_timestamp(last) < parse_timestamp(written) + LATEST_EVERY:
            return False
        if len(self.written) >= MOST_REMEMBERED:
            self.written.clear()
        self.written[key] = last
        return True

    def latest(self, table: dict, prefix: str) -> list:
        return [
            store.latest_update(key, fields, parse_timestamp(last))
            for key, (fields, last) in table.items()
            if self.due(f"{prefix}|{key}", last)
        ]

    def restore(self, pending: Pending) -> None:
        """Counters that could not be written go back into the next flush (learner and
        registration times are idempotent and are simply written again later)."""
        for rollup_id, n in pending.counts.items():
            self.pending.count(rollup_id, n)
        self.pending.names = {**pending.names, **self.pending.names}
        for outcome, n in pending.outcomes.items():
            self.pending.outcomes[outcome] = self.pending.outcomes.get(outcome, 0) + n
        self.pending.launched |= pending.launched
        for table, source in (
            (self.pending.learners, pending.learners),
            (self.pending.registrations, pending.registrations),
        ):
            for key, (fields, last) in source.items():
                Pending.touch(table, key, last, lambda fields=fields: fields)

    async def clean_minutes(self) -> None:
        now = minute_of(datetime.now(UTC))
        if self.minutes_cleaned != now:
            self.minutes_cleaned = now
            await store.delete_counts_before(self.database, store.MINUTE, now - MINUTES_KEPT)


rollups_key = web.AppKey("console_rollups", Rollups)


async def flush_now(app: web.Application) -> None:
    """Before a page reads rollups: this process's last seconds of counts, so what it just stored shows."""
    await app[rollups_key].flush()


async def flush_rollups(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context (after the database client's): flush every second, and once more at the end."""
    rollups = app[rollups_key]
    rollups.database = app[database_key]

    async def run() -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await rollups.flush()
            except PyMongoError as error:
                # The counts wait for the next flush; an outage is a warning, as for requests.
                app[metrics_key].count_database_error(error)
                if not is_unavailable(error):
                    log.exception("writing the console's rollups failed; retrying")
                else:
                    log.warning(
                        "database unavailable for the console's rollups: %s; retrying", error.__class__.__name__
                    )
            except Exception:
                log.exception("writing the console's rollups failed; retrying")

    task = asyncio.create_task(run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # Writes still running (lrs.shutdown) count their statements before the last flush.
    await app[drain_key].wait_for_writes(float(app[settings_key].shutdown_timeout))
    try:
        await rollups.flush()
    except PyMongoError as error:
        log.warning("the console's last rollups were not written: %s", error.__class__.__name__)
