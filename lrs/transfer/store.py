"""Where an import stands: one checkpoint per source, so an interrupted import goes on from there."""

from __future__ import annotations

from datetime import datetime, timezone

CHECKPOINTS = "transfer_checkpoints"


async def find_checkpoint(database, source: str) -> dict | None:
    return await database[CHECKPOINTS].find_one({"_id": source})


async def update_checkpoint(database, source: str, position: dict) -> None:
    await database[CHECKPOINTS].update_one(
        {"_id": source}, {"$set": {"position": position, "updated": datetime.now(timezone.utc)}}, upsert=True)


async def delete_checkpoint(database, source: str) -> None:
    await database[CHECKPOINTS].delete_one({"_id": source})
