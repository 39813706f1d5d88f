"""Cross-cutting HTTP behaviour: errors, xAPI headers, CORS, alternate syntax, authentication."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict, MultiDict
from pymongo.errors import PyMongoError
from yarl import URL

from lrs.auth.service import authenticate
from lrs.db import is_unavailable
from lrs.errors import BadRequest, LRSError, ServiceUnavailable
from lrs.http import versioning
from lrs.http.access import finish_record, note_credential, start_record
from lrs.http.context import ALTERNATE_BODY, PRINCIPAL, credential_store, read_limited
from lrs.keys import authenticators_key, drain_key, metrics_key
from lrs.statements.service import consistent_through
from lrs.versions import NEWEST, VERSION_HEADER

log = logging.getLogger("lrs.http")
XAPI_PREFIX = "/xapi"
# Sent with every 503 for a database outage: about how long a replica set election takes.
RETRY_AFTER_SECONDS = "5"
# Logged for a request cancelled before it could answer (shutdown timeout), or whose client went
# away while it was answered; nginx's code for it.
CANCELLED_STATUS = 499

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Content-Type, X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
}
# Records change under the same URL (a document, its id list, a statement query): a browser that
# reused an answer heuristically (it has Last-Modified) would show TinCanJS an old one. Learner
# records stay out of shared caches too.
NO_STORE = "no-store"
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language"
    ),
    "Access-Control-Max-Age": "86400",
}
# Alternate request syntax (Communication 1.3): these form fields are really headers.
FORM_HEADERS = (
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
)
# Added to reads by client libraries to defeat caches (@xapi/xapi's useCacheBuster). Unknown
# parameters are 400, but an LRS may recognize its own (Communication 3.2.s3.b7): this one is dropped.
CACHE_BUSTER = "cachebuster"


def xapi_path(request: web.Request) -> str:
    """The path with runs of slashes merged: `/xapi//statements` is `/xapi/statements`."""
    return re.sub("/{2,}", "/", request.path)


def is_xapi(request: web.Request) -> bool:
    path = xapi_path(request)
    return path == XAPI_PREFIX or path.startswith(XAPI_PREFIX + "/")


def error_response(error: LRSError) -> web.Response:
    response = web.json_response(error.to_json(), status=error.status)
    response.headers.update(error.headers)
    return response


def internal_error_response(request: web.Request) -> web.Response:
    error_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
    return web.json_response({"error": "internal error", "detail": f"reference {error_id}"}, status=500)


def database_error_response(request: web.Request, error: PyMongoError) -> web.Response:
    request.app[metrics_key].count_database_error(error)
    if not is_unavailable(error):
        return internal_error_response(request)
    log.warning("database unavailable: %s", error.__class__.__name__)
    return error_response(ServiceUnavailable("the database is unavailable", **{"Retry-After": RETRY_AFTER_SECONDS}))


@web.middleware
async def access_log_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One log line per request; every failure becomes a JSON error, never a stack trace."""
    started = time.perf_counter()
    record = start_record(request)
    drain = request.app[drain_key]
    try:
        with drain.request():
            response = await handler(request)
    except LRSError as error:
        response = error_response(error)
    except PyMongoError as error:
        response = database_error_response(request, error)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = web.json_response(
            {
                "error": error.reason.lower(),
                "detail": error.text if error.text != f"{error.status}: {error.reason}" else "",
            },
            status=error.status,
            headers={k: v for k, v in error.headers.items() if k.lower() in ("allow", "retry-after")},
        )
    except ConnectionResetError:
        # The client went away while its answer was being written (a learner closing a page
        # drops the requests for its files): nothing failed here, and nobody is left to answer.
        finish_record(request, record, CANCELLED_STATUS, time.perf_counter() - started)
        return web.Response(status=CANCELLED_STATUS)
    except Exception:
        response = internal_error_response(request)
    except asyncio.CancelledError:
        finish_record(request, record, CANCELLED_STATUS, time.perf_counter() - started)
        raise
    if drain.draining:
        response.force_close()  # shutting down: the client's next request goes elsewhere
    if is_xapi(request):
        response.headers.update(CORS_HEADERS)
        response.headers.setdefault("Cache-Control", NO_STORE)
        # The version the request was served with (lrs.http.versioning), else the newest.
        response.headers[VERSION_HEADER] = (record.version or NEWEST).name
        if xapi_path(request) == XAPI_PREFIX + "/statements":
            response.headers["X-Experience-API-Consistent-Through"] = consistent_through()
    finish_record(request, record, response.status, time.perf_counter() - started)
    return response


@web.middleware
async def cors_preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return web.Response(status=204, headers={**CORS_HEADERS, **PREFLIGHT_HEADERS})
    return await handler(request)


@web.middleware
async def alternate_request_syntax(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`POST ...?method=PUT` with headers, parameters and content as form fields (Comm. 1.3)."""
    if not is_xapi(request) or "method" not in request.query:
        return await handler(request)
    if request.method != "POST":
        raise BadRequest("the method parameter is only allowed on POST (alternate request syntax)")
    if len(request.query) != 1:
        raise BadRequest("alternate request syntax allows no query parameter but method")
    method = request.query["method"].upper()
    if method not in ("GET", "PUT", "POST", "DELETE", "HEAD"):
        raise BadRequest(f"method parameter {request.query['method']!r} is not an xAPI method")
    if request.content_type != "application/x-www-form-urlencoded":
        raise BadRequest("alternate request syntax needs Content-Type application/x-www-form-urlencoded")
    raw = await read_limited(request)
    try:
        form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadRequest("the form body is not UTF-8") from None
    headers = CIMultiDict(request.headers)
    del headers["Content-Type"]
    query: MultiDict[str] = MultiDict()
    content = b""
    header_names = {h.lower(): h for h in FORM_HEADERS}
    for name, value in form:
        if name == "content":
            content = value.encode("utf-8")
        elif name.lower() in header_names:
            headers[header_names[name.lower()]] = value
        else:
            query.add(name, value)
    headers["Content-Length"] = str(len(content))
    clone = request.clone(method=method, headers=headers, rel_url=request.rel_url.with_query(query))
    clone[ALTERNATE_BODY] = content
    return await handler(clone)


@web.middleware
async def drop_cache_buster(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_xapi(request) or request.method not in ("GET", "HEAD") or CACHE_BUSTER not in request.query:
        return await handler(request)
    query = MultiDict((name, value) for name, value in request.query.items() if name != CACHE_BUSTER)
    return await handler(request.clone(rel_url=request.rel_url.with_query(query)))


def is_open_xapi_call(request: web.Request) -> bool:
    """About and CORS preflights need neither credentials nor a version header."""
    return xapi_path(request) == XAPI_PREFIX + "/about" or request.method == "OPTIONS"


@web.middleware
async def xapi_version(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_xapi(request):
        return await handler(request)
    version = versioning.negotiate(request, needs_version=not is_open_xapi_call(request))
    if version is None:
        await versioning.refuse(request)
    versioning.handle(request, version)
    return await handler(request)


@web.middleware
async def xapi_authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_xapi(request) or is_open_xapi_call(request):
        return await handler(request)
    request[PRINCIPAL] = await authenticate(
        request.headers.get("Authorization"), credential_store(request), request.app[authenticators_key]
    )
    note_credential(request, request[PRINCIPAL].key)
    versioning.remember(request, request[PRINCIPAL].key)
    return await handler(request)


@web.middleware
async def merged_slashes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve `/xapi//statements` as `/xapi/statements`.

    Clients that join an endpoint ending in "/" with "/statements" double the slash. A redirect
    would not do: browsers refuse to follow one in answer to a CORS preflight, and many clients
    do not resend a PUT or POST body after one. So the merged path is routed here, innermost,
    after the outer middlewares judged the request by that same merged path (`xapi_path`).
    """
    if "//" not in request.path or not is_xapi(request):
        return await handler(request)
    url = URL.build(
        path=re.sub("/{2,}", "/", request.rel_url.raw_path), query_string=request.rel_url.raw_query_string, encoded=True
    )
    merged = request.clone(rel_url=url)
    match = await request.app.router.resolve(merged)
    if match.http_exception is not None:
        return await handler(request)
    return await match.handler(merged)


MIDDLEWARES = [
    access_log_and_errors,
    cors_preflight,
    alternate_request_syntax,
    drop_cache_buster,
    xapi_version,
    xapi_authentication,
    merged_slashes,
]
