"""Statement comparison (xAPI Data 2.3.1): which differences do not make two statements differ.

Ignored: what the LRS assigns, the serialization of timestamps (compared as instants), Activity
definitions and Verb displays (not part of the statement), the order of Group members,
attachments, case where the value is case-insensitive, and Duration precision beyond 0.01 s
(a SHOULD* in 1.0.3 Data 4.6, a SHALL in 9274.1.1 4.2.7). Everything else counts. One rule set
serves both signed statements and re-sent statement ids, under either xAPI version.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lrs.datatypes import parse_timestamp

# Properties the LRS fills in when a statement arrives without them (Data 2.3.1).
_ASSIGNABLE = ("id", "timestamp", "version")


def same_statement(stored: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether a statement sent again with a known id is the one stored (no-op) or not (409).

    `received` is the statement as the client sent it: what it leaves out, the LRS assigned.
    """
    stored, received = dict(stored), dict(received)
    for key in _ASSIGNABLE:
        if key not in received:
            stored.pop(key, None)
    return _comparable_statement(stored) == _comparable_statement(received)


def logically_equivalent(original: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether `received` matches `original` under the comparison rules of Data 2.3.1.

    Differences the immutability exceptions allow are ignored: LRS-assigned properties,
    Activity definitions, Verb displays, timestamp serialization, Group member order,
    Attachments, and case where the value is case-insensitive. Everything else counts.
    """
    original, received = dict(original), dict(received)
    for key in _ASSIGNABLE:
        # Only `original` lacking it can be explained by the LRS filling it in later;
        # `received` lacking it means the LRS would store a value other than the original's.
        if key not in original:
            received.pop(key, None)
    return _comparable_statement(original) == _comparable_statement(received)


def _comparable_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """A copy of a statement (or SubStatement) in which allowed differences vanish."""
    # `authority` and `stored` are always the LRS's to set; attachments are not part of
    # the statement, and the signature attachment cannot be inside its own payload anyway.
    comparable = {k: v for k, v in statement.items() if k not in ("authority", "stored", "attachments")}
    if "id" in comparable:
        comparable["id"] = _lower(comparable["id"])
    if "timestamp" in comparable:
        comparable["timestamp"] = _instant(comparable["timestamp"])
    if "actor" in comparable:
        comparable["actor"] = _comparable_actor(comparable["actor"])
    if "verb" in comparable:
        comparable["verb"] = _comparable_verb(comparable["verb"])
    if "object" in comparable:
        comparable["object"] = _comparable_object(comparable["object"])
    if "context" in comparable:
        comparable["context"] = _comparable_context(comparable["context"])
    if isinstance(comparable.get("result"), dict) and isinstance(comparable["result"].get("duration"), str):
        comparable["result"] = {**comparable["result"], "duration": _hundredths(comparable["result"]["duration"])}
    return comparable


def _comparable_actor(actor: object) -> object:
    if not isinstance(actor, dict):
        return actor
    comparable = dict(actor)
    # An absent objectType means Agent, so spelling it out changes nothing.
    comparable.setdefault("objectType", "Agent")
    if isinstance(comparable.get("mbox"), str):
        comparable["mbox"] = _comparable_mbox(comparable["mbox"])
    members = comparable.get("member")
    if isinstance(members, list):
        # Group members are an unordered list.
        comparable["member"] = sorted(
            (_comparable_actor(m) for m in members), key=lambda m: json.dumps(m, sort_keys=True)
        )
    return comparable


def _comparable_mbox(mbox: str) -> str:
    # The scheme and the domain of a mailto IRI are case-insensitive; the local part is not.
    scheme, sep, address = mbox.partition(":")
    local, at, domain = address.rpartition("@")
    if not sep or not at:
        return mbox
    return f"{scheme.lower()}:{local}@{domain.lower()}"


def _comparable_verb(verb: object) -> object:
    # The display is not part of the statement (Data 2.3.1): only the id identifies it.
    if not isinstance(verb, dict):
        return verb
    return {k: v for k, v in verb.items() if k != "display"}


def _comparable_object(obj: object) -> object:
    if not isinstance(obj, dict):
        return obj
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _comparable_activity(obj)
    if object_type in ("Agent", "Group"):
        return _comparable_actor(obj)
    if object_type == "StatementRef":
        return {**obj, "id": _lower(obj.get("id"))}
    if object_type == "SubStatement":
        return _comparable_statement(obj)
    return obj


def _comparable_activity(activity: object) -> object:
    # Activity definitions are not part of the statement (Data 2.3.1).
    if not isinstance(activity, dict):
        return activity
    comparable = {k: v for k, v in activity.items() if k != "definition"}
    comparable["objectType"] = "Activity"
    return comparable


def _comparable_context(context: object) -> object:
    if not isinstance(context, dict):
        return context
    comparable = dict(context)
    if "registration" in comparable:
        comparable["registration"] = _lower(comparable["registration"])
    if "language" in comparable:
        comparable["language"] = _lower(comparable["language"])
    for key in ("instructor", "team"):
        if key in comparable:
            comparable[key] = _comparable_actor(comparable[key])
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(comparable.get(key), list):
            comparable[key] = [
                {**item, inner: _comparable_actor(item.get(inner))} if isinstance(item, dict) else item
                for item in comparable[key]
            ]
    if isinstance(comparable.get("statement"), dict):
        comparable["statement"] = _comparable_object(comparable["statement"])
    if isinstance(comparable.get("contextActivities"), dict):
        comparable["contextActivities"] = {
            kind: [_comparable_activity(a) for a in _as_list(activities)]
            for kind, activities in comparable["contextActivities"].items()
        }
    return comparable


def _as_list(value: object) -> list[Any]:
    # xAPI 1.0.3 lets a single context Activity stand for a one-item array.
    return value if isinstance(value, list) else [value]


# The seconds of an ISO 8601 duration, split at the hundredths: "0.1237S" -> "0.12", "37".
_SECONDS = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,2})[0-9]*)?S\Z")


def _hundredths(duration: str) -> str:
    """The duration with its seconds cut to 0.01 s and trailing zeros dropped (PT1.50S = PT1.5S)."""
    match = _SECONDS.search(duration)
    if match is None:
        return duration
    fraction = (match[2] or "").rstrip("0")
    return duration[: match.start()] + match[1] + (f".{fraction}" if fraction else "") + "S"


def _lower(value: object) -> object:
    # For UUIDs and language tags, which are case-insensitive.
    return value.lower() if isinstance(value, str) else value


def _instant(timestamp: object) -> object:
    """The point in time a timestamp names, to the millisecond the LRS must preserve.

    Unparseable values are compared as they are; rejecting them is validation's job.
    """
    if not isinstance(timestamp, str):
        return timestamp
    try:
        moment = parse_timestamp(timestamp)
    except ValueError:
        return timestamp
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
