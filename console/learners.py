"""Learners and their registrations as the console lists them, from the rollups (console.rollups):
one document per learner (keyed by its identifier) and per cmi5 registration, newest activity
first, read a page at a time.
"""

from __future__ import annotations

from datetime import datetime

from console import store
from lrs.datatypes import parse_timestamp

PAGE = 50


def parse_before(value: str | None) -> tuple[datetime, str] | None:
    """A `before` cursor: `<last activity ISO>|<rollup id>` of the previous page's last row."""
    if not value or "|" not in value:
        return None
    moment, _, rollup_id = value.partition("|")
    try:
        return parse_timestamp(moment), rollup_id
    except ValueError:
        return None


def cursor_of(document: dict) -> str:
    return f"{document['last'].isoformat()}|{document['_id']}"


async def list_learners(database, before: str | None = None) -> tuple[list[dict], str | None]:
    found = await store.find_latest(database, store.LEARNERS, PAGE + 1, parse_before(before))
    return found[:PAGE], cursor_of(found[PAGE - 1]) if len(found) > PAGE else None


async def list_registrations(
    database, before: str | None = None, actor_key: str | None = None, course: str | None = None
) -> tuple[list[dict], str | None]:
    equal = {k: v for k, v in (("actor_key", actor_key), ("course", course)) if v}
    found = await store.find_latest(database, store.REGISTRATIONS, PAGE + 1, parse_before(before), **equal)
    return found[:PAGE], cursor_of(found[PAGE - 1]) if len(found) > PAGE else None


async def find_learner(database, actor_key: str) -> dict | None:
    return await store.find_learner(database, actor_key)
