"""The export file: NDJSON, one JSON object per line, each named by its only key.

    {"lrs-export": 1, "exported": "<time>", "filter": {<GET /statements parameters>}}
    {"attachment": {"sha2": ..., "contentType": ..., "content": "<base64>"}}
    {"statement": {<the statement as stored>}}            ("voided": true beside it when it is)
    {"document": {"resource": "state" | "agents/profile" | "activities/profile", "id": ...,
                  "activityId": ..., "agent": {Agent}, "registration": ..., "contentType": ...,
                  "updated": "<time>", "content": "<base64>"}}

Statements come in the store's order (`stored`), each attachment body once, before the first
statement that uses it; a voided statement comes right before the statement voiding it
(GET /statements never lists voided statements, an export keeps them). Documents come last.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from lrs.datatypes import parse_timestamp
from lrs.documents.store import (
    ACTIVITY_ID,
    ACTIVITY_PROFILE,
    AGENT,
    AGENT_PROFILE,
    DOCUMENT_ID,
    KIND,
    REGISTRATION,
    STATE,
    Content,
    StoredDocument,
)
from lrs.errors import BadRequest
from lrs.ifi import agent_from_key, ifi_key
from lrs.statements.attachments import AttachmentBody
from lrs.statements.service import format_timestamp

VERSION = 1
HEADER = "lrs-export"
RESOURCES = {STATE: "state", AGENT_PROFILE: "agents/profile", ACTIVITY_PROFILE: "activities/profile"}
KINDS = {resource: kind for kind, resource in RESOURCES.items()}
STATEMENT_PREFIX = b'{"statement":'


def dump(line: dict[str, Any]) -> str:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


def header_line(filter_params: dict[str, Any], exported: datetime) -> dict[str, Any]:
    return {HEADER: VERSION, "exported": format_timestamp(exported), "filter": filter_params}


def attachment_line(body: AttachmentBody) -> dict[str, Any]:
    return {
        "attachment": {
            "sha2": body.sha2,
            "contentType": body.content_type,
            "content": base64.b64encode(body.data).decode(),
        }
    }


def statement_line(statement: dict[str, Any], voided: bool = False) -> dict[str, Any]:
    return {"statement": statement, "voided": True} if voided else {"statement": statement}


def document_line(key: dict[str, Any], document: StoredDocument) -> dict[str, Any]:
    line = {"resource": RESOURCES[key[KIND]], "id": key[DOCUMENT_ID]}
    if key[ACTIVITY_ID]:
        line["activityId"] = key[ACTIVITY_ID]
    if key[AGENT]:
        line["agent"] = agent_from_key(key[AGENT])
    if key[REGISTRATION]:
        line["registration"] = key[REGISTRATION]
    line.update(
        contentType=document.content_type,
        updated=format_timestamp(document.updated),
        content=base64.b64encode(document.content).decode(),
    )
    return {"document": line}


def parse_line(raw: bytes, number: int) -> tuple[str, object]:
    """(kind, value) of one line: kind is "header", "statement", "attachment" or "document"."""
    try:
        line = json.loads(raw)
    except ValueError as error:
        raise BadRequest(f"line {number}: not JSON ({error})") from None
    if not isinstance(line, dict) or not line:
        raise BadRequest(f"line {number}: not a line of an lrs export")
    if HEADER in line:
        if line[HEADER] != VERSION:
            raise BadRequest(f"line {number}: export format {line[HEADER]!r} is not supported")
        return "header", line
    kind = next(iter(line))
    value = line[kind]
    try:
        if kind == "statement" and isinstance(value, dict):
            return kind, value
        if kind == "attachment":
            return kind, AttachmentBody(value["sha2"].lower(), value["contentType"], base64.b64decode(value["content"]))
        if kind == "document":
            return kind, parse_document(value)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BadRequest(f"line {number}: a malformed {kind} ({error.__class__.__name__}: {error})") from None
    raise BadRequest(f"line {number}: unknown kind {kind!r}")


def parse_document(value: dict[str, Any]) -> tuple[dict[str, Any], Content]:
    """The document's key fields and content, as lrs.documents.store keeps them."""
    content = base64.b64decode(value["content"])
    key = {
        KIND: KINDS[value["resource"]],
        ACTIVITY_ID: value.get("activityId", ""),
        AGENT: ifi_key(value["agent"]) if "agent" in value else "",
        REGISTRATION: value.get("registration", ""),
        DOCUMENT_ID: value["id"],
    }
    return key, Content(
        content, value["contentType"], hashlib.sha1(content).hexdigest(), parse_timestamp(value["updated"])
    )
