"""What every console page goes through: the session cookie, CSRF, security headers, HTML errors.

`page()` wraps a handler. A page without a session sends the browser to sign in (a script's
request gets 401); every request that is not GET or HEAD must carry the session's CSRF token,
as a form field `csrf` or an `X-CSRF-Token` header, and an `Origin`, when the browser sends
one, of this server; admin pages refuse read-only (`all/read`) sessions with 403.

Every console response carries a strict Content-Security-Policy: scripts, styles and
connections only from this origin (no inline script or style, no eval), no framing, forms
only to this origin. Values are escaped by the templates (autoescape), never here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDictProxy

from console import auth
from console.config import console_settings_key
from lrs.errors import BadRequest, Forbidden, LRSError, Unauthorized
from lrs.http.context import credential_store, database
from lrs.keys import settings_key

log = logging.getLogger(__name__)

PREFIX = "/console"
SESSION_COOKIE = "lrs_console"
SIGN_IN_COOKIE = "lrs_console_sign_in"  # the sign-in form's CSRF token (double submit)
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

OPERATOR = web.RequestKey("console_operator", auth.Operator)
jinja_key = web.AppKey("console_jinja", jinja2.Environment)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_secure(request: web.Request) -> bool:
    """Served over TLS, here or at a proxy in front (whose word only ever adds Secure)."""
    return (
        request.secure
        or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
        or request.app[settings_key].public_url.startswith("https://")
    )


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="Strict", secure=is_secure(request))


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path=PREFIX)


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or "HX-Request" in request.headers


def same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not sent by this browser (old ones, same-origin GETs): the token decides
    host = urlsplit(origin).netloc.lower()
    public = urlsplit(request.app[settings_key].public_url).netloc.lower()
    return host in {request.host.lower(), public} - {""}


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form. A body that does not parse as the form its Content-Type names (a
    multipart body without its boundary, say) is the sender's mistake: a 400, not a 500."""
    try:
        return await request.post()
    except (ValueError, LookupError, RuntimeError) as error:
        # aiohttp: ValueError for a malformed body, LookupError for an unknown charset,
        # RuntimeError for an unknown Content-Transfer-Encoding of a part.
        raise BadRequest(f"the form could not be read ({error})") from None


async def check_csrf(request: web.Request, expected: str) -> None:
    if not same_origin(request):
        raise Forbidden("this request came from another site (Origin); the console refuses it")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await read_form(request)).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not auth.csrf_matches(expected, given):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page and try again")


async def current_operator(request: web.Request) -> auth.Operator | None:
    return await auth.find_operator(
        database(request),
        credential_store(request),
        request.app[console_settings_key],
        request.cookies.get(SESSION_COOKIE),
    )


def page(admin: bool = False, signed_in: bool = True) -> Callable[[Handler], Handler]:
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                response = await run(request, handler, admin, signed_in)
            except LRSError as error:
                response = error_page(request, error)
            if not response.prepared:
                response.headers.update(SECURITY_HEADERS)
                response.headers.setdefault("Cache-Control", "no-store")
            return response

        return guarded

    return wrap


async def run(request: web.Request, handler: Handler, admin: bool, signed_in: bool) -> web.StreamResponse:
    if signed_in:
        operator = await current_operator(request)
        if operator is None:
            if request.method in SAFE_METHODS and not wants_json(request):
                return redirect(f"{PREFIX}/sign-in?next={quote(str(request.rel_url), safe='')}")
            raise Unauthorized("sign in to the console first")
        request[OPERATOR] = operator
        if request.method not in SAFE_METHODS:
            await check_csrf(request, operator.csrf)
        if admin:
            operator.require_admin()
    return await handler(request)


def operator(request: web.Request) -> auth.Operator:
    return request[OPERATOR]


def render(request: web.Request, template: str, context: dict | None = None, status: int = 200) -> web.Response:
    values = {"operator": request.get(OPERATOR), "path": request.path, **(context or {})}
    response = aiohttp_jinja2.render_template(template, request, values, app_key=jinja_key, status=status)
    return response


def error_page(request: web.Request, error: LRSError) -> web.Response:
    if wants_json(request):
        response = web.json_response(error.to_json(), status=error.status)
    else:
        response = render(request, "error.html", {"error": error}, status=error.status)
    response.headers.update(error.headers)
    return response
