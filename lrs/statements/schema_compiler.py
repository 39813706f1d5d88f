"""A compiler from the JSON Schema keywords the statement schema uses to Python closures.

Each schema node becomes one function that returns None or raises ``SchemaFailure`` for the
first failure only: that is all validation needs, and why it is fast (``lrs.statements.schema``
says why not ``jsonschema``). This module knows JSON Schema, not xAPI: turning a failure into
a message for the client is the caller's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], None]


class SchemaFailure(Exception):
    """Raised by a compiled schema check. ``path`` is filled child-first while unwinding."""

    def __init__(self, keyword: str, node: dict[str, Any], instance: Any, detail: Any = None) -> None:
        self.keyword = keyword
        self.node = node
        self.instance = instance
        self.detail = detail
        self.path: list[str | int] = []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _json_equal(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1, but 1 and 1.0 are the same number.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and bool(a == b)
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


_PYTHON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
_TYPE_TESTS = {"number": _is_number, "integer": _is_integer}
# Keywords that only annotate; "then"/"else" are read by "if", "$defs" by "$ref", and the
# project's own "x-rule"/"x-unknown-rule" by whoever explains a failure.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "$defs", "then", "else", "x-rule", "x-unknown-rule"}
)


PATTERN_MEMORY = 50_000  # strings remembered per pattern as already matching


class SchemaCompiler:
    """Compiles the JSON Schema keywords this project uses into closures.

    Keywords run in the order the schema lists them, as ``jsonschema`` does, so the first
    error is the one ``jsonschema`` would report first. An unsupported keyword is an error
    at load time: the schema cannot silently mean more than is enforced.
    """

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.compiled: dict[str, Check | None] = {}

    def compile(self, node: dict[str, Any] | bool) -> Check:
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
                raise ValueError(f"schema keyword {keyword!r} is not supported by lrs.statements.schema_compiler")
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
        name = ref[len(prefix) :]
        if not ref.startswith(prefix) or name not in self.defs:
            raise ValueError(f"unresolvable $ref {ref!r}")
        if name not in self.compiled:
            self.compiled[name] = None  # in progress: recursive refs bind late, below
            self.compiled[name] = self.compile(self.defs[name])
        done = self.compiled[name]
        if done is not None:
            return done
        compiled = self.compiled

        def check_later(instance: Any) -> None:
            check = compiled[name]
            assert check is not None  # bound once the outermost compile of `name` returns
            check(instance)

        return check_later

    # Each keyword maker returns a check that raises SchemaFailure or returns None.

    def _ref(self, node: dict[str, Any], value: str) -> Check:
        return self.ref(value)

    def _type(self, node: dict[str, Any], value: str | list[Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        if all(name in _PYTHON_TYPES for name in names):  # "number"/"integer" must exclude bool
            python_types = tuple(_PYTHON_TYPES[name] for name in names)

            def check_type(instance: Any) -> None:
                if not isinstance(instance, python_types):
                    raise SchemaFailure("type", node, instance)

            return check_type
        tests = tuple(_TYPE_TESTS.get(name) or _isinstance_test(_PYTHON_TYPES[name]) for name in names)

        def check_types(instance: Any) -> None:
            if not any(test(instance) for test in tests):
                raise SchemaFailure("type", node, instance)

        return check_types

    def _const(self, node: dict[str, Any], value: Any) -> Check:
        def check_const(instance: Any) -> None:
            if not _json_equal(instance, value):
                raise SchemaFailure("const", node, instance)

        return check_const

    def _enum(self, node: dict[str, Any], value: list[Any]) -> Check:
        if all(isinstance(item, str) for item in value):
            allowed = frozenset(value)

            def check_string_enum(instance: Any) -> None:
                if not (isinstance(instance, str) and instance in allowed):
                    raise SchemaFailure("enum", node, instance)

            return check_string_enum

        def check_enum(instance: Any) -> None:
            if not any(_json_equal(instance, item) for item in value):
                raise SchemaFailure("enum", node, instance)

        return check_enum

    def _pattern(self, node: dict[str, Any], value: str) -> Check:
        search = re.compile(value).search
        # Statements repeat their IRIs (verbs, activities, extension keys) endlessly: a string
        # that matched once is not searched again. Bounded: past the cap, nothing more is kept.
        matched: set[str] = set()

        def check_pattern(instance: Any) -> None:
            if isinstance(instance, str) and instance not in matched:
                if not search(instance):
                    raise SchemaFailure("pattern", node, instance)
                if len(matched) < PATTERN_MEMORY:
                    matched.add(instance)

        return check_pattern

    def _minimum(self, node: dict[str, Any], value: float) -> Check:
        def check_minimum(instance: Any) -> None:
            if _is_number(instance) and instance < value:
                raise SchemaFailure("minimum", node, instance)

        return check_minimum

    def _maximum(self, node: dict[str, Any], value: float) -> Check:
        def check_maximum(instance: Any) -> None:
            if _is_number(instance) and instance > value:
                raise SchemaFailure("maximum", node, instance)

        return check_maximum

    def _min_items(self, node: dict[str, Any], value: int) -> Check:
        def check_min_items(instance: Any) -> None:
            if isinstance(instance, list) and len(instance) < value:
                raise SchemaFailure("minItems", node, instance)

        return check_min_items

    def _required(self, node: dict[str, Any], value: list[Any]) -> Check:
        names = tuple(value)

        def check_required(instance: Any) -> None:
            if isinstance(instance, dict):
                for name in names:
                    if name not in instance:
                        raise SchemaFailure("required", node, instance, name)

        return check_required

    def _properties(self, node: dict[str, Any], value: dict[str, Any]) -> Check:
        children = tuple((name, self.compile(child)) for name, child in value.items())

        def check_properties(instance: Any) -> None:
            if isinstance(instance, dict):
                for name, check in children:
                    if name in instance:
                        try:
                            check(instance[name])
                        except SchemaFailure as failure:
                            failure.path.append(name)
                            raise

        return check_properties

    def _additional_properties(self, node: dict[str, Any], value: dict[str, Any] | bool) -> Check:
        known = frozenset(node.get("properties", ()))
        if value is False:

            def check_no_extras(instance: Any) -> None:
                if isinstance(instance, dict) and not known.issuperset(instance):
                    extra = next(name for name in instance if name not in known)
                    raise SchemaFailure("additionalProperties", node, instance, extra)

            return check_no_extras
        check = self.compile(value)

        def check_extras(instance: Any) -> None:
            if isinstance(instance, dict):
                for name, item in instance.items():
                    if name not in known:
                        try:
                            check(item)
                        except SchemaFailure as failure:
                            failure.path.append(name)
                            raise

        return check_extras

    def _items(self, node: dict[str, Any], value: dict[str, Any]) -> Check:
        check = self.compile(value)

        def check_items(instance: Any) -> None:
            if isinstance(instance, list):
                for index, item in enumerate(instance):
                    try:
                        check(item)
                    except SchemaFailure as failure:
                        failure.path.append(index)
                        raise

        return check_items

    def _not(self, node: dict[str, Any], value: dict[str, Any]) -> Check:
        check = self.compile(value)

        def check_not(instance: Any) -> None:
            try:
                check(instance)
            except SchemaFailure:
                return
            raise SchemaFailure("not", node, instance)

        return check_not

    def _if(self, node: dict[str, Any], value: dict[str, Any]) -> Check:
        condition = self.predicate(value)
        then = self.compile(node.get("then", True))
        otherwise = self.compile(node.get("else", True))

        def check_if(instance: Any) -> None:
            (then if condition(instance) else otherwise)(instance)

        return check_if

    def predicate(self, node: dict[str, Any]) -> Callable[[Any], bool]:
        """An if-condition as a yes/no test.

        The objectType dispatch conditions ({"required": [k], "properties": {k: {"const": v}}})
        and bare type tests become plain comparisons: failing them is the common case, and
        raising and catching SchemaFailure for it would double the cost of a statement.
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
            except SchemaFailure:
                return False
            return True

        return passes

    KEYWORDS: dict[str, Callable[[SchemaCompiler, dict[str, Any], Any], Check]] = {
        "$ref": _ref,
        "type": _type,
        "const": _const,
        "enum": _enum,
        "pattern": _pattern,
        "minimum": _minimum,
        "maximum": _maximum,
        "minItems": _min_items,
        "required": _required,
        "properties": _properties,
        "additionalProperties": _additional_properties,
        "items": _items,
        "not": _not,
        "if": _if,
    }


def _accept(instance: Any) -> None:
    return None


def _reject_all(node: dict[str, Any]) -> Check:
    def reject(instance: Any) -> None:
        raise SchemaFailure("false", node, instance)

    return reject


def _isinstance_test(python_type: type) -> Callable[[Any], bool]:
    return lambda instance: isinstance(instance, python_type)
