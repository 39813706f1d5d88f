"""The `format` parameter of GET /statements (Communication 2.1.3): `ids` and `canonical` views.

`exact` needs no code: it is the statement as stored. The other two rewrite the same
places of a statement (actor, verb, object, context, authority, and all of these again
inside a SubStatement), so one walker visits them and each format supplies what to do
with an Agent/Group, a Verb and an Activity.

All functions are pure: they return new dicts and never touch their arguments.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lrs.ifi import IFI_PROPERTIES

# Interaction Activity properties holding lists of components with a `description` language map.
_INTERACTION_COMPONENTS = ("choices", "scale", "source", "target", "steps")


# --- walking a statement ----------------------------------------------------------------


@dataclass(frozen=True)
class _Rewrite:
    """What a format does to each kind of object it meets in a statement."""

    agent: Callable[[dict[str, Any]], dict[str, Any]]
    verb: Callable[[dict[str, Any]], dict[str, Any]]
    activity: Callable[[dict[str, Any]], dict[str, Any]]


def _rewrite_statement(statement: dict[str, Any], rewrite: _Rewrite) -> dict[str, Any]:
    rewritten = dict(statement)
    for key in ("actor", "authority"):
        if isinstance(rewritten.get(key), dict):
            rewritten[key] = rewrite.agent(rewritten[key])
    if isinstance(rewritten.get("verb"), dict):
        rewritten["verb"] = rewrite.verb(rewritten["verb"])
    if isinstance(rewritten.get("object"), dict):
        rewritten["object"] = _rewrite_object(rewritten["object"], rewrite)
    if isinstance(rewritten.get("context"), dict):
        rewritten["context"] = _rewrite_context(rewritten["context"], rewrite)
    return rewritten


def _rewrite_object(obj: dict[str, Any], rewrite: _Rewrite) -> dict[str, Any]:
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return rewrite.activity(obj)
    if object_type in ("Agent", "Group"):
        return rewrite.agent(obj)
    if object_type == "SubStatement":
        return _rewrite_statement(obj, rewrite)
    # A StatementRef is already nothing but an identifier.
    return obj


def _rewrite_context(context: dict[str, Any], rewrite: _Rewrite) -> dict[str, Any]:
    rewritten = dict(context)
    for key in ("instructor", "team"):
        if isinstance(rewritten.get(key), dict):
            rewritten[key] = rewrite.agent(rewritten[key])
    # xAPI 2.0: each context agent or group holds one Agent or Group.
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(rewritten.get(key), list):
            rewritten[key] = [
                {**item, inner: rewrite.agent(item[inner])}
                if isinstance(item, dict) and isinstance(item.get(inner), dict)
                else item
                for item in rewritten[key]
            ]
    if isinstance(rewritten.get("contextActivities"), dict):
        rewritten["contextActivities"] = {
            kind: _rewrite_activities(activities, rewrite)
            for kind, activities in rewritten["contextActivities"].items()
        }
    return rewritten


def _rewrite_activities(activities: object, rewrite: _Rewrite) -> object:
    # Stored statements hold arrays, but a single Activity is valid 1.0.3 input, so keep its shape.
    if isinstance(activities, list):
        return [rewrite.activity(a) if isinstance(a, dict) else a for a in activities]
    if isinstance(activities, dict):
        return rewrite.activity(activities)
    return activities


# --- format=ids ---------------------------------------------------------------------------


def to_ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement with Agents, Groups, Verbs and Activities cut down to what identifies them."""
    return _rewrite_statement(
        copy.deepcopy(statement), _Rewrite(agent=_agent_ids, verb=_verb_ids, activity=_activity_ids)
    )


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    object_type = agent.get("objectType", "Agent")
    # objectType stays even for Agents: as a statement's object an Agent without it would read as an Activity.
    reduced = {"objectType": object_type, **{k: agent[k] for k in IFI_PROPERTIES if k in agent}}
    # An anonymous Group has no identifier of its own: its members identify it.
    if object_type == "Group" and len(reduced) == 1 and isinstance(agent.get("member"), list):
        reduced["member"] = [_agent_ids(m) for m in agent["member"] if isinstance(m, dict)]
    return reduced


def _verb_ids(verb: dict[str, Any]) -> dict[str, Any]:
    return {"id": verb["id"]} if "id" in verb else {}


def _activity_ids(activity: dict[str, Any]) -> dict[str, Any]:
    # Only the id: objectType defaults to Activity wherever an Activity may appear,
    # and the ADL conformance suite expects a single property here.
    return {"id": activity["id"]} if "id" in activity else {}


# --- format=canonical -----------------------------------------------------------------------


def to_canonical_format(
    statement: dict[str, Any],
    accept_language: str | None,
    canonical_activities: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The statement with canonical Activity definitions and one language per language map.

    `canonical_activities` maps an Activity id to the LRS's canonical definition (the value
    of `definition`); Activities missing from it keep the definition in the statement.
    Language maps in Activity definitions and Verb displays keep the one entry that best
    suits `accept_language`. Agents and Groups are returned as stored.
    """
    canonical_activities = canonical_activities or {}
    ranges = _parse_accept_language(accept_language)

    def activity(act: dict[str, Any]) -> dict[str, Any]:
        definition = canonical_activities.get(act.get("id", "")) or act.get("definition")
        if not isinstance(definition, dict):
            return act
        # Copied because one canonical definition is shared by every statement that uses the Activity.
        return {**act, "definition": _localized_definition(copy.deepcopy(definition), ranges)}

    def verb(vrb: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(vrb.get("display"), dict):
            return vrb
        return {**vrb, "display": _pick(vrb["display"], ranges)}

    return _rewrite_statement(
        copy.deepcopy(statement), _Rewrite(agent=lambda agent: agent, verb=verb, activity=activity)
    )


def _localized_definition(definition: dict[str, Any], ranges: tuple[_Range, ...]) -> dict[str, Any]:
    localized = dict(definition)
    for key in ("name", "description"):
        if isinstance(localized.get(key), dict):
            localized[key] = _pick(localized[key], ranges)
    for key in _INTERACTION_COMPONENTS:
        if isinstance(localized.get(key), list):
            localized[key] = [_localized_component(c, ranges) for c in localized[key]]
    return localized


def _localized_component(component: object, ranges: tuple[_Range, ...]) -> object:
    if isinstance(component, dict) and isinstance(component.get("description"), dict):
        return {**component, "description": _pick(component["description"], ranges)}
    return component


# --- choosing a language (RFC 2616 14.4, applied to each language map) ------------------------


@dataclass(frozen=True)
class _Range:
    """One entry of an Accept-Language header."""

    tag: str  # lowercased language range, or "*"
    q: float
    order: int  # position in the header: breaks ties in favour of what the client listed first


_LANGUAGE_RANGE = re.compile(r"\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*", re.IGNORECASE)
_QVALUE = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")


def pick_language(lang_map: dict[str, Any], accept_language: str | None) -> dict[str, Any]:
    """A one-entry copy of `lang_map`: the language `accept_language` prefers.

    Matching follows RFC 2616: a range matches a tag equal to it or starting with it
    plus "-", the longest matching range gives the tag its quality, `*` covers tags no
    other range matches, and q=0 means "not acceptable". If no tag is acceptable, a tag
    that is a prefix of a wanted range is taken (`en` for `en-US`), then `und`, then the
    first entry, so every non-empty map keeps exactly one language.
    """
    return _pick(lang_map, _parse_accept_language(accept_language))


def _pick(lang_map: dict[str, Any], ranges: tuple[_Range, ...]) -> dict[str, Any]:
    if not lang_map:
        return {}
    tag = _best_match(lang_map, ranges)
    if tag is None:
        tag = _truncated_match(lang_map, ranges)
    if tag is None:
        tag = _default(lang_map, ranges)
    return {tag: lang_map[tag]}


@lru_cache(maxsize=256)
def _parse_accept_language(header: str | None) -> tuple[_Range, ...]:
    # Cached: a page of statements is formatted against the same header over and over.
    ranges = []
    for order, item in enumerate((header or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        if not _LANGUAGE_RANGE.fullmatch(tag):
            continue  # ignore junk rather than fail the whole request over a header
        q = _quality(params)
        if q is not None:
            ranges.append(_Range(tag.lower(), q, order))
    return tuple(ranges)


def _quality(params: list[str]) -> float | None:
    """The q parameter's value (1 when absent), or None when it is malformed."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.fullmatch(value) else None
    return 1.0


def _deciding_range(tag: str, ranges: tuple[_Range, ...]) -> _Range | None:
    """The range that gives `tag` its quality: the longest one matching it, else `*`."""
    tag = tag.lower()
    matching = [r for r in ranges if r.tag != "*" and (tag == r.tag or tag.startswith(r.tag + "-"))]
    if matching:
        return max(matching, key=lambda r: (len(r.tag), -r.order))
    return next((r for r in ranges if r.tag == "*"), None)


def _best_match(lang_map: dict[str, Any], ranges: tuple[_Range, ...]) -> str | None:
    candidates = []
    for position, tag in enumerate(lang_map):
        deciding = _deciding_range(tag, ranges)
        if deciding is not None and deciding.q > 0:
            # Highest quality first, then the range listed first, then a tag that is exactly
            # what was asked for over a more specific one (`fr` before `fr-CA` for "fr"),
            # then the map's own order.
            exact = tag.lower() == deciding.tag
            candidates.append(((deciding.q, -deciding.order, exact, -position), tag))
    return max(candidates)[1] if candidates else None


def _truncated_match(lang_map: dict[str, Any], ranges: tuple[_Range, ...]) -> str | None:
    # RFC 2616 never lets `en-US` match `en`, but a reader asking for US English is
    # better served by English than by whichever entry happens to come first.
    tags = {tag.lower(): tag for tag in lang_map if not _refused(tag, ranges)}
    for wanted in sorted((r for r in ranges if r.q > 0 and r.tag != "*"), key=lambda r: (-r.q, r.order)):
        subtags = wanted.tag.split("-")
        for length in range(len(subtags) - 1, 0, -1):
            prefix = "-".join(subtags[:length])
            if prefix in tags:
                return tags[prefix]
    return None


def _default(lang_map: dict[str, Any], ranges: tuple[_Range, ...]) -> str:
    # Stay away from languages the client refused when anything else is left.
    allowed = [tag for tag in lang_map if not _refused(tag, ranges)] or list(lang_map)
    return next((tag for tag in allowed if tag.lower() == "und"), allowed[0])


def _refused(tag: str, ranges: tuple[_Range, ...]) -> bool:
    # q=0 is the client saying "not this language", which is stronger than not asking for it.
    deciding = _deciding_range(tag, ranges)
    return deciding is not None and deciding.q == 0
