"""The Agents resource's verb: a Person object for one Agent (Communication 2.4)."""

from lrs.agents.store import find_agent_names
from lrs.ifi import IFI_PROPERTIES, ifi_key


async def get_person(database, agent: dict) -> dict:
    """The agent's own data combined with what the LRS has seen for its IFI: every name it was
    stored with. With nothing known, only the agent's own data."""
    person: dict = {"objectType": "Person"}
    names = [agent["name"]] if agent.get("name") else []
    for name in await find_agent_names(database, ifi_key(agent)):
        if name not in names:
            names.append(name)
    if names:
        person["name"] = names
    for prop in IFI_PROPERTIES:
        if prop in agent:
            person[prop] = [agent[prop]]
    return person
