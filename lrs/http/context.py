"""Request-scoped state and accessors shared by the handlers."""

from __future__ import annotations

import tempfile

from aiohttp import web

from lrs.auth.credentials import CredentialStore
from lrs.auth.principal import Principal
from lrs.auth.service import authenticate
from lrs.db import Database
from lrs.errors import PayloadTooLarge
from lrs.keys import credential_store_key, database_key, settings_key
from lrs.versions import XapiVersion

# A spooled body stays in memory up to this size, then goes to a temporary file.
SPOOL_IN_MEMORY = 1 << 20
PRINCIPAL = web.RequestKey("principal", Principal)
# The content of an alternate-syntax request (Communication 1.3), which replaces the real body.
ALTERNATE_BODY = web.RequestKey("alternate_body", bytes)
# The xAPI version whose rules handle the request (lrs.http.versioning).
XAPI_VERSION = web.RequestKey("xapi_version", XapiVersion)


async def require_basic_credential(request: web.Request, allowed: set[str], action: str) -> Principal:
    """For the LMS-facing APIs of plug-ins: Basic credentials only, never a plug-in token."""
    caller = await authenticate(request.headers.get("Authorization"), credential_store(request), [])
    caller.require(allowed, action)
    return caller


def base_url(request: web.Request) -> str:
    """LRS_PUBLIC_URL, else the scheme and host the client called."""
    return request.app[settings_key].public_url or f"{request.scheme}://{request.host}"


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def xapi_version(request: web.Request) -> XapiVersion:
    return request[XAPI_VERSION]


def database(request: web.Request) -> Database:
    return request.app[database_key]


def credential_store(request: web.Request) -> CredentialStore:
    return request.app[credential_store_key]


async def read_body(request: web.Request) -> bytes:
    if ALTERNATE_BODY in request:
        return request[ALTERNATE_BODY]
    return await read_limited(request)


async def read_limited(request: web.Request) -> bytes:
    """The raw body, refused past the configured size (without buffering more than that)."""
    limit = request.app[settings_key].max_body_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def spool_limited(request: web.Request) -> tempfile.SpooledTemporaryFile[bytes]:
    """The raw body as a file (for uploads such as package zips), refused past the configured
    size: in memory up to 1 MiB, else in a temporary file, so a large body is never held whole.
    The caller closes it (which removes the file)."""
    limit = request.app[settings_key].max_body_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
    try:
        size = 0
        async for chunk in request.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the body is larger than {limit} bytes")
            spool.write(chunk)
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise
