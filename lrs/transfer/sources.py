"""Where an import reads from: an export file, or another LRS through GET /statements and `more`.

Both keep a checkpoint in the database after each stored batch (a file: the byte offset of the
next line; an LRS: the `stored` of the last statement imported, asked for again from 1 ms
before, since GET /statements reads `since` exclusively), and start from it the next time, unless
told to restart. The checkpoint goes once the import is complete.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import aiohttp

from lrs.datatypes import parse_timestamp
from lrs.errors import BadRequest
from lrs.http.multipart import parse_multipart
from lrs.http.params import parse_json
from lrs.statements.attachments import AttachmentBody
from lrs.statements.service import format_timestamp
from lrs.statements.vocab import is_voiding_statement
from lrs.transfer import format, store
from lrs.transfer.importer import Importer
from lrs.versions import SUPPORTED, VERSION_HEADER, XAPI_1_0_3

PAGE_SIZE = 500


def file_source(path: Path) -> str:
    """A file's checkpoint name: its path, size and first bytes (a changed file starts over)."""
    with path.open("rb") as file:
        start = hashlib.sha1(file.read(65536)).hexdigest()
    return f"file:{path.resolve()}:{path.stat().st_size}:{start}"


def count_statement_lines(path: Path, before: int) -> tuple[int, int]:
    """(statement lines in the file, of which before byte `before`): the progress bar's total."""
    total = done = position = 0
    with path.open("rb") as file:
        for raw in file:
            if raw.startswith(format.STATEMENT_PREFIX):
                total += 1
                done += position < before
            position += len(raw)
    return total, done


async def import_file(importer: Importer, path: Path, restart: bool, progress: Callable[[int, int], None]) -> bool:
    """Import an export file; `progress(total, done)` is called once before reading. True when resumed."""
    database = importer.database
    source = file_source(path)
    checkpoint = None if restart else await store.find_checkpoint(database, source)
    offset, number = (checkpoint["position"]["offset"], checkpoint["position"]["line"]) if checkpoint else (0, 0)
    progress(*count_statement_lines(path, offset))
    with path.open("rb") as file:
        file.seek(offset)
        for raw in file:
            number += 1
            offset += len(raw)
            if not raw.strip():
                continue
            kind, value = format.parse_line(raw, number)
            if kind == "statement" and isinstance(value, dict):
                importer.add_statement(value)
            elif kind == "attachment" and isinstance(value, AttachmentBody):
                await importer.add_attachment(value)
            elif kind == "document" and isinstance(value, tuple):
                await importer.add_document(*value)
            if importer.full:
                await importer.flush()
                await store.update_checkpoint(database, source, {"offset": offset, "line": number})
    await importer.flush()
    await store.delete_checkpoint(database, source)
    return checkpoint is not None


async def read_statements_response(response: aiohttp.ClientResponse) -> tuple[dict[str, Any], list[AttachmentBody]]:
    body = await response.read()
    if response.status != 200:
        raise BadRequest(f"{response.url} answered {response.status}: {body[:300].decode('utf-8', 'replace')}")
    content_type = response.headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/mixed"):
        return json_object(body, response), []
    parts = parse_multipart(body, content_type)
    attachments = [
        AttachmentBody(
            p.headers.get("X-Experience-API-Hash", "").lower(), p.content_type or "application/octet-stream", p.data
        )
        for p in parts[1:]
    ]
    return json_object(parts[0].data, response), attachments


def page_statements(page: dict[str, Any], response: aiohttp.ClientResponse) -> list[dict[str, Any]]:
    statements = page.get("statements")
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise BadRequest(f"{response.url} answered no StatementResult (a list of statement objects)")
    return statements


def json_object(raw: bytes, response: aiohttp.ClientResponse) -> dict[str, Any]:
    value = parse_json(raw, "response")
    if not isinstance(value, dict):
        raise BadRequest(f"{response.url} answered JSON that is not an object: {raw[:100].decode('utf-8', 'replace')}")
    return value


async def import_remote(
    importer: Importer, url: str, key: str, secret: str, restart: bool, progress: Callable[[int, int], None]
) -> bool:
    """Pull every statement of the LRS at `url` (its xAPI endpoint) in its `stored` order. Voided
    statements, which lists leave out, are fetched by voidedStatementId beside their voiding one."""
    database = importer.database
    url = url.rstrip("/")
    source = f"lrs:{url}"
    checkpoint = None if restart else await store.find_checkpoint(database, source)
    params = {"ascending": "true", "attachments": "true", "limit": str(PAGE_SIZE)}
    if checkpoint:
        params["since"] = format_timestamp(parse_timestamp(checkpoint["position"]["since"]) - timedelta(milliseconds=1))
    progress(0, 0)
    next_url: str | None = f"{url}/statements?{urlencode(params)}"
    credential = base64.b64encode(f"{key}:{secret}".encode()).decode()
    try:
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Basic {credential}"}, timeout=aiohttp.ClientTimeout(total=300)
        ) as session:
            headers = {VERSION_HEADER: await source_version(session, url)}
            while next_url:
                async with session.get(next_url, headers=headers) as response:
                    page, attachments = await read_statements_response(response)
                    statements = page_statements(page, response)
                for body in attachments:
                    await importer.add_attachment(body)
                for statement in statements:
                    target = statement["object"].get("id") if is_voiding_statement(statement) else None
                    if isinstance(target, str):  # one without an id is refused by the importer, by name
                        await add_voided(importer, session, headers, url, target)
                    importer.add_statement(statement)
                await importer.flush()
                if statements and isinstance(statements[-1].get("stored"), str):
                    await store.update_checkpoint(database, source, {"since": statements[-1]["stored"]})
                next_url = urljoin(url + "/", page["more"]) if isinstance(page.get("more"), str) else None
    except (aiohttp.ClientError, TimeoutError) as error:
        # An address that is not http(s), a host that does not answer, a dropped connection.
        raise BadRequest(f"{url}: {error.__class__.__name__}: {error}") from None
    await store.delete_checkpoint(database, source)
    return checkpoint is not None


async def source_version(session: aiohttp.ClientSession, url: str) -> str:
    """The newest xAPI version the source lists at /about and this LRS serves: statements read in
    an older one may come without what it lacks (a 1.0.3 reader gets no 2.0 context agents)."""
    try:
        async with session.get(f"{url}/about") as response:
            about = await response.json(content_type=None) if response.status == 200 else None
    except (aiohttp.ClientError, ValueError):
        about = None
    listed = about.get("version") if isinstance(about, dict) else None
    listed = [v for v in listed if isinstance(v, str)] if isinstance(listed, list) else []
    for version in sorted(SUPPORTED, key=lambda v: v.name, reverse=True):
        if any(version.serves(value) for value in listed):
            return version.name
    return XAPI_1_0_3.name


async def add_voided(
    importer: Importer, session: aiohttp.ClientSession, headers: dict[str, str], url: str, statement_id: str
) -> None:
    query = urlencode({"voidedStatementId": statement_id, "attachments": "true"})
    async with session.get(f"{url}/statements?{query}", headers=headers) as response:
        if response.status == 404:
            return  # the source never had it
        statement, attachments = await read_statements_response(response)
    for body in attachments:
        await importer.add_attachment(body)
    importer.add_statement(statement)
