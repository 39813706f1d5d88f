"""What is recorded about each request: one structured log line and the request metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from lrs.keys import metrics_key
from lrs.logformat import FIELDS
from lrs.metrics import UNMATCHED_ROUTE
from lrs.versions import XapiVersion

log = logging.getLogger("lrs.access")


@dataclass
class RequestRecord:
    """Filled in while a request is handled. The object is shared with the clones that the
    alternate request syntax makes (aiohttp copies request state shallowly), so what inner
    middleware learns, such as the credential key, reaches the outer one that logs."""

    credential: str | None = None
    # The xAPI version the request is served with, once negotiated.
    version: XapiVersion | None = None


RECORD = web.RequestKey("request_record", RequestRecord)


def start_record(request: web.Request) -> RequestRecord:
    record = request[RECORD] = RequestRecord()
    return record


def note_credential(request: web.Request, key: str) -> None:
    record = request.get(RECORD)
    if record is not None:
        record.credential = key


def note_version(request: web.Request, version: XapiVersion) -> None:
    record = request.get(RECORD)
    if record is not None:
        record.version = version


def route_name(request: web.Request) -> str:
    """The route pattern, never the raw path, so that metric labels stay few."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    if resource is None or request.match_info.http_exception is not None:
        return UNMATCHED_ROUTE
    return resource.canonical


def finish_record(request: web.Request, record: RequestRecord, status: int, seconds: float) -> None:
    route = route_name(request)
    request.app[metrics_key].observe_request(request.method, route, status, seconds)
    log.info(
        "request",
        extra={
            FIELDS: {
                "method": request.method,
                "path": request.rel_url.raw_path,  # never the query: it may hold agents' addresses
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "credential": record.credential,
                "remote": request.remote,
                # Behind a load balancer `remote` is the balancer; this is who it says the client is.
                "forwarded_for": request.headers.get("X-Forwarded-For"),
            }
        },
    )
