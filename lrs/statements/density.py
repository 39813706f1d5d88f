"""How many statements were stored in each hour: the map reads use to size their windows.

The embedded database costs a read in proportion to the documents its filter matches, not to
the page it returns, so a read must not hand it a `stored` range holding far more than a page.
Counting per hour at write time (one small upsert per batch) tells a read where the statements
are, so it can skip empty stretches and cut dense ones into windows of about a page.
"""

from __future__ import annotations

from lrs.db import Database

import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


HOURS = "statement_hours"
HOUR = timedelta(hours=1)
# Buckets this recent may still be written to (by other processes too); re-read on every query.
UNSETTLED = timedelta(hours=2)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def update_hour_counts(database: Database, stored: datetime, count: int) -> None:
    await database[HOURS].update_one({"_id": hour_of(stored)}, {"$inc": {"n": count}}, upsert=True)


@dataclass
class HourCounts:
    """Sorted hours and their counts, kept per process and refreshed at the recent end."""

    hours: list[datetime] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    checked_through: datetime = datetime.min.replace(tzinfo=timezone.utc)

    def merge(self, documents: list[dict]) -> None:
        for document in documents:
            hour, n = document["_id"].astimezone(timezone.utc), document["n"]
            index = bisect.bisect_left(self.hours, hour)
            if index < len(self.hours) and self.hours[index] == hour:
                self.counts[index] = n
            else:
                self.hours.insert(index, hour)
                self.counts.insert(index, n)

    @property
    def first(self) -> datetime | None:
        return self.hours[0] if self.hours else None

    def count_between(self, low: datetime, high: datetime) -> float:
        """Statements expected in (low, high], reading each hour as evenly filled."""
        total = 0.0
        start = bisect.bisect_left(self.hours, hour_of(low))
        for index in range(start, len(self.hours)):
            hour = self.hours[index]
            if hour >= high:
                break
            overlap = min(hour + HOUR, high) - max(hour, low)
            if overlap > timedelta(0):
                total += self.counts[index] * (overlap / HOUR)
        return total

    def span_back(self, top: datetime, floor: datetime, wanted: float) -> datetime:
        """The moment below `top` such that about `wanted` statements lie between; >= floor."""
        index = bisect.bisect_right(self.hours, hour_of(top)) - 1
        remaining = wanted
        while index >= 0:
            hour = self.hours[index]
            if hour + HOUR <= floor:
                break
            high = min(hour + HOUR, top)
            low = max(hour, floor)
            if high > low:
                inside = self.counts[index] * ((high - low) / HOUR)
                if inside >= remaining:
                    return max(high - (high - low) * (remaining / inside), floor)
                remaining -= inside
            index -= 1
        return floor

    def span_forward(self, bottom: datetime, ceiling: datetime, wanted: float) -> datetime:
        """The moment above `bottom` such that about `wanted` statements lie between; <= ceiling."""
        index = max(bisect.bisect_right(self.hours, hour_of(bottom)) - 1, 0)
        remaining = wanted
        while index < len(self.hours):
            hour = self.hours[index]
            if hour >= ceiling:
                break
            low = max(hour, bottom)
            high = min(hour + HOUR, ceiling)
            if high > low:
                inside = self.counts[index] * ((high - low) / HOUR)
                if inside >= remaining:
                    return min(low + (high - low) * (remaining / inside), ceiling)
                remaining -= inside
            index += 1
        return ceiling


_cache: dict[tuple[int, str], HourCounts] = {}
# Past this many hours without a refresh, the whole map is read again.
MOST_HOURS_REFRESHED = 48


async def load_hour_counts(database: Database) -> HourCounts:
    """The counts, read whole once per process, then only their recent hours on each call.

    The recent hours are named one by one: the embedded database serves `$in` on `_id` from
    its index but answers a range on `_id` with a collection scan.
    """
    key = (id(database.client), database.name)
    counts = _cache.get(key)
    now = hour_of(datetime.now(timezone.utc))
    if counts is None or now - counts.checked_through > timedelta(hours=MOST_HOURS_REFRESHED):
        counts = HourCounts()
        counts.merge(await database[HOURS].find().to_list())
        counts.checked_through = now
        _cache[key] = counts
        return counts
    start = counts.checked_through - UNSETTLED
    recent = [start + HOUR * n for n in range(int((now + HOUR - start) / HOUR) + 1)]
    counts.merge(await database[HOURS].find({"_id": {"$in": recent}}).to_list())
    counts.checked_through = now
    return counts
