"""Validation of xAPI 1.0.3 Statements and Agents as clients send them.

Two layers, one walk each:

1. Structure, from ``schemas/statement.json`` (JSON Schema 2020-12): types, required and
   unknown properties, enumerated values, and the formats a regular expression can state
   (UUID, IRI, mailto, version, ...). The schema is checked against the 2020-12 meta-schema
   with ``jsonschema`` and then compiled once into plain Python closures (see ``_Compiler``).
   Why not ``jsonschema`` itself on every statement: it costs 200-600 µs per statement,
   several times the whole ingest budget; the closures cost a few tens of µs. The test
   suite uses ``jsonschema`` as an oracle to keep the two in agreement.
2. Rules a schema cannot say (``_statement_rules``): exactly one inverse functional
   identifier, anonymous groups, the authority group, score ordering, timestamps,
   durations, RFC 5646 language tags, extension keys, interaction component lists,
   context revision/platform, voiding.

Every failure raises ``InvalidStatement(path, rule)`` naming the property (``actor.mbox``,
``context.contextActivities.parent[0].id``) and the rule broken.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from lrs.errors import InvalidParameter, InvalidStatement

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "statement.json"

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")

PropertyPath = tuple[str | int, ...]  # ("context", "contextActivities", "parent", 0, "id")
Check = Callable[[Any], None]


# --------------------------------------------------------------------------- public API


def validate_statement(raw: object) -> dict:
    """Validate one statement as received (PUT/POST) and return it unchanged."""
    if not isinstance(raw, dict):
        raise InvalidStatement("", "a statement must be a JSON object")
    _check(_schema().statement, raw, "")
    try:
        _statement_rules(raw, (), top=True)
    except _Rule as broken:
        raise InvalidStatement(_format_path(broken.path), broken.rule) from None
    return raw


def validate_statements(raw: object) -> list[dict]:
    """Validate a POST body: one statement or an array of them (possibly empty).

    Errors inside an array name the index (``[2].actor.mbox``); two statements with the
    same id in one batch are rejected (Communication 2.1.2.s2.b6).
    """
    if isinstance(raw, dict):
        return [validate_statement(raw)]
    if not isinstance(raw, list):
        raise InvalidStatement("", "the body must be a statement object or an array of statements")
    seen: dict[str, int] = {}
    for index, statement in enumerate(raw):
        try:
            validate_statement(statement)
        except InvalidStatement as error:
            raise InvalidStatement(_join(f"[{index}]", error.path), error.rule) from None
        if "id" in statement:
            # UUIDs compare case-insensitively: AB... and ab... are the same statement.
            key = statement["id"].lower()
            if key in seen:
                raise InvalidStatement(
                    f"[{index}].id", f"duplicates the id of statement [{seen[key]}] in the same batch"
                )
            seen[key] = index
    return raw


def validate_agent(raw: object, path: str = "agent", *, allow_group: bool = True) -> dict:
    """Validate an Agent or identified Group given as a parameter (agent=, document APIs).

    ``allow_group=False`` is for the State and Agent Profile resources, whose "agent" is an
    Agent and not a Group (Communication 2.3, 2.6).
    """
    _check(_schema().actor, raw, path)
    try:
        if raw.get("objectType") == "Group":
            if not allow_group:
                raise _Rule(("objectType",), 'must be "Agent": a Group is not allowed here')
            if not any(key in raw for key in IFI_KEYS):
                raise _Rule((), "must be an Agent or an identified Group (a Group with an inverse functional identifier)")
        _actor_rules(raw, ())
    except _Rule as broken:
        raise InvalidStatement(_join(path, _format_path(broken.path)), broken.rule) from None
    return raw


def parse_agent_param(text: str, name: str = "agent", *, allow_group: bool = True) -> dict:
    """Decode a JSON query parameter and validate it as an Agent (or identified Group)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise InvalidParameter(name, "must be a JSON-encoded Agent object") from None
    try:
        return validate_agent(value, "", allow_group=allow_group)
    except InvalidStatement as error:
        raise InvalidParameter(name, f"{error.path}: {error.rule}" if error.path else error.rule) from None


def parse_timestamp(value: str, path: str) -> datetime:
    """Parse an xAPI Timestamp (ISO 8601 date and time) into an aware UTC datetime.

    Accepted: extended (``2013-05-18T05:32:34.804+02:00``) or basic (``20130518T053234Z``)
    format, seconds and fraction optional, ``.`` or ``,`` before the fraction, offsets
    ``Z``, ``±hh``, ``±hhmm`` or ``±hh:mm``. A missing offset is read as UTC: the offset
    is a SHOULD* (Data 4.5.s1.b4) and such statements must still be accepted. A negative
    zero offset (``-00``, ``-0000``, ``-00:00``) is rejected: ISO 8601 forbids it and the
    conformance suite requires the rejection.
    """
    try:
        return _to_datetime(value)
    except ValueError as problem:
        raise InvalidStatement(path, str(problem)) from None


# --------------------------------------------------------------------------- paths


class _Rule(Exception):
    """A broken rule found by the Python walk; converted to InvalidStatement at the edge."""

    def __init__(self, path: PropertyPath, rule: str) -> None:
        super().__init__(rule)
        self.path = path
        self.rule = rule


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def _format_path(parts: Iterable[str | int]) -> str:
    """``("context", "contextActivities", "parent", 0, "id")`` -> ``context.contextActivities.parent[0].id``.

    Keys that are not plain names (IRIs in extensions, odd language keys) are quoted in
    brackets so the path stays unambiguous: ``result.extensions["http://example.com/x"]``.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def _join(prefix: str, path: str) -> str:
    """Put a caller's prefix ("agent", "[2]") in front of a formatted path."""
    if not prefix or not path:
        return prefix or path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


# --------------------------------------------------------------------------- schema


class _Fail(Exception):
    """Raised by a compiled schema check. ``path`` is filled child-first while unwinding."""

    def __init__(self, keyword: str, node: dict, instance: Any, detail: Any = None) -> None:
        self.keyword = keyword
        self.node = node
        self.instance = instance
        self.detail = detail
        self.path: list[str | int] = []


class _Schema:
    """The statement schema, loaded and compiled once."""

    def __init__(self, document: dict) -> None:
        # Meta-validation catches a broken schema file at first use, not in production data.
        Draft202012Validator.check_schema(document)
        self.defs: dict = document["$defs"]
        compiler = _Compiler(self.defs)
        self.statement: Check = compiler.compile(document)
        self.actor: Check = compiler.ref("#/$defs/actor")
        self.iri = re.compile(self.defs["iri"]["pattern"])


@cache
def _schema() -> _Schema:
    with SCHEMA_PATH.open(encoding="utf-8") as file:
        return _Schema(json.load(file))


def _check(check: Check, raw: object, prefix: str) -> None:
    try:
        check(raw)
    except _Fail as failure:
        path, rule = _explain(failure)
        raise InvalidStatement(_join(prefix, _format_path(path)), rule) from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _json_equal(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1, but 1 and 1.0 are the same number.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


_PYTHON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
_TYPE_TESTS = {"number": _is_number, "integer": _is_integer}
# Keywords that only annotate; "then"/"else" are read by "if", "$defs" by "$ref".
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "$defs", "then", "else", "x-rule", "x-unknown-rule"}
)


class _Compiler:
    """Compiles the JSON Schema keywords this project uses into closures.

    Keywords run in the order the schema lists them, as ``jsonschema`` does, so the first
    error is the one ``jsonschema`` would report first. An unsupported keyword is an error
    at load time: the schema cannot silently mean more than is enforced.
    """

    def __init__(self, defs: dict) -> None:
        self.defs = defs
        self.compiled: dict[str, Check | None] = {}

    def compile(self, node: dict | bool) -> Check:
        if node is True:
            return _accept
        if node is False:
            return _reject_all({})
        checks = []
        for keyword, value in node.items():
            if keyword in _ANNOTATIONS:
                continue
            make = self.KEYWORDS.get(keyword)
            if make is None:
                raise ValueError(f"schema keyword {keyword!r} is not supported by lrs.statements.validate")
            checks.append(make(self, node, value))
        if len(checks) == 1:
            return checks[0]
        sequence = tuple(checks)

        def check_all(instance: Any) -> None:
            for check in sequence:
                check(instance)

        return check_all

    def ref(self, ref: str) -> Check:
        prefix = "#/$defs/"
        name = ref[len(prefix):]
        if not ref.startswith(prefix) or name not in self.defs:
            raise ValueError(f"unresolvable $ref {ref!r}")
        if name not in self.compiled:
            self.compiled[name] = None  # in progress: recursive refs bind late, below
            self.compiled[name] = self.compile(self.defs[name])
        done = self.compiled[name]
        if done is not None:
            return done
        compiled = self.compiled
        return lambda instance: compiled[name](instance)

    # Each keyword maker returns a check that raises _Fail or returns None.

    def _ref(self, node: dict, value: str) -> Check:
        return self.ref(value)

    def _type(self, node: dict, value: str | list) -> Check:
        names = [value] if isinstance(value, str) else value
        if all(name in _PYTHON_TYPES for name in names):  # "number"/"integer" must exclude bool
            python_types = tuple(_PYTHON_TYPES[name] for name in names)

            def check_type(instance: Any) -> None:
                if not isinstance(instance, python_types):
                    raise _Fail("type", node, instance)

            return check_type
        tests = tuple(_TYPE_TESTS.get(name) or _isinstance_test(_PYTHON_TYPES[name]) for name in names)

        def check_types(instance: Any) -> None:
            if not any(test(instance) for test in tests):
                raise _Fail("type", node, instance)

        return check_types

    def _const(self, node: dict, value: Any) -> Check:
        def check_const(instance: Any) -> None:
            if not _json_equal(instance, value):
                raise _Fail("const", node, instance)

        return check_const

    def _enum(self, node: dict, value: list) -> Check:
        if all(isinstance(item, str) for item in value):
            allowed = frozenset(value)

            def check_string_enum(instance: Any) -> None:
                if not (isinstance(instance, str) and instance in allowed):
                    raise _Fail("enum", node, instance)

            return check_string_enum

        def check_enum(instance: Any) -> None:
            if not any(_json_equal(instance, item) for item in value):
                raise _Fail("enum", node, instance)

        return check_enum

    def _pattern(self, node: dict, value: str) -> Check:
        search = re.compile(value).search

        def check_pattern(instance: Any) -> None:
            if isinstance(instance, str) and not search(instance):
                raise _Fail("pattern", node, instance)

        return check_pattern

    def _minimum(self, node: dict, value: float) -> Check:
        def check_minimum(instance: Any) -> None:
            if _is_number(instance) and instance < value:
                raise _Fail("minimum", node, instance)

        return check_minimum

    def _maximum(self, node: dict, value: float) -> Check:
        def check_maximum(instance: Any) -> None:
            if _is_number(instance) and instance > value:
                raise _Fail("maximum", node, instance)

        return check_maximum

    def _required(self, node: dict, value: list) -> Check:
        names = tuple(value)

        def check_required(instance: Any) -> None:
            if isinstance(instance, dict):
                for name in names:
                    if name not in instance:
                        raise _Fail("required", node, instance, name)

        return check_required

    def _properties(self, node: dict, value: dict) -> Check:
        children = tuple((name, self.compile(child)) for name, child in value.items())

        def check_properties(instance: Any) -> None:
            if isinstance(instance, dict):
                for name, check in children:
                    if name in instance:
                        try:
                            check(instance[name])
                        except _Fail as failure:
                            failure.path.append(name)
                            raise

        return check_properties

    def _additional_properties(self, node: dict, value: dict | bool) -> Check:
        known = frozenset(node.get("properties", ()))
        if value is False:

            def check_no_extras(instance: Any) -> None:
                if isinstance(instance, dict) and not known.issuperset(instance):
                    extra = next(name for name in instance if name not in known)
                    raise _Fail("additionalProperties", node, instance, extra)

            return check_no_extras
        check = self.compile(value)

        def check_extras(instance: Any) -> None:
            if isinstance(instance, dict):
                for name, item in instance.items():
                    if name not in known:
                        try:
                            check(item)
                        except _Fail as failure:
                            failure.path.append(name)
                            raise

        return check_extras

    def _items(self, node: dict, value: dict) -> Check:
        check = self.compile(value)

        def check_items(instance: Any) -> None:
            if isinstance(instance, list):
                for index, item in enumerate(instance):
                    try:
                        check(item)
                    except _Fail as failure:
                        failure.path.append(index)
                        raise

        return check_items

    def _not(self, node: dict, value: dict) -> Check:
        check = self.compile(value)

        def check_not(instance: Any) -> None:
            try:
                check(instance)
            except _Fail:
                return
            raise _Fail("not", node, instance)

        return check_not

    def _if(self, node: dict, value: dict) -> Check:
        condition = self.predicate(value)
        then = self.compile(node.get("then", True))
        otherwise = self.compile(node.get("else", True))

        def check_if(instance: Any) -> None:
            (then if condition(instance) else otherwise)(instance)

        return check_if

    def predicate(self, node: dict) -> Callable[[Any], bool]:
        """An if-condition as a yes/no test.

        The objectType dispatch conditions ({"required": [k], "properties": {k: {"const": v}}})
        and bare type tests become plain comparisons: failing them is the common case, and
        raising and catching _Fail for it would double the cost of a statement.
        """
        properties = node.get("properties", {})
        if set(node) <= {"required", "properties"} and all(set(sub) == {"const"} for sub in properties.values()):
            required = tuple(node.get("required", ()))
            constants = tuple((name, sub["const"]) for name, sub in properties.items())

            def has_constants(instance: Any) -> bool:
                if not isinstance(instance, dict):
                    return True  # required and properties only constrain objects
                return all(name in instance for name in required) and all(
                    name not in instance or _json_equal(instance[name], constant) for name, constant in constants
                )

            return has_constants
        if set(node) == {"type"} and isinstance(node["type"], str) and node["type"] in _PYTHON_TYPES:
            return _isinstance_test(_PYTHON_TYPES[node["type"]])
        check = self.compile(node)

        def passes(instance: Any) -> bool:
            try:
                check(instance)
            except _Fail:
                return False
            return True

        return passes

    KEYWORDS: dict[str, Callable[[_Compiler, dict, Any], Check]] = {
        "$ref": _ref,
        "type": _type,
        "const": _const,
        "enum": _enum,
        "pattern": _pattern,
        "minimum": _minimum,
        "maximum": _maximum,
        "required": _required,
        "properties": _properties,
        "additionalProperties": _additional_properties,
        "items": _items,
        "not": _not,
        "if": _if,
    }


def _accept(instance: Any) -> None:
    return None


def _reject_all(node: dict) -> Check:
    def reject(instance: Any) -> None:
        raise _Fail("false", node, instance)

    return reject


def _isinstance_test(python_type: type) -> Callable[[Any], bool]:
    return lambda instance: isinstance(instance, python_type)


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean (true or false)",
    "null": "null",
}
_AGENT_ONLY_KEYS = frozenset(IFI_KEYS) | {"member"}


def _explain(failure: _Fail) -> tuple[PropertyPath, str]:
    """Turn a schema failure into (path, rule) a client can act on."""
    path = tuple(reversed(failure.path))
    node, keyword, instance = failure.node, failure.keyword, failure.instance
    if keyword in ("required", "additionalProperties"):
        hint = _missing_object_type(path, node, instance)
        if hint:
            return hint
        if keyword == "required":
            return path + (failure.detail,), "is required"
        return path + (failure.detail,), node.get("x-unknown-rule", "unknown property")
    if instance is None:
        return path, "must not be null"
    if "x-rule" in node:
        return path, node["x-rule"]
    if keyword == "type":
        names = [node["type"]] if isinstance(node["type"], str) else node["type"]
        return path, "must be " + " or ".join(_TYPE_WORDS[name] for name in names)
    if keyword == "const":
        return path, f"must be {json.dumps(node['const'])} (values are case-sensitive)"
    if keyword == "enum":
        return path, "must be one of " + ", ".join(json.dumps(item) for item in node["enum"]) + " (case-sensitive)"
    if keyword == "minimum":
        return path, f"must be at least {node['minimum']}"
    if keyword == "maximum":
        return path, f"must be at most {node['maximum']}"
    if keyword in ("not", "false"):
        return path, "is not allowed here"
    return path, "has an invalid format"


def _missing_object_type(path: PropertyPath, node: dict, instance: dict) -> tuple[PropertyPath, str] | None:
    """Without objectType an object is read as an Activity and an actor as an Agent, so an
    Agent given as object, or a Group without objectType, would otherwise be reported as a
    missing id or an unknown property."""
    if "objectType" in instance or _AGENT_ONLY_KEYS.isdisjoint(instance):
        return None
    defs = _schema().defs
    if node is defs["activity"] and path[-1:] == ("object",):  # not in contextActivities: those are Activities
        return path + ("objectType",), 'is required ("Agent" or "Group") when the object is an Agent or a Group'
    if node is defs["agent"] and "member" in instance:
        return path + ("objectType",), 'must be "Group" for a Group (an object with members)'
    return None


# --------------------------------------------------------------------------- rules


def _statement_rules(statement: dict, path: PropertyPath, *, top: bool) -> None:
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
        _language_map(attachment["display"], path + ("attachments", index, "display"))
        if "description" in attachment:
            _language_map(attachment["description"], path + ("attachments", index, "description"))


def _actor_rules(actor: dict, path: PropertyPath) -> None:
    if actor.get("objectType") == "Group":
        _group_rules(actor, path)
    else:
        _agent_rules(actor, path)


def _ifis(actor: dict, path: PropertyPath, *, required: bool) -> list[str]:
    present = [key for key in IFI_KEYS if key in actor]
    if len(present) > 1:
        raise _Rule(path, "exactly one inverse functional identifier is allowed, found " + " and ".join(present))
    if required and not present:
        raise _Rule(path, "exactly one inverse functional identifier is required (mbox, mbox_sha1sum, openid or account)")
    return present


def _agent_rules(agent: dict, path: PropertyPath) -> None:
    _ifis(agent, path, required=True)


def _group_rules(group: dict, path: PropertyPath) -> None:
    identified = _ifis(group, path, required=False)
    members = group.get("member")
    if not identified:
        if members is None:
            raise _Rule(path + ("member",), "is required for an anonymous Group (one without an inverse functional identifier)")
        if not members:
            raise _Rule(path + ("member",), "an anonymous Group must have at least one member")
    for index, member in enumerate(members or ()):
        _agent_rules(member, path + ("member", index))


def _authority_rules(authority: dict, path: PropertyPath) -> None:
    if authority.get("objectType") != "Group":
        _agent_rules(authority, path)
        return
    # Only 3-legged OAuth makes a Group authority: the application and the user (Data 2.4.9.s3.b1).
    if any(key in authority for key in IFI_KEYS):
        raise _Rule(path, "a Group authority must be an anonymous Group of two Agents (3-legged OAuth), without an identifier")
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


def _activity_rules(activity: dict, path: PropertyPath) -> None:
    if "definition" in activity:
        _definition_rules(activity["definition"], path + ("definition",))


def _definition_rules(definition: dict, path: PropertyPath) -> None:
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], path + (key,))
    lists = [key for key in _COMPONENT_LISTS if key in definition]
    interaction = definition.get("interactionType")
    if interaction is None:
        if lists or "correctResponsesPattern" in definition:
            raise _Rule(path + ("interactionType",), "is required when correctResponsesPattern or interaction components are used")
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


def _components(components: list, path: PropertyPath) -> None:
    seen: set[str] = set()
    for index, component in enumerate(components):
        if component["id"] in seen:
            raise _Rule(path + (index, "id"), "must be distinct within the list (duplicate interaction component id)")
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], path + (index, "description"))


def _result_rules(result: dict, path: PropertyPath) -> None:
    if "score" in result:
        _score_rules(result["score"], path + ("score",))
    if "duration" in result:
        problem = _duration_problem(result["duration"])
        if problem:
            raise _Rule(path + ("duration",), problem)
    if "extensions" in result:
        _extensions(result["extensions"], path + ("extensions",))


def _score_rules(score: dict, path: PropertyPath) -> None:
    for key, value in score.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise _Rule(path + (key,), "must be a finite number")
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and not low < high:
        raise _Rule(path + ("min",), "must be less than max")
    if raw is not None:
        if low is not None and raw < low:
            raise _Rule(path + ("raw",), "must not be less than min")
        if high is not None and raw > high:
            raise _Rule(path + ("raw",), "must not be greater than max")


def _context_rules(context: dict, path: PropertyPath, *, object_is_activity: bool) -> None:
    if not object_is_activity:
        for key in ("revision", "platform"):
            if key in context:
                raise _Rule(path + (key,), "may only be used when the statement's object is an Activity")
    if "language" in context and not _is_language_tag(context["language"]):
        raise _Rule(path + ("language",), "must be an RFC 5646 language tag")
    if "instructor" in context:
        _actor_rules(context["instructor"], path + ("instructor",))
    if "team" in context:
        _group_rules(context["team"], path + ("team",))
    for kind, value in context.get("contextActivities", {}).items():
        if isinstance(value, list):
            for index, activity in enumerate(value):
                _activity_rules(activity, path + ("contextActivities", kind, index))
        else:
            _activity_rules(value, path + ("contextActivities", kind))
    if "extensions" in context:
        _extensions(context["extensions"], path + ("extensions",))


def _language_map(language_map: dict, path: PropertyPath) -> None:
    for tag in language_map:
        if not _is_language_tag(tag):
            raise _Rule(path + (tag,), "is not an RFC 5646 language tag")


def _extensions(extensions: dict, path: PropertyPath) -> None:
    # Keys must be IRIs; values are anything, null included (Data 4.1.s3).
    iri = _schema().iri
    for key in extensions:
        if not iri.search(key):
            raise _Rule(path + (key,), "extension keys must be absolute IRIs (scheme:...)")


def _timestamp(value: str, path: PropertyPath) -> None:
    try:
        _to_datetime(value)
    except ValueError as problem:
        raise _Rule(path, str(problem)) from None


# --------------------------------------------------------------------------- timestamps

_ZONE = r"(?P<zone>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
_TIMESTAMP_FORMATS = (
    re.compile(  # extended: 2013-05-18T05:32:34.804+02:00
        r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
        r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?"
        + _ZONE + r"\Z"
    ),
    re.compile(  # basic: 20130518T053234.804Z
        r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})[Tt]"
        r"(?P<hour>[0-9]{2})(?P<minute>[0-9]{2})(?:(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?"
        + _ZONE + r"\Z"
    ),
)


def _to_datetime(value: str) -> datetime:
    match = None
    if isinstance(value, str):
        match = _TIMESTAMP_FORMATS[0].match(value) or _TIMESTAMP_FORMATS[1].match(value)
    if match is None:
        raise ValueError("must be an ISO 8601 date and time, e.g. 2013-05-18T05:32:34.804Z")
    zone = match["zone"]
    if zone is None or zone in ("Z", "z"):
        tz = timezone.utc
    else:
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours == 0 and minutes == 0 and zone[0] == "-":
            raise ValueError("must not use a negative zero offset (-00:00); use Z or +00:00 for UTC")
        if hours > 23 or minutes > 59:
            raise ValueError("has an invalid UTC offset")
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if zone[0] == "-" else offset)
    fraction = match["fraction"] or ""
    try:
        moment = datetime(
            int(match["year"]), int(match["month"]), int(match["day"]),
            int(match["hour"]), int(match["minute"]), int(match["second"] or 0),
            int((fraction + "000000")[:6]), tzinfo=tz,
        )
    except ValueError:
        raise ValueError("is not a real date and time (month, day, hour, minute or second out of range)") from None
    return moment.astimezone(timezone.utc)


# --------------------------------------------------------------------------- durations

# ISO 8601:2004 4.4.3.2 only: PnYnMnDTnHnMnS or PnW (the alternative P0003-06-04T... is forbidden).
_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_DURATION = re.compile(
    rf"P(?:(?P<weeks>{_NUMBER})W"
    rf"|(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?P<time>T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?)\Z"
)
_DURATION_PARTS = ("weeks", "years", "months", "days", "hours", "minutes", "seconds")


def _duration_problem(value: str) -> str | None:
    match = _DURATION.match(value)
    if match is None:
        return "must be an ISO 8601 duration such as PT1H30M, P3Y1M29DT4H35M59.14S or P4W"
    parts = [match[name] for name in _DURATION_PARTS if match[name] is not None]
    if not parts:
        return "must have at least one component (e.g. PT0S)"
    if match["time"] == "T":
        return "must have hours, minutes or seconds after T"
    if any("." in part or "," in part for part in parts[:-1]):
        return "only the smallest component may have a decimal fraction"
    return None


# --------------------------------------------------------------------------- language tags

# RFC 5646 2.1: well-formed tags; plus the 2.2.5/2.2.6 rules that variants and extension
# singletons do not repeat. Registry contents (is "qq" a language?) are not checked.
_LANGUAGE_TAG = re.compile(
    r"""(?:
        (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})          # language, extlang
        (?:-[a-z]{4})?                                       # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?                          # region
        (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
        (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
        (?:-x(?:-[a-z0-9]{1,8})+)?                           # private use
      | x(?:-[a-z0-9]{1,8})+                                 # private use only
    )\Z""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_GRANDFATHERED = frozenset(
    """en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn
    i-tao i-tay i-tsu sgn-be-fr sgn-be-nl sgn-ch-de art-lojban cel-gaulish no-bok no-nyn
    zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang""".split()
)


@lru_cache(maxsize=4096)  # the same few tags ("en-US") recur in nearly every statement
def _is_language_tag(tag: str) -> bool:
    if tag.lower() in _GRANDFATHERED:
        return True
    match = _LANGUAGE_TAG.match(tag)
    if match is None:
        return False
    # Both groups are None for a private-use-only tag ("x-whatever").
    variants = (match["variants"] or "").lower().split("-")[1:]
    singletons = [part for part in (match["extensions"] or "").lower().split("-") if len(part) == 1]
    return len(set(variants)) == len(variants) and len(set(singletons)) == len(singletons)
