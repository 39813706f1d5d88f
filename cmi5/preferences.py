"""Learner preferences (cmi5 11): the learner's `cmi5LearnerPreferences` Agent Profile document.

An AU must read the document at start (11.0); its session notes that it asked, and the rules
refuse `initialized` until then (`cmi5.rules`). An AU may also write it, but only a well-formed
document: a JSON object whose `languagePreference` is a comma-separated list of RFC 5646 tags
(11.1) and whose `audioPreference` is "on" or "off" (11.2). 11.0 lets the LMS refuse an AU's
change with 403, so anything else is refused that way, as is deleting the document.
"""

from __future__ import annotations

from cmi5 import store, vocab
from cmi5.rules import RuleViolation
from lrs.datatypes import is_language_tag
from lrs.documents.service import JSON_TYPE, get_document, media_type, parse_json_object
from lrs.documents.store import AGENT_PROFILE, Place
from lrs.errors import NotFound
from lrs.ifi import identified_key

AUDIO_VALUES = ("on", "off")


def check_document(content: bytes, content_type: str | None) -> None:
    """What an AU writes must be a whole, well-formed preferences document."""
    if content_type is None or media_type(content_type) != JSON_TYPE:
        raise RuleViolation("11.0", f"{vocab.LEARNER_PREFERENCES_PROFILE_ID} is a JSON document (application/json)")
    document = parse_json_object(content)
    if document is None:
        raise RuleViolation("11.0", f"{vocab.LEARNER_PREFERENCES_PROFILE_ID} must be a JSON object")
    missing = [name for name in ("languagePreference", "audioPreference") if name not in document]
    if missing:
        raise RuleViolation("11.0", f"{vocab.LEARNER_PREFERENCES_PROFILE_ID} needs {' and '.join(missing)}")
    languages = document["languagePreference"]
    if not isinstance(languages, str) or not all(is_language_tag(tag.strip()) for tag in languages.split(",")):
        raise RuleViolation("11.1", "languagePreference is a comma-separated list of RFC 5646 language tags")
    if document["audioPreference"] not in AUDIO_VALUES:
        raise RuleViolation("11.2", 'audioPreference is "on" or "off"')


async def note_read(database, session_id: str) -> None:
    """The session's AU asked for its learner's preferences (whether or not there are any)."""
    await store.update_session_preferences_read(database, session_id)


async def read_learner_preferences(database, session: dict) -> dict:
    """The learner's preferences document ({} when there is none), read on behalf of the session's AU."""
    place = Place(AGENT_PROFILE, agent=identified_key(session["actor"]))
    await note_read(database, session["_id"])
    try:
        document = await get_document(database, place, vocab.LEARNER_PREFERENCES_PROFILE_ID)
    except NotFound:
        return {}
    return parse_json_object(document.content) or {}
