"""The Activities resource's verb."""

from lrs.activities.store import find_definitions


async def get_activity(database, activity_id: str) -> dict:
    """The canonical Activity; an unknown id still gets an Activity Object (Communication 2.5)."""
    definitions = await find_definitions(database, [activity_id])
    activity = {"objectType": "Activity", "id": activity_id}
    if definitions.get(activity_id):
        activity["definition"] = definitions[activity_id]
    return activity
