"""Where uploaded course content (cmi5 AUs, SCORM SCOs and their files) may run: one rule for
both, so that a page from a package never scripts the LRS's own pages (the console, the APIs a
browser holds credentials for).

With LRS_CMI5_CONTENT_URL set, content is served only on that origin (a second host name of this
server; the console is never served there) and asked for on any other host it is a 307 there: that origin is
the boundary, so content keeps its origin (cookies, localStorage, frames that reach their
siblings and the SCORM API in a parent) and carries no sandbox. A CSP sandbox passes from a page
to every frame inside it and forbids a frame to navigate its siblings, which frameset courses do.
Without a content origin, content is served on the LRS's origin inside a sandbox without
allow-same-origin: an opaque origin that can still run scripts and call the LRS through CORS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

# The launch URL holds the one-time fetch URL: never send it on as a Referer.
CONTENT_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
OPAQUE_SANDBOX = {
    "Content-Security-Policy": (
        "sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals "
        "allow-downloads allow-pointer-lock allow-presentation"
    )
}


def on_content_origin(request: web.Request, content_url: str) -> None:
    """Redirect (307) a request for content that arrived on another host than the content origin."""
    if urlsplit(content_url).netloc.lower() != request.host.lower():
        raise web.HTTPTemporaryRedirect(content_url + str(request.rel_url))


def off_content_origin(request: web.Request, content_url: str) -> None:
    """404 for the LRS's own pages asked for on the content origin: there they would share an
    origin with every uploaded page, which could read them (a console session and its CSRF
    token, say)."""
    if content_url and urlsplit(content_url).netloc.lower() == request.host.lower():
        raise web.HTTPNotFound(text="not served on the content origin (LRS_CMI5_CONTENT_URL); use the LRS's address\n")


def isolation(request: web.Request, content_url: str) -> dict[str, str]:
    """The headers that keep a package file away from the LRS's pages, or a redirect to the
    content origin."""
    if not content_url:
        return {**CONTENT_HEADERS, **OPAQUE_SANDBOX}
    on_content_origin(request, content_url)
    return dict(CONTENT_HEADERS)
