"""Validation of xAPI 1.0.3 and 2.0 Statements and Agents as clients send them.

Three layers, one walk each:

0. What the request's xAPI version lacks (``_version_rules``, from the table in
   ``lrs.versions``): 2.0 context agents and groups, or a statement version, sent under 1.0.3.
1. Structure, from ``schemas/statement.json`` (``lrs.statements.schema``): types, required
   and unknown properties, enumerated values, and the formats a regular expression can state.
2. Rules a schema cannot say (``_statement_rules``): exactly one inverse functional
   identifier, anonymous groups, the authority group, score ordering, timestamps,
   durations, RFC 5646 language tags, extension keys, interaction component lists,
   context revision/platform, voiding, context agents and groups. Value formats come from
   ``lrs.datatypes``.

Every failure raises ``InvalidStatement(path, rule)`` naming the property (``actor.mbox``,
``context.contextActivities.parent[0].id``) and the rule broken.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, cast

from lrs import datatypes
from lrs.errors import InvalidParameter, InvalidStatement
from lrs.ifi import IFI_PROPERTIES
from lrs.statements.property_path import PropertyPath, format_path, join_path
from lrs.statements.schema import check_actor_structure, check_statement_structure
from lrs.statements.vocab import VOIDED_VERB
from lrs.versions import NEWEST, VERSION_HEADER, XAPI_1_0_3, XapiVersion

# --------------------------------------------------------------------------- public API


def validate_statement(raw: object, version: XapiVersion = XAPI_1_0_3) -> dict[str, Any]:
    """Validate one statement as received (PUT/POST) under `version`'s rules; return it unchanged."""
    if not isinstance(raw, dict):
        raise InvalidStatement("", "a statement must be a JSON object")
    try:
        _version_rules(raw, (), version)
        check_statement_structure(raw)
        _statement_rules(raw, (), top=True)
    except _Rule as broken:
        raise InvalidStatement(format_path(broken.path), broken.rule) from None
    return raw


def validate_statements(raw: object, version: XapiVersion = XAPI_1_0_3) -> list[dict[str, Any]]:
    """Validate a POST body: one statement or an array of them (possibly empty).

    Errors inside an array name the index (``[2].actor.mbox``); two statements with the
    same id in one batch are rejected (Communication 2.1.2.s2.b6).
    """
    if isinstance(raw, dict):
        return [validate_statement(raw, version)]
    if not isinstance(raw, list):
        raise InvalidStatement("", "the body must be a statement object or an array of statements")
    seen: dict[str, int] = {}
    for index, statement in enumerate(raw):
        try:
            validate_statement(statement, version)
        except InvalidStatement as error:
            raise InvalidStatement(join_path(f"[{index}]", error.path), error.rule) from None
        if "id" in statement:
            # UUIDs compare case-insensitively: AB... and ab... are the same statement.
            key = statement["id"].lower()
            if key in seen:
                raise InvalidStatement(
                    f"[{index}].id", f"duplicates the id of statement [{seen[key]}] in the same batch"
                )
            seen[key] = index
    return raw


def validate_agent(raw: object, path: str = "agent", *, allow_group: bool = True) -> dict[str, Any]:
    """Validate an Agent or identified Group given as a parameter (agent=, document APIs).

    ``allow_group=False`` is for the State and Agent Profile resources, whose "agent" is an
    Agent and not a Group (Communication 2.3, 2.6).
    """
    check_actor_structure(raw, path)
    agent = cast(dict[str, Any], raw)  # the structure check passed: an object
    try:
        if agent.get("objectType") == "Group":
            if not allow_group:
                raise _Rule(("objectType",), 'must be "Agent": a Group is not allowed here')
            if not any(key in agent for key in IFI_PROPERTIES):
                raise _Rule(
                    (), "must be an Agent or an identified Group (a Group with an inverse functional identifier)"
                )
        _actor_rules(agent, ())
    except _Rule as broken:
        raise InvalidStatement(join_path(path, format_path(broken.path)), broken.rule) from None
    return agent


def parse_agent_param(text: str, name: str = "agent", *, allow_group: bool = True) -> dict[str, Any]:
    """Decode a JSON query parameter and validate it as an Agent (or identified Group)."""
    try:
        value = datatypes.parse_json_text(text)
    except (TypeError, ValueError, RecursionError):
        raise InvalidParameter(name, "must be a JSON-encoded Agent object") from None
    try:
        return validate_agent(value, "", allow_group=allow_group)
    except InvalidStatement as error:
        raise InvalidParameter(name, f"{error.path}: {error.rule}" if error.path else error.rule) from None


def parse_timestamp(value: str, path: str) -> datetime:
    """Parse an xAPI Timestamp into an aware UTC datetime (see ``lrs.datatypes.parse_timestamp``)."""
    try:
        return datatypes.parse_timestamp(value)
    except ValueError as problem:
        raise InvalidStatement(path, str(problem)) from None


# --------------------------------------------------------------------------- rules


class _Rule(Exception):
    """A broken rule found by the Python walk; converted to InvalidStatement at the edge."""

    def __init__(self, path: PropertyPath, rule: str) -> None:
        super().__init__(rule)
        self.path = path
        self.rule = rule


def _version_rules(statement: dict[str, Any], path: PropertyPath, version: XapiVersion) -> None:
    """What this version lacks, before the structure check: the schema describes xAPI 2.0, and a
    1.0.3 client is better told "not in 1.0.3" than how a 2.0 property should look."""
    if "version" in statement and not path and not version.accepts_statement_version(statement["version"]):
        raise _Rule(("version",), version.statement_versions_rule)
    context = statement.get("context")
    if isinstance(context, dict):
        for key in sorted(version.missing_context_properties & context.keys()):
            raise _Rule(
                path + ("context", key),
                f"is not part of xAPI {version.name} (send {VERSION_HEADER}: {NEWEST.name} to use it)",
            )
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement" and not path:
        _version_rules(target, ("object",), version)


def _statement_rules(statement: dict[str, Any], path: PropertyPath, *, top: bool) -> None:
    _actor_rules(statement["actor"], path + ("actor",))
    verb = statement["verb"]
    if "display" in verb:
        _language_map(verb["display"], path + ("verb", "display"))

    target = statement["object"]
    kind = target.get("objectType", "Activity")
    target_path = path + ("object",)
    if kind == "Activity":
        _activity_rules(target, target_path)
    elif kind == "Agent":
        _agent_rules(target, target_path)
    elif kind == "Group":
        _group_rules(target, target_path)
    elif kind == "SubStatement":
        _statement_rules(target, target_path, top=False)
    # A SubStatement describes no event, so it voids nothing: the rule is for statements.
    if top and verb["id"] == VOIDED_VERB and kind != "StatementRef":
        raise _Rule(target_path + ("objectType",), 'must be "StatementRef" when the verb is voided')

    if "result" in statement:
        _result_rules(statement["result"], path + ("result",))
    if "context" in statement:
        _context_rules(statement["context"], path + ("context",), object_is_activity=kind == "Activity")
    for key in ("timestamp", "stored"):
        if key in statement:
            _timestamp(statement[key], path + (key,))
    if "authority" in statement:
        _authority_rules(statement["authority"], path + ("authority",))
    for index, attachment in enumerate(statement.get("attachments", ())):
        _storable_integer(attachment["length"], path + ("attachments", index, "length"))
        _language_map(attachment["display"], path + ("attachments", index, "display"))
        if "description" in attachment:
            _language_map(attachment["description"], path + ("attachments", index, "description"))


def _actor_rules(actor: dict[str, Any], path: PropertyPath) -> None:
    if actor.get("objectType") == "Group":
        _group_rules(actor, path)
    else:
        _agent_rules(actor, path)


def _ifis(actor: dict[str, Any], path: PropertyPath, *, required: bool) -> list[str]:
    present = [key for key in IFI_PROPERTIES if key in actor]
    if len(present) > 1:
        raise _Rule(path, "exactly one inverse functional identifier is allowed, found " + " and ".join(present))
    if required and not present:
        raise _Rule(
            path, "exactly one inverse functional identifier is required (mbox, mbox_sha1sum, openid or account)"
        )
    return present


def _agent_rules(agent: dict[str, Any], path: PropertyPath) -> None:
    _ifis(agent, path, required=True)


def _group_rules(group: dict[str, Any], path: PropertyPath) -> None:
    identified = _ifis(group, path, required=False)
    members = group.get("member")
    if not identified:
        if members is None:
            raise _Rule(
                path + ("member",), "is required for an anonymous Group (one without an inverse functional identifier)"
            )
        if not members:
            raise _Rule(path + ("member",), "an anonymous Group must have at least one member")
    for index, member in enumerate(members or ()):
        _agent_rules(member, path + ("member", index))


def _authority_rules(authority: dict[str, Any], path: PropertyPath) -> None:
    if authority.get("objectType") != "Group":
        _agent_rules(authority, path)
        return
    # Only 3-legged OAuth makes a Group authority: the application and the user (Data 2.4.9.s3.b1).
    if any(key in authority for key in IFI_PROPERTIES):
        raise _Rule(
            path, "a Group authority must be an anonymous Group of two Agents (3-legged OAuth), without an identifier"
        )
    members = authority.get("member")
    if members is None or len(members) != 2:
        raise _Rule(path + ("member",), "a Group authority must have exactly two Agents (OAuth consumer and user)")
    for index, member in enumerate(members):
        _agent_rules(member, path + ("member", index))


# interactionType -> the interaction component lists it supports (Data 2.4.4.1.s15).
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_LISTS_FOR_TYPE = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}


def _activity_rules(activity: dict[str, Any], path: PropertyPath) -> None:
    if "definition" in activity:
        _definition_rules(activity["definition"], path + ("definition",))


def _definition_rules(definition: dict[str, Any], path: PropertyPath) -> None:
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], path + (key,))
    lists = [key for key in _COMPONENT_LISTS if key in definition]
    interaction = definition.get("interactionType")
    if interaction is None:
        if lists or "correctResponsesPattern" in definition:
            raise _Rule(
                path + ("interactionType",),
                "is required when correctResponsesPattern or interaction components are used",
            )
    else:
        supported = _LISTS_FOR_TYPE.get(interaction, ())
        for key in lists:
            if key not in supported:
                hint = f"; it uses {' and '.join(supported)}" if supported else "; it has no component lists"
                raise _Rule(path + (key,), f'is not a component list of interactionType "{interaction}"{hint}')
    for key in lists:
        _components(definition[key], path + (key,))
    if "extensions" in definition:
        _extensions(definition["extensions"], path + ("extensions",))


def _components(components: list[Any], path: PropertyPath) -> None:
    seen: set[str] = set()
    for index, component in enumerate(components):
        if component["id"] in seen:
            raise _Rule(path + (index, "id"), "must be distinct within the list (duplicate interaction component id)")
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], path + (index, "description"))


def _result_rules(result: dict[str, Any], path: PropertyPath) -> None:
    if "score" in result:
        _score_rules(result["score"], path + ("score",))
    if "duration" in result:
        problem = datatypes.duration_problem(result["duration"])
        if problem:
            raise _Rule(path + ("duration",), problem)
    if "extensions" in result:
        _extensions(result["extensions"], path + ("extensions",))


def _score_rules(score: dict[str, Any], path: PropertyPath) -> None:
    for key, value in score.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise _Rule(path + (key,), "must be a finite number")
        _storable_integer(value, path + (key,))
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and not low < high:
        raise _Rule(path + ("min",), "must be less than max")
    if raw is not None:
        if low is not None and raw < low:
            raise _Rule(path + ("raw",), "must not be less than min")
        if high is not None and raw > high:
            raise _Rule(path + ("raw",), "must not be greater than max")


def _storable_integer(value: object, path: PropertyPath) -> None:
    # The database stores 64-bit integers; a larger one would fail at write time.
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise _Rule(path, "is larger than this LRS can store (64-bit integers)")


def _context_rules(context: dict[str, Any], path: PropertyPath, *, object_is_activity: bool) -> None:
    if not object_is_activity:
        for key in ("revision", "platform"):
            if key in context:
                raise _Rule(path + (key,), "may only be used when the statement's object is an Activity")
    if "language" in context and not datatypes.is_language_tag(context["language"]):
        raise _Rule(path + ("language",), "must be an RFC 5646 language tag")
    if "instructor" in context:
        _actor_rules(context["instructor"], path + ("instructor",))
    if "team" in context:
        _group_rules(context["team"], path + ("team",))
    for index, context_agent in enumerate(context.get("contextAgents", ())):
        _agent_rules(context_agent["agent"], path + ("contextAgents", index, "agent"))
    for index, context_group in enumerate(context.get("contextGroups", ())):
        _group_rules(context_group["group"], path + ("contextGroups", index, "group"))
    for kind, value in context.get("contextActivities", {}).items():
        if isinstance(value, list):
            for index, activity in enumerate(value):
                _activity_rules(activity, path + ("contextActivities", kind, index))
        else:
            _activity_rules(value, path + ("contextActivities", kind))
    if "extensions" in context:
        _extensions(context["extensions"], path + ("extensions",))


def _language_map(language_map: dict[str, Any], path: PropertyPath) -> None:
    for tag in language_map:
        if not datatypes.is_language_tag(tag):
            raise _Rule(path + (tag,), "is not an RFC 5646 language tag")


def _extensions(extensions: dict[str, Any], path: PropertyPath) -> None:
    # Keys must be IRIs; values are anything, null included (Data 4.1.s3).
    for key in extensions:
        if not datatypes.is_iri(key):
            raise _Rule(path + (key,), "extension keys must be absolute IRIs (scheme:...)")


def _timestamp(value: str, path: PropertyPath) -> None:
    try:
        datatypes.parse_timestamp(value)
    except ValueError as problem:
        raise _Rule(path, str(problem)) from None
