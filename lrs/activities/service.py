"""The Activities resource's verb."""

from __future__ import annotations

from typing import Any

from lrs.activities.store import find_definitions
from lrs.db import Database


async def get_activity(database: Database, activity_id: str) -> dict[str, Any]:
    """The canonical Activity; an unknown id still gets an Activity Object (Communication 2.5)."""
    definitions = await find_definitions(database, [activity_id])
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definitions.get(activity_id):
        activity["definition"] = definitions[activity_id]
    return activity
