"""Keys for what a process keeps about one database: caches, and calls in flight.

`(id(client), database name)` would do while a client lives, but a client made after another is
gone can get the same id, and with it the other's cached state (marks of another store, names
recorded as already written). A scope number is never given to a second client.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lrs.db coalesces with lrs.coalescing, which needs this module
    from lrs.db import Database

_numbers: dict[int, int] = {}  # id(client) -> its scope number, while the client lives
_next_number = itertools.count(1)


def database_scope(database: Database) -> tuple[int, str]:
    client = database.client
    number = _numbers.get(id(client))
    if number is None:
        number = _numbers[id(client)] = next(_next_number)
        weakref.finalize(client, _numbers.pop, id(client), None)
    return number, database.name
