"""The Overview's figures, read from the rollups (console.rollups), never from the statements.

Each read is bounded whatever the store holds: 48 hour and 30 day documents, the verb and
activity counters of 7 days (one per distinct name and day), learners counted through an
index on their last activity, one outcome document per course and verb, the last 5 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cmi5.courses import list_courses
from console import store
from console.rollups import day_of, hour_of, minute_of
from console.sentences import pick_language

HOURS_SHOWN = 48
DAYS_SHOWN = 30
TOP_DAYS = 7
TOP_COUNT = 10
RATE_MINUTES = 5
ACTIVE_WINDOWS = (("24 hours", timedelta(days=1)), ("7 days", timedelta(days=7)), ("30 days", timedelta(days=30)))


@dataclass
class Ranked:
    key: str
    name: str
    n: int


@dataclass
class CourseOutcomes:
    course: str
    title: str
    completed: int
    passed: int
    failed: int


@dataclass
class Overview:
    hours: list[tuple[str, int]]
    days: list[tuple[str, int]]
    total_30_days: int
    active: list[tuple[str, int]]
    verbs: list[Ranked]
    activities: list[Ranked]
    courses: list[CourseOutcomes]
    ingest: Ingest


@dataclass
class Ingest:
    per_second: float  # over the last complete minutes
    this_minute: int  # stored so far in the current minute
    minutes: list[tuple[str, int]]


def series(documents: list[dict], start: datetime, steps: int, step: timedelta, label: str) -> list[tuple[str, int]]:
    counts: dict[datetime, int] = {}
    for document in documents:
        at = document["at"].astimezone(UTC)
        counts[at] = counts.get(at, 0) + document["n"]
    return [(f"{start + step * i:{label}}", counts.get(start + step * i, 0)) for i in range(steps)]


def ranked(documents: list[dict]) -> list[Ranked]:
    totals: dict[str, Ranked] = {}
    for document in sorted(documents, key=lambda d: d["at"]):
        entry = totals.setdefault(document["key"], Ranked(document["key"], document["key"], 0))
        entry.n += document["n"]
        entry.name = document.get("name") or entry.name
    return sorted(totals.values(), key=lambda r: (-r.n, r.key))[:TOP_COUNT]


async def read_ingest(database, now: datetime) -> Ingest:
    current = minute_of(now)
    start = current - timedelta(minutes=RATE_MINUTES)
    minutes = series(
        await store.find_counts_between(database, store.MINUTE, start),
        start,
        RATE_MINUTES + 1,
        timedelta(minutes=1),
        "%H:%M",
    )
    complete = sum(n for _, n in minutes[:-1])
    return Ingest(round(complete / (RATE_MINUTES * 60), 2), minutes[-1][1], minutes)


async def read_course_outcomes(database) -> list[CourseOutcomes]:
    titles = {
        course["_id"]: pick_language(course["title"]) or course["publisher_id"]
        for course in await list_courses(database)
    }
    by_course: dict[str, CourseOutcomes] = {}
    for document in await store.find_outcomes(database):
        course = document["course"]
        entry = by_course.setdefault(course, CourseOutcomes(course, titles.get(course, course), 0, 0, 0))
        setattr(entry, document["key"], getattr(entry, document["key"]) + document["n"])
    return sorted(by_course.values(), key=lambda c: (c.title.lower(), c.course))


async def read_overview(database, now: datetime | None = None) -> Overview:
    now = now or datetime.now(UTC)
    first_hour = hour_of(now) - timedelta(hours=HOURS_SHOWN - 1)
    first_day = day_of(now) - timedelta(days=DAYS_SHOWN - 1)
    hours = series(
        await store.find_counts_between(database, store.HOUR, first_hour),
        first_hour,
        HOURS_SHOWN,
        timedelta(hours=1),
        "%d %b %H:00",
    )
    days = series(
        await store.find_counts_between(database, store.DAY, first_day),
        first_day,
        DAYS_SHOWN,
        timedelta(days=1),
        "%d %b",
    )
    top_since = day_of(now) - timedelta(days=TOP_DAYS - 1)
    return Overview(
        hours=hours,
        days=days,
        total_30_days=sum(n for _, n in days),
        active=[(label, await store.count_learners_since(database, now - span)) for label, span in ACTIVE_WINDOWS],
        verbs=ranked(await store.find_counts_between(database, store.VERB, top_since)),
        activities=ranked(await store.find_counts_between(database, store.ACTIVITY, top_since)),
        courses=await read_course_outcomes(database),
        ingest=await read_ingest(database, now),
    )
