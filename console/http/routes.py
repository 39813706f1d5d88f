"""Every console route, under /console."""

from __future__ import annotations

import functools

from aiohttp import web
from aiohttp.typedefs import Handler

from cmi5 import content_origin
from cmi5.config import cmi5_settings_key
from console.assets import find_asset
from console.config import console_settings_key
from console.http import courses, credentials, learners, overview, session, statements, system
from console.http.guard import PREFIX, SECURITY_HEADERS


async def get_static(request: web.Request) -> web.Response:
    path, content_type = find_asset(request.match_info["name"], request.app[console_settings_key].assets_dir)
    return web.Response(
        body=path.read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"},
    )


async def get_root(request: web.Request) -> web.Response:
    return web.Response(status=308, headers={"Location": f"{PREFIX}/"})


def off_content_origin(handler: Handler) -> Handler:
    """Every console route: never on the content origin (cmi5.content_origin)."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        content_origin.off_content_origin(request, request.app[cmi5_settings_key].content_url)
        return await handler(request)

    return checked


class ConsoleRouter:
    """app.router's add_get and add_post, with every handler kept off the content origin."""

    def __init__(self, router: web.UrlDispatcher) -> None:
        self.router = router

    def add_get(self, path: str, handler: Handler) -> None:
        self.router.add_get(path, off_content_origin(handler))

    def add_post(self, path: str, handler: Handler) -> None:
        self.router.add_post(path, off_content_origin(handler))


def add_routes(app: web.Application) -> None:
    add = ConsoleRouter(app.router)
    add.add_get(PREFIX, get_root)
    add.add_get(f"{PREFIX}/static/{{name}}", get_static)
    add.add_get(f"{PREFIX}/sign-in", session.get_sign_in)
    add.add_post(f"{PREFIX}/sign-in", session.post_sign_in)
    add.add_post(f"{PREFIX}/sign-out", session.post_sign_out)
    add.add_get(f"{PREFIX}/", overview.get_overview)
    add.add_get(f"{PREFIX}/overview/ingest", overview.get_ingest)
    add.add_get(f"{PREFIX}/statements", statements.get_statements)
    add.add_get(f"{PREFIX}/statements/live", statements.get_live)
    add.add_get(f"{PREFIX}/statements/export.{{kind}}", statements.get_export)
    add.add_get(f"{PREFIX}/courses", courses.get_courses)
    add.add_post(f"{PREFIX}/courses", courses.post_course)
    add.add_get(f"{PREFIX}/courses/{{course}}", courses.get_course)
    add.add_post(f"{PREFIX}/courses/{{course}}/launch", courses.post_launch)
    add.add_get(f"{PREFIX}/learners", learners.get_learners)
    add.add_get(f"{PREFIX}/learner", learners.get_learner)
    add.add_get(f"{PREFIX}/registrations", learners.get_registrations)
    add.add_get(f"{PREFIX}/registrations/{{registration}}", learners.get_registration)
    add.add_post(f"{PREFIX}/registrations/{{registration}}/waive", learners.post_waive)
    add.add_post(f"{PREFIX}/registrations/{{registration}}/abandon", learners.post_abandon)
    add.add_get(f"{PREFIX}/credentials", credentials.get_credentials)
    add.add_post(f"{PREFIX}/credentials", credentials.post_credential)
    add.add_post(f"{PREFIX}/credentials/{{key}}/revoke", credentials.post_revoke)
    add.add_get(f"{PREFIX}/system", system.get_system)
