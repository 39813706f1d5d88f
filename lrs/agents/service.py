"""The Agents resource's verb: a Person object for one Agent."""

from lrs.ifi import IFI_PROPERTIES


async def get_person(database, agent: dict) -> dict:
    """Everything known for the agent; with nothing known, the agent's own data (Comm. 2.4)."""
    person: dict = {"objectType": "Person"}
    if agent.get("name"):
        person["name"] = [agent["name"]]
    for prop in IFI_PROPERTIES:
        if prop in agent:
            person[prop] = [agent[prop]]
    return person
