"""The statements the LMS itself makes (cmi5 9.3): launched, abandoned, waived, satisfied. Pure."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from cmi5 import vocab
from lrs.statements.service import format_timestamp


def verb(iri: str) -> dict:
    return {"id": iri, "display": {"en-US": vocab.VERB_NAMES[iri]}}


def activity(
    activity_id: str, title: dict | None = None, description: dict | None = None, activity_type: str | None = None
) -> dict:
    definition: dict[str, object] = {}
    if title:
        definition["name"] = title
    if description:
        definition["description"] = description
    if activity_type:
        definition["type"] = activity_type
    result: dict[str, object] = {"objectType": "Activity", "id": activity_id}
    if definition:
        result["definition"] = definition
    return result


def au_activity(au: dict) -> dict:
    return activity(au["activityId"], au["title"], au["description"], au.get("activityType"))


def context_template(au: dict, session_id: str) -> dict:
    """What every statement of the session must carry (10.2.1): publisher id and session id."""
    return {
        "contextActivities": {"grouping": [{"objectType": "Activity", "id": au["id"]}]},
        "extensions": {vocab.EXT_SESSION_ID: session_id},
    }


def lms_context(
    registration: str, publisher_id: str, session_id: str, moveon: bool = False, extensions: dict | None = None
) -> dict:
    categories = [{"objectType": "Activity", "id": vocab.CATEGORY_CMI5}]
    if moveon:
        categories.append({"objectType": "Activity", "id": vocab.CATEGORY_MOVEON})
    return {
        "registration": registration,
        "contextActivities": {
            "category": categories,
            "grouping": [{"objectType": "Activity", "id": publisher_id}],
        },
        "extensions": {vocab.EXT_SESSION_ID: session_id, **(extensions or {})},
    }


def base_statement(actor: dict, verb_iri: str, obj: dict, context: dict, at: datetime) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": verb(verb_iri),
        "object": obj,
        "context": context,
        "timestamp": format_timestamp(at),
    }


def launched(
    actor: dict, au: dict, registration: str, session_id: str, launch_mode: str, launch_url: str, at: datetime
) -> dict:
    extensions = {
        vocab.EXT_LAUNCH_MODE: launch_mode,
        vocab.EXT_LAUNCH_URL: launch_url,
        vocab.EXT_MOVE_ON: au["moveOn"],
    }
    if au.get("masteryScore") is not None:
        extensions[vocab.EXT_MASTERY_SCORE] = au["masteryScore"]
    if au.get("launchParameters"):
        extensions[vocab.EXT_LAUNCH_PARAMETERS] = au["launchParameters"]
    context = lms_context(registration, au["id"], session_id, extensions=extensions)
    return base_statement(actor, vocab.LAUNCHED, au_activity(au), context, at)


def abandoned(actor: dict, au: dict, registration: str, session_id: str, duration: timedelta, at: datetime) -> dict:
    statement = base_statement(
        actor, vocab.ABANDONED, au_activity(au), lms_context(registration, au["id"], session_id), at
    )
    statement["result"] = {"duration": format_duration(duration)}
    return statement


def waived(actor: dict, au: dict, registration: str, session_id: str, reason: str, at: datetime) -> dict:
    statement = base_statement(
        actor, vocab.WAIVED, au_activity(au), lms_context(registration, au["id"], session_id, moveon=True), at
    )
    statement["result"] = {"success": True, "completion": True, "extensions": {vocab.EXT_REASON: reason}}
    return statement


def satisfied(actor: dict, target: dict, activity_type: str, registration: str, session_id: str, at: datetime) -> dict:
    """`target` is a block or the course: its publisher `id`, LMS `activityId` and texts."""
    obj = activity(target["activityId"], target.get("title"), target.get("description"), activity_type)
    return base_statement(actor, vocab.SATISFIED, obj, lms_context(registration, target["id"], session_id), at)


def format_duration(duration: timedelta) -> str:
    """ISO 8601 duration in seconds, to the hundredth (what xAPI keeps at least)."""
    seconds = max(duration.total_seconds(), 0.0)
    text = f"{seconds:.2f}".rstrip("0").rstrip(".")
    return f"PT{text or '0'}S"
