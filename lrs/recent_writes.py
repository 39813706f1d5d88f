"""Idempotent writes this process has already made, so that repeating them costs nothing.

Statements repeat the same Activity definitions and Agent names over and over; writing them
again would change nothing but would cost an upsert each, as much as storing a statement.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable

from lrs.db import Database
from lrs.scopes import database_scope


class RecentWrites:
    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._seen: OrderedDict[tuple[tuple[int, str], Hashable], None] = OrderedDict()

    def unseen(self, database: Database, item: Hashable) -> bool:
        key = (database_scope(database), item)
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        return True

    def remember(self, database: Database, items: Iterable[Hashable]) -> None:
        scope = database_scope(database)
        for item in items:
            self._seen[(scope, item)] = None
        while len(self._seen) > self.size:
            self._seen.popitem(last=False)
