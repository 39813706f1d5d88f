"""`lrs export`: the store's statements (filtered like GET /statements), their attachments and its
documents as export lines (format.py), read through the statement service page by page.

Resuming: the lines already in the file say where to go on. Statements are read in `stored`
order, so reading again from the last `stored` in the file (inclusive) and skipping the ids
already written picks up exactly what is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lrs.auth.principal import Principal
from lrs.db import Database
from lrs.documents.store import find_all_documents
from lrs.errors import BadRequest, NotFound
from lrs.ifi import ifi_key
from lrs.statements import service
from lrs.statements.attachments import AttachmentBody
from lrs.statements.query import StatementQuery
from lrs.statements.vocab import is_voiding_statement
from lrs.transfer import format
from lrs.versions import NEWEST

PAGE_SIZE = 500
EXPORTER = Principal("export", "export", frozenset({"all"}), {})
# Statements are written as the newest xAPI version returns them: it can carry every statement
# stored (a 1.0.3 reader would lose 2.0 context agents and groups); its one change to a 1.0.3
# statement, a timestamp given in UTC, is the same instant by the comparison rules.
FORM = NEWEST


@dataclass
class Written:
    """What an interrupted export file already holds."""

    filter: dict[str, Any] | None = None
    last_stored: datetime | None = None
    ids_at_end: set[str] = field(default_factory=set)  # statements stored at `last_stored` or after
    voided: set[str] = field(default_factory=set)  # voided statements written (out of `stored` order)
    attachments: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    statements: int = 0
    complete_bytes: int = 0  # the file up to its last complete line


# How every export starts (format.dump of format.header_line).
HEADER_START = b'{"' + format.HEADER.encode() + b'":'


def read_written(path: Path) -> Written:
    """What `path` holds; a file that is not an export of ours (or was edited) is refused, as
    going on would cut it and write a file import cannot read."""
    written = Written()
    with path.open("rb") as file:
        for number, raw in enumerate(file, 1):
            if not raw.endswith(b"\n"):
                # Cut off mid-line: that line is written again. A first line must be the
                # beginning of a header, or this is some other file.
                if number == 1 and not (raw.startswith(HEADER_START) or HEADER_START.startswith(raw)):
                    raise not_an_export(path, number, "no lrs-export header")
                break
            try:
                line = json.loads(raw)
                if number == 1 and format.HEADER not in line:
                    raise ValueError("no lrs-export header")
                add_written(written, line)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise not_an_export(path, number, f"{error.__class__.__name__}: {error}") from None
            written.complete_bytes += len(raw)
    return written


def not_an_export(path: Path, number: int, why: str) -> BadRequest:
    return BadRequest(
        f"{path}: line {number} is not a line of an lrs export ({why}); resume only a file lrs export wrote"
    )


def add_written(written: Written, line: dict[str, Any]) -> None:
    if format.HEADER in line:
        written.filter = line["filter"]
    elif "statement" in line and line.get("voided"):
        written.voided.add(line["statement"]["id"].lower())
        written.statements += 1
    elif "statement" in line:
        stored = datetime.fromisoformat(line["statement"]["stored"].replace("Z", "+00:00"))
        if written.last_stored is None or stored > written.last_stored:
            written.last_stored = stored
            written.ids_at_end = set()
        written.ids_at_end.add(line["statement"]["id"].lower())
        written.statements += 1
    elif "attachment" in line:
        written.attachments.add(line["attachment"]["sha2"])
    elif "document" in line:
        written.documents.add(document_name(line["document"]))
    else:
        raise KeyError("none of lrs-export, statement, attachment, document")


def document_name(line: dict[str, Any]) -> str:
    agent = ifi_key(line["agent"]) if "agent" in line else ""
    return json.dumps([line["resource"], line.get("activityId", ""), agent, line.get("registration", ""), line["id"]])


async def statement_lines(database: Database, q: StatementQuery, written: Written) -> AsyncIterator[dict[str, Any]]:
    q = replace(q, ascending=True, limit=0, after=None)
    if written.last_stored is not None:
        resume_from = written.last_stored - timedelta(milliseconds=1)
        q = replace(q, since=max(q.since, resume_from) if q.since else resume_from)
    attachments = set(written.attachments)

    def with_bodies(
        statement: dict[str, Any],
        bodies: dict[str, AttachmentBody],
        voided: bool = False,
    ) -> Iterator[dict[str, Any]]:
        for attachment in statement.get("attachments", ()):
            body = bodies.get(attachment["sha2"].lower())
            if body is not None and body.sha2 not in attachments:
                attachments.add(body.sha2)
                yield format.attachment_line(body)
        yield format.statement_line(statement, voided)

    while True:
        page = await service.query_statements(
            database, q, PAGE_SIZE, "exact", None, with_attachments=True, version=FORM
        )
        bodies = {body.sha2: body for body in page.attachments}
        for statement in page.statements:
            if statement["id"].lower() in written.ids_at_end:
                continue
            if is_voiding_statement(statement) and statement["object"]["id"].lower() not in written.voided:
                try:
                    target = await service.get_statement(
                        database, EXPORTER, statement["object"]["id"], True, "exact", None, True, version=FORM
                    )
                except NotFound:
                    pass  # its target was never stored here
                else:
                    target_bodies = {body.sha2: body for body in target.attachments}
                    for line in with_bodies(target.statements[0], target_bodies, voided=True):
                        yield line
            for line in with_bodies(statement, bodies):
                yield line
        if page.more is None:
            return
        q = replace(q, after=page.more)


async def document_lines(
    database: Database, agent: dict[str, Any] | None, activity_id: str | None, written: Written
) -> AsyncIterator[dict[str, Any]]:
    async for key, document in find_all_documents(database, ifi_key(agent) if agent else None, activity_id):
        line = format.document_line(key, document)
        if document_name(line["document"]) not in written.documents:
            yield line


async def export_lines(
    database: Database,
    q: StatementQuery,
    filter_params: dict[str, Any],
    with_documents: bool,
    written: Written | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Every line of an export (after what `written` already holds, when resuming)."""
    written = written or Written()
    if written.filter is None:
        yield format.header_line(filter_params, datetime.now(UTC))
    elif written.filter != filter_params:
        raise BadRequest(
            f"the file was exported with the filter {json.dumps(written.filter)}; "
            "resume with the same options or start a new file"
        )
    if not written.documents:
        async for line in statement_lines(database, q, written):
            yield line
    if with_documents:
        async for line in document_lines(database, q.agent, q.activity, written):
            yield line
