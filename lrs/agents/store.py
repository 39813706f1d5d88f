"""What the LRS knows about each Agent: the names it has been seen with, keyed by its IFI.

Filled from the statements as they are stored (one bulk upsert per batch) and read by the Agents
resource to build Person objects. Groups with an identifier are recorded the same way.
"""

from __future__ import annotations

from typing import Any

from pymongo import UpdateOne

from lrs.coalescing import BulkWrites
from lrs.db import Database
from lrs.ifi import ifi_key
from lrs.recent_writes import RecentWrites

AGENTS = "agents"
NAMES = "names"


def agents_of(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Agent and Group a statement names (actor, object, context, sub-statement, members)."""
    found: list[dict[str, Any]] = []

    def add(actor: dict[str, Any] | None) -> None:
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
        for context_agent in context.get("contextAgents") or ():
            add(context_agent.get("agent"))
        for context_group in context.get("contextGroups") or ():
            add(context_group.get("group"))
        if obj.get("objectType") != "SubStatement":
            break
    return found


recent = RecentWrites()
# Concurrent requests' upserts go as one bulk write (lrs.coalescing).
upserts = BulkWrites(AGENTS)


def agent_names(statements: list[dict[str, Any]]) -> dict[str, list[str]]:
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
    return names


async def update_agent_names(database: Database, statements: list[dict[str, Any]]) -> None:
    new = {
        key: fresh
        for key, values in agent_names(statements).items()
        if (fresh := [name for name in values if recent.unseen(database, (key, name))])
    }
    operations = [
        UpdateOne({"_id": key}, {"$addToSet": {NAMES: {"$each": values}}}, upsert=True) for key, values in new.items()
    ]
    await upserts.write(database, operations)  # even with none, to stay with the turn
    recent.remember(database, ((key, name) for key, values in new.items() for name in values))


async def find_agent_names(database: Database, key: str) -> list[str]:
    document = await database[AGENTS].find_one({"_id": key})
    return list(document.get(NAMES, ())) if document else []


async def count_agents(database: Database, keys: list[str]) -> int:
    return await database[AGENTS].count_documents({"_id": {"$in": keys}})


async def delete_agents(database: Database, keys: list[str]) -> int:
    """Forget the names seen for these identifiers (erasure)."""
    result = await database[AGENTS].delete_many({"_id": {"$in": keys}})
    return result.deleted_count
