"""One delivery: a list of statements POSTed to a receiving LRS or to a webhook.

To an LRS: `POST {url}/statements` with its Basic credential and the forward's xAPI version
(1.0.3 unless set to 2.0.0), each statement in the form valid for that version; with
attachment bodies as multipart/mixed, so signed statements and attachments arrive whole. The
statements keep their ids, so a delivery repeated after a lost answer is a no-op there.

To a webhook: `POST {url}` with `{"forward": id, "statements": [...]}` and the header
`X-LRS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body, keyed with the secret>`;
a receiver recomputes it and may refuse old timestamps (replays). Attachment bodies are not sent.

Any answer but 2xx, a timeout or a connection error is a failure, retried later; so is a
receiver at a link-local or metadata address (addresses.py), which is never contacted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from lrs.forwarding.addresses import is_refused_address
from lrs.http.multipart import build_multipart
from lrs.http.responses import dump_json
from lrs.statements.attachments import AttachmentBody
from lrs.statements.signature import SIGNATURE_USAGE
from lrs.statements.versioning import returned_form
from lrs.versions import VERSION_HEADER, XAPI_1_0_3, XapiVersion, version_for_header

SIGNATURE_HEADER = "X-LRS-Signature"
# Enough of the receiver's answer to say what went wrong, never a whole page.
ERROR_TEXT_LIMIT = 300


class DeliveryFailed(Exception):
    """The receiver did not take the statements; the message says why, for the forward's status."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (also used by the tests): recompute and compare in constant time."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        expected = sign(secret, int(fields["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def receiver_version(forward: dict[str, Any]) -> XapiVersion:
    """The version an LRS receiver is spoken to in (forwards made before there was a choice: 1.0.3)."""
    return version_for_header(forward.get("xapi_version") or XAPI_1_0_3.name) or XAPI_1_0_3


def sent_form(statement: dict[str, Any], version: XapiVersion) -> dict[str, Any]:
    """The statement in the form valid for the receiver's version. Where that form is not the
    statement as stored, its signature goes: the JWS holds the original, which the receiver
    would find does not match, and refuse on every retry."""
    form = returned_form(statement, version)
    if form != statement and any(a["usageType"] == SIGNATURE_USAGE for a in form.get("attachments", ())):
        form["attachments"] = [a for a in form["attachments"] if a["usageType"] != SIGNATURE_USAGE]
        if not form["attachments"]:
            del form["attachments"]
    return form


def lrs_request(
    forward: dict[str, Any], statements: list[dict[str, Any]], attachments: list[AttachmentBody]
) -> tuple[str, bytes, dict[str, Any]]:
    credential = base64.b64encode(f"{forward['key']}:{forward['secret']}".encode()).decode()
    version = receiver_version(forward)
    headers = {VERSION_HEADER: version.name, "Authorization": f"Basic {credential}"}
    # A 2.0 statement sent as stored would be refused by a 1.0.3 receiver (its version, context
    # agents), and would stop the forward's queue for good.
    sent = [sent_form(statement, version) for statement in statements]
    body = dump_json(sent)
    used = {a["sha2"].lower() for statement in sent for a in statement.get("attachments", ())}
    attachments = [a for a in attachments if a.sha2 in used]
    if attachments:
        parts = [({"Content-Type": "application/json"}, body)]
        parts += [
            (
                {
                    "Content-Type": a.content_type,
                    "Content-Transfer-Encoding": "binary",
                    "X-Experience-API-Hash": a.sha2,
                },
                a.data,
            )
            for a in attachments
        ]
        body, headers["Content-Type"] = build_multipart(parts)
    else:
        headers["Content-Type"] = "application/json"
    return f"{forward['url']}/statements", body, headers


def webhook_request(forward: dict[str, Any], statements: list[dict[str, Any]]) -> tuple[str, bytes, dict[str, Any]]:
    body = dump_json({"forward": forward["_id"], "statements": statements})
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(forward["secret"], int(time.time()), body),
        "X-LRS-Forward": forward["_id"],
        "X-LRS-Delivery": str(uuid.uuid4()),
    }
    return forward["url"], body, headers


async def deliver(
    session: aiohttp.ClientSession,
    forward: dict[str, Any],
    statements: list[dict[str, Any]],
    attachments: list[AttachmentBody],
    timeout: float,
) -> None:
    if forward["kind"] == "lrs":
        url, body, headers = lrs_request(forward, statements, attachments)
    else:
        url, body, headers = webhook_request(forward, statements)
    # Also checked here for forwards defined before the rule; a host name is checked as resolved.
    if is_refused_address(urlsplit(url).hostname or ""):
        raise DeliveryFailed(f"{url}: a link-local or metadata address; forwards never send there")
    try:
        async with session.post(
            url, data=body, headers=headers, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            if 200 <= response.status < 300:
                await response.read()
                return
            text = (await response.text(errors="replace"))[:ERROR_TEXT_LIMIT]
            raise DeliveryFailed(f"{url} answered {response.status}: {text}".strip())
    except TimeoutError:
        raise DeliveryFailed(f"{url} did not answer within {timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise DeliveryFailed(f"{url}: {error.__class__.__name__}: {error}") from None
