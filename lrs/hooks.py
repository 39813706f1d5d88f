"""The small interface through which cmi5 (and anything else) reacts to statement writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lrs.auth.principal import Principal
from lrs.versions import XAPI_1_0_3, XapiVersion


@dataclass
class StoreContext:
    """What a hook may know about the write in progress."""

    principal: Principal
    # Ids (lower case) of the batch's statements that are stored already, as the same statements.
    known_ids: frozenset[str] = frozenset()
    # The xAPI version whose rules the write follows; statements a hook adds follow them too.
    version: XapiVersion = XAPI_1_0_3
    # Statements a hook wants stored in the same request, after the batch (e.g. cmi5 "satisfied").
    extra_statements: list[dict[str, Any]] = field(default_factory=list)
    # What `before_store` changed and must be taken back if the batch is not stored after all
    # (a conflict, the database failing): run newest first, then the error goes on.
    undo: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class StatementHook(Protocol):
    async def before_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        """Inspect a validated batch (ids, stored and authority set); raise an LRSError to reject it."""

    async def after_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        """React to a stored batch; may append to `ctx.extra_statements`."""
