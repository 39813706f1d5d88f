"""The structure of a statement, from ``schemas/statement.json`` (JSON Schema 2020-12).

The schema states types, required and unknown properties, enumerated values, and the
formats a regular expression can state (UUID, IRI, mailto, version, ...). It is checked
against the 2020-12 meta-schema with ``jsonschema`` and then compiled once into plain Python
closures (see ``SchemaCompiler``). Why not ``jsonschema`` itself on every statement: it costs
200-600 µs per statement, several times the whole ingest budget; the closures cost a few
tens of µs. The test suite uses ``jsonschema`` as an oracle to keep the two in agreement.
Why not ``fastjsonschema``: it took twice the CPU of these closures, and its draft-07 ignores
the keywords beside a ``$ref``, which this schema relies on (bench/README.md, "Libraries
against our own code").

The schema's patterns are the single definition of those formats: ``lrs.datatypes`` reads
them from here (``definition_pattern``) rather than stating them again.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from lrs.errors import InvalidStatement
from lrs.ifi import IFI_PROPERTIES
from lrs.statements.property_path import PropertyPath, format_path, join_path
from lrs.statements.schema_compiler import Check, SchemaCompiler, SchemaFailure

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "statement.json"


def check_statement_structure(raw: object) -> None:
    """Raise InvalidStatement for the first way ``raw`` breaks the statement schema."""
    _check(_schema().statement, raw, "")


def check_actor_structure(raw: object, prefix: str) -> None:
    """Raise InvalidStatement, its path after ``prefix``, if ``raw`` is no Agent or Group."""
    _check(_schema().actor, raw, prefix)


def definition_pattern(name: str) -> re.Pattern[str]:
    """The compiled ``pattern`` of ``$defs/<name>`` (``"iri"``, ``"uuid"``, ``"mbox"``); use ``search``."""
    return _schema().patterns[name]


class _Schema:
    """The statement schema, loaded and compiled once."""

    def __init__(self, document: dict[str, Any]) -> None:
        # Meta-validation catches a broken schema file at first use, not in production data.
        Draft202012Validator.check_schema(document)
        self.defs: dict[str, Any] = document["$defs"]
        compiler = SchemaCompiler(self.defs)
        self.statement: Check = compiler.compile(document)
        self.actor: Check = compiler.ref("#/$defs/actor")
        self.patterns = {name: re.compile(node["pattern"]) for name, node in self.defs.items() if "pattern" in node}


@cache
def _schema() -> _Schema:
    with SCHEMA_PATH.open(encoding="utf-8") as file:
        return _Schema(json.load(file))


def _check(check: Check, raw: object, prefix: str) -> None:
    try:
        check(raw)
    except SchemaFailure as failure:
        path, rule = _explain(failure)
        raise InvalidStatement(join_path(prefix, format_path(path)), rule) from None


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean (true or false)",
    "null": "null",
}
_AGENT_ONLY_KEYS = frozenset(IFI_PROPERTIES) | {"member"}


def _explain(failure: SchemaFailure) -> tuple[PropertyPath, str]:
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


def _missing_object_type(
    path: PropertyPath, node: dict[str, Any], instance: dict[str, Any]
) -> tuple[PropertyPath, str] | None:
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
