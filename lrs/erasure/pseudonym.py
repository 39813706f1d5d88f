"""The pure rules of erasure: who the person is, whose record a statement is, and how the person
is replaced where a statement is someone else's record.

- The person is known by every identifier given, and an `mbox` also by its `mbox_sha1sum`.
- A statement whose actor is the person (an Agent, or an identified Group with that identifier)
  is the person's own record: it is deleted.
- Anywhere else (a member of the actor Group, the object Agent or Group, context instructor or
  team, xAPI 2.0 context agents and context groups, authority, or anything inside a SubStatement) the person is replaced by one pseudonym,
  an Agent with a random account of this erasure: the record of others stays whole, and the
  same pseudonym keeps "the same person" readable across it without saying who.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

from lrs.ifi import actor_keys, ifi_key

ERASED_PATH = "/erased"


def identity_keys(agent: dict[str, Any]) -> list[str]:
    keys = [ifi_key(agent)]
    if "mbox" in agent:
        for form in {agent["mbox"], agent["mbox"].lower()}:
            keys.append("mbox_sha1sum:" + hashlib.sha1(form.encode()).hexdigest())
    return list(dict.fromkeys(k for k in keys if k))


def make_pseudonym(public_url: str) -> dict[str, Any]:
    home = (public_url or "http://lrs.invalid") + ERASED_PATH
    return {"objectType": "Agent", "account": {"homePage": home, "name": str(uuid.uuid4())}}


def is_own_record(statement: dict[str, Any], keys: set[str]) -> bool:
    return ifi_key(statement["actor"]) in keys


def _replace(actor: object, keys: set[str], pseudonym: dict[str, Any]) -> object:
    if not isinstance(actor, dict):
        return actor
    if actor.get("objectType", "Agent") == "Agent":
        return copy.deepcopy(pseudonym) if ifi_key(actor) in keys else actor
    if actor.get("objectType") == "Group" and "member" in actor:
        members = [_replace(m, keys, pseudonym) for m in actor["member"]]
        return {**actor, "member": members}
    return actor


def _replace_in(part: dict[str, Any], keys: set[str], pseudonym: dict[str, Any]) -> dict[str, Any]:
    """A statement or SubStatement with the person replaced in its actor, object and context."""
    result = dict(part)
    if "actor" in result:
        result["actor"] = _replace(result["actor"], keys, pseudonym)
    obj = result.get("object") or {}
    if obj.get("objectType") in ("Agent", "Group"):
        result["object"] = _replace(obj, keys, pseudonym)
    elif obj.get("objectType") == "SubStatement":
        result["object"] = _replace_in(obj, keys, pseudonym)
    context = result.get("context")
    if context:
        result["context"] = _replace_in_context(context, keys, pseudonym)
    if "authority" in result:
        result["authority"] = _replace(result["authority"], keys, pseudonym)
    return result


def _replace_in_context(context: dict[str, Any], keys: set[str], pseudonym: dict[str, Any]) -> dict[str, Any]:
    replaced: dict[str, Any] = {
        role: _replace(context[role], keys, pseudonym) for role in ("instructor", "team") if role in context
    }
    # xAPI 2.0: each context agent holds one Agent, each context group one Group.
    for name, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if name in context:
            replaced[name] = [{**item, inner: _replace(item[inner], keys, pseudonym)} for item in context[name]]
    return {**context, **replaced}


def pseudonymise(statement: dict[str, Any], keys: set[str], pseudonym: dict[str, Any]) -> dict[str, Any]:
    return _replace_in(statement, keys, pseudonym)


def replace_keys(filter_keys: dict[str, list[str]], keys: set[str], pseudonym: dict[str, Any]) -> dict[str, list[str]]:
    """Filter keys with the person's keys swapped for the pseudonym's (StatementRef keys too)."""
    [pseudonym_key] = actor_keys(pseudonym)
    result = {}
    for name, values in filter_keys.items():
        kept = [v for v in values if v not in keys]
        result[name] = sorted(set(kept + [pseudonym_key])) if len(kept) < len(values) else values
    return result
