"""Where an import stands: one checkpoint per source, so an interrupted import goes on from there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lrs.db import Database

CHECKPOINTS = "transfer_checkpoints"


async def find_checkpoint(database: Database, source: str) -> dict[str, Any] | None:
    return await database[CHECKPOINTS].find_one({"_id": source})


async def update_checkpoint(database: Database, source: str, position: dict[str, Any]) -> None:
    await database[CHECKPOINTS].update_one(
        {"_id": source}, {"$set": {"position": position, "updated": datetime.now(UTC)}}, upsert=True
    )


async def delete_checkpoint(database: Database, source: str) -> None:
    await database[CHECKPOINTS].delete_one({"_id": source})
