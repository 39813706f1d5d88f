"""HTTP for the SCORM bridge: package import (LMS), the player and package content (learner's
browser, on the content origin) and the run-time endpoints the player calls (launch token).
Handlers parse, call one service function and render.

Why a separate content origin: a SCO finds its API by walking up to `window.parent.API`
(SCORM 2004: `API_1484_11`), so the SCO's frame and the player must be same-origin with each other. A
sandbox without allow-same-origin gives each of them its own opaque origin (no API), and
allow-same-origin on the LRS's own origin would let uploaded pages script the LRS. So the player
and the package files answer only on the origin of LRS_CMI5_CONTENT_URL (a second host name of
this server that serves nothing else): that origin is what keeps content away from the LRS. They
are not sandboxed besides: any sandbox forbids a frame to navigate its sibling frames, which
frameset SCOs do (a navigation frame loading pages into the content frame beside it), and with
allow-same-origin it guarded nothing the content origin does not. Reached through another host
they redirect there; without that setting they answer 503 saying what to set. The run-time
endpoints answer on any host, to a launch token only; the player calls them on its own origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bridge import packages, player, runtime, sequencing
from bridge.editions import EDITIONS
from cmi5.config import cmi5_settings_key
from cmi5.content_origin import CONTENT_HEADERS, on_content_origin
from cmi5.http import lms_for
from cmi5.sessions import Urls
from lrs.auth.principal import ADMIN
from lrs.auth.service import authenticate
from lrs.errors import BadRequest, NotFound, ServiceUnavailable
from lrs.http import params
from lrs.http.context import (
    base_url,
    credential_store,
    database,
    read_limited,
    require_basic_credential,
    spool_limited,
)
from lrs.http.responses import json_response
from lrs.keys import authenticators_key, settings_key, statement_hooks_key

NO_STORE = {"Cache-Control": "no-store"}


def content_url(request: web.Request) -> str:
    return request.app[cmi5_settings_key].content_url


def require_content_origin(request: web.Request) -> None:
    content = content_url(request)
    if not content:
        raise ServiceUnavailable(
            "SCORM content plays on a separate origin so that it cannot script the LRS: set LRS_CMI5_CONTENT_URL "
            "to a second host name of this server (e.g. http://localhost:8080 when the LRS is http://127.0.0.1:8080)"
        )
    on_content_origin(request, content)


async def require_admin(request: web.Request) -> None:
    # Basic credentials only: a launch token never reaches the LMS API.
    await require_basic_credential(request, ADMIN, "importing and listing SCORM packages (scope all)")


# --- LMS-facing -------------------------------------------------------------------------------


async def post_package(request: web.Request) -> web.Response:
    await require_admin(request)
    base = base_url(request)
    with await spool_limited(request) as upload:
        package = await packages.import_package(
            database(request),
            upload,
            request.content_type,
            request.app[cmi5_settings_key].package_limits,
            base,
            content_url(request) or base,
        )
    return json_response(
        packages.render_package(package), status=201, headers={"Location": f"/scorm/packages/{package['_id']}"}
    )


async def get_packages(request: web.Request) -> web.Response:
    await require_admin(request)
    found = await packages.list_packages(database(request))
    return json_response({"packages": [packages.render_package_summary(p) for p in found]})


async def get_package(request: web.Request) -> web.Response:
    await require_admin(request)
    package = await packages.get_package(database(request), request.match_info["package"])
    return json_response(packages.render_package(package))


# --- the learner's browser --------------------------------------------------------------------


async def get_player(request: web.Request) -> web.Response:
    require_content_origin(request)
    edition = await packages.get_edition(database(request), request.match_info["package"], request.match_info["sco"])
    player.runtime_path(EDITIONS[edition].runtime_file)
    return web.Response(
        body=player.player_page(edition),
        content_type="text/html",
        charset="utf-8",
        headers={**CONTENT_HEADERS, **NO_STORE},
    )


async def get_static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name in player.RUNTIMES:
        return web.Response(
            body=player.runtime_path(player.RUNTIMES[name]).read_bytes(),
            content_type="text/javascript",
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=3600"},
        )
    body = player.player_file(name)
    if body is None:
        raise NotFound(f"no file {name}")
    content_type = "text/css" if name.endswith(".css") else "text/javascript"
    return web.Response(
        body=body, content_type=content_type, charset="utf-8", headers={"X-Content-Type-Options": "nosniff", **NO_STORE}
    )


async def get_content(request: web.Request) -> web.StreamResponse:
    require_content_origin(request)
    stream, content_type = await packages.open_package_file(
        database(request), request.match_info["package"], request.match_info["path"]
    )
    response = web.StreamResponse(
        headers={
            **CONTENT_HEADERS,
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=3600",
        }
    )
    response.content_length = stream.length
    await response.prepare(request)
    if request.method != "HEAD":
        while chunk := await stream.readchunk():
            await response.write(chunk)
    await response.write_eof()
    return response


# --- run-time (launch token) ------------------------------------------------------------------


async def runtime_of(request: web.Request) -> tuple[runtime.Runtime, object]:
    """The body (JSON, sent as text/plain by beacons) and the run-time of its token.

    The token travels in the body (`auth`) because a beacon cannot set headers; an
    Authorization header is accepted too.
    """
    body = params.parse_json(await read_limited(request), "body")
    token = body.get("auth") if isinstance(body, dict) else None
    if token is not None and not isinstance(token, str):
        raise BadRequest("auth: must be the launch's auth token")
    header = f"Basic {token}" if token else request.headers.get("Authorization")
    principal = await authenticate(header, credential_store(request), request.app[authenticators_key])
    found = await runtime.runtime_for(database(request), request.app[statement_hooks_key], principal)
    return found, body


async def post_start(request: web.Request) -> web.Response:
    found, _ = await runtime_of(request)
    return json_response(
        await sequencing.start_player(found, content_url(request) or base_url(request)), headers=NO_STORE
    )


async def post_commit(request: web.Request) -> web.Response:
    found, body = await runtime_of(request)
    return json_response(await runtime.commit(found, body), headers=NO_STORE)


def lms_base(request: web.Request, body: object) -> str:
    """Where the LMS (and its fetch URLs) is reached: LRS_PUBLIC_URL, else the cmi5 `endpoint` the
    player was launched with (it calls us on the content origin), else the host it called."""
    if request.app[settings_key].public_url:
        return request.app[settings_key].public_url
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if isinstance(endpoint, str):
        parts = urlsplit(endpoint)
        if parts.scheme in ("http", "https") and parts.netloc and parts.path.rstrip("/").endswith("/xapi"):
            return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')[: -len('/xapi')]}"
    return base_url(request)


async def post_sequencing(request: web.Request) -> web.Response:
    found, body = await runtime_of(request)
    base = lms_base(request, body)
    urls = Urls(base=base, content=content_url(request) or base)
    return json_response(await sequencing.save_sequencing(found, lms_for(request.app), urls, body), headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/scorm/packages", post_package)
    app.router.add_get("/scorm/packages", get_packages)
    app.router.add_get("/scorm/packages/{package}", get_package)
    app.router.add_get("/scorm/player/{package}/{sco}", get_player)
    app.router.add_get("/scorm/static/{name}", get_static)
    app.router.add_get("/scorm/content/{package}/{path:.+}", get_content)
    app.router.add_post("/scorm/runtime/start", post_start)
    app.router.add_post("/scorm/runtime/commit", post_commit)
    app.router.add_post("/scorm/runtime/sequencing", post_sequencing)
