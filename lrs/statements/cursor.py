"""The `more` IRL: a signed, stateless keyset cursor that any LRS process can continue."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time

from pymongo.errors import DuplicateKeyError

from lrs.db import META, Database
from lrs.errors import InvalidParameter
from lrs.statements.query import Position

SECRET_ID = "cursor-secret"
LIFETIME_SECONDS = 24 * 3600


async def load_cursor_secret(database: Database) -> bytes:
    """One secret per database, so every process signs and checks cursors alike."""
    with contextlib.suppress(DuplicateKeyError):  # another process wrote it first
        await database[META].insert_one({"_id": SECRET_ID, "value": secrets.token_hex(32)})
    document = await database[META].find_one({"_id": SECRET_ID})
    if document is None:  # only if someone deleted it in between
        raise RuntimeError("the cursor secret disappeared from the meta collection")
    return bytes.fromhex(document["value"])


def encode_cursor(secret: bytes, params: dict[str, str], last: Position) -> str:
    payload = {
        "q": params,
        "n": last.seq,
        "t": int(time.time()),
    }
    data = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{data.decode()}.{_sign(secret, data)}"


def decode_cursor(secret: bytes, token: str) -> tuple[dict[str, str], Position]:
    data, _, signature = token.partition(".")
    if not (data + signature).isascii() or not hmac.compare_digest(signature, _sign(secret, data.encode())):
        raise InvalidParameter("more", "is not a cursor issued by this LRS")
    payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    if time.time() - payload["t"] > LIFETIME_SECONDS:
        raise InvalidParameter("more", "has expired (cursors are valid for 24 hours)")
    if "n" not in payload:
        raise InvalidParameter("more", "was issued before this LRS was upgraded; run the query again")
    return payload["q"], Position(payload["n"])


def _sign(secret: bytes, data: bytes) -> str:
    return hmac.new(secret, data, hashlib.sha256).hexdigest()[:32]
