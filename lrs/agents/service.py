"""The Agents resource's verb: a Person object for one Agent (Communication 2.4)."""

from __future__ import annotations

from typing import Any

from lrs.agents.store import find_agent_names
from lrs.db import Database
from lrs.ifi import IFI_PROPERTIES, ifi_key


async def get_person(database: Database, agent: dict[str, Any]) -> dict[str, Any]:
    """The agent's own data combined with what the LRS has seen for its IFI: every name it was
    stored with. With nothing known, only the agent's own data."""
    person: dict[str, Any] = {"objectType": "Person"}
    names = [agent["name"]] if agent.get("name") else []
    key = ifi_key(agent)
    for name in await find_agent_names(database, key) if key else []:
        if name not in names:
            names.append(name)
    if names:
        person["name"] = names
    for prop in IFI_PROPERTIES:
        if prop in agent:
            person[prop] = [agent[prop]]
    return person
