"""Authentication of requests: Basic credentials, and tokens of plug-ins (cmi5 launches)."""

from __future__ import annotations

import base64
from typing import Protocol

from lrs.auth.credentials import CredentialStore
from lrs.auth.principal import Principal
from lrs.errors import Unauthorized


class Authenticator(Protocol):
    async def authenticate(self, token: str) -> Principal | None:
        """Return the principal for the token after `Basic `, or None if it is not one of ours."""


def split_basic(header: str | None) -> str:
    if not header:
        raise Unauthorized("credentials are required (HTTP Basic)", **{"WWW-Authenticate": 'Basic realm="xAPI"'})
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise Unauthorized("only HTTP Basic authentication is supported", **{"WWW-Authenticate": 'Basic realm="xAPI"'})
    return token.strip()


def decode_basic(token: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


async def authenticate(header: str | None, credentials: CredentialStore, plugins: list[Authenticator]) -> Principal:
    token = split_basic(header)
    for plugin in plugins:
        principal = await plugin.authenticate(token)
        if principal is not None:
            return principal
    pair = decode_basic(token)
    principal = await credentials.verify(*pair) if pair else None
    if principal is None:
        raise Unauthorized("unknown or revoked credentials", **{"WWW-Authenticate": 'Basic realm="xAPI"'})
    return principal
