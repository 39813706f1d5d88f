"""Version negotiation: which xAPI version's rules handle a request, and which one answers it.

The X-Experience-API-Version header picks the rules (``lrs.versions``), and the answer carries
the version it was served with. A request that names no version served here is refused with
400 (1.0.3 Communication 3.3, 9274.1.1 4.1.7), except at /about and for CORS preflights, which
are answered in the newest version.

Such a refusal still has to say some version. 1.0.3 wants "1.0.3" in every answer and 2.0 its
own latest patch version, so a client gets the version its credential last spoke: a 1.0.3 client
that forgot the header once is answered in 1.0.3. A credential not seen yet gets the newest.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NoReturn

from aiohttp import web

from lrs.auth.service import authenticate
from lrs.errors import BadRequest
from lrs.http.access import note_credential, note_version
from lrs.http.context import ALTERNATE_BODY, XAPI_VERSION, credential_store
from lrs.keys import authenticators_key, last_versions_key
from lrs.versions import NEWEST, SUPPORTED, VERSION_HEADER, XapiVersion, version_for_header

SERVED = ", ".join(version.name for version in SUPPORTED)


class LastVersions:
    """The version each credential last used, for the few most recent credentials."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._versions: OrderedDict[str, XapiVersion] = OrderedDict()

    def remember(self, key: str, version: XapiVersion) -> None:
        self._versions[key] = version
        self._versions.move_to_end(key)
        while len(self._versions) > self.size:
            self._versions.popitem(last=False)

    def recall(self, key: str) -> XapiVersion | None:
        return self._versions.get(key)


def negotiate(request: web.Request, needs_version: bool) -> XapiVersion | None:
    """The version the request names; None when it names none served here."""
    header = request.headers.get(VERSION_HEADER)
    version = version_for_header(header) if header is not None else None
    if version is None and not needs_version:
        return NEWEST
    return version


async def refuse(request: web.Request) -> NoReturn:
    """Refuse a request without a served version, in the version its credential last used."""
    principal = await authenticate(
        request.headers.get("Authorization"), credential_store(request), request.app[authenticators_key]
    )
    note_credential(request, principal.key)
    note_version(request, request.app[last_versions_key].recall(principal.key) or NEWEST)
    header = request.headers.get(VERSION_HEADER)
    if header is None:
        raise BadRequest(f"the {VERSION_HEADER} header is required; this LRS serves {SERVED}")
    raise BadRequest(f"{VERSION_HEADER} {header!r} is not supported; this LRS serves {SERVED}")


def handle(request: web.Request, version: XapiVersion) -> None:
    """Put the request under `version`'s rules."""
    note_version(request, version)
    request[XAPI_VERSION] = version
    if ALTERNATE_BODY in request and not version.alternate_request_syntax:
        raise BadRequest(f"xAPI {version.name} has no alternate request syntax (method parameter)")


def remember(request: web.Request, key: str) -> None:
    """Note the version an authenticated credential speaks."""
    version = request.get(XAPI_VERSION)
    if version is not None:
        request.app[last_versions_key].remember(key, version)
