"""schemas/statement.json and its compiled form.

The validator compiles the schema into closures for speed; jsonschema is the reference.
These tests mutate a statement that uses every property, one node at a time, and require
both to find the same first error (same path, same keyword) or both to find none.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator

import pytest
from jsonschema import Draft202012Validator

from lrs.statements.schema import SCHEMA_PATH, _schema
from lrs.statements.schema_compiler import SchemaCompiler as _Compiler
from lrs.statements.schema_compiler import SchemaFailure as _Fail
from tests.lrs.statements.samples import (
    ANONYMOUS_GROUP,
    IDENTIFIED_GROUP,
    STATEMENT_REF,
    full_statement,
    statement,
    sub_statement,
)

DOCUMENT = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
ORACLE = Draft202012Validator(DOCUMENT)


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(DOCUMENT)
    assert DOCUMENT["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_is_loaded_once():
    assert _schema() is _schema()


def first_errors(raw: object) -> tuple[object, object]:
    """(ours, jsonschema's) first error as (path, keyword), or None when valid."""
    expected = next(ORACLE.iter_errors(raw), None)
    theirs = None if expected is None else (tuple(expected.absolute_path), expected.validator)
    try:
        _schema().statement(raw)
    except _Fail as failure:
        return (tuple(reversed(failure.path)), failure.keyword), theirs
    return None, theirs


def paths(value: object, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


REPLACEMENTS = [None, 12, 2.5, -3, True, "x", "", {}, [], {"unexpected": 1}, ["x"]]


def mutations(raw: dict) -> Iterator[tuple[str, dict]]:
    """Every node replaced by values of other types, deleted, or given an unknown key."""
    for path in paths(raw):
        if not path:
            continue
        *parents, last = path
        for replacement in REPLACEMENTS + ["DELETE", "EXTRA"]:
            mutated = copy.deepcopy(raw)
            parent = mutated
            for key in parents:
                parent = parent[key]
            if replacement == "DELETE":
                if isinstance(parent, dict):
                    del parent[last]
                else:
                    parent.pop(last)
            elif replacement == "EXTRA":
                if not isinstance(parent[last], dict):
                    continue
                parent[last]["unexpected"] = 1
            else:
                parent[last] = copy.deepcopy(replacement)
            yield f"{'.'.join(map(str, path))}={replacement!r}", mutated


BASES = {
    "full": full_statement(),
    "substatement": statement(
        object=sub_statement(context={"statement": STATEMENT_REF}, result={"score": {"scaled": 0}})
    ),
    "group actor": statement(actor=copy.deepcopy(ANONYMOUS_GROUP), object=copy.deepcopy(IDENTIFIED_GROUP)),
    "statement ref": statement(
        object=STATEMENT_REF, context={"contextActivities": {"parent": {"id": "http://x.org/p"}}}
    ),
    "context agents": statement(
        context={
            "contextAgents": [
                {"objectType": "contextAgent", "agent": {"mbox": "mailto:a@x.org"}, "relevantTypes": ["http://x.org/t"]}
            ],
            "contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": copy.deepcopy(ANONYMOUS_GROUP),
                    "relevantTypes": ["http://x.org/t"],
                }
            ],
        }
    ),
}
CASES = [(f"{name}: {label}", raw) for name, base in BASES.items() for label, raw in mutations(base)]


def test_compiled_schema_reports_the_same_first_error_as_jsonschema():
    disagreements = []
    valid = 0
    for label, raw in CASES:
        ours, theirs = first_errors(raw)
        valid += theirs is None
        if ours != theirs:
            disagreements.append(f"{label}: ours {ours}, jsonschema {theirs}")
    assert disagreements == []
    # The mutations must exercise both outcomes to mean anything.
    assert len(CASES) > 1000 and 0 < valid < len(CASES)


def test_unsupported_schema_keyword_is_refused_at_load():
    compiler = _Compiler({})
    with pytest.raises(ValueError, match="'minLength' is not supported"):
        compiler.compile({"type": "string", "minLength": 1})


def test_unresolvable_reference_is_refused_at_load():
    with pytest.raises(ValueError, match="unresolvable"):
        _Compiler({}).compile({"$ref": "#/$defs/missing"})


@pytest.mark.parametrize(
    "condition, instance, expected",
    [
        ({"required": ["objectType"], "properties": {"objectType": {"const": "Group"}}}, {"objectType": "Group"}, True),
        (
            {"required": ["objectType"], "properties": {"objectType": {"const": "Group"}}},
            {"objectType": "group"},
            False,
        ),
        ({"required": ["objectType"], "properties": {"objectType": {"const": "Group"}}}, {}, False),
        ({"required": ["objectType"], "properties": {"objectType": {"const": "Group"}}}, "not an object", True),
        ({"type": "array"}, [], True),
        ({"type": "array"}, {}, False),
        ({"type": "string", "pattern": "^a"}, "abc", True),  # anything else goes through the full check
        ({"type": "string", "pattern": "^a"}, "cba", False),
    ],
)
def test_if_conditions_answer_like_json_schema(condition, instance, expected):
    assert _Compiler({}).predicate(condition)(instance) is expected
    assert Draft202012Validator(condition).is_valid(instance) is expected
