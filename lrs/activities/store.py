"""Canonical Activity definitions, merged from the statements of credentials allowed to define."""

from __future__ import annotations

import json
from typing import Any

from pymongo import UpdateOne

from lrs.coalescing import BulkWrites
from lrs.db import Database
from lrs.recent_writes import RecentWrites
from lrs.statements.store import escape, unescape

ACTIVITIES = "activities"
# Language maps are merged language by language; every other property is replaced whole.
LANGUAGE_MAPS = ("name", "description")


recent = RecentWrites()
# Concurrent requests' upserts go as one bulk write (lrs.coalescing).
upserts = BulkWrites(ACTIVITIES)


def definition_fields(activities: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Activity id -> the `$set` fields its definitions in this batch amount to."""
    merged: dict[str, dict[str, Any]] = {}
    for activity in activities:
        definition = activity.get("definition")
        if not definition:
            continue
        fields = merged.setdefault(activity["id"], {})
        for prop, value in definition.items():
            if prop in LANGUAGE_MAPS:
                for language, text in value.items():
                    fields[f"definition.{prop}.{language}"] = text
            else:
                fields[f"definition.{prop}"] = escape(value)
    return merged


async def update_definitions(database: Database, activities: list[dict[str, Any]]) -> None:
    changes = {}
    for activity_id, fields in definition_fields(activities).items():
        marks = {
            (activity_id, name, value if isinstance(value, str) else json.dumps(value, sort_keys=True))
            for name, value in fields.items()
        }
        if any(recent.unseen(database, mark) for mark in marks):
            changes[activity_id] = (fields, marks)
    operations = [UpdateOne({"_id": i}, {"$set": fields}, upsert=True) for i, (fields, _) in changes.items()]
    await upserts.write(database, operations)  # even with none, to stay with the turn
    recent.remember(database, (mark for _, marks in changes.values() for mark in marks))


async def find_definitions(database: Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    cursor = database[ACTIVITIES].find({"_id": {"$in": ids}})
    return {d["_id"]: unescape(d.get("definition", {})) for d in await cursor.to_list()}
