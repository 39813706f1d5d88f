"""The audit trail of erasures: when, by which credential, how much. No identifier of the person."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING, IndexModel

from lrs.db import Database, IndexSpec

ERASURES = "erasures"
INDEXES = [IndexSpec(ERASURES, IndexModel([("at", DESCENDING)]))]


async def insert_erasure(database: Database, record: dict[str, Any]) -> None:
    await database[ERASURES].insert_one(record)


async def find_erasures(database: Database) -> list[dict[str, Any]]:
    return await database[ERASURES].find().sort("at", DESCENDING).to_list()
