"""Canonical Activity definitions, merged from the statements of credentials allowed to define."""

from __future__ import annotations

from pymongo import UpdateOne

from lrs.statements.store import escape, unescape

ACTIVITIES = "activities"
# Language maps are merged language by language; every other property is replaced whole.
LANGUAGE_MAPS = ("name", "description")


def definition_updates(activities: list[dict]) -> list[UpdateOne]:
    merged: dict[str, dict] = {}
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
    return [UpdateOne({"_id": id_}, {"$set": fields}, upsert=True) for id_, fields in merged.items()]


async def update_definitions(database, activities: list[dict]) -> None:
    operations = definition_updates(activities)
    if operations:
        await database[ACTIVITIES].bulk_write(operations, ordered=False)


async def find_definitions(database, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    cursor = database[ACTIVITIES].find({"_id": {"$in": ids}})
    return {d["_id"]: unescape(d.get("definition", {})) for d in await cursor.to_list()}
