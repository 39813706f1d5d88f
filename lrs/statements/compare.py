"""Statement comparison (xAPI Data 2.3.1): which differences do not make two statements different.

Ignored: what the LRS assigns (id, authority, stored, version), the timestamp's serialization
(compared as an instant), Activity definitions and Verb displays (not part of the statement),
the order of Group members, and the case of e-mail addresses. Everything else counts.
"""

from __future__ import annotations

import hashlib
import json

from dateutil.parser import isoparse

ASSIGNED_BY_LRS = ("id", "authority", "stored", "version")


def statement_hash(statement: dict, with_timestamp: bool) -> str:
    """A digest equal for statements the spec considers the same."""
    form = _comparable_statement(statement, with_timestamp)
    encoded = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _comparable_statement(statement: dict, with_timestamp: bool) -> dict:
    form = {k: v for k, v in statement.items() if k not in ASSIGNED_BY_LRS}
    form.pop("timestamp", None)
    if with_timestamp and "timestamp" in statement:
        form["timestamp"] = isoparse(statement["timestamp"]).timestamp()
    form["actor"] = _comparable_actor(statement.get("actor"))
    if "verb" in form:
        form["verb"] = {"id": form["verb"].get("id")}
    if "object" in form:
        form["object"] = _comparable_object(form["object"])
    if "context" in form:
        form["context"] = _comparable_context(form["context"])
    return form


def _comparable_object(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"objectType": "Activity", "id": obj.get("id")}
    if kind in ("Agent", "Group"):
        return _comparable_actor(obj)
    if kind == "SubStatement":
        return {"objectType": "SubStatement", **_comparable_statement(obj, True)}
    return obj


def _comparable_actor(actor: dict | None) -> dict | None:
    if not isinstance(actor, dict):
        return actor
    form = dict(actor)
    if "mbox" in form and isinstance(form["mbox"], str):
        form["mbox"] = form["mbox"].lower()
    form.setdefault("objectType", "Agent")
    if isinstance(form.get("member"), list):
        members = [_comparable_actor(m) for m in form["member"]]
        form["member"] = sorted(members, key=lambda m: json.dumps(m, sort_keys=True))
    return form


def _comparable_context(context: dict) -> dict:
    form = dict(context)
    for role in ("instructor", "team"):
        if role in form:
            form[role] = _comparable_actor(form[role])
    activities = form.get("contextActivities")
    if isinstance(activities, dict):
        form["contextActivities"] = {
            kind: [{"id": a.get("id")} for a in (value if isinstance(value, list) else [value])]
            for kind, value in activities.items()
        }
    return form
