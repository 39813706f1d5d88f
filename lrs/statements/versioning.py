"""A statement as one xAPI version stores it and as it returns it (rules: ``lrs.versions``).

A statement keeps the version it was stored under; what a reader receives is valid for the
version the reader's request names:

* a 1.0.3 reader gets no context agents or groups (1.0.3 has none; dropped, as nothing in 1.0.3
  could carry them) and, for a statement stored as 2.0.x, the version it is returned in;
* a 2.0 reader gets every timestamp in UTC, also of statements stored under 1.0.3 with an offset.

Pure functions on plain dicts; `returned_form` never changes its argument.
"""

from __future__ import annotations

from typing import Any

from lrs.datatypes import utc_timestamp
from lrs.versions import XapiVersion


def convert_for_storage(statement: dict[str, Any], version: XapiVersion) -> None:
    """Apply `version`'s storage rules to a validated statement, in place."""
    if version.utc_timestamps:
        for part in _parts(statement):
            if "timestamp" in part:
                part["timestamp"] = utc_timestamp(part["timestamp"])


def returned_form(statement: dict[str, Any], version: XapiVersion) -> dict[str, Any]:
    """The statement as a request of `version` receives it."""
    returned = dict(statement)
    if "version" in returned and not version.accepts_statement_version(returned["version"]):
        returned["version"] = version.name
    if isinstance(returned.get("object"), dict) and returned["object"].get("objectType") == "SubStatement":
        returned["object"] = _returned_part(dict(returned["object"]), version)
    return _returned_part(returned, version)


def _returned_part(part: dict[str, Any], version: XapiVersion) -> dict[str, Any]:
    context = part.get("context")
    if isinstance(context, dict) and version.missing_context_properties & context.keys():
        part["context"] = {k: v for k, v in context.items() if k not in version.missing_context_properties}
    if version.utc_timestamps and isinstance(part.get("timestamp"), str):
        part["timestamp"] = utc_timestamp(part["timestamp"])
    return part


def _parts(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement and, when its object is one, its SubStatement."""
    target = statement.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        return [statement, target]
    return [statement]
