"""Inverse Functional Identifiers: the one key under which an Agent or Identified Group is found."""

from __future__ import annotations

from typing import Any

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")  # Data 2.4.2.3


def ifi_key(agent: dict[str, Any]) -> str | None:
    """`mbox:mailto:a@b`, `account:<homePage> <name>`, ...; None for an Anonymous Group."""
    if "mbox" in agent:
        # The case of e-mail addresses carries no meaning for matching.
        return "mbox:" + str(agent["mbox"]).lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    if "account" in agent:
        account = agent["account"]
        return f"account:{account['homePage']} {account['name']}"
    return None


def identified_key(agent: dict[str, Any]) -> str:
    """The key of an Agent or identified Group, which validation has made sure it has."""
    key = ifi_key(agent)
    if key is None:
        raise ValueError("an Anonymous Group has no inverse functional identifier")
    return key


def actor_keys(actor: dict[str, Any]) -> list[str]:
    """Keys that match this Agent or Group; a Group also matches each of its members."""
    keys = []
    own = ifi_key(actor)
    if own:
        keys.append(own)
    for member in actor.get("member") or ():
        member_key = ifi_key(member)
        if member_key:
            keys.append(member_key)
    return keys


def agent_from_key(key: str) -> dict[str, Any]:
    """The Agent an `ifi_key` stands for (an mbox comes back lower-cased)."""
    kind, _, value = key.partition(":")
    if kind == "account":
        home_page, _, name = value.partition(" ")
        return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}
    if kind not in IFI_PROPERTIES or not value:
        raise ValueError(f"not an agent key: {key!r}")
    return {"objectType": "Agent", kind: value}
