"""What the LRS knows about each Agent: the names it has been seen with, keyed by its IFI.

Filled from the statements as they are stored (one bulk upsert per batch) and read by the Agents
resource to build Person objects. Groups with an identifier are recorded the same way.
"""

from __future__ import annotations

from pymongo import UpdateOne

from lrs.ifi import ifi_key

AGENTS = "agents"
NAMES = "names"


def agents_of(statement: dict) -> list[dict]:
    """Every Agent and Group a statement names (actor, object, context, sub-statement, members)."""
    found: list[dict] = []

    def add(actor: dict | None) -> None:
        if not isinstance(actor, dict):
            return
        found.append(actor)
        for member in actor.get("member") or ():
            add(member)

    for part in (statement, statement.get("object") or {}):
        add(part.get("actor"))
        obj = part.get("object") or {}
        if obj.get("objectType") in ("Agent", "Group"):
            add(obj)
        context = part.get("context") or {}
        add(context.get("instructor"))
        add(context.get("team"))
        if obj.get("objectType") != "SubStatement":
            break
    return found


def name_updates(statements: list[dict]) -> list[UpdateOne]:
    names: dict[str, list[str]] = {}
    for statement in statements:
        for agent in agents_of(statement):
            try:
                key = ifi_key(agent)
            except (KeyError, TypeError, AttributeError):
                continue  # validation rejects such agents; never fail a stored batch here
            name = agent.get("name")
            if key and isinstance(name, str) and name and name not in names.setdefault(key, []):
                names[key].append(name)
    return [
        UpdateOne({"_id": key}, {"$addToSet": {NAMES: {"$each": values}}}, upsert=True)
        for key, values in names.items() if values
    ]


async def update_agent_names(database, statements: list[dict]) -> None:
    operations = name_updates(statements)
    if operations:
        await database[AGENTS].bulk_write(operations, ordered=False)


async def find_agent_names(database, key: str) -> list[str]:
    document = await database[AGENTS].find_one({"_id": key})
    return list(document.get(NAMES, ())) if document else []
