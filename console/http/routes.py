"""Every console route, under /console."""

from __future__ import annotations

from aiohttp import web

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


def add_routes(app: web.Application) -> None:
    add = app.router
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
