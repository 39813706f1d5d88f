"""`lrs import`: statements, attachments and documents into this LRS, batched and idempotent.

Statements go through the statement service like any POST (validated, hooked, forwarded), under
the importer's authority: `stored` and `authority` are the LRS's to assign, and the xAPI
comparison rules leave them out, so a statement imported twice is a no-op the second time. A
batch the LRS refuses is retried one statement at a time; each refused one is reported and
skipped. Attachment bodies are stored as they are read (content-addressed, so again harmless);
documents are created unless one with the same key exists already (never overwritten).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lrs.auth.principal import Principal
from lrs.db import Database
from lrs.documents.store import Content, insert_document, place_of
from lrs.errors import LRSError
from lrs.hooks import StatementHook
from lrs.statements.attachments import AttachmentBody, find_attachment_bodies, insert_attachment_bodies
from lrs.statements.service import store_statements
from lrs.versions import NEWEST

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def import_principal(public_url: str) -> Principal:
    authority = {
        "objectType": "Agent",
        "name": "import",
        "account": {"homePage": public_url or "http://lrs.invalid", "name": "import"},
    }
    return Principal("import", "import", frozenset({"all"}), authority)


@dataclass
class Counts:
    statements: int = 0  # stored, or found already stored as the same statement
    rejected: int = 0
    attachments: int = 0
    documents: int = 0
    documents_existing: int = 0
    problems: list[str] = field(default_factory=list)


class Importer:
    def __init__(
        self,
        database: Database,
        hooks: list[StatementHook],
        principal: Principal,
        batch_size: int = BATCH_SIZE,
        on_stored: Callable[[int], object] | None = None,
    ) -> None:
        self.database = database
        self.hooks = hooks
        self.principal = principal
        self.batch_size = batch_size
        self.pending: list[dict[str, Any]] = []
        self.counts = Counts()
        self.read = 0  # statements handed to add_statement
        self.on_stored = on_stored or (lambda count: None)

    @property
    def full(self) -> bool:
        return len(self.pending) >= self.batch_size

    async def add_attachment(self, body: AttachmentBody) -> None:
        await insert_attachment_bodies(self.database, [body])
        self.counts.attachments += 1

    def add_statement(self, statement: dict[str, Any]) -> None:
        self.pending.append(statement)
        self.read += 1

    async def add_document(self, key: dict[str, Any], content: Content) -> None:
        if await insert_document(self.database, place_of(key), key["document_id"], content):
            self.counts.documents += 1
        else:
            self.counts.documents_existing += 1

    async def flush(self) -> None:
        """Store the statements read so far."""
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            await self.store(batch)
            self.counts.statements += len(batch)
        except LRSError:
            for position, statement in enumerate(batch, self.read - len(batch) + 1):
                try:
                    await self.store([statement])
                    self.counts.statements += 1
                except LRSError as error:
                    self.counts.rejected += 1
                    # A statement without an id (a file not written by an export) is named by its place.
                    name = statement.get("id") or f"number {position} of the import (it has no id)"
                    self.counts.problems.append(f"statement {name}: {error.status} {error.detail}")
                    log.warning("import: statement %s refused: %s", name, error.detail)
        self.on_stored(len(batch))

    async def store(self, statements: list[dict[str, Any]]) -> None:
        hashes = sorted({a["sha2"].lower() for s in statements for a in s.get("attachments", ())})
        parts = {body.sha2: body for body in await find_attachment_bodies(self.database, hashes)}
        # Copies: the service fills in what the LRS assigns on the dicts it is given.
        # Under the newest version's rules, which accept 1.0.x statements too (lrs.versions).
        await store_statements(
            self.database, self.hooks, self.principal, [dict(s) for s in statements], parts, version=NEWEST
        )
