"""Parsing of query parameters and JSON bodies; every failure names the parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from multidict import MultiMapping

from lrs.datatypes import is_iri, is_uuid, parse_json_text, parse_timestamp
from lrs.errors import BadRequest, InvalidParameter
from lrs.ifi import ifi_key
from lrs.statements.validate import parse_agent_param


def check_parameters(query: Mapping[str, str], allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    allowed = set(allowed)
    for name in query:
        if name not in allowed:
            raise InvalidParameter(name, "unknown parameter for this resource")
    for name in required:
        if name not in query:
            raise InvalidParameter(name, "is required")
    if isinstance(query, MultiMapping):  # a plain dict cannot repeat a name
        for name in set(query):
            if len(query.getall(name)) > 1:
                raise InvalidParameter(name, "given more than once")


def boolean(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise InvalidParameter(name, "must be true or false")
    return value == "true"


def non_negative_integer(query: Mapping[str, str], name: str) -> int:
    value = query.get(name)
    if value is None:
        return 0
    # isdigit() alone admits "²" and other digits int() refuses; the length keeps int() cheap.
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidParameter(name, "must be a non-negative integer (at most 18 digits)")
    return int(value)


def timestamp(query: Mapping[str, str], name: str) -> datetime | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as problem:
        raise InvalidParameter(name, str(problem)) from None


def agent(query: Mapping[str, str], name: str = "agent") -> dict[str, Any] | None:
    value = query.get(name)
    return None if value is None else parse_agent_param(value, name)


def choice(query: Mapping[str, str], name: str, options: tuple[str, ...], default: str) -> str:
    value = query.get(name, default)
    if value not in options:
        raise InvalidParameter(name, f"must be one of {', '.join(options)}")
    return value


def parse_json(raw: bytes, what: str = "body") -> object:
    try:
        return parse_json_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest(f"the {what} is not UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise BadRequest(f"the {what} is not valid JSON: {error}") from None


def iri(query: Mapping[str, str], name: str) -> str | None:
    return _checked(query, name, is_iri, "must be an absolute IRI")


def required_iri(query: Mapping[str, str], name: str) -> str:
    return _required(name, iri(query, name))


def uuid(query: Mapping[str, str], name: str) -> str | None:
    """A UUID parameter such as registration, lower-cased: UUIDs compare case-insensitively."""
    value = _checked(query, name, is_uuid, "must be a UUID (8-4-4-4-12 hexadecimal digits)")
    return None if value is None else value.lower()


def required_uuid(query: Mapping[str, str], name: str) -> str:
    return _required(name, uuid(query, name))


def _required(name: str, value: str | None) -> str:
    if value is None:
        raise InvalidParameter(name, "is required")
    return value


def _checked(query: Mapping[str, str], name: str, is_valid: Callable[[str], bool], rule: str) -> str | None:
    value = query.get(name)
    if value is not None and not is_valid(value):
        raise InvalidParameter(name, rule)
    return value


def identified_agent(query: Mapping[str, str], name: str = "agent", groups: bool = False) -> tuple[dict[str, Any], str]:
    """An Agent parameter (or, with `groups`, an Identified Group) and its IFI key; required."""
    value = agent(query, name)
    if value is None:
        raise InvalidParameter(name, "is required")
    if value.get("objectType") == "Group" and not groups:
        raise InvalidParameter(name, "must be an Agent, not a Group")
    try:
        key = ifi_key(value)
    except (KeyError, TypeError, AttributeError):
        key = None
    if key is None:
        raise InvalidParameter(name, "needs an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
    return value, key
